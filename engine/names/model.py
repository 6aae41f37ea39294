"""The character-level model: symbol lookup, an RNN or LSTM core, a softmax over the next character.

For a name c_1 ... c_L the model reads x<0> = 0 (the zero vector, as in the
course), then x<t> = c_t, and at every step t = 0 ... L predicts the next
symbol y<t> = c_{t+1}, the last one being the end-of-name token. The loss of a
name is the course's: the summed negative log-likelihood of its L + 1 symbols.

Inputs are symbols, so x<t> Wx is simply row c_t of the input weights: the
model looks rows up (``E``) instead of multiplying one-hot vectors, and the
gradient of the lookup adds the step gradients back into those rows. The
recurrence itself is :mod:`engine.sequence`; a batch of names is padded to its
longest name, and the mask keeps padding out of the loss (and, when the state
is carried from batch to batch, out of the state).

Parameters live in one flat vector (``model.flat``) with named views, so the
optimizer updates and clips everything in one operation:

    E  (V, G n)   input rows, one per symbol     (course: Wax^T)
    b  (G n,)     cell bias                      (course: b)
    Wh (n, G n)   recurrent weights              (course: Waa^T)
    Wy (n, V)     output weights                 (course: Wya^T)
    by (V,)       output bias                    (course: by)

with V symbols, n hidden units and G gates (1 for the RNN, 4 for the LSTM).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.sequence import make_layer, scatter_rows

__all__ = ["Batch", "CharModel", "make_batch", "temper", "PARAM_NAMES"]

PARAM_NAMES = ("E", "b", "Wh", "Wy", "by")


@dataclass
class Batch:
    """Names as arrays, one column per name, padded to the longest.

    inputs  (T, m) ints -- symbol read at step t (row 0 unused: step 0 reads the zero vector)
    targets (T, m) ints -- symbol to predict at step t (0, the end token, after the name)
    mask    (T, m) float 1 for real steps, 0 for padding; None when nothing is padded
    n_chars          -- number of predicted symbols (sum of name lengths + one end token each)
    """

    inputs: np.ndarray
    targets: np.ndarray
    mask: np.ndarray | None
    n_chars: int

    def __post_init__(self) -> None:
        # Flat views used at every step (a batch may be reused epoch after epoch).
        self.flat_targets = self.targets.reshape(-1)
        self.flat_mask = None if self.mask is None else self.mask.reshape(-1)
        self.looked_up = np.ascontiguousarray(self.inputs[1:]).reshape(-1)  # symbols read at steps 1..T-1
        self._one_hot: np.ndarray | None = None

    @property
    def size(self) -> int:
        return self.targets.shape[1]

    def one_hot(self, vocab_size: int, dtype) -> np.ndarray:
        """(N', V) one-hot rows of the looked-up symbols, made once per batch (for the lookup's gradient)."""
        if self._one_hot is None or self._one_hot.dtype != dtype or self._one_hot.shape[1] != vocab_size:
            self._one_hot = np.zeros((self.looked_up.size, vocab_size), dtype=dtype)
            self._one_hot[np.arange(self.looked_up.size), self.looked_up] = 1
        return self._one_hot


def make_batch(encoded: list[np.ndarray]) -> Batch:
    """A batch from names already turned into symbol ids (without end tokens)."""
    lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
    T, m = int(lengths.max()) + 1, len(encoded)
    targets = np.zeros((T, m), dtype=np.int64)  # 0 = end token, also used for padding
    for j, e in enumerate(encoded):
        targets[: len(e), j] = e
    inputs = np.zeros((T, m), dtype=np.int64)
    inputs[1:] = targets[:-1]
    mask = None
    if lengths.min() + 1 < T:
        mask = (np.arange(T)[:, None] <= lengths[None, :]).astype(np.float64)
    return Batch(inputs, targets, mask, int(lengths.sum()) + m)


def temper(probs: np.ndarray, temperature: float) -> np.ndarray:
    """probs (m, V) raised to the power 1/T and renormalised: softmax(logits / T) for one model,
    and the same rule for an ensemble's averaged probabilities."""
    if temperature == 1.0:
        return probs
    with np.errstate(divide="ignore"):
        logp = np.log(probs) / temperature
    logp -= logp.max(axis=1, keepdims=True)
    p = np.exp(logp)
    p /= p.sum(axis=1, keepdims=True)
    return p


