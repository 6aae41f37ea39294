"""Swing: how unevenly a melody plays its eighth notes, measured and applied.

Swung eighths come in pairs inside a beat: a long one on the beat and a short
one after it. The *swing ratio* is long / short: 1.0 is straight (1/2 + 1/2 of
a beat), 2.0 the triplet swing of most jazz (2/3 + 1/3), 3.0 a dotted eighth
and a sixteenth. It is read from the off-beat eighth pairs a melody plays: a
note on the beat followed by exactly one note in the middle of the beat and
the next note no earlier than the next beat. Where the off-beat falls, at a
share ``p`` of the beat, the pair's ratio is ``p / (1 - p)``; the melody's
ratio is the median over its pairs (robust to the odd pushed note).

Applying a ratio is a time warp of each beat that holds such a pair: the
off-beat moves to ``r / (1 + r)`` of the beat and every time inside the beat
moves with it, piecewise linearly, so the order of events (and the line's
lack of overlaps) is kept. Beats that play anything else -- triplets,
sixteenths, a lone quarter note -- are left as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jazz.errors import JazzError
from engine.jazz.midi_read import Note

__all__ = [
    "SWING_PRESETS",
    "MIN_PAIRS",
    "eighth_pairs",
    "swing_ratio",
    "describe_swing",
    "swing_of",
    "apply_swing",
]

SWING_PRESETS = (("straight", 1.0), ("light", 1.5), ("medium", 2.0), ("hard", 2.5))
SWING_LIMITS = (1.0, 4.0)  # straight .. a double-dotted feel: anything else is not swing
MIN_PAIRS = 4  # fewer eighth pairs than this tell nothing about a melody's swing
ON_BEAT = 0.1  # a note this close to a beat (in beats) starts on it
OFF_BEAT = (0.4, 0.8)  # where the short eighth of a pair may fall, as a share of the beat


def eighth_pairs(notes: Sequence[Note], beat: float = 1.0) -> np.ndarray:
    """The ratio long/short of every off-beat eighth pair in ``notes`` (any order), shape (n_pairs,)."""
    onsets = np.unique(np.round(np.array([n.start for n in notes], dtype=float) / beat, 6))
    if onsets.size < 2:
        return np.zeros(0)
    beats = np.round(onsets)
    on_beat = np.abs(onsets - beats) < ON_BEAT
    following = np.append(onsets[2:], np.inf)  # the onset after the off-beat note
    off = onsets[1:] - beats[:-1]  # where the next note falls inside this beat
    pair = (
        on_beat[:-1]
        & (off > OFF_BEAT[0])
        & (off < OFF_BEAT[1])
        & (following >= beats[:-1] + 1 - ON_BEAT)
    )
    share = off[pair]
    return share / (1.0 - share)


def swing_ratio(notes: Sequence[Note], beat: float = 1.0) -> float | None:
    """The melody's swing ratio (1.0 straight, 2.0 triplet swing), or None with fewer than MIN_PAIRS pairs.

    notes -- as played (not snapped to a grid), times in quarter notes
    beat  -- the beat the eighths divide, in quarter notes (1.0; 1.5 for a compound meter's dotted quarter)
    """
    ratios = eighth_pairs(notes, beat)
    if ratios.size < MIN_PAIRS:
        return None
    return round(float(np.median(ratios)), 2)


def swing_of(melodies: Sequence[Sequence[Note]], beat: float = 1.0) -> float | None:
    """One swing ratio for several melodies together: the median over all their pairs."""
    ratios = np.concatenate([eighth_pairs(m, beat) for m in melodies]) if melodies else np.zeros(0)
    if ratios.size < MIN_PAIRS:
        return None
    return round(float(np.median(ratios)), 2)


def describe_swing(ratio: float | None) -> str:
    """A musician's name for a swing ratio: 'medium swing (2.00:1)'."""
    if ratio is None:
        return "no swing measured (too few eighth-note pairs)"
    if ratio < 1.2:
        name = "straight eighths"
    elif ratio < 1.75:
        name = "light swing"
    elif ratio < 2.25:
        name = "medium (triplet) swing"
    else:
        name = "hard swing"
    return f"{name} ({ratio:.2f}:1)"


def _check_ratio(ratio: float) -> float:
    low, high = SWING_LIMITS
    if not (np.isfinite(ratio) and low <= ratio <= high):
        raise JazzError(f"The swing ratio must be between {low:g} (straight) and {high:g} (very hard swing).")
    return float(ratio)


def apply_swing(notes: Sequence[Note], ratio: float, beat: float = 1.0) -> list[Note]:
    """``notes`` with every off-beat eighth pair moved to ``ratio`` (1.0 = straight, 2.0 = triplet swing).

    Only beats whose notes start on the beat and/or at one off-beat between 0.4 and 0.8
    of the beat are warped; starts and ends inside such a beat move with the off-beat.
    Raises :class:`JazzError` for a ratio outside 1..4.
    """
    ratio = _check_ratio(ratio)
    if not notes:
        return []
    target = ratio / (1.0 + ratio)
    offs: dict[int, set[float]] = {}  # beat number -> the phases (0 < phase < 1) where notes start in it
    for n in notes:
        position = n.start / beat
        k = int(np.floor(position + 1e-9))
        phase = position - k
        if phase > 1e-9:
            offs.setdefault(k, set()).add(round(phase, 9))
    warp = {k: next(iter(p)) for k, p in offs.items() if len(p) == 1 and OFF_BEAT[0] < next(iter(p)) < OFF_BEAT[1]}

    def move(time: float) -> float:
        position = time / beat
        k = int(np.floor(position + 1e-9))
        p = warp.get(k)
        phase = position - k
        if p is None or phase <= 1e-9:
            return time
        if phase <= p:
            phase = phase * target / p
        else:
            phase = target + (phase - p) * (1.0 - target) / (1.0 - p)
        return (k + phase) * beat

    return [Note(move(n.start), move(n.end), n.pitch, n.velocity) for n in notes]
