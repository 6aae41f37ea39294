"""Whole-sequence RNN and LSTM layers: the course's cells, arranged for speed.

The course writes one time step at a time, in columns: ``x`` is ``(n_x, m, T_x)``
and every step concatenates ``[a_prev; x_t]`` before four separate gate
products. The layers here compute exactly the same functions for a whole batch
of sequences at once, arranged so that numpy spends its time in a few large
matrix products instead of many small Python calls:

* **Rows, time first.** Inputs are ``x (T, m, n_x)`` and states ``h (T, m, n_a)``
  (``x_course = x.transpose(2, 1, 0)``). Each step then works on a contiguous
  ``(m, n)`` block.
* **Input projections for every step in one product.** The input never depends
  on the recurrence, so ``x @ Wx + b`` for all ``T`` steps is one matmul before
  the loop; inside the loop only ``h_prev @ Wh`` remains. Callers whose inputs
  are symbols (the Names model) pass the projections directly (``xp=``), found
  by row lookup in a table, which is what a one-hot product computes.
* **All LSTM gates in one product.** The four gate weight matrices are stacked
  side by side (``Wx (n_x, 4 n_a)``, ``Wh (n_a, 4 n_a)``, ``b (4 n_a,)``) in the
  order :data:`engine.lstm_gates.STACKED`, so one product yields all four pre-activations.
* **Preallocated buffers.** Each layer keeps its work arrays between calls and
  writes into them with ``out=``; the backward pass reuses what the forward
  pass stored. Everything stays in the layer's dtype (float32 or float64).
* **Masks for padded batches.** With ``mask (T, m)`` (1 for real steps, 0 for
  padding) a padded step leaves the state unchanged, so the final state of each
  row is its state after its own last real step and no gradient reaches the
  weights from padding.

Arrays returned by ``forward`` are views of the layer's buffers: the next call
overwrites them (copy them to keep them). ``backward`` differentiates the most
recent ``forward``.

The modules, one concern each:

    layer          what both layers share (parameters, projection, masks, weight gradients)
    rnn_layer      RNNLayer and its buffers
    lstm_layer     LSTMLayer and its buffers
    buffers        the pool that keeps work arrays between calls
    course_format  the course's parameter dictionaries <-> stacked weights
    lookup         scatter_rows, the gradient of a row lookup
    blas           blas_threads, the BLAS thread limit for small products
"""

from __future__ import annotations

import numpy as np

from engine.sequence.blas import blas_threads
from engine.sequence.course_format import (
    lstm_params_from_course,
    lstm_params_to_course,
    rnn_params_from_course,
    rnn_params_to_course,
)
from engine.sequence.layer import RecurrentLayer
from engine.sequence.lookup import scatter_rows
from engine.sequence.lstm_layer import LSTMLayer
from engine.sequence.rnn_layer import RNNLayer

__all__ = [
    "blas_threads",
    "RecurrentLayer",
    "RNNLayer",
    "LSTMLayer",
    "make_layer",
    "scatter_rows",
    "rnn_params_from_course",
    "rnn_params_to_course",
    "lstm_params_from_course",
    "lstm_params_to_course",
]


def make_layer(cell: str, n_x: int, n_a: int, dtype=np.float64) -> RNNLayer | LSTMLayer:
    """``make_layer("rnn" | "lstm", n_x, n_a, dtype)``."""
    layers = {"rnn": RNNLayer, "lstm": LSTMLayer}
    try:
        return layers[cell.lower()](n_x, n_a, dtype)
    except KeyError:
        raise ValueError(f"unknown cell {cell!r}; choose rnn or lstm") from None
