"""Activation functions shared by every model in the studio."""

from __future__ import annotations

import numpy as np

__all__ = ["sigmoid", "softmax", "log_softmax"]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function 1 / (1 + e^-z), computed as (1 + tanh(z/2)) / 2 so it never overflows."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z: np.ndarray, axis: int = 0) -> np.ndarray:
    """Softmax along ``axis`` (classes on axis 0, as in the course's column layout)."""
    e = np.exp(z - z.max(axis=axis, keepdims=True))  # shift for numerical safety; softmax is shift-invariant
    return e / e.sum(axis=axis, keepdims=True)


def log_softmax(z: np.ndarray, axis: int = 0) -> np.ndarray:
    """log(softmax(z)) without forming the probabilities, exact for very negative logits."""
    shifted = z - z.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
