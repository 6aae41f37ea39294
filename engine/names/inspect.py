"""Looking inside a trained names model: how surprising a name is, what its hidden units do, its likeliest names.

* **Scoring.** A name c_1 ... c_L is read from the start as in training; the
  model gives each character (and then the end of the name) a probability p.
  Its *surprise* is -ln p in nats: 0 for a certain character, ln V for a blind
  guess among V symbols. The total over the L + 1 predictions, divided by L + 1,
  is the name's surprise per character -- the quantity training minimises --
  and it ranks the name against the training names.
* **Hidden units**, in the manner of Karpathy, Johnson and Fei-Fei,
  "Visualizing and Understanding Recurrent Networks" (2015): the value of one
  unit after each character of a list of names, to be shown as colour. For the
  LSTM the cell state c and each gate (forget f, input i, output o) and the
  candidate c~ are as visible as the hidden state h. A search correlates every
  unit with simple properties of the place in the name -- the position, the
  characters still to come, whether the character just read is a vowel -- and
  ranks the units that follow them best.
* **Beam search** for the most likely names: keep the K most probable
  beginnings, extend each by every symbol, keep the K best again; a beginning
  extended by the end token is a finished name.

Values are aligned with characters: row k of an array is the model's state
after reading character k + 1 of the name.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.activations import sigmoid
from engine.names.corpus import Vocabulary
from engine.names.model import CharModel
from engine.sequence import LSTM_GATES

__all__ = [
    "InspectError",
    "QUANTITIES",
    "FEATURES",
    "quantities",
    "NameScore",
    "name_surprises",
    "training_surprise",
    "score_name",
    "NameTrace",
    "trace_names",
    "UnitView",
    "most_active_unit",
    "unit_view",
    "UnitMatch",
    "UnitSearch",
    "search_units",
    "BeamName",
    "beam_search",
]

QUANTITIES = {
    "hidden": "hidden state h",
    "cell": "cell state c",
    "forget": "forget gate f",
    "input": "input gate i",
    "output": "output gate o",
    "candidate": "candidate c~",
}
FEATURES = {
    "position": "position in the name (1 for the first character)",
    "to_end": "characters still to come",
    "vowel": "the character just read is a vowel",
}
_VOWELS = set("aeiouAEIOU")
_GATE_NAMES = {"o": "output", "i": "input", "f": "forget", "g": "candidate"}


class InspectError(ValueError):
    """A request the model cannot answer, with a sentence saying why."""


def quantities(model: CharModel) -> tuple[str, ...]:
    """What can be looked at inside ``model``: the hidden state, and for the LSTM its cell and gates."""
    return tuple(QUANTITIES) if model.layer.has_cell else ("hidden",)


def _prepare(vocab: Vocabulary, names: Iterable[str], lowercase: bool) -> list[str]:
    prepared = []
    for name in names:
        name = name.strip()
        if lowercase:
            name = name.lower()
        if not name:
            raise InspectError("A name to look at must have at least one character.")
        unknown = vocab.unknown_chars(name)
        if unknown:
            shown = ", ".join(repr(c) for c in sorted(unknown))
            raise InspectError(f"The name {name!r} uses characters the model has never seen: {shown}.")
        prepared.append(name)
    if not prepared:
        raise InspectError("Give at least one name.")
    return prepared


def _padded(vocab: Vocabulary, names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """inputs (T, m): the symbol read at each step (step 0 reads nothing); targets (T, m), end = 0 and padding."""
    lengths = [len(n) for n in names]
    T = max(lengths) + 1
    targets = np.zeros((T, len(names)), dtype=np.int64)
    for j, name in enumerate(names):
        targets[: lengths[j], j] = vocab.encode(name)
    inputs = np.zeros_like(targets)
    inputs[1:] = targets[:-1]
    return inputs, targets


# -- the forward pass ------------------------------------------------------------------------
def _next_char_probabilities(model: CharModel, inputs: np.ndarray) -> np.ndarray:
    """(T, m, V): the model's distribution of the symbol after each step of padded inputs (T, m).

    The model's own step (``CharModel.step_probabilities``), all names side by side.
    """
    T, m = inputs.shape
    h = np.zeros((m, model.hidden), dtype=model.dtype)
    c = np.zeros_like(h) if model.layer.has_cell else None
    out = np.zeros((T, m, model.vocab_size))
    for t in range(T):
        out[t], h, c = model.step_probabilities(None if t == 0 else inputs[t], h, c)
    return out


def _trace(model: CharModel, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Every quantity inside the model (T, m, n) over padded inputs (T, m), in float64.

    The same recurrence as :class:`engine.sequence.LSTMLayer` (gate blocks o, i, f, g) and
    ``RNNLayer``, written out step by step so that the gates can be kept.
    """
    p = {k: v.astype(np.float64) for k, v in model.params.items()}
    T, m = inputs.shape
    n = model.hidden
    out = {q: np.zeros((T, m, n)) for q in quantities(model)}
    h = np.zeros((m, n))
    c = np.zeros((m, n))
    for t in range(T):
        z = h @ p["Wh"] + p["b"]
        if t > 0:  # the first input is the zero vector, as in the course
            z += p["E"][inputs[t]]
        if model.layer.has_cell:
            gates = {g: z[:, k * n : (k + 1) * n] for k, g in enumerate(LSTM_GATES)}
            o, i, f = (sigmoid(gates[g]) for g in "oif")
            g = np.tanh(gates["g"])
            c = f * c + i * g
            h = o * np.tanh(c)
            for key, value in (("forget", f), ("input", i), ("output", o), ("candidate", g), ("cell", c)):
                out[key][t] = value
        else:
            h = np.tanh(z)
        out["hidden"][t] = h
    return out


