"""The course's melody grammar: one token per note or rest, and back from tokens to notes.

A token is written ``CLASS,DURATION[,<UPPER,LOWER>]``::

    C,0.500,<P4,m-2>     a chord tone, an eighth note long, two semitones above the previous note
    R,0.250              a sixteenth rest

CLASS is what the note is over the measure's chord (C chord tone, S scale
tone, A approach tone, X other -- see :mod:`engine.jazz.harmony`) or R for a
rest. DURATION is in quarter notes, always a multiple of a sixteenth. Every
pitched note after the first carries an *interval window*: with ``d`` the
directed interval in semitones from the previous note, the window is
``[d - 3, d + 3]`` (a minor third either side), written upper bound first
with music21's interval names. Generation turns a token back into a pitch by
choosing, inside that window around the previous pitch, a note of the right
class over the current chord.

Tokens never cross a barline: a measure's tokens fill it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.jazz.harmony import Chord, pitch_roles
from engine.jazz.melody import GRID
from engine.jazz.midi_read import Note

__all__ = [
    "WINDOW",
    "Token",
    "interval_name",
    "interval_semitones",
    "encode_measure",
    "encode",
    "realise_pitch",
    "decode",
]

WINDOW = 3  # half-width of the interval window in semitones (a minor third, as in the course)
_FALLBACK = {"X": "ASC", "A": "SCX", "S": "CAX", "C": "SAX"}  # when a class does not exist over a chord


@lru_cache(maxsize=256)
def interval_name(semitones: int) -> str:
    """music21's directed name of an interval of ``semitones`` (5 -> 'P4', -3 -> 'm-3')."""
    from music21 import interval

    return interval.Interval(int(semitones)).directedName


@lru_cache(maxsize=512)
def interval_semitones(name: str) -> int:
    """Inverse of :func:`interval_name` ('m-3' -> -3)."""
    from music21 import interval

    try:
        return int(interval.Interval(name).semitones)
    except Exception as exc:  # music21 raises several types for an unknown name
        raise ValueError(f"not an interval name: {name!r}") from exc


@dataclass(frozen=True)
class Token:
    """One grammar token.

    kind      -- 'C', 'S', 'A', 'X' or 'R'
    duration  -- quarter notes, a multiple of a sixteenth
    low, high -- the interval window in semitones relative to the previous pitch (None: no window)
    """

    kind: str
    duration: float
    low: int | None = None
    high: int | None = None

    @property
    def is_rest(self) -> bool:
        return self.kind == "R"

    def __str__(self) -> str:
        text = f"{self.kind},{self.duration:.3f}"
        if self.low is not None and self.high is not None:
            text += f",<{interval_name(self.high)},{interval_name(self.low)}>"
        return text

    @classmethod
    def parse(cls, text: str) -> Token:
        """Read a token written by ``str(token)``; ValueError if it is not one."""
        fields = text.split(",", 2)
        if len(fields) < 2 or fields[0] not in ("C", "S", "A", "X", "R"):
            raise ValueError(f"not a grammar token: {text!r}")
        duration = float(fields[1])
        if not duration > 0 or abs(duration / GRID - round(duration / GRID)) > 1e-6:
            raise ValueError(f"token duration is not a positive number of sixteenths: {text!r}")
        if len(fields) == 2:
            return cls(fields[0], duration)
        window = fields[2]
        if not (window.startswith("<") and window.endswith(">")) or window.count(",") != 1:
            raise ValueError(f"bad interval window in token {text!r}")
        upper, lower = window[1:-1].split(",")
        return cls(fields[0], duration, interval_semitones(lower), interval_semitones(upper))


def _pitched(kind: str, duration: float, pitch: int, previous: int | None) -> Token:
    if previous is None:
        return Token(kind, duration)
    d = pitch - previous
    return Token(kind, duration, d - WINDOW, d + WINDOW)


