"""The course's LSTM functions: published values, finite differences, and the tutorial bugs."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.activations import sigmoid
from engine.gradcheck import numerical_gradient, relative_error
from engine.lstm import lstm_backward, lstm_cell_backward, lstm_cell_forward, lstm_forward

FAST = settings(max_examples=15, deadline=None, derandomize=True)
GATE_PARAMETERS = ("Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo")


def course_parameters():
    """The notebook's draw order: Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by."""
    shapes = [("Wf", (5, 8)), ("bf", (5, 1)), ("Wi", (5, 8)), ("bi", (5, 1)), ("Wo", (5, 8)), ("bo", (5, 1)),
              ("Wc", (5, 8)), ("bc", (5, 1)), ("Wy", (2, 5)), ("by", (2, 1))]  # fmt: skip
    return {name: np.random.randn(*shape) for name, shape in shapes}


def random_parameters(rng, n_x, n_a, n_y, scale=0.7):
    p = {}
    for g in "fico":
        p[f"W{g}"] = scale * rng.standard_normal((n_a, n_a + n_x))
        p[f"b{g}"] = scale * rng.standard_normal((n_a, 1))
    p["Wy"] = scale * rng.standard_normal((n_y, n_a))
    p["by"] = scale * rng.standard_normal((n_y, 1))
    return p


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
def test_lstm_cell_forward_matches_the_course():
    np.random.seed(1)
    xt = np.random.randn(3, 10)
    a_prev = np.random.randn(5, 10)
    c_prev = np.random.randn(5, 10)
    parameters = course_parameters()
    a_next, c_next, yt, cache = lstm_cell_forward(xt, a_prev, c_prev, parameters)
    np.testing.assert_allclose(
        a_next[4],
        [-0.66408471, 0.0036921, 0.02088357, 0.22834167, -0.85575339, 0.00138482, 0.76566531, 0.34631421, -0.00215674, 0.43827275],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        c_next[2],
        [0.63267805, 1.00570849, 0.35504474, 0.20690913, -1.64566718, 0.11832942, 0.76449811, -0.0981561, -0.74348425, -0.26810932],
        atol=1e-8,
    )
    # Also printed in the notebook: the output of the same step.
    np.testing.assert_allclose(
        yt[1],
        [0.79913913, 0.15986619, 0.22412122, 0.15606108, 0.97057211, 0.31146381, 0.00943007, 0.12666353, 0.39380172, 0.07828381],
        atol=1e-8,
    )
    assert a_next.shape == c_next.shape == (5, 10) and yt.shape == (2, 10)
    assert len(cache) == 10 and cache[2] is a_prev and cache[3] is c_prev and cache[8] is xt


def test_lstm_forward_matches_the_course():
    # Printed in the notebook for this seeded set-up (x of 7 steps).
    np.random.seed(1)
    x = np.random.randn(3, 10, 7)
    a0 = np.random.randn(5, 10)
    parameters = course_parameters()
    a, y, c, caches = lstm_forward(x, a0, parameters)
    assert abs(a[4][3][6] - 0.172117767533) < 1e-11
    assert abs(y[1][4][3] - 0.95087346185) < 1e-10
    assert abs(c[1][2][1] - (-0.855544916718)) < 1e-11
    np.testing.assert_allclose(
        caches[1][1][1], [0.82797464, 0.23009474, 0.76201118, -0.22232814, -0.20075807, 0.18656139, 0.41005165], atol=1e-8
    )
    assert a.shape == (5, 10, 7) and y.shape == (2, 10, 7) and c.shape == (5, 10, 7) and len(caches) == 2


# -- finite differences on random shapes ---------------------------------------------
@FAST
@given(shapes)
def test_lstm_cell_backward_matches_finite_differences(dims):
    n_x, n_a, n_y, m, _T, seed = dims
    rng = np.random.default_rng(seed)
    arrays = {
        "xt": rng.standard_normal((n_x, m)),
        "a_prev": rng.standard_normal((n_a, m)),
        "c_prev": rng.standard_normal((n_a, m)),
    }
    arrays.update(random_parameters(rng, n_x, n_a, n_y))
    weight_a = rng.standard_normal((n_a, m))  # L = Σ weight_a * a_next + Σ weight_c * c_next
    weight_c = rng.standard_normal((n_a, m))

    def loss(values):
        a_next, c_next, _y, _cache = lstm_cell_forward(values["xt"], values["a_prev"], values["c_prev"], values)
        return float(np.sum(weight_a * a_next) + np.sum(weight_c * c_next))

    cache = lstm_cell_forward(arrays["xt"], arrays["a_prev"], arrays["c_prev"], arrays)[3]
    gradients = lstm_cell_backward(weight_a, weight_c, cache)
    expected_keys = {"dxt", "da_prev", "dc_prev", "dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo"}
    assert set(gradients) == expected_keys
    for name in ("xt", "a_prev", "c_prev", *GATE_PARAMETERS):
        numeric = numerical_gradient(lambda v, name=name: loss({**arrays, name: v}), arrays[name])
        assert_gradient(gradients["d" + name], numeric, name)