# -- scoring --------------------------------------------------------------------------------
@dataclass
class NameScore:
    """How the model sees one name.

    chars        -- the name's characters, then "" for the end of the name
    probabilities, surprise (L + 1,) -- p of each character and of the end; -ln p in nats
    total, per_char -- summed surprise; the same per prediction (total / (L + 1))
    rank, out_of -- 1 + how many of the out_of training names have a lower per-character surprise
    better_than  -- share of the training names this name is more likely than (per character)
    known        -- the name is one of the training names
    """

    name: str
    chars: tuple[str, ...]
    probabilities: np.ndarray
    surprise: np.ndarray
    total: float
    per_char: float
    rank: int | None = None
    out_of: int = 0
    better_than: float | None = None
    known: bool = False


def name_surprises(model: CharModel, vocab: Vocabulary, names: Sequence[str]) -> list[np.ndarray]:
    """Surprise -ln p (L + 1,) of every character and the end, for each name (names must use the vocabulary)."""
    results = []
    for start in range(0, len(names), 512):  # bounded memory for long lists
        chunk = names[start : start + 512]
        inputs, targets = _padded(vocab, chunk)
        probs = _next_char_probabilities(model, inputs)
        picked = np.take_along_axis(probs, targets[:, :, None], axis=2)[:, :, 0]  # (T, m)
        surprise = -np.log(np.maximum(picked, 1e-300))
        results.extend(surprise[: len(name) + 1, j] for j, name in enumerate(chunk))
    return results


def training_surprise(model: CharModel, vocab: Vocabulary, names: Iterable[str]) -> np.ndarray:
    """Per-character surprise of every usable training name, sorted (the yardstick for ranking)."""
    usable = sorted(n for n in set(names) if n and not vocab.unknown_chars(n))
    if not usable:
        return np.zeros(0)
    return np.sort([s.mean() for s in name_surprises(model, vocab, usable)])


def score_name(
    model: CharModel,
    vocab: Vocabulary,
    name: str,
    *,
    lowercase: bool = True,
    reference: np.ndarray | None = None,
    known: Iterable[str] = (),
) -> NameScore:
    """Score ``name``; ``reference`` is :func:`training_surprise` of the training names (for the rank)."""
    (name,) = _prepare(vocab, [name], lowercase)
    surprise = name_surprises(model, vocab, [name])[0]
    per_char = float(surprise.mean())
    score = NameScore(
        name=name,
        chars=(*name, ""),
        probabilities=np.exp(-surprise),
        surprise=surprise,
        total=float(surprise.sum()),
        per_char=per_char,
        known=name in set(known),
    )
    if reference is not None and reference.size:
        score.rank = int(np.searchsorted(reference, per_char, side="left")) + 1
        score.out_of = int(reference.size)
        score.better_than = float(1.0 - np.searchsorted(reference, per_char, side="right") / reference.size)
    return score