def encode_measure(
    notes: Sequence[Note], start: float, length: float, chord: Chord, previous: int | None
) -> tuple[list[Token], int | None]:
    """Tokens of one measure and the last pitch heard (for the next measure's first window).

    notes    -- the melody line (on the sixteenth grid, no overlaps); only notes starting
                inside ``[start, start + length)`` are used, cut at the barline
    previous -- the pitch of the melody's previous note, or None at the very start
    The durations of the tokens add up to ``length`` exactly: gaps become rests.
    """
    end = start + length
    roles = pitch_roles(chord)
    tokens: list[Token] = []
    cursor = start
    for note in notes:
        if note.start < start or note.start >= end:
            continue
        if note.start > cursor:
            tokens.append(Token("R", note.start - cursor))
        stop = min(note.end, end)
        tokens.append(_pitched(roles[note.pitch % 12], stop - note.start, note.pitch, previous))
        previous = note.pitch
        cursor = stop
    if cursor < end:
        tokens.append(Token("R", end - cursor))
    return tokens, previous


def encode(
    notes: Sequence[Note], measures: Sequence[tuple[float, float]], chords: Sequence[Chord]
) -> list[list[Token]]:
    """Tokens of each measure (``measures`` as (start, length)), the pitch window carried across barlines."""
    previous = None
    out = []
    for (start, length), chord in zip(measures, chords, strict=True):
        tokens, previous = encode_measure(notes, start, length, chord, previous)
        out.append(tokens)
    return out


def realise_pitch(
    token: Token, chord: Chord, previous: int | None, pitch_range: tuple[int, int], rng: np.random.Generator
) -> int:
    """A MIDI pitch for a pitched ``token`` over ``chord``.

    Chosen at random among the pitches of the token's class inside its interval window
    around ``previous`` (within an octave's reach when there is no window) and inside
    ``pitch_range``. When none qualifies, the pitch of that class nearest to the
    window's centre in range is taken; when the class does not exist over the chord
    (the chord's scale and approach tones can cover all twelve), the nearest class that does.
    """
    low_limit, high_limit = pitch_range
    roles = pitch_roles(chord)
    anchor = previous if previous is not None else (low_limit + high_limit) // 2
    if token.low is not None and token.high is not None and previous is not None:
        lo, hi = previous + token.low, previous + token.high
    else:
        lo, hi = anchor - 6, anchor + 6
    center = (lo + hi) / 2
    for kind in token.kind + _FALLBACK[token.kind]:
        inside = [p for p in range(max(lo, low_limit), min(hi, high_limit) + 1) if roles[p % 12] == kind]
        if inside:
            return int(inside[int(rng.integers(len(inside)))])
        anywhere = [p for p in range(low_limit, high_limit + 1) if roles[p % 12] == kind]
        if anywhere:
            return min(anywhere, key=lambda p: (abs(p - center), p))
    return int(round(min(max(center, low_limit), high_limit)))  # unreachable: a chord has chord tones


def decode(
    tokens: Sequence[Token],
    chords: Sequence[Chord],
    measure_length: float,
    pitch_range: tuple[int, int] = (48, 88),
    rng: np.random.Generator | None = None,
    previous: int | None = None,
    velocity: int = 90,
) -> list[Note]:
    """Notes of a token sequence laid over measures of ``measure_length`` with one chord each.

    Tokens fill the measures in order; a token that would cross a barline is cut at it
    (generation avoids this, see :mod:`engine.jazz.generate`). Start times count from 0.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    notes: list[Note] = []
    cursor = 0.0
    for token in tokens:
        measure = int(cursor // measure_length)  # times are exact multiples of a sixteenth
        if measure >= len(chords):
            break
        bar_end = (measure + 1) * measure_length
        duration = min(token.duration, bar_end - cursor)
        if not token.is_rest:
            pitch = realise_pitch(token, chords[measure], previous, pitch_range, rng)
            notes.append(Note(cursor, cursor + duration, pitch, velocity))
            previous = pitch
        cursor += duration
    return notes
