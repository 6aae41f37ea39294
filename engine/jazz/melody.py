"""Which part is the melody, and the melody as one clean line on a grid of sixteenths and triplets."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jazz.errors import NoMelodyError
from engine.jazz.midi_read import Note, Part, Song

__all__ = [
    "GRID",
    "STEPS",
    "MELODIC_RANGE",
    "MAX_POLYPHONY",
    "melody_candidates",
    "pick_melody",
    "melody_part",
    "played_grid",
    "describe_grid",
    "snap_steps",
    "melody_line",
]

STEPS = 12  # grid steps per quarter note (twelfths hold sixteenths and eighth-note triplets)
GRID = 1 / STEPS  # a twelfth of a quarter note: every time and duration is a whole number of these
MELODIC_RANGE = (55, 96)  # median pitch of a melody: from G3 (above the bass) up
MAX_POLYPHONY = 0.35  # "mostly monophonic": two notes at once for at most this share of the time


def melody_candidates(song: Song) -> list[Part]:
    """Parts that could be the melody: pitched, mostly one note at a time, in a melodic range."""
    low, high = MELODIC_RANGE
    return [
        p
        for p in song.parts
        if not p.is_drums and p.polyphony <= MAX_POLYPHONY and low <= p.median_pitch <= high
    ]


def pick_melody(song: Song) -> int:
    """Index of the automatic melody choice: the busiest candidate part.

    Raises :class:`NoMelodyError` with the reason when no part qualifies
    (drums only, one chord part, only a bass line...).
    """
    candidates = melody_candidates(song)
    if candidates:
        return max(candidates, key=lambda p: (p.note_count, -p.index)).index
    pitched = [p for p in song.parts if not p.is_drums]
    if not pitched:
        raise NoMelodyError(f"{song.name} has only drum parts (MIDI channel 10); there is no melody to learn from.")
    if len(pitched) == 1 and pitched[0].polyphony > MAX_POLYPHONY:
        p = pitched[0]
        raise NoMelodyError(
            f"{song.name} has a single chord part ('{p.name}', several notes at once "
            f"{p.polyphony:.0%} of the time) and no melody. Choose a file with a solo line, "
            "or pick this part by its index to learn its top voice."
        )
    listing = ", ".join(f"{p.index} '{p.name}'" for p in pitched)
    raise NoMelodyError(
        f"No part of {song.name} looks like a melody (mostly one note at a time, above the bass). "
        f"Pick one of its pitched parts by index: {listing}."
    )


def melody_part(song: Song, index: int | None = None) -> Part:
    """The melody part: ``index`` when the user chose one, else the automatic pick."""
    if index is None:
        return song.parts[pick_melody(song)]
    part = song.part(index)
    if part.is_drums:
        raise NoMelodyError(f"Part {index} ('{part.name}') is a drum part; pick a pitched part as the melody.")
    return part


# ---- the rhythm grid ------------------------------------------------------------------------------------
#
# Times are snapped to positions inside each beat (a quarter note), counted in twelfths: the eighths
# (0, 6) always, the sixteenths (3, 9) and the eighth-note triplets (4, 8) when the line plays them.
# Twelfths hold both at once, so a swung eighth (2/3 of a beat) stays a triplet and is not turned
# into a dotted eighth and a sixteenth.

EIGHTHS = (0, 6)
SIXTEENTHS = (3, 9)
TRIPLETS = (4, 8)
_OFF_GRID = (1, 2, 5, 7, 10, 11)  # twelfths no common rhythm lands on: the level of timing noise
_NEAR = 0.25  # an onset "sits on" a position when within a quarter of a twelfth (a 48th of a beat)
PEAK = 2.0  # a subdivision is played when its positions draw at least twice the onsets of off-grid ones
MIN_SHARE = 0.02  # ... and at least this share of all onsets


def _sits_on(phases: np.ndarray, positions: Sequence[int]) -> int:
    """How many onset phases (in twelfths, 0 <= phase < 12) lie within _NEAR of one of ``positions``."""
    distance = np.abs(phases[:, None] - np.array(positions, dtype=float)[None, :])
    distance = np.minimum(distance, STEPS - distance)  # 11.9 is near 0
    return int(np.count_nonzero(distance.min(axis=1) <= _NEAR))


def played_grid(onsets: Sequence[float]) -> tuple[int, ...]:
    """The positions inside a beat (in twelfths) the line actually plays, sorted.

    onsets -- note starts in quarter notes, as read from the file (not yet snapped)
    A subdivision (sixteenths 3, 9; triplets 4, 8) counts as played when its positions
    gather clearly more onsets than off-grid twelfths do (a peak above the timing noise of
    a live performance). The eighths are always there; when no triplets are played the
    sixteenths are kept, so a line is never coarser than the course's sixteenth grid.
    """
    phases = (np.asarray(onsets, dtype=float) * STEPS) % STEPS
    if phases.size == 0:
        return tuple(sorted(EIGHTHS + SIXTEENTHS))
    noise = _sits_on(phases, _OFF_GRID) / len(_OFF_GRID)

    def played(positions: tuple[int, ...]) -> bool:
        hits = _sits_on(phases, positions)
        return hits >= max(2, MIN_SHARE * phases.size) and hits / len(positions) >= PEAK * noise

    triplets = played(TRIPLETS)
    sixteenths = played(SIXTEENTHS) or not triplets
    return tuple(sorted(EIGHTHS + (SIXTEENTHS if sixteenths else ()) + (TRIPLETS if triplets else ())))


def describe_grid(grid: Sequence[int]) -> str:
    """What a grid of :func:`played_grid` holds, in words: 'sixteenths', 'eighths and triplets'..."""
    has = set(grid)
    sixteenths, triplets = set(SIXTEENTHS) <= has, set(TRIPLETS) <= has
    if sixteenths and triplets:
        return "sixteenths and triplets"
    if triplets:
        return "eighths and triplets"
    return "sixteenths" if sixteenths else "eighths"


def snap_steps(times: Sequence[float], grid: Sequence[int]) -> np.ndarray:
    """``times`` (quarter notes) snapped to the nearest grid position, as whole twelfths (int64)."""
    t = np.asarray(times, dtype=float) * STEPS
    beat = np.floor(t / STEPS)
    phase = t - beat * STEPS
    positions = np.array(sorted(grid) + [STEPS], dtype=float)  # the next beat is a position too
    nearest = positions[np.abs(phase[:, None] - positions[None, :]).argmin(axis=1)]
    return (beat * STEPS + nearest).astype(np.int64)


def _next_position(step: int, grid: Sequence[int]) -> int:
    """The first grid position after ``step`` (twelfths)."""
    beat, phase = divmod(step, STEPS)
    later = [p for p in grid if p > phase]
    return beat * STEPS + (later[0] if later else STEPS + min(grid))


def melody_line(part: Part, grid: Sequence[int] | None = None) -> list[Note]:
    """The part as a single line on its rhythm grid, with no overlaps.

    grid -- positions inside a beat in twelfths (default: :func:`played_grid` of the part)
    Onsets and ends are snapped to the nearest grid position (a note never shrinks to
    nothing: it keeps at least one grid step); where several notes start together the
    highest is kept (the top voice carries the tune); each note is cut where the next one
    starts. Note times are whole twelfths of a quarter note (``step / 12``).
    """
    if not part.notes:
        return []
    grid = played_grid([n.start for n in part.notes]) if grid is None else tuple(sorted(grid))
    starts = snap_steps([n.start for n in part.notes], grid)
    ends = snap_steps([n.end for n in part.notes], grid)
    top: dict[int, tuple[int, int, Note]] = {}
    for start, end, n in zip(starts.tolist(), ends.tolist(), part.notes, strict=True):
        end = max(end, _next_position(start, grid))
        kept = top.get(start)
        if kept is None or n.pitch > kept[2].pitch:
            top[start] = (start, end, n)
    order = sorted(top)
    line = []
    for k, start in enumerate(order):
        _, end, n = top[start]
        if k + 1 < len(order):
            end = min(end, order[k + 1])
        line.append(Note(start / STEPS, end / STEPS, n.pitch, n.velocity))
    return line
