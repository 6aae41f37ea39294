"""Where things happen in time: chord spans, repeating cells, and swung eighths.

Times are quarter notes from the start of the piece.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from engine.jazz.harmony import Chord

__all__ = ["Span", "chord_spans", "cell_starts", "swing_time"]


@dataclass(frozen=True)
class Span:
    """One chord sounding from ``start`` to ``end``, inside measure ``measure``."""

    start: float
    end: float
    chord: Chord
    measure: int


def chord_spans(changes: Sequence[Sequence[Chord]], measure_length: float, measures: int) -> list[Span]:
    """The chords of ``measures`` measures (the changes looped), each bar's chords splitting it evenly.

    The same chord repeated inside a bar ("| C / / G7 |") is one span; every barline starts a new one,
    so the bass restates the root at the top of each bar.
    """
    spans: list[Span] = []
    for m in range(measures):
        bar = changes[m % len(changes)]
        share = measure_length / len(bar)
        for k, chord in enumerate(bar):
            start = m * measure_length + k * share
            if k and chord == bar[k - 1]:
                last = spans[-1]
                spans[-1] = Span(last.start, start + share, chord, m)
            else:
                spans.append(Span(start, start + share, chord, m))
    return spans


def cell_starts(measure_start: float, measure_length: float, cell_beats: float) -> Iterator[float]:
    """Start of each repetition of a cell of ``cell_beats`` that plays inside the measure at ``measure_start``.

    A cell no longer than a bar repeats from the barline and is cut at the next one. A longer cell
    (a two-bar bossa clave) runs on over as many bars as it fills, so its second bar is heard:
    the start given then lies before the measure, and the caller keeps the hits inside it.
    """
    if cell_beats > measure_length + 1e-9:
        bars = max(1, round(cell_beats / measure_length))
        measure = round(measure_start / measure_length)
        yield measure_start - (measure % bars) * measure_length
        return
    count = max(1, math.ceil(measure_length / cell_beats - 1e-9))
    for k in range(count):
        yield measure_start + k * cell_beats


def swing_time(time: float, ratio: float) -> float:
    """Move a time inside its beat so that eighths become long-short in ``ratio`` (1.0 = unchanged).

    The first half of each beat stretches to ratio / (1 + ratio) of it, the second half shrinks
    to the rest: an off-beat eighth at x.5 lands at x + ratio / (1 + ratio) (x + 2/3 for triplet swing).
    """
    if ratio == 1.0:
        return time
    beat = math.floor(time + 1e-9)
    inside = time - beat
    long = ratio / (1.0 + ratio)
    if inside <= 0.5:
        return beat + inside * 2.0 * long
    return beat + long + (inside - 0.5) * 2.0 * (1.0 - long)
