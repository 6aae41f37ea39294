"""The gradient checker itself: closed forms, the loss, gradient flow, and that it catches known bugs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import lstm, rnn
from engine.activations import softmax
from engine.gradcheck import (
    CrossEntropyLoss,
    gradient_check,
    gradient_flow,
    iter_numerical_gradients,
    loss_and_gradients,
    numerical_gradient,
    parameter_names,
    relative_error,
    sequence_forward,
    verdict,
)

FAST = settings(max_examples=15, deadline=None, derandomize=True)


def random_problem(cell, n_x=3, n_a=4, n_y=3, m=2, T_x=4, seed=0, scale=0.8):
    rng = np.random.default_rng(seed)
    if cell == "rnn":
        shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1), "Wya": (n_y, n_a), "by": (n_y, 1)}
    else:
        shapes = {f"{k}{g}": ((n_a, n_a + n_x) if k == "W" else (n_a, 1)) for g in "fico" for k in "Wb"}
        shapes.update(Wy=(n_y, n_a), by=(n_y, 1))
    parameters = {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.uniform(-1, 1, (n_a, m))
    targets = rng.integers(0, n_y, (m, T_x))
    return x, a0, parameters, targets


# -- relative error and verdicts -------------------------------------------------------
def test_relative_error_closed_forms():
    a = np.array([3.0, 4.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, np.zeros(2)) == 1.0
    assert relative_error(np.zeros(3), np.zeros(3)) == 0.0
    assert relative_error(a, a * (1 + 1e-8)) == pytest.approx(1e-8, rel=1e-6)
    assert relative_error(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(np.sqrt(2))
    with pytest.raises(ValueError, match="shapes differ"):
        relative_error(np.zeros(2), np.zeros(3))


@pytest.mark.parametrize(
    "error, expected",
    [(0.0, "good"), (1e-7, "good"), (2e-7, "acceptable"), (1e-5, "acceptable"), (1e-4, "suspicious"),
     (1e-3, "suspicious"), (2e-3, "wrong"), (float("nan"), "wrong"), (float("inf"), "wrong")],
)  # fmt: skip
def test_verdict_thresholds(error, expected):
    assert verdict(error) == expected


# -- numerical gradients ---------------------------------------------------------------
def test_numerical_gradient_of_closed_forms():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(np.sin(v)), x), np.cos(x), rtol=1e-8, atol=1e-10)
    A = rng.standard_normal((5, 5))
    v = rng.standard_normal(5)
    np.testing.assert_allclose(numerical_gradient(lambda u: u @ A @ u, v), (A + A.T) @ v, rtol=1e-8)
    np.testing.assert_array_equal(x, before)  # the caller's array is left alone


def test_iter_numerical_gradients_counts_and_restores_on_stop():
    arrays = {"p": np.arange(4.0), "q": np.ones((2, 3))}
    originals = {k: v.copy() for k, v in arrays.items()}
    job = iter_numerical_gradients(lambda: float(np.sum(arrays["p"] ** 2) + np.sum(arrays["q"])), arrays)
    assert next(job) == (1, 10)
    assert next(job) == (2, 10)
    job.close()  # stopped mid-way: every element is back where it was
    for name in arrays:
        np.testing.assert_array_equal(arrays[name], originals[name])
    with pytest.raises(ValueError, match="contiguous"):
        next(iter_numerical_gradients(lambda: 0.0, {"t": np.ones((3, 3)).T[:, :2]}))


# -- the loss ----------------------------------------------------------------------------
@pytest.mark.parametrize("steps", ["all", "last"])
def test_cross_entropy_value_and_logit_gradient(steps):
    rng = np.random.default_rng(2)
    n_y, m, T_x = 4, 3, 5
    logits = rng.standard_normal((n_y, m, T_x))
    targets = rng.integers(0, n_y, (m, T_x))
    loss = CrossEntropyLoss(targets, steps)
    y = softmax(logits)
    used = range(T_x) if steps == "all" else [T_x - 1]
    by_hand = -sum(np.log(y[targets[i, t], i, t]) for i in range(m) for t in used) / m
    assert loss.value(y) == pytest.approx(by_hand, rel=1e-13)
    numeric = numerical_gradient(lambda z: loss.value(softmax(z)), logits)
    assert relative_error(loss.dlogits(y), numeric) < 1e-8
    if steps == "last":
        np.testing.assert_array_equal(loss.dlogits(y)[:, :, :-1], 0.0)


def test_cross_entropy_rejects_bad_settings():
    with pytest.raises(ValueError, match="loss steps"):
        CrossEntropyLoss(np.zeros((2, 3), dtype=int), "first")
    with pytest.raises(ValueError, match="targets have shape"):
        CrossEntropyLoss(np.zeros((2, 3), dtype=int)).value(np.full((2, 2, 2), 0.5))
    with pytest.raises(ValueError, match="unknown cell"):
        parameter_names("gru")


# -- whole-loss checks on random shapes --------------------------------------------------
@FAST
@given(
    st.sampled_from(["rnn", "lstm"]),
    st.sampled_from(["all", "last"]),
    st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(2, 3), st.integers(1, 3), st.integers(1, 4)),
    st.integers(0, 2**16),
)
def test_every_gradient_of_the_loss_matches_finite_differences(cell, steps, dims, seed):
    n_x, n_a, n_y, m, T_x = dims
    x, a0, parameters, targets = random_problem(cell, n_x, n_a, n_y, m, T_x, seed)
    check = gradient_check(cell, x, a0, parameters, CrossEntropyLoss(targets, steps))
    assert set(check.rel_errors) == {*parameter_names(cell), "x", "a0"}
    assert check.worst < 1e-6, check.rel_errors


def test_the_check_works_on_copies():
    x, a0, parameters, targets = random_problem("lstm")
    copies = {k: v.copy() for k, v in parameters.items()}
    gradient_check("lstm", x.copy(), a0, parameters, CrossEntropyLoss(targets))
    for name in parameters:
        np.testing.assert_array_equal(parameters[name], copies[name])


# -- gradient flow --------------------------------------------------------------------------
def _loss_with_state_nudge(cell, x, a0, parameters, targets, t, nudge):
    """Last-step loss when a<t> is replaced by a<t> + nudge, run with the course's cell functions."""
    a, c = a0, np.zeros_like(a0)
    for s in range(x.shape[2]):
        if cell == "rnn":
            a, _y, _ = rnn.rnn_cell_forward(x[:, :, s], a, parameters)
        else:
            a, c, _y, _ = lstm.lstm_cell_forward(x[:, :, s], a, c, parameters)
        if s == t:
            a = a + nudge  # the nudged state feeds both the output of step t and the next step
    wy = parameters["Wya" if cell == "rnn" else "Wy"]
    y = softmax(wy @ a + parameters["by"])
    m = x.shape[1]
    return -np.log(y[targets[:, -1], np.arange(m)]).sum() / m


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_gradient_flow_is_the_gradient_with_respect_to_each_state(cell):
    x, a0, parameters, targets = random_problem(cell, T_x=5, seed=4)
    norms, total = gradient_flow(cell, x, a0, parameters, targets)
    assert norms.shape == (5,) and total.shape == (4, 2, 5)
    np.testing.assert_allclose(norms, np.linalg.norm(total, axis=(0, 1)))
    for t in range(5):
        numeric = numerical_gradient(
            lambda e, t=t: _loss_with_state_nudge(cell, x, a0, parameters, targets, t, e), np.zeros((4, 2))
        )
        assert relative_error(total[:, :, t], numeric) < 1e-6, t


