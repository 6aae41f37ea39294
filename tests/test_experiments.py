"""Gradient-flow experiments: the curves are the true gradients, and each shows the lesson it claims."""

import numpy as np
import pytest

from engine import experiments
from engine.experiments import (
    EXPERIMENTS,
    exploding,
    run_experiment,
    saturation,
    saturation_share,
    step_factor,
    vanishing,
)
from engine.gradcheck import gradient_flow, numerical_gradient


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_curves_are_the_gradient_the_checked_code_computes(cell):
    x, a0, targets = experiments._problem(20, 4, 2.0)
    parameters = experiments._weights(cell, 4, 1.5, forget_bias=2.0)
    curve = experiments._flow(cell, x, a0, parameters, targets, "curve")
    every_step = np.repeat(targets[:, None], 20, axis=1)  # only the last step counts in gradient_flow
    reference, _ = gradient_flow(cell, x, a0, parameters, every_step)
    np.testing.assert_allclose(curve.norms, reference, rtol=1e-10)
    assert curve.factor == pytest.approx((reference[0] / reference[-1]) ** (1 / 19))


def test_cell_gradient_matches_centred_differences():
    """||dL/dc<t>|| of the LSTM curve against differences of the loss in c<t> (perturbing the cell directly)."""
    from engine import lstm
    from engine.activations import softmax

    T = 6
    x, a0, targets = experiments._problem(T, 2, 1.0)
    p = experiments._weights("lstm", 2, 1.0, 1.0)
    curve = experiments._flow("lstm", x, a0, p, targets, "lstm")
    m = x.shape[1]

    def loss_from(t, c_t):
        """Run the LSTM from step t+1 with c<t> replaced (and a<t> = o<t> tanh(c<t>) with it); the last step's loss."""
        c = c_t.reshape(c_states[:, :, t].shape)
        a = caches[t][7] * np.tanh(c)
        for s in range(t + 1, T):
            a, c, _y, _cache = lstm.lstm_cell_forward(x[:, :, s], a, c, p)
        y = softmax(p["Wy"] @ a + p["by"])
        return -np.log(y[targets, np.arange(m)]).mean()

    _a, _y, c_states, (caches, _x) = lstm.lstm_forward(x, a0, p)
    for t in (0, 3, T - 1):
        numeric = numerical_gradient(lambda c, t=t: loss_from(t, c), c_states[:, :, t])
        assert curve.cell_norms[t] == pytest.approx(np.linalg.norm(numeric), rel=1e-6)


def test_step_factor_and_saturation_share():
    assert step_factor(np.array([8.0, 4.0, 2.0, 1.0])) == pytest.approx(2.0)
    assert step_factor(np.array([1.0, 10.0, 100.0])) == pytest.approx(0.1)
    assert saturation_share(tanh_outputs=[np.array([0.0, 0.5, 0.99, -0.999])]) == 0.5
    assert saturation_share(sigmoid_outputs=[np.array([0.5, 0.999, 0.001, 0.9])]) == 0.5


def test_vanishing_the_lstm_keeps_orders_of_magnitude_more_gradient():
    result = vanishing(steps=50, forget_bias=3.0)
    rnn, lstm_0, lstm_3 = result.curves
    assert [c.cell for c in result.curves] == ["rnn", "lstm", "lstm"]
    assert all(c.norms.shape == (50,) for c in result.curves)
    assert rnn.factor < 0.8 and rnn.kept < 1e-6  # the RNN's gradient vanishes
    assert lstm_3.kept > 1e3 * rnn.kept  # orders of magnitude more over 50 steps
    assert lstm_3.factor > 0.95
    assert lstm_0.forget_mean == pytest.approx(0.5, abs=0.05)  # sigmoid(0): the cell halves its memory
    assert lstm_3.forget_mean > 0.9
    assert lstm_0.kept < lstm_3.kept
    assert rnn.forget_mean is None and rnn.cell_norms is None
    assert "forget" in result.caption and "keeps" in result.summary


def test_vanishing_more_forget_bias_keeps_more_gradient():
    kept = [vanishing(steps=60, forget_bias=b).curves[-1].kept for b in (0.0, 1.0, 3.0, 5.0)]
    assert kept == sorted(kept) and kept[-1] > 1e6 * kept[0]


def test_exploding_grows_and_clipping_bounds_it():
    result = exploding(scale=3.0, clip=1.0)
    free, clipped = result.curves
    assert free.factor > 1.05 and free.kept > 100  # grows geometrically going back
    assert not free.clipped and clipped.clipped
    n_elements = 16 * 8  # n_a units × m sequences
    assert clipped.norms.max() <= np.sqrt(n_elements) * 1.0 + 1e-12
    assert clipped.norms.max() < free.norms.max() / 100
    assert clipped.parameter_norm < free.parameter_norm / 100
    assert "clip" in result.caption


def test_saturation_shrinks_the_factor():
    result = saturation(input_scale=8.0)
    calm_rnn, calm_lstm, hot_rnn, hot_lstm = result.curves
    assert hot_rnn.saturation > calm_rnn.saturation + 0.3
    assert hot_lstm.saturation > calm_lstm.saturation + 0.1
    assert hot_rnn.factor < 0.6 * calm_rnn.factor
    assert hot_lstm.factor < calm_lstm.factor
    assert "flat" in result.caption


def test_every_experiment_runs_by_name_with_its_defaults():
    for name, (title, controls) in EXPERIMENTS.items():
        settings = {c.name: c.default for c in controls}
        result = run_experiment(name, **settings)
        assert result.name == name and result.title == title
        assert result.caption and result.summary and result.curves
        assert all(np.all(np.isfinite(c.norms)) and c.norms.min() > 0 for c in result.curves)
        for control in controls:  # the extremes of each control work too
            for value in (control.low, control.high):
                run_experiment(name, **{**settings, control.name: value})


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: vanishing(steps=1), "number of steps"),
        (lambda: vanishing(forget_bias=float("nan")), "forget-gate bias"),
        (lambda: exploding(scale="big"), "weight scale"),
        (lambda: saturation(input_scale=-1), "input scale"),
        (lambda: run_experiment("chaos"), "Unknown experiment"),
    ],
)
def test_bad_settings_are_refused_with_a_sentence(call, message):
    with pytest.raises(ValueError, match=message):
        call()
