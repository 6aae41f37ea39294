"""The fused whole-sequence layers (engine/sequence.py) against independent truth.

1. Gradients against centred finite differences of a scalar loss, for every
   parameter, the inputs and both initial states, with and without padding masks.
2. The same states, outputs and gradients as the course-shaped functions in
   engine/rnn.py and engine/lstm.py once their weights are mapped.
3. Padding: a padded row behaves exactly like the unpadded sequence run alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.activations import softmax
from engine.gradcheck import iter_numerical_gradients, relative_error
from engine.jobs import run_job
from engine.sequence import (
    LSTMLayer,
    RNNLayer,
    lstm_params_from_course,
    lstm_params_to_course,
    make_layer,
    rnn_params_from_course,
    rnn_params_to_course,
    scatter_rows,
)

CELLS = ("rnn", "lstm")


def numerical_gradient(f, array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Centred differences of ``f()`` for every element of ``array`` (perturbed in place)."""
    return run_job(iter_numerical_gradients(f, {"array": array}, h=eps))["array"]


def random_problem(cell: str, T=5, m=3, n_x=4, n_a=6, seed=0, masked=False):
    rng = np.random.default_rng(seed)
    layer = make_layer(cell, n_x, n_a, np.float64)
    params = layer.init_params(rng)
    params = {k: v + 0.3 * rng.standard_normal(v.shape) for k, v in params.items()}  # no special values
    data = {
        "x": rng.standard_normal((T, m, n_x)),
        "h0": 0.5 * rng.standard_normal((m, n_a)),
        "c0": 0.5 * rng.standard_normal((m, n_a)),
    }
    mask = np.ones((T, m))
    if masked:  # rows of different lengths, padded at the end
        lengths = rng.integers(1, T + 1, size=m)
        lengths[0] = T
        mask = (np.arange(T)[:, None] < lengths[None, :]).astype(float)
    weights = {  # the loss is a fixed random linear function of every output and final state
        "h": rng.standard_normal((T, m, n_a)),
        "h_last": rng.standard_normal((m, n_a)),
        "c_last": rng.standard_normal((m, n_a)),
    }
    return layer, params, data, mask, weights


def run_loss(layer, params, data, mask, weights) -> float:
    state = {"c0": data["c0"]} if layer.has_cell else {}
    h = layer.forward(params, data["x"], h0=data["h0"], mask=mask, **state)
    loss = np.sum(h * weights["h"]) + np.sum(layer.h_last * weights["h_last"])
    if layer.has_cell:
        loss += np.sum(layer.c_last * weights["c_last"])
    return float(loss)


def run_backward(layer, params, data, mask, weights) -> dict:
    run_loss(layer, params, data, mask, weights)
    extra = {"dc_last": weights["c_last"]} if layer.has_cell else {}
    return layer.backward(params, weights["h"], dh_last=weights["h_last"], **extra)


@pytest.mark.parametrize("masked", [False, True], ids=["full", "padded"])
@pytest.mark.parametrize("cell", CELLS)
def test_gradients_match_finite_differences(cell, masked):
    layer, params, data, mask, weights = random_problem(cell, masked=masked, seed=3)
    grads = run_backward(layer, params, data, mask, weights)
    arrays = {**params, "x": data["x"], "h0": data["h0"]}
    if layer.has_cell:
        arrays["c0"] = data["c0"]
    for name, array in arrays.items():
        numeric = numerical_gradient(lambda: run_loss(layer, params, data, mask, weights), array)
        err = relative_error(grads[name], numeric)
        assert err < 1e-7, f"{cell} d{name}: relative error {err:.2e}"


@pytest.mark.parametrize("cell", CELLS)
def test_projection_inputs_give_the_same_states_and_gradients(cell):
    """Passing x Wx + b ready-made (as the Names model does) is the same layer."""
    layer, params, data, mask, weights = random_problem(cell, masked=True, seed=5)
    grads = run_backward(layer, params, data, mask, weights)
    h_ref = layer.forward(params, data["x"], h0=data["h0"], mask=mask, **({"c0": data["c0"]} if cell == "lstm" else {})).copy()

    xp = data["x"] @ params["Wx"] + params["b"]
    recurrent = {"Wh": params["Wh"]}
    state = {"c0": data["c0"]} if cell == "lstm" else {}
    h = layer.forward(recurrent, xp=xp, h0=data["h0"], mask=mask, **state)
    np.testing.assert_allclose(h, h_ref, rtol=1e-12, atol=1e-12)
    extra = {"dc_last": weights["c_last"]} if cell == "lstm" else {}
    g = layer.backward(recurrent, weights["h"], dh_last=weights["h_last"], **extra)
    dxp = g["xp"]
    np.testing.assert_allclose(g["Wh"], grads["Wh"], rtol=1e-10)
    np.testing.assert_allclose(np.einsum("tmi,tmk->ik", data["x"], dxp), grads["Wx"], rtol=1e-10)
    np.testing.assert_allclose(dxp.sum(axis=(0, 1)), grads["b"], rtol=1e-10)


