"""A long short-term memory network, one time step at a time, forward and backward.

The four functions keep the names, arguments, shapes and return values of the
course ("Building your Recurrent Neural Network -- Step by Step"). Layout:
features on axis 0, the batch on axis 1, time on axis 2.

    x  (n_x, m, T_x)   inputs x<t>
    a  (n_a, m, T_x)   hidden states a<t>
    c  (n_a, m, T_x)   memory cells c<t>
    y  (n_y, m, T_x)   softmax outputs

Parameters (a dict): the four gate matrices Wf, Wi, Wc, Wo (n_a, n_a + n_x)
act on the stacked vector [a<t-1>; x<t>]; biases bf, bi, bc, bo (n_a, 1);
output layer Wy (n_y, n_a), by (n_y, 1).

Forward, for every step t (σ is the logistic sigmoid, * is elementwise):

    f<t> = σ(Wf [a<t-1>; x<t>] + bf)        forget gate
    i<t> = σ(Wi [a<t-1>; x<t>] + bi)        update (input) gate
    c~<t> = tanh(Wc [a<t-1>; x<t>] + bc)    candidate memory
    c<t> = f<t> * c<t-1> + i<t> * c~<t>
    o<t> = σ(Wo [a<t-1>; x<t>] + bo)        output gate
    a<t> = o<t> * tanh(c<t>)
    y<t> = softmax(Wy a<t> + by)
"""

from __future__ import annotations

import numpy as np

from engine.activations import sigmoid, softmax
from engine.lstm_gates import GATES

__all__ = ["lstm_cell_forward", "lstm_forward", "lstm_cell_backward", "lstm_backward"]

_RECURRENT = ("Wf", "Wi", "Wc", "Wo", "bf", "bi", "bc", "bo")  # the parameters lstm_backward differentiates


def lstm_cell_forward(xt: np.ndarray, a_prev: np.ndarray, c_prev: np.ndarray, parameters: dict):
    """One step of the LSTM.

    xt (n_x, m), a_prev (n_a, m), c_prev (n_a, m) ->
    a_next (n_a, m), c_next (n_a, m), yt_pred (n_y, m),
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters).
    """
    p = parameters
    concat = np.concatenate([a_prev, xt], axis=0)  # (n_a + n_x, m)

    ft = sigmoid(p["Wf"] @ concat + p["bf"])
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    c_next = ft * c_prev + it * cct
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])  # from the new state a_next

    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x: np.ndarray, a0: np.ndarray, parameters: dict):
    """The LSTM over a whole sequence; the first memory cell c<0> is zero.

    x (n_x, m, T_x), a0 (n_a, m) ->
    a (n_a, m, T_x), y (n_y, m, T_x), c (n_a, m, T_x), caches = (list of T_x cell caches, x).
    """
    n_x, m, T_x = x.shape
    n_y, n_a = parameters["Wy"].shape
    dtype = np.result_type(x, a0, parameters["Wf"])

    a = np.zeros((n_a, m, T_x), dtype=dtype)
    c = np.zeros((n_a, m, T_x), dtype=dtype)
    y = np.zeros((n_y, m, T_x), dtype=dtype)
    caches = []
    a_next = a0
    c_next = np.zeros((n_a, m), dtype=dtype)
    for t in range(T_x):
        a_next, c_next, yt, cache = lstm_cell_forward(x[:, :, t], a_next, c_next, parameters)
        a[:, :, t] = a_next
        c[:, :, t] = c_next
        y[:, :, t] = yt
        caches.append(cache)
    return a, y, c, (caches, x)


def lstm_cell_backward(da_next: np.ndarray, dc_next: np.ndarray, cache: tuple) -> dict:
    """Gradients of one step, given dL/da_next and dL/dc_next (both (n_a, m)) and the step's cache.

    dc_next is what the *next* step sends back through c<t>; the path through
    a_next = ot * tanh(c_next) adds to it, and that total dc feeds every gate:

        dc      = dc_next + da_next * ot * (1 - tanh(c_next)^2)
        dc_prev = dc * ft

    Gate gradients (dft, dit, dcct, dot) are taken at the pre-activations.
    Returns dxt (n_x, m), da_prev (n_a, m), dc_prev (n_a, m),
    dWf, dWi, dWc, dWo (n_a, n_a + n_x), dbf, dbi, dbc, dbo (n_a, 1).
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)

    dc = dc_next + da_next * ot * (1.0 - tanh_c**2)
    dot = da_next * tanh_c * ot * (1.0 - ot)  # σ'(z) = σ(z)(1 - σ(z))
    dcct = dc * it * (1.0 - cct**2)
    dit = dc * cct * it * (1.0 - it)
    dft = dc * c_prev * ft * (1.0 - ft)

    concat = np.concatenate([a_prev, xt], axis=0)
    dgates = {"f": dft, "i": dit, "c": dcct, "o": dot}
    dconcat = sum(parameters[f"W{g}"].T @ dgates[g] for g in GATES)
    return {
        "dxt": dconcat[n_a:],  # [a_prev; xt] was stacked, so its gradient splits the same way
        "da_prev": dconcat[:n_a],
        "dc_prev": dc * ft,
        **{f"dW{g}": dgates[g] @ concat.T for g in GATES},
        **{f"db{g}": dgates[g].sum(axis=1, keepdims=True) for g in GATES},
    }


def lstm_backward(da: np.ndarray, caches: tuple) -> dict:
    """Backpropagation through time for the LSTM.

    da (n_a, m, T_x) is dL/da<t> as the loss sees each state directly. The
    gradient entering step t is da[:, :, t] plus the da_prev sent back by step
    t+1, together with that step's dc_prev; parameter gradients are summed
    over all steps. c<0> is a constant zero, so no gradient is returned for it.

    Returns dx (n_x, m, T_x), da0 (n_a, m), dWf, dWi, dWc, dWo (n_a, n_a + n_x),
    dbf, dbi, dbc, dbo (n_a, 1).
    """
    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    parameters = cell_caches[0][9]

    dx = np.zeros((n_x, m, T_x), dtype=da.dtype)
    sums = {f"d{name}": np.zeros_like(parameters[name], dtype=da.dtype) for name in _RECURRENT}
    da_prevt = np.zeros((n_a, m), dtype=da.dtype)
    dc_prevt = np.zeros((n_a, m), dtype=da.dtype)
    for t in reversed(range(T_x)):
        step = lstm_cell_backward(da[:, :, t] + da_prevt, dc_prevt, cell_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prevt, dc_prevt = step["da_prev"], step["dc_prev"]
        for key in sums:
            sums[key] += step[key]
    return {"dx": dx, "da0": da_prevt, **sums}
