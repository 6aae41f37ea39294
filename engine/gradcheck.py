"""Gradient checking: are the backward passes of the RNN and the LSTM right?

A gradient is checked against *centred differences* of a scalar loss L:

    dL/dθ_k ≈ (L(θ + h e_k) - L(θ - h e_k)) / 2h        (error O(h²))

for every element k of every parameter and input. One number per array says
how well they agree (norms over the whole array):

    rel_err = ||analytic - numeric|| / max(||analytic||, ||numeric||, tiny)

read with the usual thresholds (CS231n): ≤ 1e-7 good, ≤ 1e-5 acceptable,
above 1e-3 wrong; in between is suspicious.

The loss is the cross-entropy of the softmax outputs against fixed random
targets, averaged over the batch, on every step ("all") or on the last step
only ("last"):

    L = -(1/m) Σ_{t ∈ steps} Σ_i log y_pred[target(i, t), i, t]

so dL/dlogits<t> = (y_pred<t> - onehot(target<t>)) / m on the chosen steps.
The output layer logits<t> = Wy a<t> + by turns that into the ``da`` the
course's ``rnn_backward`` / ``lstm_backward`` take -- exactly dL/da<t> as the
loss sees each state directly -- plus the gradients of Wy and by.

*Gradient flow* is the norm of the total dL/da<t> at every step for a loss on
the last step only: it shrinks (vanishing) or grows (exploding) geometrically
as it travels back in time, which a log plot shows as a straight slope.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass

import numpy as np

from engine import lstm, rnn
from engine.lstm_gates import GATES

__all__ = [
    "CELLS",
    "LOSS_STEPS",
    "GOOD",
    "ACCEPTABLE",
    "WRONG",
    "CrossEntropyLoss",
    "GradientCheck",
    "parameter_names",
    "output_weight_name",
    "relative_error",
    "verdict",
    "numerical_gradient",
    "iter_numerical_gradients",
    "sequence_forward",
    "loss_and_gradients",
    "hidden_state_gradients",
    "gradient_flow",
    "iter_gradient_check",
    "gradient_check",
]

CELLS = ("rnn", "lstm")
LOSS_STEPS = ("all", "last")

GOOD = 1e-7
ACCEPTABLE = 1e-5
WRONG = 1e-3

_TINY = np.finfo(np.float64).tiny
_PARAMETERS = {
    "rnn": ("Wax", "Waa", "ba", "Wya", "by"),
    "lstm": (*(name for gate in GATES for name in (f"W{gate}", f"b{gate}")), "Wy", "by"),  # f, i, c, o
}
_OUTPUT_WEIGHT = {"rnn": "Wya", "lstm": "Wy"}


def _check_cell(cell: str) -> None:
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")


def parameter_names(cell: str) -> tuple[str, ...]:
    """The parameter arrays of ``cell`` in the order the course introduces them."""
    _check_cell(cell)
    return _PARAMETERS[cell]


def output_weight_name(cell: str) -> str:
    """Wya for the RNN, Wy for the LSTM (the course's names)."""
    _check_cell(cell)
    return _OUTPUT_WEIGHT[cell]


# -- comparing gradients -------------------------------------------------------
def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """||analytic - numeric|| / max(||analytic||, ||numeric||, tiny); 0 when both are zero."""
    analytic = np.asarray(analytic, dtype=np.float64)
    numeric = np.asarray(numeric, dtype=np.float64)
    if analytic.shape != numeric.shape:
        raise ValueError(f"shapes differ: {analytic.shape} vs {numeric.shape}")
    scale = max(np.linalg.norm(analytic), np.linalg.norm(numeric), _TINY)
    return float(np.linalg.norm(analytic - numeric) / scale)


def verdict(rel_err: float) -> str:
    """'good', 'acceptable', 'suspicious' or 'wrong' for a relative error (NaN is wrong)."""
    if not np.isfinite(rel_err):
        return "wrong"
    if rel_err <= GOOD:
        return "good"
    if rel_err <= ACCEPTABLE:
        return "acceptable"
    if rel_err <= WRONG:
        return "suspicious"
    return "wrong"


# -- numerical gradients -------------------------------------------------------
def iter_numerical_gradients(
    f: Callable[[], float], arrays: dict[str, np.ndarray], h: float = 1e-5
) -> Generator[tuple[int, int], None, dict[str, np.ndarray]]:
    """Centred differences of ``f()`` with respect to every element of every array.

    ``f`` reads the arrays, which are perturbed *in place* one element at a
    time and restored before each yield. Yields (elements done, total) after
    every element and returns {name: gradient} with the arrays' shapes.
    """
    for name, array in arrays.items():
        if not (array.flags.c_contiguous and array.flags.writeable):
            raise ValueError(f"array {name!r} must be writeable and C-contiguous to be perturbed in place")
    total = sum(array.size for array in arrays.values())
    done = 0
    gradients = {}
    for name, array in arrays.items():
        flat = array.reshape(-1)  # a view, because the array is contiguous
        grad = np.zeros(array.shape, dtype=np.float64)
        grad_flat = grad.reshape(-1)
        for k in range(flat.size):
            original = flat[k]
            flat[k] = original + h
            plus = f()
            flat[k] = original - h
            minus = f()
            flat[k] = original
            grad_flat[k] = (plus - minus) / (2.0 * h)
            done += 1
            yield done, total
        gradients[name] = grad
    return gradients


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f(x)`` at ``x`` (x itself is not changed)."""
    point = np.array(x, dtype=np.float64, copy=True, order="C")
    job = iter_numerical_gradients(lambda: float(f(point)), {"x": point}, h)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value["x"]


# -- the loss ------------------------------------------------------------------
@dataclass(frozen=True)
class CrossEntropyLoss:
    """Cross-entropy of the softmax outputs against ``targets`` (m, T_x) of class indices.

    steps: "all" sums over every time step, "last" uses the last step only.
    Averaged over the batch.
    """

    targets: np.ndarray
    steps: str = "all"

    def __post_init__(self) -> None:
        if self.steps not in LOSS_STEPS:
            raise ValueError(f"unknown loss steps {self.steps!r}; choose one of {', '.join(LOSS_STEPS)}")

    def _check_shape(self, y_pred: np.ndarray) -> None:
        n_y, m, T_x = y_pred.shape
        if self.targets.shape != (m, T_x):
            raise ValueError(f"targets have shape {self.targets.shape}, expected {(m, T_x)}")

    def _mask(self, y_pred: np.ndarray) -> np.ndarray:
        """One-hot targets (n_y, m, T_x), zero on the steps the loss ignores."""
        self._check_shape(y_pred)
        n_y = y_pred.shape[0]
        onehot = (np.arange(n_y)[:, None, None] == self.targets[None, :, :]).astype(y_pred.dtype)
        if self.steps == "last":
            onehot[:, :, :-1] = 0.0
        return onehot

    def _step_weights(self, T_x: int) -> np.ndarray:
        weights = np.ones(T_x)
        if self.steps == "last":
            weights[:-1] = 0.0
        return weights

    def value(self, y_pred: np.ndarray) -> float:
        """L for softmax outputs y_pred (n_y, m, T_x)."""
        self._check_shape(y_pred)
        m = y_pred.shape[1]
        picked = np.take_along_axis(y_pred, self.targets[None, :, :], axis=0)[0]  # (m, T_x)
        return float(-(np.log(picked) * self._step_weights(y_pred.shape[2])).sum() / m)

    def dlogits(self, y_pred: np.ndarray) -> np.ndarray:
        """dL/dlogits (n_y, m, T_x): (y_pred - onehot) / m on the steps in the loss, zero elsewhere."""
        m = y_pred.shape[1]
        return (y_pred * self._step_weights(y_pred.shape[2]) - self._mask(y_pred)) / m


# -- forward and backward of a whole model (recurrent cell + output layer) -------
def sequence_forward(cell: str, x: np.ndarray, a0: np.ndarray, parameters: dict):
    """The course's forward pass for ``cell``: (a, y_pred, caches); the LSTM's c is dropped."""
    _check_cell(cell)
    if cell == "rnn":
        return rnn.rnn_forward(x, a0, parameters)
    a, y, _c, caches = lstm.lstm_forward(x, a0, parameters)
    return a, y, caches


def _sequence_backward(cell: str, da: np.ndarray, caches) -> dict:
    return rnn.rnn_backward(da, caches) if cell == "rnn" else lstm.lstm_backward(da, caches)


def _output_backward(dlogits: np.ndarray, a: np.ndarray, Wy: np.ndarray):
    """Backward through logits<t> = Wy a<t> + by: da (n_a, m, T_x), dWy (n_y, n_a), dby (n_y, 1)."""
    da = np.einsum("ya,ymt->amt", Wy, dlogits)
    dWy = np.einsum("ymt,amt->ya", dlogits, a)
    dby = dlogits.sum(axis=(1, 2))[:, None]
    return da, dWy, dby


def loss_and_gradients(cell: str, x: np.ndarray, a0: np.ndarray, parameters: dict, loss: CrossEntropyLoss):
    """L and its analytic gradients, keyed by array name (parameters, then "x" and "a0").

    The output layer gives da = dL/da<t>; the course's backward function does
    the rest.
    """
    a, y_pred, caches = sequence_forward(cell, x, a0, parameters)
    wy = output_weight_name(cell)
    da, dWy, dby = _output_backward(loss.dlogits(y_pred), a, parameters[wy])
    course = _sequence_backward(cell, da, caches)
    gradients = {}
    for name in parameter_names(cell):
        if name == wy:
            gradients[name] = dWy
        elif name == "by":
            gradients[name] = dby
        else:
            gradients[name] = course["d" + name]
    gradients["x"] = course["dx"]
    gradients["a0"] = course["da0"]
    return loss.value(y_pred), gradients


def hidden_state_gradients(cell: str, da: np.ndarray, caches) -> np.ndarray:
    """The total dL/da<t> (n_a, m, T_x) at every step: da[:, :, t] plus what step t+1 sends back.

    The same loop as rnn_backward / lstm_backward, keeping what they consume.
    For the LSTM it is the gradient through a<t> alone (c<t> is a separate variable).
    """
    _check_cell(cell)
    cell_caches, _x = caches
    total = np.zeros_like(da)
    da_prev = np.zeros_like(da[:, :, 0])
    dc_prev = np.zeros_like(da_prev)
    for t in reversed(range(da.shape[2])):
        total[:, :, t] = da[:, :, t] + da_prev
        if cell == "rnn":
            step = rnn.rnn_cell_backward(total[:, :, t], cell_caches[t])
        else:
            step = lstm.lstm_cell_backward(total[:, :, t], dc_prev, cell_caches[t])
            dc_prev = step["dc_prev"]
        da_prev = step["da_prev"]
    return total


def gradient_flow(cell: str, x: np.ndarray, a0: np.ndarray, parameters: dict, targets: np.ndarray):
    """||dL/da<t>|| (Frobenius norm over units and batch) for every t, for a loss on the last step.

    Returns (norms (T_x,), dL/da<t> (n_a, m, T_x)).
    """
    loss = CrossEntropyLoss(targets, steps="last")
    a, y_pred, caches = sequence_forward(cell, x, a0, parameters)
    da, _dWy, _dby = _output_backward(loss.dlogits(y_pred), a, parameters[output_weight_name(cell)])
    total = hidden_state_gradients(cell, da, caches)
    return np.linalg.norm(total, axis=(0, 1)), total


# -- the whole check -------------------------------------------------------------
@dataclass
class GradientCheck:
    """Analytic and numerical gradients of one loss, with the relative error per array."""

    cell: str
    loss: float
    analytic: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray]
    rel_errors: dict[str, float]

    @property
    def worst(self) -> float:
        return max(self.rel_errors.values())


def iter_gradient_check(
    cell: str,
    x: np.ndarray,
    a0: np.ndarray,
    parameters: dict,
    loss: CrossEntropyLoss,
    h: float = 1e-5,
) -> Generator[tuple[int, int], None, GradientCheck]:
    """Compare analytic and centred-difference gradients of ``loss`` for every parameter and input.

    Works on float64 copies (the caller's arrays are untouched). Yields
    (elements done, total) while differencing; returns a :class:`GradientCheck`.
    """
    names = parameter_names(cell)
    value, analytic = loss_and_gradients(cell, x, a0, parameters, loss)

    arrays = {name: np.array(parameters[name], dtype=np.float64, order="C") for name in names}
    arrays["x"] = np.array(x, dtype=np.float64, order="C")
    arrays["a0"] = np.array(a0, dtype=np.float64, order="C")
    params = {name: arrays[name] for name in names}  # the same arrays, so perturbations show through

    def perturbed_loss() -> float:
        return loss.value(sequence_forward(cell, arrays["x"], arrays["a0"], params)[1])

    numeric = yield from iter_numerical_gradients(perturbed_loss, arrays, h)
    errors = {name: relative_error(analytic[name], numeric[name]) for name in arrays}
    return GradientCheck(cell=cell, loss=value, analytic=analytic, numeric=numeric, rel_errors=errors)


def gradient_check(cell, x, a0, parameters, loss, h: float = 1e-5) -> GradientCheck:
    """:func:`iter_gradient_check` run to the end."""
    job = iter_gradient_check(cell, x, a0, parameters, loss, h)
    while True:
        try:
            next(job)
        except StopIteration as stop:
            return stop.value