@pytest.mark.parametrize("cell", CELLS)
def test_a_padded_row_is_the_short_sequence_run_alone(cell):
    T, m, n_x, n_a = 7, 3, 3, 5
    layer, params, data, _, weights = random_problem(cell, T=T, m=m, n_x=n_x, n_a=n_a, seed=11)
    lengths = np.array([7, 4, 2])
    mask = (np.arange(T)[:, None] < lengths[None, :]).astype(float)
    weights["h"] *= mask[:, :, None]  # the loss reads no padded output
    grads = run_backward(layer, params, data, mask, weights)
    h_all = layer.forward(params, data["x"], h0=data["h0"], mask=mask, **({"c0": data["c0"]} if cell == "lstm" else {}))
    h_all, h_last = h_all.copy(), layer.h_last.copy()

    total = {k: np.zeros_like(v) for k, v in params.items()}
    alone = make_layer(cell, n_x, n_a, np.float64)
    for row, length in enumerate(lengths):
        sub = {
            "x": data["x"][:length, row : row + 1],
            "h0": data["h0"][row : row + 1],
            "c0": data["c0"][row : row + 1],
        }
        w = {"h": weights["h"][:length, row : row + 1], "h_last": weights["h_last"][row : row + 1],
             "c_last": weights["c_last"][row : row + 1]}
        g = run_backward(alone, params, sub, np.ones((length, 1)), w)
        h = alone.forward(params, sub["x"], h0=sub["h0"], **({"c0": sub["c0"]} if cell == "lstm" else {}))
        np.testing.assert_allclose(h[:, 0], h_all[:length, row], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(alone.h_last[0], h_last[row], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(h_all[length:, row], np.broadcast_to(h_last[row], (T - length, n_a)))
        np.testing.assert_allclose(g["h0"][0], grads["h0"][row], rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(g["x"][:, 0], grads["x"][:length, row], rtol=1e-10, atol=1e-14)
        for k in total:
            total[k] += g[k]
    assert np.all(grads["x"][lengths[2]:, 2] == 0)  # no gradient reaches padding
    for k in total:
        np.testing.assert_allclose(grads[k], total[k], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("cell", CELLS)
def test_float32_agrees_with_float64(cell):
    layer64, params, data, mask, weights = random_problem(cell, T=12, m=8, n_x=10, n_a=16, masked=True, seed=2)
    g64 = run_backward(layer64, params, data, mask, weights)
    h64 = layer64.forward(params, data["x"], h0=data["h0"], mask=mask).copy()
    layer32 = make_layer(cell, 10, 16, np.float32)
    p32 = {k: v.astype(np.float32) for k, v in params.items()}
    d32 = {k: v.astype(np.float32) for k, v in data.items()}
    w32 = {k: v.astype(np.float32) for k, v in weights.items()}
    g32 = run_backward(layer32, p32, d32, mask, w32)
    h32 = layer32.forward(p32, d32["x"], h0=d32["h0"], mask=mask)
    assert h32.dtype == np.float32
    assert relative_error(h32.astype(np.float64), h64) < 1e-5
    for k in ("Wx", "Wh", "b", "x", "h0"):
        assert g32[k].dtype == np.float32
        assert relative_error(g32[k].astype(np.float64), g64[k]) < 1e-4, k


@pytest.mark.parametrize("cell", CELLS)
def test_buffers_are_reused_across_batch_sizes_and_lengths(cell):
    """Alternating shapes (training and validation batches) never mixes up results."""
    layer = make_layer(cell, 3, 4, np.float64)
    params = layer.init_params(np.random.default_rng(0))
    rng = np.random.default_rng(1)
    inputs = [rng.standard_normal(shape) for shape in ((5, 2, 3), (9, 2, 3), (3, 6, 3), (5, 2, 3))]
    expected = [make_layer(cell, 3, 4).forward(params, x).copy() for x in inputs]
    for x, want in zip(inputs * 2, expected * 2, strict=True):
        np.testing.assert_allclose(layer.forward(params, x), want, rtol=1e-14)


def test_bad_shapes_and_dtypes_are_refused():
    layer = RNNLayer(3, 4, np.float32)
    params = layer.init_params(np.random.default_rng(0))
    with pytest.raises(ValueError, match="float32"):
        layer.forward({k: v.astype(np.float64) for k, v in params.items()}, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="n_x"):
        layer.forward(params, np.zeros((2, 1, 5), np.float32))
    with pytest.raises(ValueError, match="mask"):
        layer.forward(params, np.zeros((2, 1, 3), np.float32), mask=np.ones((3, 1)))
    with pytest.raises(ValueError, match="h0"):
        layer.forward(params, np.zeros((2, 1, 3), np.float32), h0=np.zeros((1, 5)))
    with pytest.raises(ValueError, match="float32 or float64"):
        LSTMLayer(3, 4, np.int32)
    with pytest.raises(ValueError, match="cell"):
        make_layer("gru", 3, 4)


@pytest.mark.parametrize("n_rows", [5, 300])  # one-hot product and sort-and-reduce branches
def test_scatter_rows_sums_like_add_at(n_rows):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, n_rows, size=400)
    values = rng.standard_normal((400, 7))
    expected = np.zeros((n_rows, 7))
    np.add.at(expected, rows, values)
    np.testing.assert_allclose(scatter_rows(rows, values, n_rows), expected, rtol=1e-12, atol=1e-12)


def test_course_parameter_mapping_round_trips():
    rng = np.random.default_rng(0)
    n_a, n_x = 5, 3
    lstm_course = {f"W{g}": rng.standard_normal((n_a, n_a + n_x)) for g in "fico"}
    lstm_course |= {f"b{g}": rng.standard_normal((n_a, 1)) for g in "fico"}
    back = lstm_params_to_course(lstm_params_from_course(lstm_course))
    for k, v in back.items():
        np.testing.assert_array_equal(v, lstm_course[k])
    rnn_course = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
                  "ba": rng.standard_normal((n_a, 1))}
    for k, v in rnn_params_to_course(rnn_params_from_course(rnn_course)).items():
        np.testing.assert_array_equal(v, rnn_course[k])


# -- agreement with the course-shaped functions ------------------------------------
def _course_problem(cell: str, seed=1, n_x=3, n_a=5, n_y=2, m=10, T=4):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_x, m, T))
    a0 = rng.standard_normal((n_a, m))
    if cell == "rnn":
        p = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
             "Wya": rng.standard_normal((n_y, n_a)), "ba": rng.standard_normal((n_a, 1)),
             "by": rng.standard_normal((n_y, 1))}
    else:
        p = {f"W{g}": 0.5 * rng.standard_normal((n_a, n_a + n_x)) for g in "fico"}
        p |= {f"b{g}": rng.standard_normal((n_a, 1)) for g in "fico"}
        p |= {"Wy": rng.standard_normal((n_y, n_a)), "by": rng.standard_normal((n_y, 1))}
    da = rng.standard_normal((n_a, m, T))
    return x, a0, p, da


