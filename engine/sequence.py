"""Whole-sequence RNN and LSTM layers: the course's cells, arranged for speed.

The course writes one time step at a time, in columns: ``x`` is ``(n_x, m, T_x)``
and every step concatenates ``[a_prev; x_t]`` before four separate gate
products. This module computes exactly the same functions for a whole batch of
sequences at once, arranged so that numpy spends its time in a few large
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
  side by side (``Wx (n_x, 4 n_a)``, ``Wh (n_a, 4 n_a)``, ``b (4 n_a,)``), so
  one product yields all four pre-activations and nothing is concatenated.
* **Preallocated buffers.** Each layer keeps its work arrays between calls and
  writes into them with ``out=``; the backward pass reuses what the forward
  pass stored. Everything stays in the layer's dtype (float32 or float64).
* **Masks for padded batches.** With ``mask (T, m)`` (1 for real steps, 0 for
  padding) a padded step leaves the state unchanged, so the final state of each
  row is its state after its own last real step and no gradient reaches the
  weights from padding.

LSTM gate blocks are stored in the order **o, i, f, g** (output, update/input,
forget, candidate): the three sigmoid gates are then one slice ``[:3 n_a]``,
and the three gates driven by the cell gradient (i, f, g) are another
``[n_a:]``. :func:`lstm_params_from_course` and :func:`lstm_params_to_course`
translate to and from the course's ``Wf, Wi, Wc, Wo`` acting on ``[a_prev; x_t]``.

Arrays returned by ``forward`` are views of the layer's buffers: the next call
overwrites them (copy them to keep them). ``backward`` differentiates the most
recent ``forward``.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np

__all__ = [
    "blas_threads",
    "RNNLayer",
    "LSTMLayer",
    "make_layer",
    "scatter_rows",
    "rnn_params_from_course",
    "rnn_params_to_course",
    "lstm_params_from_course",
    "lstm_params_to_course",
    "LSTM_GATES",
]

LSTM_GATES = ("o", "i", "f", "g")  # order of the stacked gate blocks


@cache
def _openblas_thread_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` (thread-local), or None when numpy uses another BLAS."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    candidates = sorted(glob.glob(os.path.join(folder, "*openblas*")))
    for path in [*candidates, None]:
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


@contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Limit the BLAS threads of the calling thread to ``n`` inside the block.

    The products of a recurrence are small (tens of rows): splitting them over
    threads gains little on an idle machine, and on a busy one the threads wait
    for each other and a step can become ten times slower. The limit is
    thread-local (other threads keep theirs) and is restored on exit; with a
    BLAS other than numpy's OpenBLAS this does nothing.
    """
    setter = _openblas_thread_setter()
    previous = setter(n) if setter is not None else None
    try:
        yield
    finally:
        if setter is not None and previous is not None:
            setter(previous)


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