class CharModel:
    """A next-character model over a vocabulary of ``vocab_size`` symbols (id 0 = end token)."""

    def __init__(self, cell: str, vocab_size: int, hidden: int, dtype=np.float32):
        self.cell = cell.lower()
        self.vocab_size = int(vocab_size)
        self.hidden = int(hidden)
        self.dtype = np.dtype(dtype)
        self.layer = make_layer(self.cell, self.vocab_size, self.hidden, self.dtype)
        self.flat, self.params = self._allocate()
        self.grad_flat, self.grads = self._allocate()
        self._recurrent = {"Wh": self.params["Wh"]}
        self._grad_out = {"Wh": self.grads["Wh"]}
        self._arange = np.arange(0)

    # -- parameters --------------------------------------------------------------
    def shapes(self) -> dict[str, tuple[int, ...]]:
        V, n, k = self.vocab_size, self.hidden, self.layer.n_gates * self.hidden
        return {"E": (V, k), "b": (k,), "Wh": (n, k), "Wy": (n, V), "by": (V,)}

    def _allocate(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        shapes = self.shapes()
        flat = np.zeros(sum(int(np.prod(s)) for s in shapes.values()), dtype=self.dtype)
        views, start = {}, 0
        for name in PARAM_NAMES:
            size = int(np.prod(shapes[name]))
            views[name] = flat[start : start + size].reshape(shapes[name])
            start += size
        return flat, views

    def flat_mask(self, names) -> np.ndarray:
        """A vector like ``flat`` with 1 where the named parameters are and 0 elsewhere."""
        mask = np.zeros_like(self.flat)
        start = 0
        for name in PARAM_NAMES:
            size = self.params[name].size
            if name in names:
                mask[start : start + size] = 1
            start += size
        return mask

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Copy weights in (shapes must match)."""
        for name, shape in self.shapes().items():
            value = np.asarray(params[name])
            if value.shape != shape:
                raise ValueError(f"{name} has shape {value.shape}, the model needs {shape}")
            self.params[name][...] = value

    def init_default(self, rng: np.random.Generator, unigram: np.ndarray | None = None) -> None:
        """Glorot inputs and outputs, orthogonal recurrence; the output bias starts at the
        log-frequency of each symbol, so the first prediction is already the letter counts."""
        core = self.layer.init_params(rng)
        self.params["E"][...] = core["Wx"]
        self.params["b"][...] = core["b"]
        self.params["Wh"][...] = core["Wh"]
        limit = np.sqrt(6.0 / (self.hidden + self.vocab_size))
        self.params["Wy"][...] = rng.uniform(-limit, limit, size=(self.hidden, self.vocab_size))
        if unigram is None:
            self.params["by"][...] = 0
        else:
            p = np.asarray(unigram, dtype=np.float64) + 1.0  # add-one smoothing: no symbol is impossible
            self.params["by"][...] = np.log(p / p.sum())

    def init_course(self, seed: int = 1) -> None:
        """The notebook's ``initialize_parameters``: np.random.seed(1), then
        Wax, Waa, Wya = randn(...) * 0.01 in that order, zero biases (RNN; the LSTM
        draws its stacked weights the same way)."""
        rs = np.random.RandomState(seed)
        n, V, k = self.hidden, self.vocab_size, self.layer.n_gates * self.hidden
        wax = rs.randn(k, V) * 0.01
        waa = rs.randn(k, n) * 0.01
        wya = rs.randn(V, n) * 0.01
        self.params["E"][...] = wax.T
        self.params["Wh"][...] = waa.T
        self.params["Wy"][...] = wya.T
        self.params["b"][...] = 0
        self.params["by"][...] = 0

    # -- forward and backward -----------------------------------------------------
    def _forward(self, batch: Batch, h0=None, c0=None, carry_mask: bool = False) -> np.ndarray:
        """The hidden states (T, m, n) for a batch; inputs looked up straight into the layer's buffer."""
        T, m = batch.targets.shape
        xp = self.layer.input_buffer(T, m)
        np.take(self.params["E"], batch.looked_up, axis=0, out=xp[1:].reshape(-1, xp.shape[2]))
        xp[0] = 0  # the course's first input is the zero vector
        xp += self.params["b"]
        state = {"c0": c0} if self.layer.has_cell else {}
        mask = batch.mask if carry_mask else None  # padding sits after each name: only a carried state needs it
        return self.layer.forward(self._recurrent, xp=xp, h0=h0, mask=mask, **state)

    def _rows(self, n: int) -> np.ndarray:
        if self._arange.size < n:
            self._arange = np.arange(max(n, 2 * self._arange.size))
        return self._arange[:n]

    def _output(self, h2: np.ndarray, batch: Batch) -> tuple[np.ndarray, np.ndarray, float]:
        """Softmax probabilities (N, V) from states h2 (N, n), N = T m; the row of each step; the summed NLL."""
        T, m = batch.targets.shape
        logits = np.dot(h2, self.params["Wy"])
        logits += self.params["by"]
        logits -= logits.max(axis=1, keepdims=True)  # softmax is shift-invariant; this keeps exp finite
        rows = self._rows(T * m)
        picked = logits[rows, batch.flat_targets]
        np.exp(logits, out=logits)
        total = logits.sum(axis=1)
        nll = np.log(total)
        nll -= picked  # -log softmax at the target
        loss = float(nll.sum() if batch.mask is None else np.dot(nll, batch.flat_mask))
        logits /= total[:, None]
        return logits, rows, loss

    def loss_and_grads(
        self,
        batch: Batch,
        h0=None,
        c0=None,
        carry_mask: bool = False,
        dropout: float = 0.0,
        rng: np.random.Generator | None = None,
    ) -> float:
        """Summed NLL of the batch; fills ``self.grads`` with the gradient of NLL / m (per name).

        h0, c0 (m, n) initial states (zeros if None); the final states are then
        ``self.layer.h_last`` / ``c_last`` (pass carry_mask=True to make them the
        states after each name's own end when the batch is padded). With
        ``dropout`` p > 0 each hidden unit is silenced with probability p on its way
        to the output (the rest scaled by 1/(1-p)), a different draw at every step.
        """
        T, m = batch.targets.shape
        h2 = self._forward(batch, h0, c0, carry_mask).reshape(T * m, self.hidden)
        keep = None
        if dropout > 0:
            keep = rng.random(h2.shape, dtype=np.float32) >= dropout
            keep = keep.astype(self.dtype)
            keep *= 1.0 / (1.0 - dropout)
            h2 = h2 * keep
        probs, rows, nll = self._output(h2, batch)
        dlogits = probs  # d(-log softmax)/dlogits = p - onehot(target)
        dlogits[rows, batch.flat_targets] -= 1
        if batch.mask is not None:
            dlogits *= batch.flat_mask[:, None] * (1.0 / m)
        elif m > 1:
            dlogits *= 1.0 / m
        g = self.grads
        np.dot(h2.T, dlogits, out=g["Wy"])
        dlogits.sum(axis=0, out=g["by"])
        dh = np.dot(dlogits, self.params["Wy"].T)
        if keep is not None:
            dh *= keep
        dh = dh.reshape(T, m, self.hidden)
        dxp = self.layer.backward(self._recurrent, dh, out=self._grad_out)["xp"]
        k = dxp.shape[2]
        dxp2 = dxp.reshape(T * m, k)
        dxp2.sum(axis=0, out=g["b"])
        if self.vocab_size <= 256:  # the lookup's gradient: sum step gradients into the rows read
            np.dot(batch.one_hot(self.vocab_size, self.dtype).T, dxp2[m:], out=g["E"])
        else:
            scatter_rows(batch.looked_up, dxp2[m:], self.vocab_size, out=g["E"])
        return nll

    def nll(self, batch: Batch) -> float:
        """Summed negative log-likelihood of a batch, every name from a zero state."""
        T, m = batch.targets.shape
        h = self._forward(batch)
        return self._output(h.reshape(T * m, self.hidden), batch)[2]

    def target_log_probabilities(self, batch: Batch) -> np.ndarray:
        """log p(y<t>) of each step's target (T, m) in float64, every name from a zero state.

        Padding steps hold 0. Summing them gives minus the NLL; averaging
        exp() of them over models gives an ensemble's probabilities.
        """
        T, m = batch.targets.shape
        h = self._forward(batch).reshape(T * m, self.hidden)
        logits = np.dot(h, self.params["Wy"]).astype(np.float64)
        logits += self.params["by"]
        logits -= logits.max(axis=1, keepdims=True)
        rows = self._rows(T * m)
        log_p = logits[rows, batch.flat_targets] - np.log(np.exp(logits).sum(axis=1))
        if batch.mask is not None:
            log_p *= batch.flat_mask
        return log_p.reshape(T, m)

    def final_state(self) -> tuple[np.ndarray, np.ndarray | None]:
        """Copies of the states after the last forward pass (h, c), to carry into the next batch."""
        c = self.layer.c_last.copy() if self.layer.has_cell else None
        return self.layer.h_last.copy(), c

    # -- one step at a time (sampling, scoring) -------------------------------------------
    def start_state(self, m: int):
        """The zero state of m sequences, for :meth:`next_char_probabilities`."""
        h = np.zeros((m, self.hidden), dtype=self.dtype)
        return h, (np.zeros_like(h) if self.layer.has_cell else None)

    def next_char_probabilities(self, symbols: np.ndarray | None, state, temperature: float = 1.0):
        """(probabilities (m, V) of the next symbol, new state) after reading ``symbols`` (m,).

        ``symbols`` None reads the zero first input. The same call on an
        :class:`engine.names.ensemble.Ensemble` averages its members, so
        samplers and scorers work with either.
        """
        p, h, c = self.step_probabilities(symbols, *state, temperature)
        return p, (h, c)

    def step_probabilities(self, symbols: np.ndarray | None, h, c, temperature: float = 1.0):
        """Advance m sequences by one symbol each; ``symbols`` None means the zero first input.

        symbols (m,) ints, h, c (m, n) -> (probabilities (m, V), h, c) for the next symbol.
        """
        m = h.shape[0]
        xp = self.layer.input_buffer(1, m)
        if symbols is None:
            xp[0] = 0
        else:
            np.take(self.params["E"], symbols, axis=0, out=xp[0])
        xp += self.params["b"]
        state = {"c0": c} if self.layer.has_cell else {}
        h_new = self.layer.forward(self._recurrent, xp=xp, h0=h, **state)[0]
        logits = (h_new @ self.params["Wy"] + self.params["by"]).astype(np.float64) / temperature
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        c_new = self.layer.c_last.copy() if self.layer.has_cell else None
        return p, h_new.copy(), c_new
