"""A basic recurrent neural network, one time step at a time, forward and backward.

The four functions keep the names, arguments, shapes and return values of the
course ("Building your Recurrent Neural Network -- Step by Step"), so they can
be read side by side with the notebook. Layout: features on axis 0, the batch
on axis 1, time on axis 2.

    x       (n_x, m, T_x)   inputs x<t>
    a       (n_a, m, T_x)   hidden states a<t>
    y_pred  (n_y, m, T_x)   softmax outputs

Parameters (a dict): Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a),
ba (n_a, 1), by (n_y, 1).

Forward, for every step t:

    a<t>      = tanh(Wax x<t> + Waa a<t-1> + ba)
    y_pred<t> = softmax(Wya a<t> + by)          -- from the *new* state a<t>

The backward functions take ``da``, the gradient of a scalar loss with respect
to every hidden state as the loss sees it directly (for example through the
output layer), and return the gradients of that loss with respect to the
inputs, the initial state and the recurrent parameters. The output layer
(Wya, by) is not part of them, as in the course; :mod:`engine.gradcheck`
adds it when it checks a whole loss.
"""

from __future__ import annotations

import numpy as np

from engine.activations import softmax

__all__ = [
    "rnn_cell_forward",
    "rnn_forward",
    "rnn_cell_backward",
    "rnn_backward",
]


def rnn_cell_forward(xt: np.ndarray, a_prev: np.ndarray, parameters: dict):
    """One step of the RNN.

    xt (n_x, m), a_prev (n_a, m) ->
    a_next (n_a, m), yt_pred (n_y, m), cache = (a_next, a_prev, xt, parameters).
    """
    Wax, Waa, Wya = parameters["Wax"], parameters["Waa"], parameters["Wya"]
    ba, by = parameters["ba"], parameters["by"]

    a_next = np.tanh(Wax @ xt + Waa @ a_prev + ba)
    yt_pred = softmax(Wya @ a_next + by)  # the prediction of this step reads the state it just computed
    cache = (a_next, a_prev, xt, parameters)
    return a_next, yt_pred, cache


def rnn_forward(x: np.ndarray, a0: np.ndarray, parameters: dict):
    """The RNN over a whole sequence.

    x (n_x, m, T_x), a0 (n_a, m) ->
    a (n_a, m, T_x), y_pred (n_y, m, T_x), caches = (list of T_x cell caches, x).
    """
    n_x, m, T_x = x.shape
    n_a = parameters["Waa"].shape[0]
    n_y = parameters["Wya"].shape[0]
    dtype = np.result_type(x, a0, parameters["Wax"])

    a = np.zeros((n_a, m, T_x), dtype=dtype)
    y_pred = np.zeros((n_y, m, T_x), dtype=dtype)
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = rnn_cell_forward(x[:, :, t], a_next, parameters)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next: np.ndarray, cache: tuple) -> dict:
    """Gradients of one step, given dL/da_next (n_a, m) and the step's cache.

    Returns dxt (n_x, m), da_prev (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1).
    """
    a_next, a_prev, xt, parameters = cache
    Wax, Waa = parameters["Wax"], parameters["Waa"]

    dz = (1.0 - a_next**2) * da_next  # through tanh: tanh'(z) = 1 - tanh(z)^2 = 1 - a_next^2
    return {
        "dxt": Wax.T @ dz,
        "da_prev": Waa.T @ dz,
        "dWax": dz @ xt.T,  # summed over the batch by the matrix product
        "dWaa": dz @ a_prev.T,
        "dba": dz.sum(axis=1, keepdims=True),
    }


def rnn_backward(da: np.ndarray, caches: tuple) -> dict:
    """Backpropagation through time.

    da (n_a, m, T_x) is dL/da<t> as the loss sees each state directly. The gradient
    entering step t is da[:, :, t] plus what step t+1 sends back through a<t>;
    parameter gradients are summed over all steps.

    Returns dx (n_x, m, T_x), da0 (n_a, m), dWax (n_a, n_x), dWaa (n_a, n_a), dba (n_a, 1).
    """
    cell_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = da.shape[0]
    parameters = cell_caches[0][3]

    dx = np.zeros((n_x, m, T_x), dtype=da.dtype)
    dWax = np.zeros_like(parameters["Wax"], dtype=da.dtype)
    dWaa = np.zeros_like(parameters["Waa"], dtype=da.dtype)
    dba = np.zeros_like(parameters["ba"], dtype=da.dtype)
    da_prevt = np.zeros((n_a, m), dtype=da.dtype)
    for t in reversed(range(T_x)):
        step = rnn_cell_backward(da[:, :, t] + da_prevt, cell_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prevt = step["da_prev"]
        dWax += step["dWax"]
        dWaa += step["dWaa"]
        dba += step["dba"]
    return {"dx": dx, "da0": da_prevt, "dWax": dWax, "dWaa": dWaa, "dba": dba}

