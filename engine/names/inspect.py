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

The slower calls (over all training names, or a wide beam) also come as jobs
(``iter_training_surprise``, ``iter_search_units``, ``iter_beam_search``) that
yield :class:`engine.jobs.Progress` and, on FINISH, answer from what they have
read so far.

Scores and beam search take a single model or an ensemble (through
``start_state`` / ``next_char_probabilities``, so an ensemble's members are
averaged); hidden units belong to one model, so for an ensemble the views and
the search look inside one member (``member``, from 0).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.activations import sigmoid
from engine.jobs import FINISH, Job, Progress, run_job
from engine.lstm_gates import STACKED
from engine.names.corpus import Vocabulary
from engine.names.ensemble import members_of
from engine.names.model import CharModel
from engine.sequence import blas_threads

__all__ = [
    "InspectError",
    "QUANTITIES",
    "FEATURES",
    "quantities",
    "NameScore",
    "name_surprises",
    "training_surprise",
    "iter_training_surprise",
    "score_name",
    "NameTrace",
    "trace_names",
    "UnitView",
    "most_active_unit",
    "unit_view",
    "UnitMatch",
    "UnitSearch",
    "search_units",
    "iter_search_units",
    "BeamName",
    "beam_search",
    "iter_beam_search",
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
if STACKED != ("o", "i", "f", "c"):  # _trace reads the stacked gate blocks in this order
    raise ImportError("engine.names.inspect expects the LSTM gate blocks in the order o, i, f, c")


class InspectError(ValueError):
    """A request the model cannot answer, with a sentence saying why."""


def quantities(model) -> tuple[str, ...]:
    """What can be looked at inside ``model``: the hidden state, and for the LSTM its cell and gates."""
    return tuple(QUANTITIES) if members_of(model)[0].layer.has_cell else ("hidden",)


def _member(model, member: int) -> CharModel:
    """One single model: ``model`` itself, or member ``member`` of an ensemble."""
    members = members_of(model)
    if isinstance(member, bool) or not isinstance(member, (int, np.integer)) or not 0 <= member < len(members):
        raise InspectError(f"The model has members 0 to {len(members) - 1}; there is no member {member!r}.")
    return members[member]


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


def _chunks(names: Sequence[str], size: int = 256) -> list[list[int]]:
    """Indices of ``names`` in batches of similar length (little padding), at most ``size`` each."""
    order = sorted(range(len(names)), key=lambda j: len(names[j]))
    return [order[start : start + size] for start in range(0, len(order), size)]


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
def _next_char_probabilities(model, inputs: np.ndarray) -> np.ndarray:
    """(T, m, V): the model's distribution of the symbol after each step of padded inputs (T, m).

    The model's own step (``next_char_probabilities``; an ensemble averages its members), all names
    side by side.
    """
    T, m = inputs.shape
    state = model.start_state(m)
    out = np.zeros((T, m, model.vocab_size))
    for t in range(T):
        out[t], state = model.next_char_probabilities(None if t == 0 else inputs[t], state)
    return out


def _trace(model: CharModel, inputs: np.ndarray) -> dict[str, np.ndarray]:
    """Every quantity inside the model (T, m, n) over padded inputs (T, m), in float64.

    The same recurrence as :class:`engine.sequence.LSTMLayer` (gate blocks o, i, f, g) and
    ``RNNLayer``, written out step by step so that the gates can be kept.
    """
    Wh = model.params["Wh"].astype(np.float64)
    T, m = inputs.shape
    n = model.hidden
    xp = model.params["E"].astype(np.float64)[inputs] + model.params["b"]  # (T, m, G n): x<t> Wx + b
    xp[0] = model.params["b"]  # the first input is the zero vector, as in the course
    out = {q: np.zeros((T, m, n)) for q in quantities(model)}
    h = np.zeros((m, n))
    c = np.zeros((m, n))
    for t in range(T):
        z = xp[t] + h @ Wh
        if model.layer.has_cell:
            gates = sigmoid(z[:, : 3 * n])  # o, i, f side by side
            o, i, f = gates[:, :n], gates[:, n : 2 * n], gates[:, 2 * n :]
            g = np.tanh(z[:, 3 * n :])
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


def _chunk_surprises(model, vocab: Vocabulary, names: Sequence[str]) -> list[np.ndarray]:
    inputs, targets = _padded(vocab, names)
    with blas_threads(1):  # small products: one thread beats several (see engine.sequence.blas_threads)
        probs = _next_char_probabilities(model, inputs)
    picked = np.take_along_axis(probs, targets[:, :, None], axis=2)[:, :, 0]  # (T, m)
    surprise = -np.log(np.maximum(picked, 1e-300))
    return [surprise[: len(name) + 1, column] for column, name in enumerate(names)]


def name_surprises(model, vocab: Vocabulary, names: Sequence[str]) -> list[np.ndarray]:
    """Surprise -ln p (L + 1,) of every character and the end, for each name (names must use the vocabulary)."""
    results: list[np.ndarray] = [np.zeros(0)] * len(names)
    for chunk in _chunks(names):
        for j, surprise in zip(chunk, _chunk_surprises(model, vocab, [names[j] for j in chunk]), strict=True):
            results[j] = surprise
    return results


def iter_training_surprise(model, vocab: Vocabulary, names: Iterable[str]) -> Job:
    """:func:`training_surprise` as a job: Progress per batch of names; on FINISH, the names scored so far."""
    usable = sorted(n for n in set(names) if n and not vocab.unknown_chars(n))
    scored: list[float] = []
    for chunk in _chunks(usable):
        scored.extend(s.mean() for s in _chunk_surprises(model, vocab, [usable[j] for j in chunk]))
        if (yield Progress(len(scored), len(usable), "Scoring the training names")) is FINISH:
            break
    return np.sort(np.array(scored, dtype=np.float64))


def training_surprise(model, vocab: Vocabulary, names: Iterable[str]) -> np.ndarray:
    """Per-character surprise of every usable training name, sorted (the yardstick for ranking)."""
    return run_job(iter_training_surprise(model, vocab, names))


def score_name(
    model,
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


def _iter_states(model: CharModel, names: Sequence[str], vocab: Vocabulary):
    """Every quantity after every character of every name, names in batches of similar length.

    A job (Progress per batch; FINISH stops after the batches read so far). Returns the order
    the names were read in (indices into ``names``) and, per quantity, (total characters, n):
    the rows of each name in turn, in that order.
    """
    order: list[int] = []
    parts: dict[str, list[np.ndarray]] = {q: [] for q in quantities(model)}
    for chunk in _chunks(names):
        inputs, _targets = _padded(vocab, [names[j] for j in chunk])
        with blas_threads(1):
            run = _trace(model, inputs)
        lengths = np.array([len(names[j]) for j in chunk])
        steps = np.arange(inputs.shape[0])[None, :]
        after_a_character = (steps >= 1) & (steps <= lengths[:, None])  # (m, T): row k + 1 follows character k + 1
        for q in parts:
            parts[q].append(run[q].transpose(1, 0, 2)[after_a_character])
        order.extend(chunk)
        if (yield Progress(len(order), len(names), "Reading the names")) is FINISH:
            break
    return order, {q: np.concatenate(p) for q, p in parts.items()}


def trace_names(
    model, vocab: Vocabulary, names: Iterable[str], *, lowercase: bool = True, member: int = 0
) -> list[NameTrace]:
    """The hidden state (and for the LSTM the cell and the gates) after each character of each name."""
    prepared = _prepare(vocab, names, lowercase)
    order, values = run_job(_iter_states(_member(model, member), prepared, vocab))
    ends = np.cumsum([len(prepared[j]) for j in order])[:-1]
    split = {q: np.split(v, ends) for q, v in values.items()}
    traces: list[NameTrace | None] = [None] * len(prepared)
    for k, j in enumerate(order):
        traces[j] = NameTrace(prepared[j], {q: split[q][k] for q in values})
    return traces


def _check_quantity(model, quantity: str) -> None:
    if quantity not in quantities(model):
        if quantity in QUANTITIES:
            cell = members_of(model)[0].cell.upper()
            raise InspectError(f"An {cell} has no {QUANTITIES[quantity]}; look at its hidden state.")
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
    model,
    vocab: Vocabulary,
    names: Iterable[str],
    unit: int | str = "most active",
    quantity: str = "hidden",
    *,
    lowercase: bool = True,
    member: int = 0,
) -> UnitView:
    """Unit ``unit`` (a number from 0, or "most active") of ``quantity`` after each character of ``names``."""
    _check_quantity(model, quantity)
    hidden = _member(model, member).hidden
    if unit != "most active" and (
        isinstance(unit, bool) or not isinstance(unit, (int, np.integer)) or not 0 <= unit < hidden
    ):
        raise InspectError(f"The model has units 0 to {hidden - 1}; there is no unit {unit!r}.")
    traces = trace_names(model, vocab, names, lowercase=lowercase, member=member)
    chosen_as = "unit"
    if unit == "most active":
        unit, chosen_as = most_active_unit(traces, quantity), "most active"
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


def _correlations(values: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Pearson r (k, n) of each column of features (N, k) with each column of values (N, n);
    0 where either is constant. Both are centred and scaled once, then r is one product."""

    def standardised(a: np.ndarray) -> np.ndarray:
        a = a - a.mean(axis=0)
        norm = np.sqrt(np.einsum("ij,ij->j", a, a))
        return np.divide(a, norm, out=np.zeros_like(a), where=norm > 1e-12)

    return standardised(features).T @ standardised(values)


def iter_search_units(
    model,
    vocab: Vocabulary,
    names: Iterable[str],
    *,
    quantities_to_search: Sequence[str] | None = None,
    top: int = 5,
    lowercase: bool = True,
    member: int = 0,
) -> Job:
    """:func:`search_units` as a job: Progress per batch of names read; on FINISH, the search over those."""
    chosen = tuple(quantities_to_search or quantities(model))
    for q in chosen:
        _check_quantity(model, q)
    prepared = _prepare(vocab, names, lowercase)
    order, values = yield from _iter_states(_member(model, member), prepared, vocab)
    features = _features([prepared[j] for j in order])  # in the order the states were stacked
    table = np.column_stack(list(features.values()))  # (N characters, features)
    result = UnitSearch(n_names=len(order), n_chars=table.shape[0])
    matches: dict[str, list[UnitMatch]] = {f: [] for f in features}
    for q in chosen:
        with blas_threads(1):
            r = _correlations(values[q], table)
        for k, feature in enumerate(features):
            matches[feature].extend(UnitMatch(feature, q, u, float(r[k, u])) for u in range(r.shape[1]))
    for feature, found in matches.items():
        found.sort(key=lambda match: -abs(match.r))
        result.matches[feature] = found[:top]
    return result


def search_units(model, vocab: Vocabulary, names: Iterable[str], **options) -> UnitSearch:
    """Rank every unit of every quantity by |r| with each feature over all characters of ``names``.

    options: quantities_to_search (default all), top (5), lowercase (True), member (0).
    """
    return run_job(iter_search_units(model, vocab, names, **options))


# -- beam search --------------------------------------------------------------------------------
@dataclass(frozen=True)
class BeamName:
    """A name found by beam search: its log-probability (nats, including the end), per prediction, and
    whether it is new (not a training name)."""

    name: str
    log_prob: float
    per_char: float
    new: bool


def _select(state, rows: np.ndarray):
    """The rows of a model's state (h, c), or of each member's state in an ensemble's list."""
    if isinstance(state, list):
        return [_select(own, rows) for own in state]
    h, c = state
    return h[rows], (None if c is None else c[rows])


def beam_search(model, vocab: Vocabulary, width: int = 10, **options) -> list[BeamName]:
    """The ``width`` most likely names the beam finds, most likely first (see :func:`iter_beam_search`)."""
    return run_job(iter_beam_search(model, vocab, width, **options))


def iter_beam_search(
    model,
    vocab: Vocabulary,
    width: int = 10,
    *,
    prefix: str = "",
    max_length: int = 50,
    min_length: int = 1,
    known: Iterable[str] = (),
    lowercase: bool = True,
) -> Job:
    """Beam search as a job: Progress per character added; on FINISH, the names finished so far.

    Returns the ``width`` most likely names the beam finds, most likely first.

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
    if min_length > max_length:
        raise InspectError(f"The minimum length ({min_length}) is above the maximum length ({max_length}).")
    known = set(known)
    V = vocab.size

    min_length = max(min_length, 1)  # a name has at least one character

    def step(symbols: np.ndarray | None, state):
        with blas_threads(1):
            probs, state = model.next_char_probabilities(symbols, state)
        return np.log(np.maximum(probs, 1e-300)), state

    log_probs, state = step(None, model.start_state(1))
    score = np.zeros(1)
    for symbol in vocab.encode(prefix):
        score += log_probs[:, symbol]
        log_probs, state = step(np.array([symbol]), state)
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
        log_probs, state = step(symbols, _select(state, rows))
        if (yield Progress(length + 1, max_length, f"Beam search: {length + 1} characters")) is FINISH:
            break
    results = []
    for log_prob, ids in finished:
        name = vocab.decode(ids)
        results.append(BeamName(name, log_prob, -log_prob / (len(name) + 1), name not in known))
    return results
