"""Gradient clipping and the two optimizers, working on one flat parameter vector.

Every parameter of a :class:`engine.names.model.CharModel` is a view of one flat
array, and so is every gradient; each operation here is therefore a handful of
numpy calls over the whole model, whatever its number of weight matrices.
"""

from __future__ import annotations

import numpy as np

__all__ = ["clip_gradient", "SGD", "Adam", "make_optimizer", "CLIP_MODES", "OPTIMIZERS"]

CLIP_MODES = ("value", "norm", "none")
OPTIMIZERS = ("sgd", "adam")


def clip_gradient(grad: np.ndarray, mode: str, limit: float) -> None:
    """Clip ``grad`` in place.

    value -- every element into [-limit, limit] (the course's ``clip``; it changes the direction)
    norm  -- rescale the whole vector to norm ``limit`` when it is longer (keeps the direction)
    none  -- leave it
    """
    if mode == "value":
        np.minimum(grad, limit, out=grad)  # np.clip, without its Python wrapper
        np.maximum(grad, -limit, out=grad)
    elif mode == "norm":
        norm = float(np.sqrt(np.dot(grad, grad)))
        if norm > limit:
            grad *= limit / norm
    elif mode != "none":
        raise ValueError(f"unknown clipping {mode!r}; choose one of {', '.join(CLIP_MODES)}")


class SGD:
    """Plain gradient descent, theta <- theta - lr * g, as in the course."""

    def __init__(self, params: np.ndarray, lr: float):
        self.params, self.lr = params, lr
        self._tmp = np.empty_like(params)

    def step(self, grad: np.ndarray) -> None:
        np.multiply(grad, self.lr, out=self._tmp)
        self.params -= self._tmp


class Adam:
    """Adam (Kingma & Ba 2015): per-weight steps scaled by running gradient moments.

    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2;
    theta <- theta - lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps)

    With ``weight_decay`` w, the weights also shrink by lr w theta each step
    (decoupled, as in AdamW) -- only where ``decay_mask`` is 1 (weights, not biases).
    """

    def __init__(self, params: np.ndarray, lr: float, beta1=0.9, beta2=0.999, eps=1e-8,
                 weight_decay: float = 0.0, decay_mask: np.ndarray | None = None):
        self.params, self.lr = params, lr
        self.weight_decay = weight_decay
        self.decay_mask = decay_mask
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._tmp = np.empty_like(params)
        self.t = 0

    def step(self, grad: np.ndarray) -> None:
        self.t += 1
        b1, b2, tmp = self.beta1, self.beta2, self._tmp
        self.m *= b1
        np.multiply(grad, 1 - b1, out=tmp)
        self.m += tmp
        self.v *= b2
        np.multiply(grad, grad, out=tmp)
        tmp *= 1 - b2
        self.v += tmp
        step = self.lr * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)  # bias correction, folded into the rate
        np.sqrt(self.v, out=tmp)
        tmp += self.eps
        np.divide(self.m, tmp, out=tmp)
        tmp *= step
        self.params -= tmp
        if self.weight_decay:
            np.multiply(self.params, self.lr * self.weight_decay, out=tmp)
            if self.decay_mask is not None:
                tmp *= self.decay_mask
            self.params -= tmp


def make_optimizer(name: str, params: np.ndarray, lr: float, weight_decay: float = 0.0,
                   decay_mask: np.ndarray | None = None) -> SGD | Adam:
    if name == "sgd":
        return SGD(params, lr)
    if name == "adam":
        return Adam(params, lr, weight_decay=weight_decay, decay_mask=decay_mask)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
