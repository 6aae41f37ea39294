"""The numpy engine against TensorFlow autodiff (float64), to 1e-9 relative error."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from engine import lstm, rnn
from engine.gradcheck import (
    CrossEntropyLoss,
    loss_and_gradients,
    parameter_names,
    relative_error,
    sequence_forward,
)

pytestmark = pytest.mark.tf
REPO = Path(__file__).resolve().parent.parent
SHAPES = [(3, 5, 2, 4, 6), (1, 1, 2, 1, 1), (4, 3, 5, 2, 9)]  # n_x, n_a, n_y, m, T_x


@pytest.fixture(scope="module")
def tf_reference():
    pytest.importorskip("tensorflow")
    from engine import tf_reference

    return tf_reference


def random_problem(cell, n_x, n_a, n_y, m, T_x, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    if cell == "rnn":
        shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1), "Wya": (n_y, n_a), "by": (n_y, 1)}
    else:
        shapes = {f"{k}{g}": ((n_a, n_a + n_x) if k == "W" else (n_a, 1)) for g in "fico" for k in "Wb"}
        shapes.update(Wy=(n_y, n_a), by=(n_y, 1))
    parameters = {name: scale * rng.standard_normal(shape) for name, shape in shapes.items()}
    x = rng.standard_normal((n_x, m, T_x))
    a0 = rng.standard_normal((n_a, m))
    targets = rng.integers(0, n_y, (m, T_x))
    return x, a0, parameters, targets


def test_importing_the_module_does_not_load_tensorflow():
    code = "import sys, engine.tf_reference, engine.gradient_lab; sys.exit('tensorflow' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("dims", SHAPES)
def test_forward_agrees(tf_reference, cell, dims):
    x, a0, parameters, _ = random_problem(cell, *dims, seed=1)
    a, y, _ = sequence_forward(cell, x, a0, parameters)
    a_tf, y_tf = tf_reference.forward(cell, x, a0, parameters)
    assert relative_error(a, a_tf) < 1e-12
    assert relative_error(y, y_tf) < 1e-12


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("dims", SHAPES)
def test_course_backward_agrees_with_autodiff(tf_reference, cell, dims):
    """rnn_backward / lstm_backward(da) are the gradients of L = Σ da * a; TensorFlow differentiates that L."""
    x, a0, parameters, _ = random_problem(cell, *dims, seed=2)
    da = np.random.default_rng(3).standard_normal((dims[1], dims[3], dims[4]))
    a, _y, caches = sequence_forward(cell, x, a0, parameters)
    ours = rnn.rnn_backward(da, caches) if cell == "rnn" else lstm.lstm_backward(da, caches)
    reference = tf_reference.backward_from_da(cell, x, a0, parameters, da)
    assert set(ours) == set(reference)
    for key in ours:
        assert relative_error(ours[key], reference[key]) < 1e-9, key


def test_course_rnn_backward_example_agrees_with_autodiff(tf_reference):
    np.random.seed(1)
    x = np.random.randn(3, 10, 4)
    a0 = np.random.randn(5, 10)
    shapes = [("Wax", (5, 3)), ("Waa", (5, 5)), ("Wya", (2, 5)), ("ba", (5, 1)), ("by", (2, 1))]
    parameters = {name: np.random.randn(*shape) for name, shape in shapes}
    caches = rnn.rnn_forward(x, a0, parameters)[2]
    da = np.random.randn(5, 10, 4)
    ours = rnn.rnn_backward(da, caches)
    reference = tf_reference.backward_from_da("rnn", x, a0, parameters, da)
    assert reference["dWax"][3][1] == pytest.approx(11.2641044965, abs=1e-9)
    for key in ours:
        assert relative_error(ours[key], reference[key]) < 1e-9, key


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize("steps", ["all", "last"])
def test_loss_gradients_agree_with_autodiff(tf_reference, cell, steps):
    x, a0, parameters, targets = random_problem(cell, 3, 4, 3, 2, 7, seed=4)
    loss = CrossEntropyLoss(targets, steps)
    value, ours = loss_and_gradients(cell, x, a0, parameters, loss)
    value_tf, reference = tf_reference.loss_gradients(cell, x, a0, parameters, loss)
    assert value == pytest.approx(value_tf, rel=1e-12)
    assert set(reference) == {*parameter_names(cell), "x", "a0"}
    for name in ours:
        assert relative_error(ours[name], reference[name]) < 1e-9, name


def test_reference_notices_a_wrong_gradient(tf_reference, monkeypatch):
    """The cross-check has teeth: an LSTM backward that ignores dc_next disagrees with autodiff."""
    x, a0, parameters, _ = random_problem("lstm", 2, 3, 2, 2, 5, seed=5)
    da = np.random.default_rng(6).standard_normal((3, 2, 5))
    correct = lstm.lstm_cell_backward
    monkeypatch.setattr(lstm, "lstm_cell_backward", lambda da_next, dc_next, cache: correct(da_next, 0 * dc_next, cache))
    ours = lstm.lstm_backward(da, sequence_forward("lstm", x, a0, parameters)[2])
    reference = tf_reference.backward_from_da("lstm", x, a0, parameters, da)
    assert relative_error(ours["dWf"], reference["dWf"]) > 1e-3