def _to_rows(a: np.ndarray) -> np.ndarray:
    """(n, m, T) course layout -> (T, m, n)."""
    return np.ascontiguousarray(a.transpose(2, 1, 0))


def test_rnn_fast_path_equals_course_functions():
    rnn = pytest.importorskip("engine.rnn")
    x, a0, p, da = _course_problem("rnn")
    a, y_pred, caches = rnn.rnn_forward(x, a0, p)
    course = rnn.rnn_backward(da, caches)

    layer = RNNLayer(x.shape[0], a0.shape[0], np.float64)
    params = rnn_params_from_course(p)
    h = layer.forward(params, _to_rows(x), h0=a0.T)
    y = softmax(h @ p["Wya"].T + p["by"][:, 0], axis=-1)
    np.testing.assert_allclose(h, _to_rows(a), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(y, _to_rows(y_pred), rtol=1e-12, atol=1e-14)

    g = layer.backward(params, _to_rows(da))
    mapped = rnn_params_to_course({"Wx": g["Wx"], "Wh": g["Wh"], "b": g["b"]})
    np.testing.assert_allclose(_to_rows(course["dx"]), g["x"], rtol=1e-10)
    np.testing.assert_allclose(course["da0"], g["h0"].T, rtol=1e-10)
    for ours, theirs in (("Wax", "dWax"), ("Waa", "dWaa"), ("ba", "dba")):
        np.testing.assert_allclose(mapped[ours], course[theirs], rtol=1e-10)


def test_lstm_fast_path_equals_course_functions():
    lstm = pytest.importorskip("engine.lstm")
    x, a0, p, da = _course_problem("lstm")
    a, y_course, c, caches = lstm.lstm_forward(x, a0, p)
    course = lstm.lstm_backward(da, caches)

    layer = LSTMLayer(x.shape[0], a0.shape[0], np.float64)
    params = lstm_params_from_course(p)
    h = layer.forward(params, _to_rows(x), h0=a0.T)  # the course's c<0> is zero, as is ours by default
    np.testing.assert_allclose(h, _to_rows(a), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.c, _to_rows(c), rtol=1e-12, atol=1e-14)
    y = softmax(h @ p["Wy"].T + p["by"][:, 0], axis=-1)
    np.testing.assert_allclose(y, _to_rows(y_course), rtol=1e-12, atol=1e-14)

    g = layer.backward(params, _to_rows(da))
    mapped = lstm_params_to_course({"Wx": g["Wx"], "Wh": g["Wh"], "b": g["b"]})
    np.testing.assert_allclose(_to_rows(course["dx"]), g["x"], rtol=1e-10)
    np.testing.assert_allclose(course["da0"], g["h0"].T, rtol=1e-10)
    for gate in "fico":
        np.testing.assert_allclose(mapped[f"W{gate}"], course[f"dW{gate}"], rtol=1e-10, err_msg=f"dW{gate}")
        np.testing.assert_allclose(mapped[f"b{gate}"], course[f"db{gate}"], rtol=1e-10, err_msg=f"db{gate}")