class _Recurrent:
    """What the RNN and LSTM layers share: shapes, buffers, input projection, parameter gradients."""

    n_gates = 1
    has_cell = False

    def __init__(self, n_x: int, n_a: int, dtype=np.float64):
        self.n_x = int(n_x)
        self.n_a = int(n_a)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError("dtype must be float32 or float64")
        self._pool: dict[int, dict] = {}  # work arrays per batch size m
        self._active = (0, 0)  # (m, step capacity) of the buffers in use
        self._checked = None  # the last parameter dictionary found valid
        self._lent = None  # the last view handed out by input_buffer
        self._T = 0
        self._x: np.ndarray | None = None
        self._mask: np.ndarray | None = None

    # -- parameters ------------------------------------------------------------
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Wx (n_x, G n_a), Wh (n_a, G n_a), b (G n_a,) with G gates."""
        k = self.n_gates * self.n_a
        return {"Wx": (self.n_x, k), "Wh": (self.n_a, k), "b": (k,)}

    def init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """Glorot-uniform input weights, orthogonal recurrent blocks, zero biases."""
        k = self.n_gates * self.n_a
        limit = np.sqrt(6.0 / (self.n_x + self.n_a))
        wx = rng.uniform(-limit, limit, size=(self.n_x, k))
        blocks = []
        for _ in range(self.n_gates):
            q, r = np.linalg.qr(rng.standard_normal((self.n_a, self.n_a)))
            blocks.append(q * np.sign(np.diag(r)))  # sign fix makes the draw uniform over rotations
        params = {"Wx": wx, "Wh": np.concatenate(blocks, axis=1), "b": np.zeros(k)}
        return {name: value.astype(self.dtype) for name, value in params.items()}

    # -- buffers -----------------------------------------------------------------
    def _ensure_buffers(self, T: int, m: int) -> None:
        """Make the work arrays for ``m`` rows and at least ``T`` steps current.

        A few batch sizes are kept (training and validation batches differ), and the
        step capacity grows by doubling, so steady training never allocates.
        """
        if m == self._active[0] and T <= self._active[1]:
            return  # the common case: same batch size as last time
        if T < 1 or m < 1:
            raise ValueError(f"need at least one step and one sequence, got T={T}, m={m}")
        buffers = self._pool.get(m)
        if buffers is None or buffers["cap"] < T:
            cap = T if buffers is None else max(T, 2 * buffers["cap"])
            buffers = self._allocate(cap, m)
            buffers["cap"] = cap
            self._pool.pop(m, None)
            while len(self._pool) >= 4:
                self._pool.pop(next(iter(self._pool)))
            self._pool[m] = buffers
        self.__dict__.update(buffers)
        self._active = (m, buffers["cap"])

    def _allocate(self, cap: int, m: int) -> dict:
        raise NotImplementedError

    def input_buffer(self, T: int, m: int) -> np.ndarray:
        """The layer's own (T, m, G n_a) projection buffer.

        A caller that builds the projections itself (e.g. by row lookup) can write
        them here and pass this array as ``xp=`` to spare a copy.
        """
        self._ensure_buffers(T, m)
        self._lent = self._projection_view(T)
        return self._lent

    def _check_params(self, params) -> None:
        if params is self._checked:
            return  # the same dictionary as last time (the Names model passes one dict for good)
        for name, shape in self.param_shapes().items():
            if name in ("Wx", "b") and name not in params:  # inputs given as projections
                continue
            value = params[name]
            if value.shape != shape or value.dtype != self.dtype:
                raise ValueError(
                    f"parameter {name} is {value.dtype}{value.shape}, the layer needs {self.dtype}{shape}"
                )
        self._checked = params

    # -- shared steps ----------------------------------------------------------
    def _project(self, params, x, xp, T: int, m: int, out: np.ndarray) -> None:
        """Write the input projections of all steps, ``x @ Wx + b``, into ``out (T, m, G n_a)``."""
        if xp is not None:
            if xp.shape != out.shape:
                raise ValueError(f"xp has shape {xp.shape}, expected {out.shape}")
            if xp is not self._lent or xp.shape != out.shape:  # see input_buffer
                np.copyto(out, xp)
            self._x = None
            return
        if x.shape[2] != self.n_x:
            raise ValueError(f"x has {x.shape[2]} features, the layer expects n_x = {self.n_x}")
        x = np.ascontiguousarray(x, dtype=self.dtype)
        np.dot(x.reshape(T * m, self.n_x), params["Wx"], out=out.reshape(T * m, -1))
        out += params["b"]
        self._x = x

    def _prepare_mask(self, mask, T: int, m: int) -> np.ndarray | None:
        """Remember the mask (T, m) as booleans; return where padding is, (T, m, 1), or None."""
        if mask is None:
            self._mask = None
            return None
        mask = np.asarray(mask)
        if mask.shape != (T, m):
            raise ValueError(f"mask has shape {mask.shape}, expected {(T, m)}")
        keep = mask.astype(bool)
        if keep.all():  # nothing padded: take the faster unmasked path
            self._mask = None
            return None
        self._mask = keep
        return ~keep[:, :, None]

    def _param_grads(self, params, dz: np.ndarray, h_prev: np.ndarray, out: dict | None) -> dict:
        """Parameter and input gradients from the pre-activation gradients dz (T, m, G n_a).

        dWh = sum_t h_prev_t^T dz_t, db = sum dz, and through the input projection
        dWx = sum_t x_t^T dz_t, dx = dz Wx^T -- each one product over all steps.
        """
        T, m, k = dz.shape
        dz2 = dz.reshape(T * m, k)
        out = {} if out is None else out
        grads = {}
        grads["Wh"] = np.dot(h_prev.reshape(T * m, self.n_a).T, dz2, out=out.get("Wh"))
        if self._x is None:
            grads["xp"] = dz
        else:
            grads["Wx"] = np.dot(self._x.reshape(T * m, self.n_x).T, dz2, out=out.get("Wx"))
            grads["b"] = np.sum(dz2, axis=0, out=out.get("b"))
            grads["x"] = np.dot(dz2, params["Wx"].T).reshape(T, m, self.n_x)
        return grads

    def _check_state(self, state, m: int, name: str) -> np.ndarray | None:
        if state is None:
            return None
        state = np.asarray(state)
        if state.shape != (m, self.n_a):
            raise ValueError(f"{name} has shape {state.shape}, expected {(m, self.n_a)}")
        return state


class RNNLayer(_Recurrent):
    """The course's RNN cell over whole sequences: h_t = tanh(x_t Wx + h_{t-1} Wh + b).

    Course names: Wx = Wax^T, Wh = Waa^T, b = ba^T, h = a.
    """

    n_gates = 1

    def _allocate(self, cap: int, m: int) -> dict:
        n, dt = self.n_a, self.dtype
        b = {
            "_H": np.empty((cap + 1, m, n), dt),  # H[0] is h0, H[t+1] is h_t
            "_D": np.empty((cap, m, n), dt),  # tanh' at each step, then the gradient dz
            "_G": np.empty((cap, m, n), dt),  # incoming dL/dh per step
            "_tmp": np.empty((m, n), dt),
        }
        for name in ("_H", "_D", "_G"):
            b[name + "_rows"] = list(b[name])  # per-step views, made once
        return b

    def _projection_view(self, T: int) -> np.ndarray:
        return self._H[1 : T + 1]  # each state starts as its step's projection

    def forward(self, params, x=None, h0=None, mask=None, xp=None) -> np.ndarray:
        """Run the recurrence; returns h (T, m, n_a), a view of the layer's buffer.

        x (T, m, n_x) inputs, or xp (T, m, n_a) ready-made projections x_t Wx + b;
        h0 (m, n_a) initial state (zeros if None); mask (T, m) 1 real / 0 padding.
        The final state is ``self.h_last``.
        """
        self._check_params(params)
        T, m = (x if xp is None else xp).shape[:2]
        self._ensure_buffers(T, m)
        self._T = T
        H, Hr = self._H, self._H_rows
        Z = H[1 : T + 1]
        self._project(params, x, xp, T, m, Z)  # H[t+1] first holds x_t Wx + b
        h0 = self._check_state(h0, m, "h0")
        if h0 is None:
            H[0].fill(0)
        else:
            np.copyto(H[0], h0)
        drop = self._prepare_mask(mask, T, m)
        Wh, tmp = params["Wh"], self._tmp
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
        T = self._T
        G, Gr, Dr = self._G, self._G_rows, self._D_rows
        D = self._D[:T]
        h = self._H[1 : T + 1]
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
        Wh_T, tmp = params["Wh"].T, self._tmp
        for t in range(T - 1, -1, -1):
            g = Gr[t]
            if t < T - 1:
                g += tmp  # gradient arriving from step t + 1
            dz = Dr[t]
            dz *= g
            np.dot(dz, Wh_T, out=tmp)
            if drop is not None:
                np.copyto(tmp, g, where=drop[t])  # a padded step passes dh straight through
        grads = self._param_grads(params, D, self._H[:T], out)
        grads["h0"] = tmp.copy()
        return grads


class LSTMLayer(_Recurrent):
    """The course's LSTM cell over whole sequences, gates stacked in the order o, i, f, g.

    z_t = x_t Wx + h_{t-1} Wh + b;  o, i, f = sigmoid(z_o, z_i, z_f);  g = tanh(z_g)
    c_t = f * c_{t-1} + i * g;      h_t = o * tanh(c_t)
    """

    n_gates = 4
    has_cell = True

    def init_params(self, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """As for every layer, plus a forget-gate bias of 1 so memory is kept at the start."""
        params = super().init_params(rng)
        n = self.n_a
        params["b"][2 * n : 3 * n] = 1
        return params

    def _allocate(self, cap: int, m: int) -> dict:
        n, dt = self.n_a, self.dtype
        b = {
            "_H": np.empty((cap + 1, m, n), dt),  # H[0] = h0
            "_C": np.empty((cap + 1, m, n), dt),  # C[0] = c0
            "_Z": np.empty((cap, m, 4 * n), dt),  # gate activations o, i, f, g
            "_TC": np.empty((cap, m, n), dt),  # tanh(c_t)
            "_dZ": np.empty((cap, m, 4 * n), dt),
            "_Q": np.empty((cap, m, 3, n), dt),  # d(i, f, g pre-activations)/dc
            "_R": np.empty((cap, m, n), dt),  # d(o pre-activation)/dh
            "_S": np.empty((cap, m, n), dt),  # dc/dh through h = o tanh(c)
            "_F": np.empty((cap, m, n), dt),  # dc_{t-1}/dc_t
            "_G": np.empty((cap, m, n), dt),  # incoming dL/dh per step
            "_tmp": np.empty((m, n), dt),
            "_tmp4": np.empty((m, 4 * n), dt),
            "_dc": np.empty((m, n), dt),
            "_dc_next": np.empty((m, n), dt),
        }
        for name in ("_H", "_C", "_TC", "_Q", "_R", "_S", "_F", "_G"):
            b[name + "_rows"] = list(b[name])  # per-step views, made once
        # per-step views of the gate blocks: (all, sigmoid part, o, i, f, g)
        b["_Z_rows"] = [
            (z, z[:, : 3 * n], z[:, :n], z[:, n : 2 * n], z[:, 2 * n : 3 * n], z[:, 3 * n :]) for z in b["_Z"]
        ]
        b["_dZ_rows"] = [(dz, dz[:, :n], dz.reshape(m, 4, n)[:, 1:]) for dz in b["_dZ"]]
        return b

    def _projection_view(self, T: int) -> np.ndarray:
        return self._Z[:T]

    def forward(self, params, x=None, h0=None, c0=None, mask=None, xp=None) -> np.ndarray:
        """Run the LSTM; returns h (T, m, n_a), a view of the layer's buffer.

        x (T, m, n_x) or xp (T, m, 4 n_a) = x_t Wx + b; h0, c0 (m, n_a) (zeros if None);
        mask (T, m). Final states are ``self.h_last`` and ``self.c_last``; all cells ``self.c``.
        """
        self._check_params(params)
        T, m = (x if xp is None else xp).shape[:2]
        self._ensure_buffers(T, m)
        self._T = T
        n = self.n_a
        Z = self._Z[:T]
        self._project(params, x, xp, T, m, Z)
        for buf, state, name in ((self._H, h0, "h0"), (self._C, c0, "c0")):
            state = self._check_state(state, m, name)
            if state is None:
                buf[0].fill(0)
            else:
                np.copyto(buf[0], state)
        drop = self._prepare_mask(mask, T, m)
        # sigmoid(z) = (1 + tanh(z / 2)) / 2: halve the sigmoid columns once up front
        # (projections and recurrent weights), so each step needs one tanh for all four gates.
        Z[:, :, : 3 * n] *= 0.5
        scale = np.ones(4 * n, self.dtype)
        scale[: 3 * n] = 0.5
        Whs = params["Wh"] * scale
        Hr, Cr, Zr, TCr = self._H_rows, self._C_rows, self._Z_rows, self._TC_rows
        tmp, tmp4 = self._tmp, self._tmp4
        for t in range(T):
            z, sig, o, i, f, g = Zr[t]
            np.dot(Hr[t], Whs, out=tmp4)
            z += tmp4
            np.tanh(z, out=z)
            sig *= 0.5
            sig += 0.5
            c = Cr[t + 1]
            np.multiply(f, Cr[t], out=c)
            np.multiply(i, g, out=tmp)
            c += tmp
            tc = TCr[t]
            np.tanh(c, out=tc)
            h = Hr[t + 1]
            np.multiply(o, tc, out=h)
            if drop is not None:
                np.copyto(h, Hr[t], where=drop[t])  # padding: carry both states unchanged
                np.copyto(c, Cr[t], where=drop[t])
        self.h_last = self._H[T]
        self.c_last = self._C[T]
        self.c = self._C[1 : T + 1]  # memory cells c_t, (T, m, n_a)
        return self._H[1 : T + 1]

    def backward(self, params, dh, dh_last=None, dc_last=None, out: dict | None = None) -> dict:
        """Gradients of the last forward pass; as :meth:`RNNLayer.backward`, plus c0 and dc_last.

        With dc the total gradient on c_t (from c_{t+1} and through h_t):
        dc = dc_next + dh * o * (1 - tanh^2 c_t);  dz_o = dh * tanh(c_t) * o (1 - o);
        dz_i = dc * g * i (1 - i);  dz_f = dc * c_{t-1} * f (1 - f);  dz_g = dc * i * (1 - g^2);
        dc_{t-1} = dc * f;  dh_{t-1} = dz Wh^T.
        """
        T, n = self._T, self.n_a
        Z, TC = self._Z[:T], self._TC[:T]
        o, i, f, g = (Z[:, :, k * n : (k + 1) * n] for k in range(4))
        Q, R, S, F = self._Q[:T], self._R[:T], self._S[:T], self._F[:T]
        # Every factor that does not depend on the incoming gradient, for all steps at once.
        np.multiply(TC, TC, out=S)
        np.subtract(1, S, out=S)
        S *= o  # o (1 - tanh^2 c)
        np.subtract(1, o, out=R)
        R *= o
        R *= TC  # tanh(c) o (1 - o)
        qi, qf, qg = Q[:, :, 0], Q[:, :, 1], Q[:, :, 2]
        np.subtract(1, i, out=qi)
        qi *= i
        qi *= g  # g i (1 - i)
        np.subtract(1, f, out=qf)
        qf *= f
        qf *= self._C[:T]  # c_prev f (1 - f)
        np.multiply(g, g, out=qg)
        np.subtract(1, qg, out=qg)
        qg *= i  # i (1 - g^2)
        np.copyto(F, f)
        drop = None
        if self._mask is not None:
            keep = self._mask[:, :, None]
            drop = ~keep
            R *= keep
            S *= keep
            Q *= keep[:, :, :, None]
            np.copyto(F, 1, where=drop)  # a padded step passes dc straight through
        G = self._G
        np.copyto(G[:T], dh)
        if dh_last is not None:
            G[T - 1] += dh_last
        dc, dc_next = self._dc, self._dc_next
        if dc_last is None:
            dc_next.fill(0)
        else:
            np.copyto(dc_next, dc_last)
        Gr, Rr, Sr, Qr, Fr = self._G_rows, self._R_rows, self._S_rows, self._Q_rows, self._F_rows
        dZ = self._dZ[:T]
        dZr = self._dZ_rows
        Wh_T, tmp = params["Wh"].T, self._tmp
        for t in range(T - 1, -1, -1):
            gh = Gr[t]
            if t < T - 1:
                gh += tmp
            dz, dz_o, dz_ifg = dZr[t]
            np.multiply(gh, Rr[t], out=dz_o)
            np.multiply(gh, Sr[t], out=dc)
            dc += dc_next
            np.multiply(dc[:, None, :], Qr[t], out=dz_ifg)
            np.multiply(dc, Fr[t], out=dc_next)
            np.dot(dz, Wh_T, out=tmp)
            if drop is not None:
                np.copyto(tmp, gh, where=drop[t])
        grads = self._param_grads(params, dZ, self._H[:T], out)
        grads["h0"] = tmp.copy()
        grads["c0"] = dc_next.copy()
        return grads


def make_layer(cell: str, n_x: int, n_a: int, dtype=np.float64) -> RNNLayer | LSTMLayer:
    """``make_layer("rnn" | "lstm", n_x, n_a, dtype)``."""
    layers = {"rnn": RNNLayer, "lstm": LSTMLayer}
    try:
        return layers[cell.lower()](n_x, n_a, dtype)
    except KeyError:
        raise ValueError(f"unknown cell {cell!r}; choose rnn or lstm") from None


# -- translation to and from the course's parameter dictionaries ------------------
_COURSE_LSTM = {"o": ("Wo", "bo"), "i": ("Wi", "bi"), "f": ("Wf", "bf"), "g": ("Wc", "bc")}


def rnn_params_from_course(parameters: dict, dtype=np.float64) -> dict[str, np.ndarray]:
    """Course RNN dictionary (Wax (n_a, n_x), Waa (n_a, n_a), ba (n_a, 1)) -> Wx, Wh, b."""
    return {
        "Wx": np.ascontiguousarray(parameters["Wax"].T, dtype=dtype),
        "Wh": np.ascontiguousarray(parameters["Waa"].T, dtype=dtype),
        "b": np.ascontiguousarray(parameters["ba"][:, 0], dtype=dtype),
    }


def rnn_params_to_course(params: dict) -> dict[str, np.ndarray]:
    """Wx, Wh, b -> the course's Wax, Waa, ba."""
    return {"Wax": params["Wx"].T.copy(), "Waa": params["Wh"].T.copy(), "ba": params["b"][:, None].copy()}


