"""Improvising: sample tokens from the trained LSTM, one step at a time in numpy, and turn them into notes.

The trained weights are plain arrays (:mod:`engine.jazz.weights`); one step
of the LSTM costs microseconds, so generation needs no TensorFlow at all.

For each variation, with a random generator seeded by the variation's own seed:

1. Warm up the state on a primer: the training tokens of the ``T_x`` tokens
   before a barline of the source (``primer="window"``), or a zero input as the
   course does (``primer="none"``). Generation then starts on a barline too, so
   the network hears the bar where it is.
2. Measure by measure, sample the next token from the softmax sharpened or
   flattened by the temperature (0 = always the most likely, as in the course).
   Masked out: tokens longer than what is left of the measure (each measure is
   filled exactly), and tokens that would make the line end in a run copied
   from the training sequence longer than ``max_copy`` tokens, or a rhythm
   copied longer than that (:mod:`engine.jazz.originality`). A masked token's
   probability goes to the other tokens of its class: a quote is broken by another
   rhythm or interval, not by leaving the harmony (the network's chord tone on the
   beat stays a chord tone).
3. Pitched tokens become pitches of their class over the chord sounding at the
   note's onset, inside their interval window from the previous pitch and the
   playable range, held notes tied over the barline (:class:`engine.jazz.grammar.LineBuilder`).
4. The line is swung to the requested ratio (:func:`engine.jazz.swing.apply_swing`).

Every variation reports its originality: the share of its notes outside any
16-note rhythm window that also occurs in the source.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from engine.jazz.errors import JazzError
from engine.jazz.grammar import KINDS, LineBuilder, Token, fillable
from engine.jazz.harmony import Chord, OverChanges, chord_at, voicing
from engine.jazz.melody import STEPS
from engine.jazz.midi_read import Note
from engine.jazz.model import TrainedModel
from engine.jazz.originality import CopyGuard, SuffixAutomaton, copied_share, onsets_of, rhythm_symbols
from engine.jazz.position import next_onsets, position_features
from engine.jazz.swing import SWING_LIMITS, SWING_PRESETS, apply_swing
from engine.jazz.weights import Stepper

__all__ = [
    "Improvisation",
    "Changes",
    "sample_index",
    "sequence_probabilities",
    "generate",
    "resolve_changes",
    "resolve_swing",
    "PRIMERS",
    "DEFAULT_MAX_COPY",
]

PRIMERS = ("window", "none")
DEFAULT_MAX_COPY = 8  # tokens; chosen by measurement (benchmarks/jazz_music.py)
MELODY_VELOCITY = 96
CHORD_VELOCITY = 64

Changes = tuple[tuple[Chord, ...], ...]


@dataclass(frozen=True)
class Improvisation(OverChanges):
    """One generated variation.

    melody          -- the improvised line (start/end in quarter notes from 0)
    chords          -- the first chord of each measure
    changes         -- the chords of each measure (each measure's chords split it evenly)
    tokens          -- the sampled grammar tokens
    time_signature  -- (numerator, denominator)
    tempo           -- beats per minute suggested for playback and export (the source's)
    key             -- the source's key signature name when the chords are the source's, else None
    swing           -- the long:short eighth ratio the line was swung to (1.0 straight)
    seed            -- this variation's own seed: generate(model, seed=seed) plays it again
    originality     -- share of its notes not in a 16-note rhythm copied from the source
    variation       -- its number in the batch it was generated in
    """

    melody: tuple[Note, ...]
    chords: tuple[Chord, ...] = ()
    tokens: tuple[str, ...] = ()
    time_signature: tuple[int, int] = (4, 4)
    tempo: float = 120.0
    key: str | None = None
    seed: int = 0
    variation: int = 0
    changes: Changes = ()
    swing: float = 1.0
    originality: float = 1.0

    def __post_init__(self) -> None:
        # built from either: the chords of each measure (they rule), or just one chord per measure
        if self.changes:
            object.__setattr__(self, "chords", tuple(measure[0] for measure in self.changes))
        else:
            object.__setattr__(self, "changes", tuple((c,) for c in self.chords))

    def chord_notes(self, low: int = 48) -> list[Note]:
        """The chord track: each chord as a close voicing held for its share of the measure."""
        size = self.measure_length
        out = []
        for k, measure in enumerate(self.changes):
            part = size / len(measure)
            for j, chord in enumerate(measure):
                start = k * size + j * part
                out.extend(Note(start, start + part, pitch, CHORD_VELOCITY) for pitch in voicing(chord, low))
        return out


def sequence_probabilities(
    parameters: dict[str, np.ndarray], indices: Sequence[int], onsets: Sequence[int] | None = None
) -> np.ndarray:
    """Softmax outputs of the course's numpy cell fed the one-hot tokens ``indices`` from a zero state.

    onsets -- for a model that reads positions: where each next token starts in its bar (twelfths)
    Returns shape (len(indices), n_values): row t is the predicted distribution of token t + 1
    (what the Keras model outputs at step t for the same input).
    """
    from engine.lstm import lstm_cell_forward  # the course's cell, shared with the Gradients engine

    n_y, n_a = parameters["Wy"].shape
    n_x = parameters["Wf"].shape[1] - n_a
    a = np.zeros((n_a, 1))
    c = np.zeros((n_a, 1))
    out = np.zeros((len(indices), n_y))
    for t, index in enumerate(indices):
        x = np.zeros((n_x, 1))
        x[index] = 1.0
        if n_x > n_y:
            x[n_y:, 0] = position_features(np.array(onsets[t] if onsets is not None else 0))
        a, c, y, _ = lstm_cell_forward(x, a, c, parameters)
        out[t] = y[:, 0]
    return out


def sample_index(probabilities: np.ndarray, temperature: float, rng: np.random.Generator) -> int:
    """Draw an index from ``probabilities`` reshaped by ``temperature`` (0 = argmax).

    p_i ** (1 / T), renormalised: T < 1 favours likely tokens, T > 1 flattens the choice.
    """
    if temperature <= 0:
        return int(np.argmax(probabilities))
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities) / temperature
    logits -= logits.max()
    weights = np.exp(logits)
    weights /= weights.sum()
    return int(rng.choice(weights.size, p=weights))


def _parsed(model: TrainedModel) -> tuple[tuple[Token, ...], np.ndarray]:
    tokens = model.tokens
    return tokens, np.array([t.steps for t in tokens], dtype=np.int64)


def _parse_changes_text(text: str) -> list[tuple[Chord, ...]]:
    from engine.jazz.harmony import parse_changes

    return [tuple(measure) for measure in parse_changes(text)]


def resolve_changes(model: TrainedModel, measures: int, chords=None) -> tuple[Changes, bool]:
    """The chords of each of ``measures`` measures, looped, and whether they are the source's.

    chords -- None: the source's changes; lead-sheet text ("| Dm7 G7 | Cmaj7 |", or one symbol
              per measure); a list with a Chord or a tuple of Chords per measure
    """
    from_source = chords is None or (isinstance(chords, str) and not chords.strip())
    if from_source:
        progression = [tuple(m) for m in model.source.changes] or [
            (c,) for c in model.source.chords
        ]
    elif isinstance(chords, str):
        progression = _parse_changes_text(chords)
    else:
        progression = [(m,) if isinstance(m, Chord) else tuple(m) for m in chords]
    if not progression or not all(progression):
        raise JazzError("There are no chords to improvise over.")
    if not all(isinstance(c, Chord) for m in progression for c in m):
        raise JazzError("The chords must be chord symbols or Chord values.")
    return tuple(progression[k % len(progression)] for k in range(measures)), from_source


def resolve_swing(model: TrainedModel, swing) -> float:
    """The long:short eighth ratio: None = the source's, a name (straight, light, medium, hard) or a number."""
    if swing is None:  # the source's; a measured ratio under 1 is straight playing that rushes
        value = model.source.swing
        return 1.0 if value is None else min(max(float(value), SWING_LIMITS[0]), SWING_LIMITS[1])
    if isinstance(swing, str):
        text = swing.strip().lower()
        presets = _swing_presets()
        if text in presets:
            return presets[text]
        try:
            swing = float(text)
        except ValueError:
            raise JazzError(
                f"Swing must be one of {', '.join(presets)} or a long:short ratio such as 1.6; got {swing!r}."
            ) from None
    ratio = float(swing)
    if not SWING_LIMITS[0] <= ratio <= SWING_LIMITS[1]:
        raise JazzError(f"The swing ratio must be between {SWING_LIMITS[0]:g} (straight) and {SWING_LIMITS[1]:g}.")
    return ratio


def _swing_presets() -> dict[str, float]:
    return {str(name): float(ratio) for name, ratio in SWING_PRESETS}


@dataclass
class _Source:
    """What generation needs from the training sequence, prepared once per call."""

    bar_starts: list[int]
    piece_starts: list[int]
    next_onset: np.ndarray  # for each training token, where the token after it starts in its bar
    automata: _Automata
    source_onsets: list[np.ndarray]


@dataclass
class _Automata:
    """The training sequence indexed once: its tokens, and its rhythm alone."""

    tokens: SuffixAutomaton
    rhythm: SuffixAutomaton
    rhythm_of: np.ndarray


def _pieces(model: TrainedModel) -> list[tuple[int, int]]:
    bounds = model.source.piece_bounds  # empty in models saved before pieces were kept
    return [(int(a), int(b)) for a, b in bounds] or [(0, len(model.source.token_indices))]


def _bar_starts(model: TrainedModel, durations: np.ndarray) -> list[int]:
    """Index of the first token of every measure of the training sequence."""
    known = model.source.bar_starts  # empty in models saved before barlines were kept
    if known:
        return sorted(int(b) for b in known)
    size = round(model.source.measure_length * STEPS)
    starts = []
    for a, b in _pieces(model):
        at = 0
        for k in range(a, b):
            if at % size == 0:
                starts.append(k)
            at += int(durations[model.source.token_indices[k]])
    return starts


def _prepare(model: TrainedModel) -> _Source:
    tokens, durations = _parsed(model)
    history = np.asarray(model.source.token_indices, dtype=np.int64)
    rhythm_of = rhythm_symbols(tokens)
    pieces = _pieces(model)
    automata = _Automata(
        tokens=SuffixAutomaton([history[a:b] for a, b in pieces]),
        rhythm=SuffixAutomaton([rhythm_of[history[a:b]] for a, b in pieces]),
        rhythm_of=rhythm_of,
    )
    onsets = [onsets_of([tokens[i] for i in history[a:b]]) for a, b in pieces]
    bar_starts = _bar_starts(model, durations)
    following = next_onsets(durations[history], bar_starts, [b for _, b in pieces])
    return _Source(bar_starts, [a for a, _ in pieces], following, automata, onsets)


def _primer(model: TrainedModel, source: _Source, rng: np.random.Generator) -> list[int]:
    """Up to ``T_x`` training positions (indices into the training sequence) ending just before a
    barline, never across a piece's start."""
    t_x = model.settings.t_x
    candidates = [b for b in source.bar_starts if b > 0]
    full = [b for b in candidates if b - t_x >= max(s for s in source.piece_starts if s <= b - 1)]
    pool = full or candidates
    if not pool:
        return []
    end = pool[int(rng.integers(len(pool)))]
    start = max(max(s for s in source.piece_starts if s <= end - 1), end - t_x)
    return list(range(start, end))


def _within_class(p: np.ndarray, forbidden: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """``p`` (shape (n_values,)) with the ``forbidden`` tokens at 0, their probability spread over the
    allowed tokens of the same class (``kinds``: each token's index in KINDS), so that each class keeps
    its share wherever it has a token left. Renormalising over all tokens instead hands the share of a
    forbidden chord tone to scale and approach tones: a line kept original by the copy guard would
    land fewer chord tones on the beat than the network asks for.
    """
    kept = np.where(forbidden, 0.0, p)
    before = np.bincount(kinds, weights=p, minlength=len(KINDS))
    after = np.bincount(kinds, weights=kept, minlength=len(KINDS))
    scale = np.divide(before, after, out=np.ones_like(before), where=after > 0)
    return kept * scale[kinds]


def _improvise(
    model: TrainedModel,
    source: _Source,
    changes: Changes,
    temperature: float,
    primer: str,
    max_copy: int,
    rng: np.random.Generator,
) -> tuple[list[Note], list[str]]:
    tokens, durations = _parsed(model)
    step = Stepper(model.weights)
    warm_up = _primer(model, source, rng) if primer == "window" else []
    history = model.source.token_indices
    if warm_up:
        step.clear()
        for k in warm_up:
            p = step(history[k], source.next_onset[k])
    else:
        p = step.reset()  # the course starts from x<1> = 0

    guards = [
        CopyGuard(source.automata.tokens, np.arange(len(tokens)), max_copy),
        CopyGuard(source.automata.rhythm, source.automata.rhythm_of, max_copy, uniform_ok=True),
    ]
    kinds = np.array([KINDS.index(t.kind) for t in tokens])
    size = model.source.measure_length
    line = LineBuilder(lambda time: chord_at(changes, size, time), model.source.pitch_range, rng, velocity=MELODY_VELOCITY)
    reachable = fillable(durations, round(size * STEPS) + 1)
    sampled: list[str] = []
    for k in range(len(changes)):
        end = round((k + 1) * size * STEPS)  # barlines on the twelfth grid, even for a 1/32 measure
        while (left := end - line.step) > 0:
            allowed = durations <= left
            allowed[allowed] = reachable[left - durations[allowed]]  # the rest of the bar can still be filled
            if not allowed.any():
                allowed = durations <= left
            choice = np.where(allowed, p, 0.0)
            for guard in guards:  # the rhythm guard gives way first when nothing else is left
                forbidden = guard.forbidden()
                if forbidden is not None and np.where(forbidden, 0.0, choice).sum() > 0:
                    choice = _within_class(choice, forbidden, kinds)
            if choice.sum() <= 0:
                choice = np.where(allowed, 1.0, 0.0) if allowed.any() else p
            index = sample_index(choice / choice.sum(), temperature, rng)
            line.add(tokens[index], until=end / STEPS)
            sampled.append(model.vocabulary[index])
            for guard in guards:
                guard.push(index)
            onset = line.step - round(k * size * STEPS)
            p = step(index, 0 if line.step >= end else onset)
    return line.notes, sampled


def generate(
    model: TrainedModel,
    measures: int = 32,
    temperature: float = 0.7,
    seed: int | None = None,
    variations: int = 1,
    primer: str = "window",
    chords=None,
    swing: float | str | None = None,
    max_copy: int = DEFAULT_MAX_COPY,
) -> list[Improvisation]:
    """Improvise ``variations`` solos of ``measures`` measures with ``model``.

    chords    -- None: the source's changes, looped; lead-sheet text or one symbol per measure
                 ("| Dm7 G7 | Cmaj7 |", "Dm7 G7 Cmaj7 Cmaj7"), looped; or a list of a Chord
                 or a tuple of Chords per measure
    seed      -- None draws a fresh one; variation k gets seed + k, and generate(model, seed=s)
                 with that seed alone plays it again
    swing     -- None: the source's swing; "straight", "light", "medium", "hard" or a ratio
    max_copy  -- longest run of tokens (and of rhythm) copied verbatim from the training sequence
    Raises :class:`JazzError` (or its ChordSymbolError) for bad arguments.
    """
    if not 1 <= int(measures) <= 2000:
        raise JazzError("The number of measures must be between 1 and 2000.")
    if not 1 <= int(variations) <= 100:
        raise JazzError("The number of variations must be between 1 and 100.")
    if not 0 <= float(temperature) <= 10:
        raise JazzError("The temperature must be between 0 (always the likeliest token) and 10.")
    if primer not in PRIMERS:
        raise JazzError(f"The primer must be one of {', '.join(PRIMERS)}.")
    if not 1 <= int(max_copy) <= 100_000:
        raise JazzError("The longest copy (--max-copy) must be at least 1 token.")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**31 - 100))
    elif not 0 <= int(seed) < 2**31 - 100:
        raise JazzError("The seed must be a whole number from 0 to 2147483547.")
    changes, from_source = resolve_changes(model, int(measures), chords)
    ratio = resolve_swing(model, swing)
    source = _prepare(model)
    results = []
    for v in range(int(variations)):
        own_seed = int(seed) + v
        rng = np.random.default_rng(own_seed)
        notes, sampled = _improvise(model, source, changes, float(temperature), primer, int(max_copy), rng)
        tokens, _ = _parsed(model)
        lookup = dict(zip(model.vocabulary, tokens, strict=True))
        onsets = onsets_of([lookup[t] for t in sampled])
        results.append(
            Improvisation(
                melody=tuple(notes if ratio == 1.0 else apply_swing(notes, ratio)),
                changes=changes,
                tokens=tuple(sampled),
                time_signature=model.source.time_signature,
                tempo=model.source.tempo,
                key=model.source.key if from_source else None,
                swing=ratio,
                seed=own_seed,
                originality=1.0 - copied_share(onsets, source.source_onsets),
                variation=v,
            )
        )
    return results
