"""The course's LSTM cell over whole sequences, its four gates in one product.

Gate blocks are stacked in the order :data:`engine.lstm_gates.STACKED` = o, i, f, c
(output, update, forget, candidate c~): the three sigmoid gates are then one
slice ``[:3 n_a]`` and the three gates the cell gradient drives (i, f, c~)
another, ``[n_a:]``.

    z_t = x_t Wx + h_{t-1} Wh + b;   o, i, f = sigmoid(z_o, z_i, z_f);   c~ = tanh(z_c)
    c_t = f * c_{t-1} + i * c~;       h_t = o * tanh(c_t)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.lstm_gates import STACKED
from engine.sequence.layer import RecurrentLayer

__all__ = ["LSTMBuffers", "LSTMLayer"]

_FORGET = STACKED.index("f")
assert STACKED == ("o", "i", "f", "c"), "the slices below are written for this order"


@dataclass(eq=False)
class LSTMBuffers:
    """Work arrays of an LSTM layer for m rows and up to ``cap`` steps of n units; ``*_rows`` are per-step views."""

    m: int
    cap: int
    H: np.ndarray  # (cap + 1, m, n): H[0] = h0
    C: np.ndarray  # (cap + 1, m, n): C[0] = c0
    Z: np.ndarray  # (cap, m, 4n): gate activations o, i, f, c~ (first their pre-activations)
    TC: np.ndarray  # (cap, m, n): tanh(c_t)
    dZ: np.ndarray  # (cap, m, 4n): gradients of the pre-activations
    Q: np.ndarray  # (cap, m, 3, n): d(i, f, c~ pre-activations)/dc
    R: np.ndarray  # (cap, m, n): d(o pre-activation)/dh
    S: np.ndarray  # (cap, m, n): dc/dh through h = o tanh(c)
    F: np.ndarray  # (cap, m, n): dc_{t-1}/dc_t
    G: np.ndarray  # (cap, m, n): incoming dL/dh per step
    tmp: np.ndarray  # (m, n)
    tmp4: np.ndarray  # (m, 4n)
    dc: np.ndarray  # (m, n): dL/dc_t at the current step
    dc_next: np.ndarray  # (m, n): what step t sends back to c_{t-1}
    rows: dict[str, list[np.ndarray]]  # per-step views of H, C, TC, Q, R, S, F, G
    Z_rows: list[tuple[np.ndarray, ...]]  # per step: (all, sigmoid part, o, i, f, c~)
    dZ_rows: list[tuple[np.ndarray, ...]]  # per step: (all, o, (i, f, c~) as (m, 3, n))

    @classmethod
    def allocate(cls, cap: int, m: int, n: int, dtype) -> LSTMBuffers:
        def steps(extra: int = 0, width: tuple = (n,)) -> np.ndarray:
            return np.empty((cap + extra, m, *width), dtype)

        b = {"H": steps(1), "C": steps(1), "TC": steps(), "Q": steps(width=(3, n)), "R": steps(), "S": steps(),
             "F": steps(), "G": steps()}
        Z, dZ = steps(width=(4 * n,)), steps(width=(4 * n,))
        z_rows = [(z, z[:, : 3 * n], z[:, :n], z[:, n : 2 * n], z[:, 2 * n : 3 * n], z[:, 3 * n :]) for z in Z]
        dz_rows = [(dz, dz[:, :n], dz.reshape(m, 4, n)[:, 1:]) for dz in dZ]
        work = {name: np.empty((m, n), dtype) for name in ("tmp", "dc", "dc_next")}
        return cls(m=m, cap=cap, Z=Z, dZ=dZ, tmp4=np.empty((m, 4 * n), dtype), **b, **work,
                   rows={name: list(array) for name, array in b.items()}, Z_rows=z_rows, dZ_rows=dz_rows)


class LSTMLayer(RecurrentLayer):
    """The course's LSTM cell over whole sequences, gates stacked in the order o, i, f, c~."""

    n_gates = 4
    has_cell = True

    def __init__(self, n_x: int, n_a: int, dtype=np.float64):
        super().__init__(n_x, n_a, dtype)
        self.c_last: np.ndarray | None = None  # final memory cell of the latest forward pass, (m, n_a)
        self.c: np.ndarray | None = None  # its memory cells c_t, (T, m, n_a)

    def init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """As for every layer, plus a forget-gate bias of 1 so memory is kept at the start."""
        params = super().init_params(rng)
        n = self.n_a
        params["b"][_FORGET * n : (_FORGET + 1) * n] = 1
        return params

    def _allocate(self, cap: int, m: int) -> LSTMBuffers:
        return LSTMBuffers.allocate(cap, m, self.n_a, self.dtype)

    def _projection_view(self, T: int) -> np.ndarray:
        return self.pool.current.Z[:T]

    def forward(self, params, x=None, h0=None, c0=None, mask=None, xp=None) -> np.ndarray:
        """Run the LSTM; returns h (T, m, n_a), a view of the layer's buffer.

        x (T, m, n_x) or xp (T, m, 4 n_a) = x_t Wx + b; h0, c0 (m, n_a) (zeros if None);
        mask (T, m). Final states are ``self.h_last`` and ``self.c_last``; all cells ``self.c``.
        """
        self._check_params(params)
        T, m = (x if xp is None else xp).shape[:2]
        buf = self.pool.get(T, m)
        self._T = T
        n = self.n_a
        Z = buf.Z[:T]
        self._project(params, x, xp, T, m, Z)
        self._start_state(buf.H[0], h0, m, "h0")
        self._start_state(buf.C[0], c0, m, "c0")
        drop = self._prepare_mask(mask, T, m)
        # sigmoid(z) = (1 + tanh(z / 2)) / 2: halve the sigmoid columns once up front
        # (projections and recurrent weights), so each step needs one tanh for all four gates.
        Z[:, :, : 3 * n] *= 0.5
        scale = np.ones(4 * n, self.dtype)
        scale[: 3 * n] = 0.5
        Whs = params["Wh"] * scale
        Hr, Cr, TCr, Zr = buf.rows["H"], buf.rows["C"], buf.rows["TC"], buf.Z_rows
        tmp, tmp4 = buf.tmp, buf.tmp4
        for t in range(T):
            z, sig, o, i, f, cand = Zr[t]
            np.dot(Hr[t], Whs, out=tmp4)
            z += tmp4
            np.tanh(z, out=z)
            sig *= 0.5
            sig += 0.5
            c = Cr[t + 1]
            np.multiply(f, Cr[t], out=c)
            np.multiply(i, cand, out=tmp)
            c += tmp
            tc = TCr[t]
            np.tanh(c, out=tc)
            h = Hr[t + 1]
            np.multiply(o, tc, out=h)
            if drop is not None:
                np.copyto(h, Hr[t], where=drop[t])  # padding: carry both states unchanged
                np.copyto(c, Cr[t], where=drop[t])
        self.h_last = buf.H[T]
        self.c_last = buf.C[T]
        self.c = buf.C[1 : T + 1]
        return buf.H[1 : T + 1]

    def backward(self, params, dh, dh_last=None, dc_last=None, out: dict | None = None) -> dict:
        """Gradients of the last forward pass; as :meth:`RNNLayer.backward`, plus c0 and dc_last.

        With dc the total gradient on c_t (from c_{t+1} and through h_t):
        dc = dc_next + dh * o * (1 - tanh^2 c_t);  dz_o = dh * tanh(c_t) * o (1 - o);
        dz_i = dc * c~ * i (1 - i);  dz_f = dc * c_{t-1} * f (1 - f);  dz_c = dc * i * (1 - c~^2);
        dc_{t-1} = dc * f;  dh_{t-1} = dz Wh^T.
        """
        T, n, buf = self._T, self.n_a, self.pool.current
        Z, TC = buf.Z[:T], buf.TC[:T]
        o, i, f, cand = (Z[:, :, k * n : (k + 1) * n] for k in range(4))
        Q, R, S, F = buf.Q[:T], buf.R[:T], buf.S[:T], buf.F[:T]
        # Every factor that does not depend on the incoming gradient, for all steps at once.
        np.multiply(TC, TC, out=S)
        np.subtract(1, S, out=S)
        S *= o  # o (1 - tanh^2 c)
        np.subtract(1, o, out=R)
        R *= o
        R *= TC  # tanh(c) o (1 - o)
        qi, qf, qc = Q[:, :, 0], Q[:, :, 1], Q[:, :, 2]
        np.subtract(1, i, out=qi)
        qi *= i
        qi *= cand  # c~ i (1 - i)
        np.subtract(1, f, out=qf)
        qf *= f
        qf *= buf.C[:T]  # c_prev f (1 - f)
        np.multiply(cand, cand, out=qc)
        np.subtract(1, qc, out=qc)
        qc *= i  # i (1 - c~^2)
        np.copyto(F, f)
        drop = None
        if self._mask is not None:
            keep = self._mask[:, :, None]
            drop = ~keep
            R *= keep
            S *= keep
            Q *= keep[:, :, :, None]
            np.copyto(F, 1, where=drop)  # a padded step passes dc straight through
        G = buf.G
        np.copyto(G[:T], dh)
        if dh_last is not None:
            G[T - 1] += dh_last
        dc, dc_next = buf.dc, buf.dc_next
        if dc_last is None:
            dc_next.fill(0)
        else:
            np.copyto(dc_next, dc_last)
        rows = buf.rows
        Gr, Rr, Sr, Qr, Fr = rows["G"], rows["R"], rows["S"], rows["Q"], rows["F"]
        dZr = buf.dZ_rows
        Wh_T, tmp = params["Wh"].T, buf.tmp
        for t in range(T - 1, -1, -1):
            gh = Gr[t]
            if t < T - 1:
                gh += tmp
            dz, dz_o, dz_ifc = dZr[t]
            np.multiply(gh, Rr[t], out=dz_o)
            np.multiply(gh, Sr[t], out=dc)
            dc += dc_next
            np.multiply(dc[:, None, :], Qr[t], out=dz_ifc)
            np.multiply(dc, Fr[t], out=dc_next)
            np.dot(dz, Wh_T, out=tmp)
            if drop is not None:
                np.copyto(tmp, gh, where=drop[t])
        grads = self._param_grads(params, buf.dZ[:T], buf.H[:T], out)
        grads["h0"] = tmp.copy()
        grads["c0"] = dc_next.copy()
        return grads
