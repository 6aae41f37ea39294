"""An independent reference: the same RNN and LSTM written with TensorFlow ops.

The forward passes below repeat the math of :mod:`engine.rnn` and
:mod:`engine.lstm` with TensorFlow's own tanh, sigmoid, softmax and
cross-entropy, in float64, and ``tf.GradientTape`` differentiates them
automatically. Nothing here calls the numpy engine, so agreement to ~1e-12
is evidence that both are right.

TensorFlow takes seconds to import, so it is imported inside the functions,
never when this module is imported.
"""

from __future__ import annotations

import numpy as np

from engine.gradcheck import CrossEntropyLoss, output_weight_name, parameter_names

__all__ = ["import_tensorflow", "forward", "loss_gradients", "backward_from_da"]


def import_tensorflow():
    """The tensorflow module (imported on first use; seconds the first time)."""
    import tensorflow as tf

    return tf


def _forward(tf, cell: str, x, a0, p: dict):
    """a (n_a, m, T_x) and the output logits (n_y, m, T_x) as TF tensors."""
    T_x = x.shape[2]
    a_prev = a0
    c_prev = tf.zeros_like(a0)
    states, logits = [], []
    for t in range(T_x):
        xt = x[:, :, t]
        if cell == "rnn":
            a_next = tf.tanh(tf.matmul(p["Wax"], xt) + tf.matmul(p["Waa"], a_prev) + p["ba"])
        else:
            stacked = tf.concat([a_prev, xt], axis=0)
            f = tf.sigmoid(tf.matmul(p["Wf"], stacked) + p["bf"])
            i = tf.sigmoid(tf.matmul(p["Wi"], stacked) + p["bi"])
            candidate = tf.tanh(tf.matmul(p["Wc"], stacked) + p["bc"])
            o = tf.sigmoid(tf.matmul(p["Wo"], stacked) + p["bo"])
            c_prev = f * c_prev + i * candidate
            a_next = o * tf.tanh(c_prev)
        states.append(a_next)
        logits.append(tf.matmul(p[output_weight_name(cell)], a_next) + p["by"])
        a_prev = a_next
    return tf.stack(states, axis=2), tf.stack(logits, axis=2)


def _variables(tf, cell: str, x, a0, parameters: dict):
    names = parameter_names(cell)
    tensors = {name: tf.constant(np.asarray(parameters[name], dtype=np.float64)) for name in names}
    tensors["x"] = tf.constant(np.asarray(x, dtype=np.float64))
    tensors["a0"] = tf.constant(np.asarray(a0, dtype=np.float64))
    return tensors


def forward(cell: str, x, a0, parameters: dict):
    """The forward pass in TensorFlow: (a (n_a, m, T_x), y_pred (n_y, m, T_x)) as float64 numpy arrays."""
    tf = import_tensorflow()
    v = _variables(tf, cell, x, a0, parameters)
    a, logits = _forward(tf, cell, v["x"], v["a0"], v)
    return a.numpy(), tf.nn.softmax(logits, axis=0).numpy()


def loss_gradients(cell: str, x, a0, parameters: dict, loss: CrossEntropyLoss):
    """L and dL/d(every parameter, x, a0) by autodiff, keyed like :func:`engine.gradcheck.loss_and_gradients`."""
    tf = import_tensorflow()
    v = _variables(tf, cell, x, a0, parameters)
    m, T_x = loss.targets.shape
    steps = range(T_x) if loss.steps == "all" else [T_x - 1]
    with tf.GradientTape() as tape:
        tape.watch(list(v.values()))
        _a, logits = _forward(tf, cell, v["x"], v["a0"], v)
        per_step = [
            tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=tf.constant(loss.targets[:, t]), logits=tf.transpose(logits[:, :, t])
            )
            for t in steps
        ]
        value = tf.add_n([tf.reduce_sum(s) for s in per_step]) / m
    gradients = tape.gradient(value, v)
    return float(value.numpy()), {name: g.numpy() for name, g in gradients.items()}


def backward_from_da(cell: str, x, a0, parameters: dict, da):
    """What rnn_backward / lstm_backward return for ``da``, by autodiff of L = Σ da * a.

    Keys as in the course: dx, da0 and d<name> for each recurrent parameter
    (the output layer is not part of those functions).
    """
    tf = import_tensorflow()
    v = _variables(tf, cell, x, a0, parameters)
    seed = tf.constant(np.asarray(da, dtype=np.float64))
    with tf.GradientTape() as tape:
        tape.watch(list(v.values()))
        a, _logits = _forward(tf, cell, v["x"], v["a0"], v)
        value = tf.reduce_sum(seed * a)
    wanted = [n for n in v if n not in (output_weight_name(cell), "by")]
    gradients = tape.gradient(value, {n: v[n] for n in wanted})
    return {"d" + name: g.numpy() for name, g in gradients.items()}