# -- hidden units ------------------------------------------------------------------------------
@dataclass
class NameTrace:
    """Everything inside the model while it reads one name: quantity -> (L, n), row k after character k + 1."""

    name: str
    values: dict[str, np.ndarray]


def trace_names(model: CharModel, vocab: Vocabulary, names: Iterable[str], *, lowercase: bool = True) -> list[NameTrace]:
    """The hidden state (and for the LSTM the cell and the gates) after each character of each name."""
    prepared = _prepare(vocab, names, lowercase)
    traces = []
    for start in range(0, len(prepared), 512):
        chunk = prepared[start : start + 512]
        inputs, _targets = _padded(vocab, chunk)
        run = _trace(model, inputs)
        for j, name in enumerate(chunk):
            values = {q: run[q][1 : len(name) + 1, j].copy() for q in quantities(model)}
            traces.append(NameTrace(name, values))
    return traces


def _check_quantity(model: CharModel, quantity: str) -> None:
    if quantity not in quantities(model):
        if quantity in QUANTITIES:
            raise InspectError(f"An {model.cell.upper()} has no {QUANTITIES[quantity]}; look at its hidden state.")
        raise InspectError(f"Unknown quantity {quantity!r}: choose {', '.join(quantities(model))}.")


def most_active_unit(traces: Sequence[NameTrace], quantity: str = "hidden") -> int:
    """The unit with the largest mean |value| over every character of the traces."""
    stacked = np.concatenate([t.values[quantity] for t in traces])
    return int(np.abs(stacked).mean(axis=0).argmax())


@dataclass
class UnitView:
    """One unit's value after every character of a list of names, and the colour range to show it in.

    values[j] (len(names[j]),); low, high: the colour scale (-1..1 for h and c~, 0..1 for the gates,
    ±max |c| for the cell state).
    """

    quantity: str
    unit: int
    names: list[str]
    values: list[np.ndarray]
    low: float
    high: float
    chosen_as: str = "unit"  # "unit" or "most active"


def unit_view(
    model: CharModel,
    vocab: Vocabulary,
    names: Iterable[str],
    unit: int | str = "most active",
    quantity: str = "hidden",
    *,
    lowercase: bool = True,
) -> UnitView:
    """Unit ``unit`` (a number from 0, or "most active") of ``quantity`` after each character of ``names``."""
    _check_quantity(model, quantity)
    traces = trace_names(model, vocab, names, lowercase=lowercase)
    chosen_as = "unit"
    if unit == "most active":
        unit, chosen_as = most_active_unit(traces, quantity), "most active"
    elif isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < model.hidden:
        raise InspectError(f"The model has units 0 to {model.hidden - 1}; there is no unit {unit!r}.")
    values = [t.values[quantity][:, unit] for t in traces]
    if quantity in ("forget", "input", "output"):
        low, high = 0.0, 1.0
    elif quantity == "cell":
        high = max(float(max(np.abs(v).max() for v in values)), 1e-6)
        low = -high
    else:
        low, high = -1.0, 1.0
    return UnitView(quantity, int(unit), [t.name for t in traces], values, low, high, chosen_as)


@dataclass(frozen=True)
class UnitMatch:
    """A unit that follows a feature: Pearson correlation r over every character of the names."""

    feature: str
    quantity: str
    unit: int
    r: float


@dataclass
class UnitSearch:
    """The best units for each feature, strongest correlation first."""

    matches: dict[str, list[UnitMatch]] = field(default_factory=dict)
    n_names: int = 0
    n_chars: int = 0


def _features(names: Sequence[str]) -> dict[str, np.ndarray]:
    """Each feature at every character of the names, in reading order."""
    position = np.concatenate([np.arange(1, len(n) + 1) for n in names]).astype(np.float64)
    to_end = np.concatenate([np.arange(len(n) - 1, -1, -1) for n in names]).astype(np.float64)
    vowel = np.array([_is_vowel(c) for n in names for c in n], dtype=np.float64)
    return {"position": position, "to_end": to_end, "vowel": vowel}


def _is_vowel(char: str) -> bool:
    """a, e, i, o, u, with or without an accent."""
    return unicodedata.normalize("NFD", char)[:1] in _VOWELS


