"""Improvising: sample tokens from the trained LSTM, one step at a time in numpy, and turn them into notes.

``model.predict`` costs tens of milliseconds per call, and generation needs
one call per token. The trained weights are therefore mapped once into the
course's layout (:mod:`engine.jazz.weights`) and stepped with the course's
``lstm_cell_forward`` (:mod:`engine.lstm`), which costs microseconds a step.

For each variation, with a random generator seeded from (seed, variation):

1. Warm up the state: feed a random training window (``primer="window"``), or
   start from a zero input as the course does (``primer="none"``).
2. Measure by measure, over the measure's chord: sample the next token from
   the softmax sharpened or flattened by the temperature (0 = always the most
   likely, as in the course); tokens longer than what is left of the measure
   are excluded, so each measure is filled exactly.
3. A pitched token becomes a pitch of its class over the chord, inside its
   interval window from the previous pitch and inside the playable range
   (:class:`engine.jazz.grammar.LineBuilder`, which also ties held notes). Durations are whole twelfths.
   The melody is one line, so no two notes of it ever overlap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.jazz.errors import JazzError
from engine.jazz.grammar import LineBuilder, Token, fillable
from engine.jazz.harmony import Chord, parse_chord_symbols, voicing
from engine.jazz.melody import STEPS
from engine.jazz.midi_read import Note
from engine.jazz.model import TrainedModel

__all__ = ["Improvisation", "sample_index", "sequence_probabilities", "generate", "PRIMERS"]

PRIMERS = ("window", "none")
MELODY_VELOCITY = 96
CHORD_VELOCITY = 64


@dataclass(frozen=True)
class Improvisation:
    """One generated variation.

    melody          -- the improvised line (start/end in quarter notes from 0)
    chords          -- one chord per measure
    tokens          -- the sampled grammar tokens
    time_signature  -- (numerator, denominator)
    tempo           -- beats per minute suggested for playback and export (the source's)
    key             -- the source's key signature name when the chords are the source's, else None
    seed, variation -- reproduce it with generate(..., seed=seed) and take variation number ``variation``
    """

    melody: tuple[Note, ...]
    chords: tuple[Chord, ...]
    tokens: tuple[str, ...]
    time_signature: tuple[int, int]
    tempo: float
    key: str | None
    seed: int
    variation: int

    @property
    def measure_length(self) -> float:
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def measures(self) -> int:
        return len(self.chords)

    @property
    def length(self) -> float:
        """Total length in quarter notes."""
        return self.measures * self.measure_length

    def chord_notes(self, low: int = 48) -> list[Note]:
        """The chord track: each measure's chord as a close voicing held for the whole measure."""
        size = self.measure_length
        return [
            Note(k * size, (k + 1) * size, pitch, CHORD_VELOCITY)
            for k, chord in enumerate(self.chords)
            for pitch in voicing(chord, low)
        ]


def _lstm_cell_forward():
    from engine.lstm import lstm_cell_forward  # the course's cell, shared with the Gradients engine

    return lstm_cell_forward


def sequence_probabilities(parameters: dict[str, np.ndarray], indices: Sequence[int]) -> np.ndarray:
    """Softmax outputs of the numpy cell fed the one-hot tokens ``indices`` from a zero state.

    Returns shape (len(indices), n_values): row t is the predicted distribution of token t + 1
    (what the Keras model outputs at step t for the same input).
    """
    cell = _lstm_cell_forward()
    n_y, n_a = parameters["Wy"].shape
    a = np.zeros((n_a, 1))
    c = np.zeros((n_a, 1))
    out = np.zeros((len(indices), n_y))
    for t, index in enumerate(indices):
        x = np.zeros((n_y, 1))
        x[index] = 1.0
        a, c, y, _ = cell(x, a, c, parameters)
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


@lru_cache(maxsize=16)
def _parsed(vocabulary: tuple[str, ...]) -> tuple[tuple[Token, ...], np.ndarray]:
    tokens = tuple(Token.parse(t) for t in vocabulary)
    return tokens, np.array([t.steps for t in tokens])


def _chords_for(model: TrainedModel, measures: int, chords) -> tuple[list[Chord], bool]:
    """The chord of each measure and whether it is the source's (looped as needed)."""
    from_source = chords is None or (isinstance(chords, str) and not chords.strip())
    if from_source:
        progression = list(model.source.chords)
    elif isinstance(chords, str):
        progression = parse_chord_symbols(chords)
    else:
        progression = list(chords)
    if not progression:
        raise JazzError("There are no chords to improvise over.")
    return [progression[k % len(progression)] for k in range(measures)], from_source


def _improvise(
    model: TrainedModel,
    chords: Sequence[Chord],
    temperature: float,
    primer: str,
    rng: np.random.Generator,
) -> tuple[list[Note], list[str]]:
    cell = _lstm_cell_forward()
    params = model.parameters
    tokens, durations = _parsed(model.vocabulary)
    n_y, n_a = params["Wy"].shape
    a = np.zeros((n_a, 1))
    c = np.zeros((n_a, 1))
    x = np.zeros((n_y, 1))

    history = model.source.token_indices
    t_x = model.settings.t_x
    if primer == "window" and len(history) > t_x:
        first = int(rng.integers(0, len(history) - t_x + 1))
        for index in history[first : first + t_x]:
            x[:] = 0.0
            x[index] = 1.0
            a, c, y, _ = cell(x, a, c, params)
    else:
        a, c, y, _ = cell(x, a, c, params)  # the course starts from x<1> = 0

    size = model.source.measure_length
    line = LineBuilder(
        lambda time: chords[min(int(time // size), len(chords) - 1)],
        model.source.pitch_range,
        rng,
        velocity=MELODY_VELOCITY,
    )
    sampled: list[str] = []
    reachable = fillable(durations, round(size * STEPS) + 1)
    for k in range(len(chords)):
        bar_end = round((k + 1) * size * STEPS)  # barlines on the twelfth grid, even for a 1/32 measure
        end = bar_end / STEPS
        while (left := bar_end - line.step) > 0:
            p = y[:, 0]
            fits = durations <= left
            fits[fits] = reachable[left - durations[fits]]  # what is left of the measure can still be filled
            if not fits.any():
                fits = durations <= left
            if fits.any() and p[fits].sum() > 0:
                p = np.where(fits, p, 0.0)
            index = sample_index(p, temperature, rng)
            line.add(tokens[index], until=end)
            sampled.append(model.vocabulary[index])
            x[:] = 0.0
            x[index] = 1.0
            a, c, y, _ = cell(x, a, c, params)
    return line.notes, sampled


def generate(
    model: TrainedModel,
    measures: int = 32,
    temperature: float = 0.7,
    seed: int | None = None,
    variations: int = 1,
    primer: str = "window",
    chords: str | Sequence[Chord] | None = None,
) -> list[Improvisation]:
    """Improvise ``variations`` solos of ``measures`` measures with ``model``.

    chords -- None: the source's chords, looped; a string of symbols, one per measure
              ("Dm7 G7 Cmaj7 Cmaj7", looped); or a list of :class:`Chord`
    seed   -- None draws a fresh one; the seed used is recorded on each result
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
    progression, from_source = _chords_for(model, int(measures), chords)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**31))
    elif int(seed) < 0:
        raise JazzError("The seed must be a whole number from 0 up.")
    results = []
    for v in range(int(variations)):
        rng = np.random.default_rng([int(seed), v])
        notes, sampled = _improvise(model, progression, float(temperature), primer, rng)
        results.append(
            Improvisation(
                melody=tuple(notes),
                chords=tuple(progression),
                tokens=tuple(sampled),
                time_signature=model.source.time_signature,
                tempo=model.source.tempo,
                key=model.source.key if from_source else None,
                seed=int(seed),
                variation=v,
            )
        )
    return results
