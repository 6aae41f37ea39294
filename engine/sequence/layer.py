"""What the fused RNN and LSTM layers share: parameters, the input projection, masks, weight gradients.

Shapes, rows and time first: inputs x (T, m, n_x), states h (T, m, n_a); a layer
with G gate blocks (1 for the RNN, 4 for the LSTM) has Wx (n_x, G n_a),
Wh (n_a, G n_a) and b (G n_a,), and a pre-activation z_t = x_t Wx + h_{t-1} Wh + b.
"""

from __future__ import annotations

import numpy as np

from engine.sequence.buffers import BufferPool

__all__ = ["RecurrentLayer"]


class RecurrentLayer:
    """Shapes, buffers, input projection and parameter gradients of a layer with ``n_gates`` blocks."""

    n_gates = 1
    has_cell = False

    def __init__(self, n_x: int, n_a: int, dtype=np.float64):
        self.n_x = int(n_x)
        self.n_a = int(n_a)
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ValueError("dtype must be float32 or float64")
        self.pool = BufferPool(self._allocate)  # work arrays per batch size
        self._checked = None  # the last parameter dictionary found valid
        self._lent: np.ndarray | None = None  # the last view handed out by input_buffer
        self._T = 0  # steps of the latest forward pass
        self._x: np.ndarray | None = None  # its inputs (None when it got projections)
        self._mask: np.ndarray | None = None  # its mask as booleans (None: nothing padded)
        self.h_last: np.ndarray | None = None  # final state of the latest forward pass, (m, n_a)

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

    # -- buffers -----------------------------------------------------------------
    def _allocate(self, cap: int, m: int):
        """The layer's work arrays for ``m`` rows and ``cap`` steps."""
        raise NotImplementedError

    def _projection_view(self, T: int) -> np.ndarray:
        """Where the current buffers keep the input projections of ``T`` steps, (T, m, G n_a)."""
        raise NotImplementedError

    def input_buffer(self, T: int, m: int) -> np.ndarray:
        """The layer's own (T, m, G n_a) projection buffer.

        A caller that builds the projections itself (e.g. by row lookup) can write
        them here and pass this array as ``xp=`` to spare a copy.
        """
        self.pool.get(T, m)
        self._lent = self._projection_view(T)
        return self._lent

    # -- shared steps ----------------------------------------------------------
    def _project(self, params, x, xp, T: int, m: int, out: np.ndarray) -> None:
        """Write the input projections of all steps, ``x @ Wx + b``, into ``out (T, m, G n_a)``."""
        if xp is not None:
            if xp.shape != out.shape:
                raise ValueError(f"xp has shape {xp.shape}, expected {out.shape}")
            if xp is not self._lent:  # see input_buffer
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

    def _check_state(self, state, m: int, name: str) -> np.ndarray | None:
        if state is None:
            return None
        state = np.asarray(state)
        if state.shape != (m, self.n_a):
            raise ValueError(f"{name} has shape {state.shape}, expected {(m, self.n_a)}")
        return state

    def _start_state(self, first: np.ndarray, state, m: int, name: str) -> None:
        """Write the initial state (zeros when None) into ``first`` (m, n_a)."""
        state = self._check_state(state, m, name)
        if state is None:
            first.fill(0)
        else:
            np.copyto(first, state)

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
