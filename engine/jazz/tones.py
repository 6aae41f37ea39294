"""What each melody note is over the chord sounding when it starts.

A jazz teacher colours a solo by four classes (Impro-Visor does the same):

- ``"C"`` chord tone -- a pitch class of the chord;
- ``"S"`` scale or colour tone -- in the chord's scale (its 9th, 11th, 13th...);
- ``"A"`` approach tone -- a half step from a chord tone, outside the scale;
- ``"X"`` other.

The classes come from :func:`engine.jazz.harmony.note_role`; this module pairs
them with the chord each note starts over::

    classify(notes, chord_at)  -> [("C", "Dm7"), ("A", "Dm7"), ("S", "G7"), ...]
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence

from engine.jazz.harmony import Chord, note_role
from engine.jazz.midi_read import Note

__all__ = ["CLASS_NAMES", "classify", "chord_of_measures"]

CLASS_NAMES = {"C": "chord tone", "S": "scale/colour tone", "A": "approach tone", "X": "other"}


def classify(notes: Iterable[Note], chord_at: Callable[[float], Chord | None]) -> list[tuple[str, str]]:
    """``(class letter, chord symbol)`` of each note over ``chord_at(note.start)``; ``("X", "")`` with no chord."""
    out = []
    for note in notes:
        chord = chord_at(note.start)
        out.append((note_role(note.pitch, chord), chord.symbol) if chord is not None else ("X", ""))
    return out


def chord_of_measures(measures: Sequence) -> Callable[[float], Chord | None]:
    """``chord_at(time)`` over measures that each have ``start``, ``length`` and ``chord`` (a corpus's):
    the chord of the measure holding ``time``, None outside every measure."""
    starts = [m.start for m in measures]

    def chord_at(time: float) -> Chord | None:
        k = bisect_right(starts, time + 1e-9) - 1
        if k < 0 or time >= measures[k].start + measures[k].length - 1e-9:
            return None
        return measures[k].chord

    return chord_at
