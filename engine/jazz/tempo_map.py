"""One tempo for a piece whose tempo changes: the median over its playing time.

A recording may open at 240 BPM and settle at 150. An improvisation loops the
piece's changes at one tempo, so it takes the tempo the piece is *heard at*
most: the median weighted by seconds, the tempo at or below which half of the
playing time goes by (and at or above which the other half does). Weighting by
seconds rather than beats is the listener's view -- a slow section lasts longer
than a fast one of the same length in bars. When exactly half the time is at
one tempo and half at another, the median is halfway between them.

A tempo map is ``(start in quarter notes, BPM)`` pairs, first at 0; it is cut
at the end of the music, so a tempo set after the last note weighs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["tempo_seconds", "median_tempo", "tempo_span", "describe_tempo"]

Segment = tuple[float, float]  # (BPM, seconds played at it)


def tempo_seconds(tempos: Sequence[tuple[float, float]], end: float) -> list[Segment]:
    """(BPM, seconds) of each stretch of a tempo map up to ``end`` (quarter notes); empty stretches dropped."""
    out = []
    for k, (start, bpm) in enumerate(tempos):
        stop = min(tempos[k + 1][0], end) if k + 1 < len(tempos) else end
        if stop > start:
            out.append((float(bpm), (stop - start) * 60.0 / bpm))
    return out


def median_tempo(segments: Iterable[Segment]) -> float | None:
    """The time-weighted median BPM of (BPM, seconds) stretches, from one piece or several; None if they are empty."""
    totals: dict[float, float] = {}
    for bpm, seconds in segments:
        totals[bpm] = totals.get(bpm, 0.0) + seconds
    if not totals or sum(totals.values()) <= 0:
        return None
    half = sum(totals.values()) / 2.0
    ordered = sorted(totals.items())
    below = 0.0
    for k, (bpm, seconds) in enumerate(ordered):
        below += seconds
        if abs(below - half) <= 1e-9 * half and k + 1 < len(ordered):  # an even split: halfway between
            return (bpm + ordered[k + 1][0]) / 2.0
        if below > half:
            return bpm
    return ordered[-1][0]


def tempo_span(segments: Iterable[Segment]) -> tuple[float, float] | None:
    """(slowest, fastest) BPM actually played, or None."""
    bpms = [bpm for bpm, seconds in segments if seconds > 0]
    return (min(bpms), max(bpms)) if bpms else None


def describe_tempo(segments: Sequence[Segment], ascii: bool = False) -> str:
    """'132 BPM' for a steady piece, '150–240 BPM, median 180' when the tempo changes ('150-240' with ``ascii``)."""
    median, span = median_tempo(segments), tempo_span(segments)
    if median is None or span is None:
        return "tempo not set"
    low, high = span
    if round(low) == round(high):
        return f"{median:.0f} BPM"
    return f"{low:.0f}{'-' if ascii else '–'}{high:.0f} BPM, median {median:.0f}"
