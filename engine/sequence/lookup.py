"""The gradient of a row lookup (an embedding): summing gradient rows back into a table."""

from __future__ import annotations

import numpy as np

__all__ = ["scatter_rows"]


def scatter_rows(rows: np.ndarray, values: np.ndarray, n_rows: int, out: np.ndarray | None = None) -> np.ndarray:
    """Sum ``values`` into the rows named by ``rows``: the gradient of a row lookup.

    rows (N,) ints in [0, n_rows), values (N, k) -> (n_rows, k) where row r is the sum of
    ``values[rows == r]``. ``np.add.at`` does this but is unbuffered and slow; for a
    small vocabulary a one-hot product is faster, for a large one sorting and
    ``np.add.reduceat`` is.
    """
    if out is None:
        out = np.empty((n_rows, values.shape[1]), dtype=values.dtype)
    if rows.size == 0:
        out.fill(0)
        return out
    if n_rows <= 256:
        one_hot = np.zeros((rows.size, n_rows), dtype=values.dtype)
        one_hot[np.arange(rows.size), rows] = 1
        np.dot(one_hot.T, values, out=out)
        return out
    order = np.argsort(rows, kind="stable")
    sorted_rows = rows[order]
    starts = np.flatnonzero(np.r_[True, sorted_rows[1:] != sorted_rows[:-1]])
    out.fill(0)
    out[sorted_rows[starts]] = np.add.reduceat(values[order], starts, axis=0)
    return out