def _correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson r of each column of values (N, n) with feature (N,); 0 where either is constant."""
    v = values - values.mean(axis=0)
    f = feature - feature.mean()
    denominator = np.sqrt((v**2).sum(axis=0) * (f**2).sum())
    r = np.zeros(values.shape[1])
    ok = denominator > 1e-12
    r[ok] = (f @ v)[ok] / denominator[ok]
    return r


def search_units(
    model: CharModel,
    vocab: Vocabulary,
    names: Iterable[str],
    *,
    quantities_to_search: Sequence[str] | None = None,
    top: int = 5,
    lowercase: bool = True,
) -> UnitSearch:
    """Rank every unit of every quantity by |r| with each feature over all characters of ``names``."""
    chosen = tuple(quantities_to_search or quantities(model))
    for q in chosen:
        _check_quantity(model, q)
    traces = trace_names(model, vocab, names, lowercase=lowercase)
    prepared = [t.name for t in traces]
    features = _features(prepared)
    result = UnitSearch(n_names=len(prepared), n_chars=int(features["position"].size))
    for feature, target in features.items():
        matches = []
        for q in chosen:
            r = _correlations(np.concatenate([t.values[q] for t in traces]), target)
            matches.extend(UnitMatch(feature, q, int(u), float(r[u])) for u in range(r.size))
        matches.sort(key=lambda match: -abs(match.r))
        result.matches[feature] = matches[:top]
    return result


# -- beam search --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BeamName:
    """A name found by beam search: its log-probability (nats, including the end), per prediction, and
    whether it is new (not a training name)."""

    name: str
    log_prob: float
    per_char: float
    new: bool


def beam_search(
    model: CharModel,
    vocab: Vocabulary,
    width: int = 10,
    *,
    prefix: str = "",
    max_length: int = 50,
    min_length: int = 1,
    known: Iterable[str] = (),
    lowercase: bool = True,
) -> list[BeamName]:
    """The ``width`` most likely names the beam finds, most likely first.

    A name is complete when the end token follows it; names shorter than
    ``min_length`` may not end. The search stops when no open beginning can
    beat the finished names any more (log-probabilities only fall as a name
    grows) or at ``max_length``.
    """
    if not 1 <= width <= 1000:
        raise InspectError(f"The beam width must be from 1 to 1000, not {width!r}.")
    if lowercase:
        prefix = prefix.lower()
    if vocab.unknown_chars(prefix):
        shown = ", ".join(repr(c) for c in sorted(vocab.unknown_chars(prefix)))
        raise InspectError(f"The prefix uses characters the model has never seen: {shown}.")
    if len(prefix) >= max_length:
        raise InspectError(f"The prefix is as long as the maximum length ({max_length}).")
    known = set(known)
    V = vocab.size

    def step(symbols: np.ndarray | None, h, c):
        probs, h, c = model.step_probabilities(symbols, h, c)
        return np.log(np.maximum(probs, 1e-300)), h, c

    h = np.zeros((1, model.hidden), dtype=model.dtype)
    c = np.zeros_like(h) if model.layer.has_cell else None
    log_probs, h, c = step(None, h, c)
    score = np.zeros(1)
    for symbol in vocab.encode(prefix):
        score += log_probs[:, symbol]
        log_probs, h, c = step(np.array([symbol]), h, c)
    beams = [list(vocab.encode(prefix))]
    finished: list[tuple[float, list[int]]] = []
    for length in range(len(prefix), max_length + 1):
        candidates = score[:, None] + log_probs  # (beams, V)
        if length >= min_length:
            for b in range(len(beams)):
                finished.append((float(candidates[b, vocab.end]), beams[b]))
        candidates[:, vocab.end] = -np.inf
        finished.sort(key=lambda item: -item[0])
        del finished[width:]
        if length == max_length:
            break
        flat = candidates.ravel()
        order = np.argsort(-flat, kind="stable")[:width]
        order = order[np.isfinite(flat[order])]
        if not order.size or (len(finished) == width and flat[order[0]] <= finished[-1][0]):
            break  # nothing open can overtake the finished names any more
        rows, symbols = np.divmod(order, V)
        beams = [beams[r] + [int(s)] for r, s in zip(rows, symbols, strict=True)]
        score = flat[order]
        log_probs, h, c = step(symbols, h[rows], None if c is None else c[rows])
    results = []
    for log_prob, ids in finished:
        name = vocab.decode(ids)
        results.append(BeamName(name, log_prob, -log_prob / (len(name) + 1), name not in known))
    return results
