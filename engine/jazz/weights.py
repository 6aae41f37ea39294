"""Keras's LSTM weights in the course's layout, so numpy can run the trained cell.

Keras packs the four gates side by side, in the order input, forget,
candidate, output (i, f, c, o), and keeps the input and recurrent weights apart:

    kernel            (n_x, 4 n_a)   acts on x<t>
    recurrent_kernel  (n_a, 4 n_a)   acts on a<t-1>
    bias              (4 n_a,)

The course stacks [a<t-1>; x<t>] and keeps one matrix per gate:

    Wf, Wi, Wc, Wo  (n_a, n_a + n_x),   bf, bi, bc, bo  (n_a, 1)

so gate g's matrix is [recurrent_kernel[:, g].T, kernel[:, g].T] -- the
recurrent part first because a<t-1> comes first in the stack. The Dense
layer's kernel (n_a, n_y) and bias (n_y,) become Wy = kernel.T (n_y, n_a) and
by (n_y, 1). Both sides use sigmoid gates and tanh for the candidate and the
output, so the two compute the same function.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["KERAS_GATE_ORDER", "course_parameters"]

KERAS_GATE_ORDER = ("i", "f", "c", "o")


def _layers(keras_model: Any):
    lstm = next(layer for layer in keras_model.layers if type(layer).__name__ == "LSTM")
    dense = [layer for layer in keras_model.layers if type(layer).__name__ == "Dense"][-1]
    return lstm, dense


def course_parameters(keras_model: Any) -> dict[str, np.ndarray]:
    """The trained weights as the course's parameter dict (float64), for ``lstm_cell_forward``."""
    lstm, dense = _layers(keras_model)
    kernel, recurrent, bias = (np.asarray(w, dtype=np.float64) for w in lstm.get_weights())
    n_a = recurrent.shape[0]
    params: dict[str, np.ndarray] = {}
    for k, gate in enumerate(KERAS_GATE_ORDER):
        cols = slice(k * n_a, (k + 1) * n_a)
        params[f"W{gate}"] = np.concatenate([recurrent[:, cols].T, kernel[:, cols].T], axis=1)
        params[f"b{gate}"] = bias[cols].reshape(n_a, 1)
    dense_kernel, dense_bias = (np.asarray(w, dtype=np.float64) for w in dense.get_weights())
    params["Wy"] = dense_kernel.T.copy()
    params["by"] = dense_bias.reshape(-1, 1)
    return params
