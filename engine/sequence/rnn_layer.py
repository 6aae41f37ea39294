"""The course's RNN cell over whole sequences: h_t = tanh(x_t Wx + h_{t-1} Wh + b).

Course names: Wx = Wax^T, Wh = Waa^T, b = ba^T, h = a.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.sequence.layer import RecurrentLayer

__all__ = ["RNNBuffers", "RNNLayer"]


@dataclass(eq=False)
class RNNBuffers:
    """Work arrays of an RNN layer for m rows and up to ``cap`` steps of n units; ``*_rows`` are per-step views."""

    m: int
    cap: int
    H: np.ndarray  # (cap + 1, m, n): H[0] is h0, H[t+1] is h_t (first the projection of step t)
    D: np.ndarray  # (cap, m, n): tanh' at each step, then the gradient dz
    G: np.ndarray  # (cap, m, n): incoming dL/dh per step
    tmp: np.ndarray  # (m, n)
    H_rows: list[np.ndarray]
    D_rows: list[np.ndarray]
    G_rows: list[np.ndarray]

    @classmethod
    def allocate(cls, cap: int, m: int, n: int, dtype) -> RNNBuffers:
        H, D, G = np.empty((cap + 1, m, n), dtype), np.empty((cap, m, n), dtype), np.empty((cap, m, n), dtype)
        return cls(m, cap, H, D, G, np.empty((m, n), dtype), list(H), list(D), list(G))


class RNNLayer(RecurrentLayer):
    """The course's RNN cell over whole sequences: h_t = tanh(x_t Wx + h_{t-1} Wh + b)."""

    n_gates = 1

    def _allocate(self, cap: int, m: int) -> RNNBuffers:
        return RNNBuffers.allocate(cap, m, self.n_a, self.dtype)

    def _projection_view(self, T: int) -> np.ndarray:
        return self.pool.current.H[1 : T + 1]  # each state starts as its step's projection

    def forward(self, params, x=None, h0=None, mask=None, xp=None) -> np.ndarray:
        """Run the recurrence; returns h (T, m, n_a), a view of the layer's buffer.

        x (T, m, n_x) inputs, or xp (T, m, n_a) ready-made projections x_t Wx + b;
        h0 (m, n_a) initial state (zeros if None); mask (T, m) 1 real / 0 padding.
        The final state is ``self.h_last``.
        """
        self._check_params(params)
        T, m = (x if xp is None else xp).shape[:2]
        buf = self.pool.get(T, m)
        self._T = T
        H, Hr = buf.H, buf.H_rows
        Z = H[1 : T + 1]
        self._project(params, x, xp, T, m, Z)  # H[t+1] first holds x_t Wx + b
        self._start_state(H[0], h0, m, "h0")
        drop = self._prepare_mask(mask, T, m)
        Wh, tmp = params["Wh"], buf.tmp
        for t in range(T):
            np.dot(Hr[t], Wh, out=tmp)
            h = Hr[t + 1]
            h += tmp
            np.tanh(h, out=h)
            if drop is not None:
                np.copyto(h, Hr[t], where=drop[t])  # padding: carry the state unchanged
        self.h_last = H[T]
        return Z

    def backward(self, params, dh, dh_last=None, out: dict | None = None) -> dict:
        """Gradients of the last forward pass.

        dh (T, m, n_a) = dL/dh_t from outside the recurrence (e.g. the output layer);
        dh_last (m, n_a) optional extra gradient on the final state.
        Returns Wh, h0 and, depending on how forward got its inputs, Wx, b, x or xp.
        ``out`` may hold arrays (e.g. views of a flat gradient) to write Wx, Wh, b into.
        """
        T, buf = self._T, self.pool.current
        G, Gr, Dr = buf.G, buf.G_rows, buf.D_rows
        D = buf.D[:T]
        h = buf.H[1 : T + 1]
        np.multiply(h, h, out=D)  # tanh'(z) = 1 - h^2, for all steps at once
        np.subtract(1, D, out=D)
        if self._mask is not None:
            D *= self._mask[:, :, None]
            drop = ~self._mask[:, :, None]
        else:
            drop = None
        np.copyto(G[:T], dh)
        if dh_last is not None:
            G[T - 1] += dh_last
        Wh_T, tmp = params["Wh"].T, buf.tmp
        for t in range(T - 1, -1, -1):
            g = Gr[t]
            if t < T - 1:
                g += tmp  # gradient arriving from step t + 1
            dz = Dr[t]
            dz *= g
            np.dot(dz, Wh_T, out=tmp)
            if drop is not None:
                np.copyto(tmp, g, where=drop[t])  # a padded step passes dh straight through
        grads = self._param_grads(params, D, buf.H[:T], out)
        grads["h0"] = tmp.copy()
        return grads
