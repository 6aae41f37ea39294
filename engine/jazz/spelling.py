"""Naming pitches as a musician reads them: B♭ in F, A♯ in B, F♯ over D7 -- never a MIDI number's guess.

A MIDI pitch has no spelling: 70 is A♯ or B♭ depending on the music around it.
Spellings are placed on the *line of fifths*, where each step is a perfect fifth
and the position says both the letter and the accidental::

    ... B♭ F  C  G  D  A  E  B  F♯ C♯ ...
        -2 -1  0  1  2  3  4  5  6  7

A key signature of ``s`` sharps (negative: flats) holds the seven positions
``s-1 .. s+5`` (F major, s = -1: B♭ F C G D A E), so a pitch in the key is
spelt as the key spells it. A pitch outside the key keeps its white-key letter
when it has one, else takes a flat in a flat key and a sharp in a sharp key
(C major, with no signature, takes the spelling nearest the key: C♯ E♭ F♯ A♭ B♭).
A minor key also holds its raised sixth and seventh (C♯ in D minor).

Over a chord, its tones are spelt up from its root as the chord's degrees
(F♯ in D7 is its third, so not G♭ even in F); other notes follow the key.

    pitch_name(70, "F")            -> "B♭4"
    pitch_name(66, "F", "D7")      -> "F♯4"   (G♭4 over no chord: F is a flat key)
    pitch_name(70, "E", ascii=True) -> "A#4"
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from engine.jazz.harmony import Chord

__all__ = ["Spelling", "spell", "pitch_name", "range_name", "key_sharps", "key_of"]

LETTERS = "CDEFGAB"
_NATURAL = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_FIFTHS = {"F": -1, "C": 0, "G": 1, "D": 2, "A": 3, "E": 4, "B": 5}  # line-of-fifths position of each letter
_NAME = re.compile(r"\s*([A-Ga-g])([#b♯♭]?)(m?)\s*$")
_ROOT = re.compile(r"\(?([A-G])([#b♯♭]?)")
_SIGNS = {-2: ("𝄫", "bb"), -1: ("♭", "b"), 0: ("", ""), 1: ("♯", "#"), 2: ("𝄪", "##")}


@dataclass(frozen=True)
class Spelling:
    """A pitch as written: letter, alteration in semitones (-1 flat, +1 sharp) and octave (C4 = middle C)."""

    letter: str
    alter: int
    octave: int

    def text(self, ascii: bool = False) -> str:
        """'B♭4' (or 'Bb4' with ``ascii``)."""
        return f"{self.letter}{_SIGNS[self.alter][1 if ascii else 0]}{self.octave}"

    @property
    def music21(self) -> str:
        """The name music21 reads ('B-4'), to write a score spelt the same way."""
        return f"{self.letter}{'-' * -self.alter if self.alter < 0 else '#' * self.alter}{self.octave}"

    @property
    def midi(self) -> int:
        return 12 * (self.octave + 1) + _NATURAL[self.letter] + self.alter


def _spelling_at(position: int, midi: int) -> Spelling:
    """The spelling of ``midi`` at line-of-fifths ``position`` (which must be one of its pitch class's)."""
    letter = "FCGDAEB"[(position + 1) % 7]
    alter = (position + 1) // 7
    return Spelling(letter, alter, (midi - alter) // 12 - 1)


def _positions(pitch_class: int) -> list[int]:
    """Line-of-fifths positions of a pitch class with at most one sharp or flat (two or three of them)."""
    first = (7 * pitch_class) % 12  # 7 * 7 = 49 = 1 (mod 12): the position of a pitch class, up to octaves of 12
    return [q for q in (first - 12, first, first + 12) if -8 <= q <= 12]


def key_sharps(key: str | None) -> tuple[int, bool] | None:
    """(sharps, minor) of a key named as MIDI files name it ("F" -> (-1, False), "F#m" -> (3, True)); None if unknown."""
    match = _NAME.match(key or "")
    if not match:
        return None
    letter, sign, minor = match.groups()
    tonic = _FIFTHS[letter.upper()] + 7 * ((sign in "#♯") - (sign in "b♭") if sign else 0)
    sharps = tonic - 3 if minor else tonic  # a minor key shares the signature of the major a minor third up
    return (sharps, bool(minor)) if -7 <= sharps <= 7 else None


def _key_spelling(midi: int, key: str | None) -> Spelling:
    sharps, minor = key_sharps(key) or (0, False)
    in_key = set(range(sharps - 1, sharps + 6)) | ({sharps + 6, sharps + 8} if minor else set())
    candidates = _positions(midi % 12)
    for q in candidates:
        if q in in_key:
            return _spelling_at(q, midi)
    if sharps < 0:  # a flat key lends a flat, a sharp key a sharp; C major either, whichever is nearer
        candidates = [q for q in candidates if q <= 5]
    elif sharps > 0:
        candidates = [q for q in candidates if q >= -1]
    centre = sharps + 2
    natural_first = min(candidates, key=lambda q: (not -1 <= q <= 5, abs(q - centre), q))
    return _spelling_at(natural_first, midi)


@lru_cache(maxsize=512)
def _chord_of(symbol: str) -> Chord | None:
    from engine.jazz.harmony import parse_chord_symbols

    try:
        chords = parse_chord_symbols(symbol.strip("()"))
    except Exception:  # noqa: BLE001 (any symbol we cannot read is simply not used for spelling)
        return None
    return chords[0] if len(chords) == 1 else None


def _sign(text: str) -> int:
    return 1 if text in ("#", "♯") else -1 if text in ("b", "♭") else 0


def _degree_steps(interval: int, chord_intervals: set[int]) -> int:
    """Letters above the root of the chord tone ``interval`` semitones up: 4 -> 2 (a third), 3 -> 1 over a
    major third (a sharp ninth), 6 -> 4 without a perfect fifth (a flat fifth), 8 -> 4 in an augmented triad."""
    if interval == 3 and 4 in chord_intervals:
        return 1
    if interval == 6:
        return 4 if 7 not in chord_intervals else 3
    if interval == 8 and 7 not in chord_intervals and 4 in chord_intervals and 10 not in chord_intervals:
        return 4
    return (0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6)[interval]


def _chord_spelling(midi: int, chord: Chord) -> Spelling | None:
    """The chord tone ``midi`` spelt from the chord's root as its symbol writes it; None for other notes."""
    if midi % 12 not in chord.pitch_classes:
        return None
    match = _ROOT.match(chord.symbol)
    if not match or (_NATURAL[match.group(1)] + _sign(match.group(2))) % 12 != chord.root:
        return None
    intervals = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    letter = LETTERS[(LETTERS.index(match.group(1)) + _degree_steps((midi - chord.root) % 12, intervals)) % 7]
    alter = (midi - _NATURAL[letter] + 6) % 12 - 6
    if abs(alter) > 1:  # a double sharp or flat reads worse than the key's own spelling
        return None
    return Spelling(letter, alter, (midi - alter) // 12 - 1)


def spell(midi: int, key: str | None = None, chord: Chord | str | None = None) -> Spelling:
    """How ``midi`` is written in ``key`` (a name such as "F", "Bb", "Em"; None: C major's neutral spelling),
    over ``chord`` (a Chord or a chord symbol) when one is known."""
    midi = int(midi)
    if isinstance(chord, str):
        chord = _chord_of(chord) if chord else None
    if chord is not None:
        spelt = _chord_spelling(midi, chord)
        if spelt is not None:
            return spelt
    return _key_spelling(midi, key)


def pitch_name(midi: int, key: str | None = None, chord: Chord | str | None = None, ascii: bool = False) -> str:
    """Scientific pitch name spelt in ``key`` (and over ``chord``): 70 in F -> 'B♭4', in E -> 'A♯4'.

    ``ascii`` writes 'Bb4' / 'A#4' for a terminal.
    """
    return spell(midi, key, chord).text(ascii)


def range_name(low: int, high: int, key: str | None = None, ascii: bool = False) -> str:
    """A part's range as a musician writes it: 'C4–B♭5' ('C4-Bb5' with ``ascii``)."""
    dash = "-" if ascii else "–"
    return f"{pitch_name(low, key, ascii=ascii)}{dash}{pitch_name(high, key, ascii=ascii)}"


def key_of(lead) -> str:
    """The key to spell a lead (an Improvisation or a Lead) in: its own, else the key its melody and chords
    fit best (Krumhansl-Schmuckler, :func:`engine.jazz.export.estimate_key`) -- the key signature an
    exported MIDI file of it carries."""
    if getattr(lead, "key", None):
        return lead.key
    import numpy as np

    from engine.jazz.band import lead_changes
    from engine.jazz.export import estimate_key

    weights = np.zeros(12)
    for note in lead.melody:
        weights[note.pitch % 12] += note.duration
    for measure in lead_changes(lead):
        for chord in measure:  # the chords of a measure split it evenly
            weights[list(chord.pitch_classes)] += lead.measure_length / len(measure)
    return estimate_key(weights)
