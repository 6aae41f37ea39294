"""The jazz LSTM's weights as plain numpy arrays, and the numpy forward pass that uses them.

A trained model is five arrays in Keras's layout (this is what a model folder
stores, in ``weights.npz``)::

    lstm_kernel     (n_x, 4 n_a)   acts on x<t>: n_values token rows, then the position rows
                                   (:mod:`engine.jazz.position`; none in a model without them)
    lstm_recurrent  (n_a, 4 n_a)   acts on a<t-1>
    lstm_bias       (4 n_a,)
    dense_kernel    (n_a, n_y)     a<t> -> logits
    dense_bias      (n_y,)

Keras packs the four gates side by side in the order input, forget,
candidate, output (i, f, c, o). The course stacks [a<t-1>; x<t>] and keeps one
matrix per gate, ``Wf, Wi, Wc, Wo (n_a, n_a + n_x)`` and ``bf, bi, bc, bo
(n_a, 1)``, so gate g's matrix is ``[recurrent[:, g].T, kernel[:, g].T]`` -- the
recurrent part first because a<t-1> comes first in the stack. The Dense layer
gives ``Wy = dense_kernel.T (n_y, n_a)`` and ``by (n_y, 1)``. Both use sigmoid
gates and tanh for the candidate and the output: the same function.

Generation needs one step per token with a one-hot input, so :class:`Stepper`
reads row ``x`` of the kernel instead of multiplying by a one-hot vector: a few
microseconds a step, and no TensorFlow.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.jazz.position import position_rows
from engine.lstm_gates import KERAS

__all__ = [
    "KERAS_GATE_ORDER",
    "WEIGHT_NAMES",
    "weight_shapes",
    "keras_weights",
    "course_parameters",
    "course_parameters_from_weights",
    "Stepper",
]

KERAS_GATE_ORDER = KERAS  # the one naming of the layouts lives in engine.lstm_gates
WEIGHT_NAMES = ("lstm_kernel", "lstm_recurrent", "lstm_bias", "dense_kernel", "dense_bias")


def weight_shapes(n_values: int, n_a: int, features: int = 0) -> dict[str, tuple[int, ...]]:
    """The shape of every array of a model predicting ``n_values`` tokens with ``n_a`` units, reading
    the tokens and ``features`` position inputs."""
    return {
        "lstm_kernel": (n_values + features, 4 * n_a),
        "lstm_recurrent": (n_a, 4 * n_a),
        "lstm_bias": (4 * n_a,),
        "dense_kernel": (n_a, n_values),
        "dense_bias": (n_values,),
    }


def _layers(keras_model: Any):
    lstm = next(layer for layer in keras_model.layers if type(layer).__name__ == "LSTM")
    dense = [layer for layer in keras_model.layers if type(layer).__name__ == "Dense"][-1]
    return lstm, dense


def keras_weights(keras_model: Any) -> dict[str, np.ndarray]:
    """The Keras model's weights as the five named float32 arrays above."""
    lstm, dense = _layers(keras_model)
    kernel, recurrent, bias = lstm.get_weights()
    dense_kernel, dense_bias = dense.get_weights()
    arrays = (kernel, recurrent, bias, dense_kernel, dense_bias)
    return {name: np.array(w, dtype=np.float32) for name, w in zip(WEIGHT_NAMES, arrays, strict=True)}


def course_parameters_from_weights(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The course's parameter dict (float64) for ``lstm_cell_forward``, from the five arrays."""
    kernel, recurrent, bias = (np.asarray(weights[k], dtype=np.float64) for k in WEIGHT_NAMES[:3])
    n_a = recurrent.shape[0]
    params: dict[str, np.ndarray] = {}
    for k, gate in enumerate(KERAS_GATE_ORDER):
        cols = slice(k * n_a, (k + 1) * n_a)
        params[f"W{gate}"] = np.concatenate([recurrent[:, cols].T, kernel[:, cols].T], axis=1)
        params[f"b{gate}"] = bias[cols].reshape(n_a, 1)
    params["Wy"] = np.asarray(weights["dense_kernel"], dtype=np.float64).T.copy()
    params["by"] = np.asarray(weights["dense_bias"], dtype=np.float64).reshape(-1, 1)
    return params


def course_parameters(keras_model: Any) -> dict[str, np.ndarray]:
    """The trained Keras model's weights as the course's parameter dict (float64)."""
    return course_parameters_from_weights(keras_weights(keras_model))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # never overflows, unlike 1 / (1 + exp(-z))


class Stepper:
    """The trained LSTM run one one-hot token at a time, in float64 numpy.

    ::

        step = Stepper(weights)
        p = step.reset()          # distribution of the first token after a zero input (the course's x<1> = 0)
        p = step(index, onset)    # feed token ``index``, the next token starting ``onset`` twelfths into
                                  # its bar; returns the distribution of the next token, shape (n_y,)
    """

    def __init__(self, weights: dict[str, np.ndarray]):
        self.kernel = np.asarray(weights["lstm_kernel"], dtype=np.float64)
        self.recurrent = np.asarray(weights["lstm_recurrent"], dtype=np.float64)
        self.bias = np.asarray(weights["lstm_bias"], dtype=np.float64)
        self.dense = np.asarray(weights["dense_kernel"], dtype=np.float64)
        self.dense_bias = np.asarray(weights["dense_bias"], dtype=np.float64)
        self.n_a = self.recurrent.shape[0]
        self.n_values = self.dense.shape[1]
        self.features = self.kernel.shape[0] - self.n_values  # position rows after the token rows
        self.a = np.zeros(self.n_a)
        self.c = np.zeros(self.n_a)

    def _advance(self, z: np.ndarray) -> np.ndarray:
        n = self.n_a
        z = z + self.a @ self.recurrent + self.bias
        i, f, o = _sigmoid(z[:n]), _sigmoid(z[n : 2 * n]), _sigmoid(z[3 * n :])
        self.c = f * self.c + i * np.tanh(z[2 * n : 3 * n])
        self.a = o * np.tanh(self.c)
        logits = self.a @ self.dense + self.dense_bias
        e = np.exp(logits - logits.max())
        return e / e.sum()

    def _position(self, onset: int | None) -> np.ndarray | float:
        if not self.features or onset is None:
            return 0.0
        beat, step = position_rows(int(onset))
        return self.kernel[self.n_values + beat] + self.kernel[self.n_values + step]

    def reset(self, onset: int = 0) -> np.ndarray:
        """Zero state, then one step on a zero token input; the distribution of the first token."""
        self.a = np.zeros(self.n_a)
        self.c = np.zeros(self.n_a)
        return self._advance(np.zeros(4 * self.n_a) + self._position(onset))

    def clear(self) -> None:
        """Zero state without a step (the next call feeds the first real token)."""
        self.a = np.zeros(self.n_a)
        self.c = np.zeros(self.n_a)

    def __call__(self, index: int, onset: int | None = None) -> np.ndarray:
        return self._advance(self.kernel[index] + self._position(onset))
