"""Between the course's parameter dictionaries and the fused layers' stacked weights.

The course keeps one matrix per gate acting on the stacked column [a_prev; x_t]
(RNN: Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1); LSTM: Wf, Wi, Wc, Wo
(n_a, n_a + n_x) and bf, bi, bc, bo (n_a, 1)). The fused layers act on rows and
stack the gates side by side: Wx (n_x, G n_a), Wh (n_a, G n_a), b (G n_a,), LSTM
blocks in the order :data:`engine.lstm_gates.STACKED`.
"""

from __future__ import annotations

import numpy as np

from engine.lstm_gates import STACKED

__all__ = ["rnn_params_from_course", "rnn_params_to_course", "lstm_params_from_course", "lstm_params_to_course"]


def rnn_params_from_course(parameters: dict, dtype=np.float64) -> dict[str, np.ndarray]:
    """Course RNN dictionary (Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1)) -> Wx, Wh, b."""
    return {
        "Wx": np.ascontiguousarray(parameters["Wax"].T, dtype=dtype),
        "Wh": np.ascontiguousarray(parameters["Waa"].T, dtype=dtype),
        "b": np.ascontiguousarray(parameters["ba"][:, 0], dtype=dtype),
    }


def rnn_params_to_course(params: dict) -> dict[str, np.ndarray]:
    """Wx, Wh, b -> the course's Wax, Waa, ba."""
    return {"Wax": params["Wx"].T.copy(), "Waa": params["Wh"].T.copy(), "ba": params["b"][:, None].copy()}


def lstm_params_from_course(parameters: dict, dtype=np.float64) -> dict[str, np.ndarray]:
    """Course LSTM dictionary (Wf, Wi, Wc, Wo on [a_prev; x_t], bf, bi, bc, bo) -> Wx, Wh, b."""
    n_a = parameters["Wf"].shape[0]
    wx, wh, b = [], [], []
    for gate in STACKED:
        w = parameters[f"W{gate}"]
        wh.append(w[:, :n_a].T)
        wx.append(w[:, n_a:].T)
        b.append(parameters[f"b{gate}"][:, 0])
    return {
        "Wx": np.ascontiguousarray(np.concatenate(wx, axis=1), dtype=dtype),
        "Wh": np.ascontiguousarray(np.concatenate(wh, axis=1), dtype=dtype),
        "b": np.ascontiguousarray(np.concatenate(b), dtype=dtype),
    }


def lstm_params_to_course(params: dict) -> dict[str, np.ndarray]:
    """Wx, Wh, b -> the course's Wf, Wi, Wc, Wo (acting on [a_prev; x_t]) and bf, bi, bc, bo."""
    n_a = params["Wh"].shape[0]
    out = {}
    for k, gate in enumerate(STACKED):
        cols = slice(k * n_a, (k + 1) * n_a)
        out[f"W{gate}"] = np.concatenate([params["Wh"][:, cols].T, params["Wx"][:, cols].T], axis=1)
        out[f"b{gate}"] = params["b"][cols][:, None].copy()
    return out
