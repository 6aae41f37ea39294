"""The four gates of an LSTM: their names, and the orders in which weight matrices stack them.

Every module names the gates with the course's letters:

    f  forget gate          sigmoid    how much of c<t-1> to keep
    i  update (input) gate  sigmoid    how much of the candidate to write
    c  candidate memory c~  tanh       what could be written
    o  output gate          sigmoid    how much of tanh(c<t>) to show as a<t>

Where the four gate matrices sit side by side in one array, the order of the
blocks is a layout choice, and three layouts meet in this project:

    COURSE   f, i, c, o   the course's order (engine.lstm, engine.gradient_lab keep separate
                          Wf, Wi, Wc, Wo; this is the order they are listed and iterated in)
    STACKED  o, i, f, c   engine.sequence's fused layer: the three sigmoid gates are one slice
                          [:3 n_a] and the three gates the cell gradient drives (i, f, c) another
                          [n_a:], which saves work in every step; saved names models use it
    KERAS    i, f, c, o   Keras and TensorFlow LSTM kernels (the jazz model)

:func:`restack` is the one conversion between them.
"""

from __future__ import annotations

import numpy as np

__all__ = ["GATES", "GATE_NAMES", "COURSE", "STACKED", "KERAS", "restack"]

GATES = ("f", "i", "c", "o")
GATE_NAMES = {"f": "forget", "i": "update", "c": "candidate", "o": "output"}

COURSE = GATES
STACKED = ("o", "i", "f", "c")
KERAS = ("i", "f", "c", "o")


def restack(array: np.ndarray, source: tuple[str, ...], target: tuple[str, ...], axis: int = -1) -> np.ndarray:
    """Reorder the four gate blocks of ``array`` along ``axis`` from the ``source`` order to ``target``.

    array (..., 4 n_a, ...) -> a new contiguous array of the same shape, e.g.
    ``restack(keras_kernel, KERAS, STACKED)`` for the fused layer's Wx.
    """
    if sorted(source) != sorted(GATES) or sorted(target) != sorted(GATES):
        raise ValueError(f"gate orders must name each of {', '.join(GATES)} once")
    size = array.shape[axis]
    if size % 4:
        raise ValueError(f"an axis of {size} does not hold four gate blocks")
    n = size // 4
    blocks = {gate: np.take(array, range(k * n, (k + 1) * n), axis=axis) for k, gate in enumerate(source)}
    return np.ascontiguousarray(np.concatenate([blocks[gate] for gate in target], axis=axis))