@FAST
@given(shapes)
def test_lstm_backward_matches_finite_differences(dims):
    n_x, n_a, n_y, m, T_x, seed = dims
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.standard_normal((n_x, m, T_x)), "a0": rng.standard_normal((n_a, m))}
    arrays.update(random_parameters(rng, n_x, n_a, n_y))
    da = rng.standard_normal((n_a, m, T_x))  # L = Σ da * a

    def loss(values):
        return float(np.sum(da * lstm_forward(values["x"], values["a0"], values)[0]))

    gradients = lstm_backward(da, lstm_forward(arrays["x"], arrays["a0"], arrays)[3])
    assert set(gradients) == {"dx", "da0", "dWf", "dWi", "dWc", "dWo", "dbf", "dbi", "dbc", "dbo"}
    for name in ("x", "a0", *GATE_PARAMETERS):
        numeric = numerical_gradient(lambda v, name=name: loss({**arrays, name: v}), arrays[name])
        assert_gradient(gradients["d" + name], numeric, name)


def test_lstm_forward_is_the_cell_repeated_from_a_zero_memory():
    rng = np.random.default_rng(3)
    p = random_parameters(rng, 2, 3, 2)
    x = rng.standard_normal((2, 4, 5))
    a0 = rng.standard_normal((3, 4))
    a, y, c, _ = lstm_forward(x, a0, p)
    a_t, c_t = a0, np.zeros((3, 4))
    for t in range(5):
        a_t, c_t, y_t, _ = lstm_cell_forward(x[:, :, t], a_t, c_t, p)
        np.testing.assert_array_equal(a[:, :, t], a_t)
        np.testing.assert_array_equal(c[:, :, t], c_t)
        np.testing.assert_array_equal(y[:, :, t], y_t)


# -- the widely copied mistakes ------------------------------------------------------
def _one_step(rng, n_x=2, n_a=3, m=4):
    p = random_parameters(rng, n_x, n_a, 2)
    xt, a_prev, c_prev = rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m)), rng.standard_normal((n_a, m))
    return p, xt, a_prev, c_prev, lstm_cell_forward(xt, a_prev, c_prev, p)[3]


def test_memory_gradient_passes_through_the_forget_gate():
    """With da_next = 0 the only gradient is dc_next, and c_next = f*c_prev + i*c~ gives dc_prev = dc_next * f.

    A version that drops dc_next, or ft, from dc_prev returns 0 or dc_next instead.
    """
    rng = np.random.default_rng(7)
    p, xt, a_prev, c_prev, cache = _one_step(rng)
    dc_next = rng.standard_normal(c_prev.shape)
    gradients = lstm_cell_backward(np.zeros_like(dc_next), dc_next, cache)
    ft = sigmoid(p["Wf"] @ np.concatenate([a_prev, xt]) + p["bf"])
    np.testing.assert_allclose(gradients["dc_prev"], dc_next * ft, rtol=1e-14)
    assert not np.allclose(gradients["dc_prev"], dc_next)


def test_gate_gradients_use_the_incoming_memory_gradient():
    """Gate gradients must see dc_next: with da_next = 0, dWf, dWi, dWc are nonzero and match differences.

    A version that builds the gate gradients from da_next alone returns zeros here.
    """
    rng = np.random.default_rng(8)
    p, xt, a_prev, c_prev, cache = _one_step(rng)
    dc_next = rng.standard_normal(c_prev.shape)
    gradients = lstm_cell_backward(np.zeros_like(dc_next), dc_next, cache)
    for name in ("Wf", "Wi", "Wc", "bf", "bi", "bc"):
        def loss(v, name=name):
            return float(np.sum(dc_next * lstm_cell_forward(xt, a_prev, c_prev, {**p, name: v})[1]))

        assert np.linalg.norm(gradients["d" + name]) > 1e-6
        assert_gradient(gradients["d" + name], numerical_gradient(loss, p[name]), name)
    np.testing.assert_array_equal(gradients["dWo"], 0.0)  # o does not touch c_next


def test_gradient_of_the_last_step_reaches_the_first():
    """da nonzero only at the last step: lstm_backward must carry it back (via a and c) to every dx."""
    rng = np.random.default_rng(9)
    n_x, n_a, m, T_x = 2, 3, 2, 5
    p = random_parameters(rng, n_x, n_a, 2, scale=0.9)
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    da = np.zeros((n_a, m, T_x))
    da[:, :, -1] = rng.standard_normal((n_a, m))
    gradients = lstm_backward(da, lstm_forward(x, a0, p)[3])
    numeric = numerical_gradient(lambda x_: float(np.sum(da * lstm_forward(x_, a0, p)[0])), x)
    assert np.all(np.linalg.norm(gradients["dx"][:, :, :-1], axis=(0, 1)) > 1e-8)
    assert_gradient(gradients["dx"], numeric, "dx")