def lstm_params_from_course(parameters: dict, dtype=np.float64) -> dict[str, np.ndarray]:
    """Course LSTM dictionary (Wf, Wi, Wc, Wo (n_a, n_a + n_x) on [a_prev; x_t], bf.. (n_a, 1)) -> Wx, Wh, b."""
    n_a = parameters["Wf"].shape[0]
    wx, wh, b = [], [], []
    for gate in LSTM_GATES:
        w_name, b_name = _COURSE_LSTM[gate]
        w = parameters[w_name]
        wh.append(w[:, :n_a].T)
        wx.append(w[:, n_a:].T)
        b.append(parameters[b_name][:, 0])
    return {
        "Wx": np.ascontiguousarray(np.concatenate(wx, axis=1), dtype=dtype),
        "Wh": np.ascontiguousarray(np.concatenate(wh, axis=1), dtype=dtype),
        "b": np.ascontiguousarray(np.concatenate(b), dtype=dtype),
    }


def lstm_params_to_course(params: dict) -> dict[str, np.ndarray]:
    """Wx, Wh, b -> the course's Wf, Wi, Wc, Wo (acting on [a_prev; x_t]) and bf, bi, bc, bo."""
    n_a = params["Wh"].shape[0]
    out = {}
    for k, gate in enumerate(LSTM_GATES):
        w_name, b_name = _COURSE_LSTM[gate]
        cols = slice(k * n_a, (k + 1) * n_a)
        out[w_name] = np.concatenate([params["Wh"][:, cols].T, params["Wx"][:, cols].T], axis=1)
        out[b_name] = params["b"][cols][:, None].copy()
    return out