def test_small_weights_make_the_rnn_gradient_vanish():
    x, a0, parameters, targets = random_problem("rnn", n_a=6, T_x=20, seed=5, scale=0.2)
    norms, _ = gradient_flow("rnn", x, a0, parameters, targets)
    assert norms[0] < 1e-6 * norms[-1]
    assert np.all(np.diff(np.log(norms[5:])) > 0)  # shrinking geometrically back in time


# -- the check catches the widely copied mistakes --------------------------------------------
def _buggy_rnn_cell_forward(xt, a_prev, parameters):
    a_next = np.tanh(parameters["Wax"] @ xt + parameters["Waa"] @ a_prev + parameters["ba"])
    yt_pred = softmax(parameters["Wya"] @ a_prev + parameters["by"])  # reads the old state
    return a_next, yt_pred, (a_next, a_prev, xt, parameters)


def _buggy_rnn_backward(da, caches):
    cell_caches, x = caches
    parts = [rnn.rnn_cell_backward(da[:, :, t], cell_caches[t]) for t in range(x.shape[2])]  # no da_prev
    return {
        "dx": np.stack([p["dxt"] for p in parts], axis=2),
        "da0": parts[0]["da_prev"],
        **{k: sum(p[k] for p in parts) for k in ("dWax", "dWaa", "dba")},
    }


_correct_lstm_cell_backward = lstm.lstm_cell_backward


def _buggy_lstm_cell_backward(da_next, dc_next, cache):
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    gradients = _correct_lstm_cell_backward(da_next, np.zeros_like(dc_next), cache)  # gates miss dc_next
    gradients["dc_prev"] = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)  # and ft is missing
    return gradients


@pytest.mark.parametrize(
    "cell, module, name, replacement",
    [
        ("rnn", rnn, "rnn_cell_forward", _buggy_rnn_cell_forward),
        ("rnn", rnn, "rnn_backward", _buggy_rnn_backward),
        ("lstm", lstm, "lstm_cell_backward", _buggy_lstm_cell_backward),
    ],
)
def test_the_check_flags_each_tutorial_bug(monkeypatch, cell, module, name, replacement):
    x, a0, parameters, targets = random_problem(cell, T_x=4, seed=6)
    loss = CrossEntropyLoss(targets, "all")
    assert gradient_check(cell, x, a0, parameters, loss).worst < 1e-6
    monkeypatch.setattr(module, name, replacement)
    assert gradient_check(cell, x, a0, parameters, loss).worst > 1e-3


def test_analytic_gradients_are_keyed_by_array_name():
    x, a0, parameters, targets = random_problem("lstm")
    value, gradients = loss_and_gradients("lstm", x, a0, parameters, CrossEntropyLoss(targets))
    assert value > 0
    assert list(gradients) == [*parameter_names("lstm"), "x", "a0"]
    for name in parameter_names("lstm"):
        assert gradients[name].shape == parameters[name].shape
    a, y, _ = sequence_forward("lstm", x, a0, parameters)
    assert a.shape == (4, 2, 4) and y.shape == (3, 2, 4)
