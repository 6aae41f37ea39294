"""Comping: rootless voicings of each chord, voice-led, played in the style's rhythmic figures.

A rootless voicing (as a pianist plays over a bassist) keeps the chord's
guide tones -- its 3rd and 7th, or 6th -- and adds colour (the 9th, the 5th,
the 13th of a dominant). Of the inversions of those four tones in the
comping register, the one nearest the previous voicing is played: the sum of
the voices' movements, the top voice counted twice (the ear follows it), plus
a pull towards the middle of the register so the hands do not drift.

The rhythm comes from the style's figures (Charleston, anticipations, off-beat
stabs...), one per cell; an anticipation plays the *next* chord half a beat
early. Every chord is sounded at least once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from engine.jazz.band.styles import Style
from engine.jazz.band.timeline import Span, cell_starts, swing_time
from engine.jazz.harmony import Chord
from engine.jazz.midi_read import Note

__all__ = ["guide_tones", "rootless_sets", "voicings", "lead_voicing", "comping_part", "LOW", "HIGH"]

LOW, HIGH = 48, 79  # the lowest voice from C3, the top voice up to G5
CENTRE = 62  # the middle of a comping hand: around D4
PUSH = 0.5  # an anticipation comes half a beat before the chord
GAP = 0.05


def guide_tones(chord: Chord) -> tuple[int, int]:
    """(3rd, 7th or 6th) as semitones above the root; a sus chord's 4th stands in for the 3rd.

    A triad gets the 6th (major) or the minor 7th (minor) a jazz pianist would add.
    """
    steps = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    third = 4 if 4 in steps else 3 if 3 in steps else 5 if 5 in steps else 2 if 2 in steps else 4
    if 11 in steps:
        seventh = 11
    elif 10 in steps:
        seventh = 10
    elif 9 in steps:
        seventh = 9
    else:
        seventh = 10 if third == 3 and 6 not in steps else 9
    return third, seventh


def rootless_sets(chord: Chord) -> list[frozenset[int]]:
    """Pitch-class sets of four (or three) tones to voice ``chord`` without its root."""
    steps = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    third, seventh = guide_tones(chord)
    fifth = 6 if 6 in steps and 7 not in steps else 8 if 8 in steps and 7 not in steps else 7
    if 1 in steps:
        ninth = 1
    elif 3 in steps and third == 4:
        ninth = 3  # the #9 of an altered dominant
    elif third == 3 and fifth == 6:
        ninth = 5  # half-diminished: the 11th, not the (clashing) 9th
    else:
        ninth = 2
    sets = [(third, fifth, seventh, ninth)]
    if third == 4 and seventh == 10 and fifth == 7:
        sets.append((third, 9, seventh, ninth))  # the dominant's 13th instead of its 5th
    if seventh == 9 and third == 3 and fifth == 6:  # diminished seventh: four minor thirds, root-free
        sets = [(3, 6, 9, 0)]
    return [frozenset((chord.root + s) % 12 for s in tones) for tones in sets]


@lru_cache(maxsize=1024)
def voicings(chord: Chord) -> list[tuple[int, ...]]:
    """Every close inversion of every rootless set whose notes lie in the comping register."""
    out = []
    for pcs in rootless_sets(chord):
        ordered = sorted(pcs)
        for bottom in ordered:
            rest = sorted(ordered, key=lambda pc: (pc - bottom) % 12)
            for low in range(LOW, HIGH + 1):
                if low % 12 != bottom:
                    continue
                pitches = tuple(low + (pc - bottom) % 12 for pc in rest)
                if pitches[-1] <= HIGH:
                    out.append(pitches)
    return out


def _movement(a: Sequence[int], b: Sequence[int]) -> float:
    """Voice-leading distance: the voices paired bottom to top (a shorter voicing's top doubles)."""
    n = max(len(a), len(b))
    a = list(a) + [a[-1]] * (n - len(a))
    b = list(b) + [b[-1]] * (n - len(b))
    return float(sum(abs(x - y) for x, y in zip(a, b, strict=True)))


@lru_cache(maxsize=8192)  # a tune repeats its progressions: each move is found once
def lead_voicing(chord: Chord, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """The voicing of ``chord`` that moves least from ``previous`` (the top voice counted twice)."""
    options = voicings(chord)
    if previous is None:
        return min(options, key=lambda v: (abs(sum(v) / len(v) - CENTRE), v))

    def cost(v: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
        return (_movement(previous, v) + abs(v[-1] - previous[-1]) + 0.5 * abs(sum(v) / len(v) - CENTRE), v)

    return min(options, key=cost)


def _hits(spans: Sequence[Span], style: Style, measure_length: float, measures: int,
          rng: np.random.Generator) -> list[tuple[float, float, int]]:
    """(start, length, span index) of each comping hit before swing, from the style's figures."""
    starts = np.array([s.start for s in spans])

    def span_at(t: float) -> int:
        return int(np.searchsorted(starts, t + 1e-9, side="right") - 1)

    weights = np.array(style.comp_weights) / sum(style.comp_weights)
    total = measures * measure_length
    cells_per_bar = len(list(cell_starts(0.0, measure_length, style.comp_cell_beats)))
    choices = iter(rng.choice(len(weights), size=measures * cells_per_bar, p=weights).tolist())
    hits: dict[float, tuple[float, int]] = {}
    for m in range(measures):
        bar = m * measure_length
        for cell in cell_starts(bar, measure_length, style.comp_cell_beats):
            figure = style.comp_figures[next(choices)]
            for onset, length, push in figure:
                t = cell + onset
                if t >= bar + measure_length - 1e-9:
                    continue
                sounding = t + PUSH if push and t + PUSH < total - 1e-9 else t
                hits[round(t, 9)] = (length, span_at(sounding))
    heard = {index for _, index in hits.values()}
    for i, span in enumerate(spans):  # every chord is heard at least once
        if i not in heard:
            hits[round(span.start, 9)] = (min(0.9, 0.9 * (span.end - span.start)), i)
    return [(t, length, index) for t, (length, index) in sorted(hits.items())]


def comping_part(spans: Sequence[Span], style: Style, measure_length: float, measures: int, swing: float,
                 rng: np.random.Generator) -> list[Note]:
    """The comping notes: each hit a voicing, each note ending before the next hit starts."""
    hits = _hits(spans, style, measure_length, measures, rng)
    total = measures * measure_length
    notes: list[Note] = []
    previous: tuple[int, ...] | None = None
    velocities = rng.integers(-6, 7, size=len(hits)).tolist()
    chord_voicing: dict[int, tuple[int, ...]] = {}
    for k, (t, length, index) in enumerate(hits):
        if index not in chord_voicing:
            chord_voicing[index] = previous = lead_voicing(spans[index].chord, previous)
        voicing = chord_voicing[index]
        end = min(t + length, hits[k + 1][0] - GAP if k + 1 < len(hits) else total)
        start, stop = swing_time(t, swing), swing_time(end, swing)
        if stop - start <= 1e-6:
            continue
        velocity = style.comp_velocity + velocities[k]
        notes.extend(Note(start, stop, p, velocity) for p in voicing)
    return notes
