"""Drums on MIDI channel 10: the style's cell of ride, hi-hat, kick and side-stick, plus sparse comping.

The cell repeats from every barline and is cut at the next one (a two-bar cell runs over two bars); off-beat
eighths are swung by the style's ratio; the snare and kick "comp" on random
off-beat eighths with the style's (small) probabilities.
"""

from __future__ import annotations

import numpy as np

from engine.jazz.band.styles import Style
from engine.jazz.band.timeline import cell_starts, swing_time
from engine.jazz.midi_read import Note

__all__ = ["HIT_LENGTH", "drum_part"]

HIT_LENGTH = 0.125  # a drum hit is one-shot: the note only has to be shorter than the shortest gap


def drum_part(measure_length: float, measures: int, style: Style, swing: float, rng: np.random.Generator) -> list[Note]:
    """Drum hits for ``measures`` measures (pitch = General MIDI percussion key)."""
    hits: dict[tuple[int, float], int] = {}
    for m in range(measures):
        bar = m * measure_length
        for cell in cell_starts(bar, measure_length, style.drum_cell_beats):
            for key, onset, velocity in style.drum_cell:
                t = cell + onset
                if bar - 1e-9 <= t < bar + measure_length - 1e-9:
                    hits[(key, round(t, 9))] = velocity
        eighths = np.arange(0.5, measure_length, 1.0).tolist()
        draws = rng.random((len(eighths), len(style.drum_fills))).tolist()
        for eighth, row in zip(eighths, draws, strict=True):
            for (key, probability, velocity), draw in zip(style.drum_fills, row, strict=True):
                if draw < probability:
                    hits.setdefault((key, round(bar + eighth, 9)), velocity)
    notes = []
    for (key, t), velocity in sorted(hits.items(), key=lambda item: (item[0][1], item[0][0])):
        start = swing_time(t, swing)
        notes.append(Note(start, start + HIT_LENGTH, key, velocity))
    return notes
