"""The course's RNN functions: published values, finite differences, and the tutorial bugs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.activations import softmax
from engine.gradcheck import numerical_gradient, relative_error
from engine.rnn import rnn_backward, rnn_cell_backward, rnn_cell_forward, rnn_forward

FAST = settings(max_examples=15, deadline=None, derandomize=True)


def course_parameters(order):
    """Draw the named arrays with np.random.randn in the order the notebook does."""
    shapes = {"Waa": (5, 5), "Wax": (5, 3), "Wya": (2, 5), "ba": (5, 1), "by": (2, 1)}
    return {name: np.random.randn(*shapes[name]) for name in order}


def random_parameters(rng, n_x, n_a, n_y, scale=0.7):
    return {
        "Wax": scale * rng.standard_normal((n_a, n_x)),
        "Waa": scale * rng.standard_normal((n_a, n_a)),
        "Wya": scale * rng.standard_normal((n_y, n_a)),
        "ba": scale * rng.standard_normal((n_a, 1)),
        "by": scale * rng.standard_normal((n_y, 1)),
    }


def assert_gradient(analytic, numeric, name):
    assert analytic.shape == numeric.shape, name
    assert relative_error(analytic, numeric) < 1e-6, f"{name}: rel err {relative_error(analytic, numeric):.2e}"


shapes = st.tuples(
    st.integers(1, 4),  # n_x
    st.integers(1, 4),  # n_a
    st.integers(1, 3),  # n_y
    st.integers(1, 3),  # m
    st.integers(1, 4),  # T_x
    st.integers(0, 2**16),  # seed
)


# -- the course's published values ---------------------------------------------------
def test_rnn_cell_forward_matches_the_course():
    np.random.seed(1)
    xt = np.random.randn(3, 10)
    a_prev = np.random.randn(5, 10)
    parameters = course_parameters(["Waa", "Wax", "Wya", "ba", "by"])
    a_next, yt_pred, cache = rnn_cell_forward(xt, a_prev, parameters)
    np.testing.assert_allclose(
        a_next[4],
        [0.59584544, 0.18141802, 0.61311866, 0.99808218, 0.85016201, 0.99980978, -0.18887155, 0.99815551, 0.6531151, 0.82872037],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        yt_pred[1],
        [0.9888161, 0.01682021, 0.21140899, 0.36817467, 0.98988387, 0.88945212, 0.36920224, 0.9966312, 0.9982559, 0.17746526],
        atol=1e-8,
    )
    assert a_next.shape == (5, 10) and yt_pred.shape == (2, 10)
    assert len(cache) == 4 and cache[1] is a_prev and cache[2] is xt and cache[3] is parameters


def test_rnn_forward_matches_the_course():
    np.random.seed(1)
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    parameters = course_parameters(["Waa", "Wax", "Wya", "ba", "by"])
    a, y_pred, caches = rnn_forward(x, a0, parameters)
    np.testing.assert_allclose(a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267], atol=1e-8)
    np.testing.assert_allclose(y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947], atol=1e-8)
    assert a.shape == (5, 10, 4) and y_pred.shape == (2, 10, 4)
    cell_caches, x_cached = caches
    assert len(cell_caches) == 4 and x_cached is x


def test_rnn_backward_matches_the_course():
    # Note the notebook's order here: Wax before Waa.
    np.random.seed(1)
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    parameters = course_parameters(["Wax", "Waa", "Wya", "ba", "by"])
    _a, _y, caches = rnn_forward(x, a0, parameters)
    da = np.random.randn(5, 10, 4)
    gradients = rnn_backward(da, caches)
    assert set(gradients) == {"dx", "da0", "dWax", "dWaa", "dba"}
    np.testing.assert_allclose(gradients["dx"][1][2], [-2.07101689, -0.59255627, 0.02466855, 0.01483317], atol=1e-8)
    assert gradients["da0"][2][3] == pytest.approx(-0.314942375127, abs=1e-11)
    assert gradients["dWax"][3][1] == pytest.approx(11.2641044965, abs=1e-9)
    assert gradients["dWaa"][1][2] == pytest.approx(2.30333312658, abs=1e-10)
    np.testing.assert_allclose(gradients["dba"][4], [-0.74747722], atol=1e-8)
    shapes_ = {k: v.shape for k, v in gradients.items()}
    assert shapes_ == {"dx": (3, 10, 4), "da0": (5, 10), "dWax": (5, 3), "dWaa": (5, 5), "dba": (5, 1)}


# -- finite differences on random shapes ---------------------------------------------
@FAST
@given(shapes)
def test_rnn_cell_backward_matches_finite_differences(dims):
    n_x, n_a, n_y, m, _T, seed = dims
    rng = np.random.default_rng(seed)
    arrays = {"xt": rng.standard_normal((n_x, m)), "a_prev": rng.standard_normal((n_a, m))}
    arrays.update(random_parameters(rng, n_x, n_a, n_y))
    weight = rng.standard_normal((n_a, m))  # L = Σ weight * a_next, so dL/da_next = weight

    def loss(values):
        a_next, _y, _c = rnn_cell_forward(values["xt"], values["a_prev"], values)
        return float(np.sum(weight * a_next))

    _a, _y, cache = rnn_cell_forward(arrays["xt"], arrays["a_prev"], arrays)
    gradients = rnn_cell_backward(weight, cache)
    assert set(gradients) == {"dxt", "da_prev", "dWax", "dWaa", "dba"}
    for name in ("xt", "a_prev", "Wax", "Waa", "ba"):
        numeric = numerical_gradient(lambda v, name=name: loss({**arrays, name: v}), arrays[name])
        assert_gradient(gradients["d" + name], numeric, name)


@FAST
@given(shapes)
def test_rnn_backward_matches_finite_differences(dims):
    n_x, n_a, n_y, m, T_x, seed = dims
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.standard_normal((n_x, m, T_x)), "a0": rng.standard_normal((n_a, m))}
    arrays.update(random_parameters(rng, n_x, n_a, n_y))
    da = rng.standard_normal((n_a, m, T_x))  # L = Σ da * a, so da is exactly dL/da<t> as the loss sees it

    def loss(values):
        return float(np.sum(da * rnn_forward(values["x"], values["a0"], values)[0]))

    gradients = rnn_backward(da, rnn_forward(arrays["x"], arrays["a0"], arrays)[2])
    for name in ("x", "a0", "Wax", "Waa", "ba"):
        numeric = numerical_gradient(lambda v, name=name: loss({**arrays, name: v}), arrays[name])
        assert_gradient(gradients["d" + name], numeric, name)


def test_rnn_forward_is_the_cell_repeated():
    rng = np.random.default_rng(3)
    p = random_parameters(rng, 2, 3, 2)
    x = rng.standard_normal((2, 4, 5))
    a0 = rng.standard_normal((3, 4))
    a, y_pred, _ = rnn_forward(x, a0, p)
    a_t = a0
    for t in range(5):
        a_t, y_t, _ = rnn_cell_forward(x[:, :, t], a_t, p)
        np.testing.assert_array_equal(a[:, :, t], a_t)
        np.testing.assert_array_equal(y_pred[:, :, t], y_t)


# -- the widely copied mistakes ------------------------------------------------------
def test_output_is_computed_from_the_new_state():
    """With Wax = Waa = 0 and ba = 0 the new state is 0, so y must be softmax(by) whatever a_prev is.

    A version that reads a_prev would give softmax(Wya a_prev + by) instead.
    """
    rng = np.random.default_rng(0)
    p = random_parameters(rng, 3, 4, 3)
    p.update(Wax=np.zeros((4, 3)), Waa=np.zeros((4, 4)), ba=np.zeros((4, 1)))
    a_prev = rng.standard_normal((4, 6))
    a_next, yt_pred, _ = rnn_cell_forward(rng.standard_normal((3, 6)), a_prev, p)
    np.testing.assert_array_equal(a_next, 0.0)
    np.testing.assert_allclose(yt_pred, np.repeat(softmax(p["by"]), 6, axis=1), atol=1e-15)
    assert not np.allclose(yt_pred, softmax(p["Wya"] @ a_prev + p["by"]))


def test_gradient_of_the_last_step_reaches_the_first():
    """da nonzero only at the last step: every earlier dx must still be nonzero and right.

    A backward pass that feeds each step only da[:, :, t] (dropping da_prev) leaves them zero.
    """
    rng = np.random.default_rng(5)
    n_x, n_a, m, T_x = 2, 3, 2, 5
    p = random_parameters(rng, n_x, n_a, 2, scale=0.9)
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    da = np.zeros((n_a, m, T_x))
    da[:, :, -1] = rng.standard_normal((n_a, m))
    gradients = rnn_backward(da, rnn_forward(x, a0, p)[2])

    def loss(x_):
        return float(np.sum(da * rnn_forward(x_, a0, p)[0]))

    numeric = numerical_gradient(loss, x)
    assert np.all(np.linalg.norm(gradients["dx"][:, :, :-1], axis=(0, 1)) > 1e-6)
    assert_gradient(gradients["dx"], numeric, "dx")
    assert np.linalg.norm(gradients["da0"]) > 1e-6
