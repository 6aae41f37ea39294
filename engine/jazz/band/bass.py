"""A walking bass line from chord changes.

Each chord's root falls on its first beat (every barline restates it); the
notes between walk through chord tones (scale tones when no chord tone is near)
towards the next chord, and the last note before a change approaches the next
root from a half step or a scale step away. The line stays within E1-G3, where
a double bass sounds, and moves to the nearest octave of each new root.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jazz.band.styles import Style
from engine.jazz.band.timeline import Span, cell_starts
from engine.jazz.harmony import Chord, chord_scale
from engine.jazz.midi_read import Note

__all__ = ["LOWEST", "HIGHEST", "walking_bass"]

LOWEST, HIGHEST = 28, 55  # E1 .. G3
START_PITCH = 38  # D2: the middle of the range, where the first root is looked for
GAP = 1 / 24  # a walking line is legato, but each note is plucked: a hair of silence before the next


def _nearest(pc: int, near: int) -> int:
    """The pitch of class ``pc`` inside the bass range nearest to ``near``, pulled a little towards the
    middle of the range so that a cycle of fourths does not climb to the top and stay there."""
    options = [p for p in range(LOWEST, HIGHEST + 1) if p % 12 == pc]
    return min(options, key=lambda p: (abs(p - near) + 0.5 * abs(p - START_PITCH), p))


def _approach(target: int, previous: int, chord: Chord, next_chord: Chord, rng: np.random.Generator) -> int:
    """A note a half step (chromatic) or a whole step (in the next chord's scale) from ``target``."""
    side = -1 if previous < target else 1 if previous > target else int(rng.choice((-1, 1)))
    options = [target + side, target - side]
    scale = chord_scale(next_chord) | chord_scale(chord)
    whole = [target + 2 * side, target - 2 * side]
    if rng.random() < 0.4:
        options = [p for p in whole if p % 12 in scale] + options
    for p in options:
        if LOWEST <= p <= HIGHEST:
            return p
    return target


def _walk(previous: int, goal: int, steps_left: int, chord: Chord, rng: np.random.Generator) -> int:
    """One walking note: a chord tone (or else a scale tone) on the way from ``previous`` to ``goal``."""
    ideal = previous + (goal - previous) / (steps_left + 1)
    tones, scale = set(chord.pitch_classes), chord_scale(chord)
    best, best_cost = previous, np.inf
    for p in range(max(LOWEST, previous - 7), min(HIGHEST, previous + 7) + 1):
        pc = p % 12
        if p == previous or p == goal or pc not in scale | tones:
            continue
        cost = abs(p - ideal) + (0.0 if pc in tones else 1.5) + rng.uniform(0.0, 1.5)
        if cost < best_cost:
            best, best_cost = p, cost
    return best


def _onsets(span: Span, style: Style, measure_length: float) -> list[tuple[float, str]]:
    """(time, role) of the bass notes inside one chord span, from the style's cell."""
    bar_start = span.measure * measure_length
    found: dict[float, str] = {}
    for cell in cell_starts(bar_start, measure_length, style.bass_cell_beats):
        for (onset, _), role in zip(style.bass_cell, style.bass_roles, strict=True):
            t = round(cell + onset, 9)
            if span.start - 1e-9 <= t < span.end - 1e-9 and t < bar_start + measure_length - 1e-9:
                found.setdefault(t, role)
    found[round(span.start, 9)] = "root"
    if style.bass_approach and len(found) == 1 and span.end - span.start >= 2.0 - 1e-9:
        found[round(span.end - 1.0, 9)] = "walk"  # a two-feel walks the last beat into the change
    return sorted(found.items())


def walking_bass(spans: Sequence[Span], style: Style, measure_length: float, rng: np.random.Generator) -> list[Note]:
    """The bass notes over ``spans`` (see :func:`engine.jazz.band.timeline.chord_spans`)."""
    roots: list[int] = []
    for span in spans:  # each root in the octave nearest the one before
        roots.append(_nearest(span.chord.root, roots[-1] if roots else START_PITCH))
    notes: list[Note] = []
    previous = roots[0] if roots else START_PITCH
    for i, span in enumerate(spans):
        nxt = (i + 1) % len(spans)
        next_chord, next_root = spans[nxt].chord, roots[nxt]
        onsets = _onsets(span, style, measure_length)
        pitches: list[int] = []
        approach = None
        if style.bass_approach and len(onsets) >= 2:
            approach = _approach(next_root, roots[i], span.chord, next_chord, rng)
        for k, (_, role) in enumerate(onsets):
            last = k == len(onsets) - 1
            if k == 0:
                p = roots[i]
            elif last and approach is not None:
                p = approach
            elif role == "root":
                p = roots[i]
            elif role == "fifth":
                p = roots[i] + 7 if roots[i] + 7 <= HIGHEST else roots[i] - 5
            else:
                goal = approach if approach is not None else next_root
                p = _walk(previous, goal, len(onsets) - 1 - k, span.chord, rng)
            pitches.append(p)
            previous = p
        ends = [t for t, _ in onsets[1:]] + [span.end]
        for (t, _), end, p in zip(onsets, ends, pitches, strict=True):
            accent = 8 if abs(t - span.measure * measure_length) < 1e-9 else 0
            notes.append(Note(t, end - GAP, p, min(127, style.bass_velocity + accent)))
    return notes
