"""The course's melody grammar: one token per note, rest or held-over note, and back from tokens to notes.

A token is written ``CLASS,DURATION[,<UPPER,LOWER>]``::

    C,0.500,<P4,m-2>     a chord tone, an eighth note long, two semitones above the previous note
    S,0.333,<m3,m-3>     a scale tone, a triplet eighth long, the same pitch as the previous note
    R,0.250              a sixteenth rest
    T,1.000              the note sounding at the barline goes on for a quarter note (a tie)

CLASS is what the note is over the chord sounding at its start (C chord tone,
S scale tone, A approach tone, X other -- see :mod:`engine.jazz.harmony`), R
for a rest, or T for the continuation of a note held over the barline.
DURATION is in quarter notes, always a whole number of twelfths
(:data:`engine.jazz.melody.GRID`): sixteenths and eighth-note triplets both
fit. Every pitched note after the first carries an *interval window*: with
``d`` the directed interval in semitones from the previous note, the window is
``[d - 3, d + 3]`` (a minor third either side), written upper bound first
with music21's interval names. Generation turns a token back into a pitch by
choosing, inside that window around the previous pitch, a note of the right
class over the current chord.

A measure's tokens fill it exactly. A note that rings over the barline is its
token in the first measure (cut at the barline) plus a ``T`` token in the
next: it stays one note when the tokens are turned back into notes, which
:class:`LineBuilder` does for decoding and for generation alike.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.jazz.harmony import Chord, pitch_roles
from engine.jazz.melody import STEPS
from engine.jazz.midi_read import Note

__all__ = [
    "WINDOW",
    "KINDS",
    "Token",
    "Harmony",
    "interval_name",
    "interval_semitones",
    "chord_in_measure",
    "encode_measure",
    "encode",
    "realise_pitch",
    "LineBuilder",
    "fillable",
    "decode",
]

WINDOW = 3  # half-width of the interval window in semitones (a minor third, as in the course)
KINDS = "CSAXRT"  # the four pitched classes, rest, tie
_FALLBACK = {"X": "ASC", "A": "SCX", "S": "CAX", "C": "SAX"}  # when a class does not exist over a chord
_TOLERANCE = 0.01  # a written duration may be this far (in twelfths) from a whole twelfth: "0.333" is 1/3

Harmony = Chord | Sequence[Chord]  # one measure's chords: one chord, or several splitting it evenly


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


def _steps(duration: float) -> int | None:
    """``duration`` (quarter notes) as whole twelfths, or None when it is not (close to) one."""
    steps = round(duration * STEPS)
    return steps if abs(duration * STEPS - steps) <= _TOLERANCE else None


@dataclass(frozen=True)
class Token:
    """One grammar token.

    kind      -- 'C', 'S', 'A', 'X' (pitched), 'R' (rest) or 'T' (the held note goes on)
    duration  -- quarter notes, a whole number of twelfths (stored exactly as steps / 12)
    low, high -- the interval window in semitones relative to the previous pitch (None: no window)
    """

    kind: str
    duration: float
    low: int | None = None
    high: int | None = None

    def __post_init__(self) -> None:
        steps = _steps(self.duration)
        if self.kind not in KINDS or steps is None or steps < 1:
            raise ValueError(f"not a grammar token: kind {self.kind!r}, duration {self.duration!r}")
        object.__setattr__(self, "duration", steps / STEPS)  # "0.333" and 1/3 are the same token

    @property
    def steps(self) -> int:
        """The duration in twelfths of a quarter note."""
        return round(self.duration * STEPS)

    @property
    def is_rest(self) -> bool:
        return self.kind == "R"

    @property
    def tied(self) -> bool:
        """True for the continuation of a note held over the barline."""
        return self.kind == "T"

    @property
    def is_pitched(self) -> bool:
        return self.kind in "CSAX"

    def __str__(self) -> str:
        text = f"{self.kind},{self.duration:.3f}"
        if self.low is not None and self.high is not None:
            text += f",<{interval_name(self.high)},{interval_name(self.low)}>"
        return text

    @classmethod
    def parse(cls, text: str) -> Token:
        """Read a token written by ``str(token)``; ValueError if it is not one."""
        fields = text.split(",", 2)
        if len(fields) < 2 or len(fields[0]) != 1 or fields[0] not in KINDS:
            raise ValueError(f"not a grammar token: {text!r}")
        duration = float(fields[1])
        steps = _steps(duration) if np.isfinite(duration) else None
        if steps is None or steps < 1:
            raise ValueError(f"token duration is not a positive number of twelfths of a beat: {text!r}")
        if len(fields) == 2:
            return cls(fields[0], steps / STEPS)
        window = fields[2]
        if fields[0] in "RT" or not (window.startswith("<") and window.endswith(">")) or window.count(",") != 1:
            raise ValueError(f"bad interval window in token {text!r}")
        upper, lower = window[1:-1].split(",")
        return cls(fields[0], steps / STEPS, interval_semitones(lower), interval_semitones(upper))


def _pitched(kind: str, steps: int, pitch: int, previous: int | None) -> Token:
    if previous is None:
        return Token(kind, steps / STEPS)
    d = pitch - previous
    return Token(kind, steps / STEPS, d - WINDOW, d + WINDOW)


def chord_in_measure(harmony: Harmony, offset: float, length: float) -> Chord:
    """The chord sounding ``offset`` quarter notes into a measure of ``length`` (several chords split it evenly)."""
    if isinstance(harmony, Chord):
        return harmony
    share = min(max(offset / length, 0.0), 1.0 - 1e-9) if length > 0 else 0.0
    return harmony[int(share * len(harmony))]


def encode_measure(
    notes: Sequence[Note], start: float, length: float, chord: Harmony, previous: int | None
) -> tuple[list[Token], int | None]:
    """Tokens of one measure and the last pitch heard (for the next measure's first window).

    notes    -- the melody line (times on the twelfth grid, no overlaps); notes starting inside
                ``[start, start + length)`` become pitched tokens cut at the barline, and a note
                starting earlier that still sounds at ``start`` becomes a ``T`` token
    chord    -- the measure's chord, or its chords splitting it evenly
    previous -- the pitch of the melody's previous note, or None at the very start
    The durations of the tokens add up to ``length`` exactly: gaps become rests.
    """
    first, end = round(start * STEPS), round((start + length) * STEPS)
    tokens: list[Token] = []
    cursor = first
    for note in notes:
        on, off = round(note.start * STEPS), round(note.end * STEPS)
        if on < first < off:  # held over the barline
            cursor = min(off, end)
            tokens.append(Token("T", (cursor - first) / STEPS))
            continue
        if on < first or on >= end:
            continue
        if on > cursor:
            tokens.append(Token("R", (on - cursor) / STEPS))
        stop = min(off, end)
        roles = pitch_roles(chord_in_measure(chord, note.start - start, length))
        tokens.append(_pitched(roles[note.pitch % 12], stop - on, note.pitch, previous))
        previous = note.pitch
        cursor = stop
    if cursor < end:
        tokens.append(Token("R", (end - cursor) / STEPS))
    return tokens, previous


def encode(
    notes: Sequence[Note], measures: Sequence[tuple[float, float]], chords: Sequence[Harmony]
) -> list[list[Token]]:
    """Tokens of each measure (``measures`` as (start, length)), the pitch window carried across barlines.

    chords -- per measure, one chord or the chords splitting it evenly
    notes  -- sorted by start (a melody line)
    """
    onsets = [n.start for n in notes]
    previous = None
    out = []
    for (start, length), chord in zip(measures, chords, strict=True):
        # only the notes that start in the measure, and the one before them (it may be held into it)
        nearby = notes[max(0, bisect_left(onsets, start) - 1) : bisect_left(onsets, start + length)]
        tokens, previous = encode_measure(nearby, start, length, chord, previous)
        out.append(tokens)
    return out


GUIDE_INTERVALS = frozenset({3, 4, 9, 10, 11})  # thirds, sixth and sevenths above the root: the guide tones


def guide_tones(chord: Chord) -> frozenset[int]:
    """The chord's guide tones -- its 3rd and 7th (or 6th) as pitch classes; the chord tones if it has none."""
    tones = frozenset(pc for pc in chord.pitch_classes if (pc - chord.root) % 12 in GUIDE_INTERVALS)
    return tones or frozenset(chord.pitch_classes)


def realise_pitch(
    token: Token,
    chord: Chord,
    previous: int | None,
    pitch_range: tuple[int, int],
    rng: np.random.Generator,
    on_beat: bool = False,
) -> int:
    """A MIDI pitch for a pitched ``token`` over ``chord``.

    The token asks for a repeated note only when its interval window is centred on 0
    (the source repeated its note): then the previous pitch is kept if it has the
    token's class. Otherwise the pitch moves, in the direction of the window's centre:
    chosen at random among the pitches of the token's class inside the window on that
    side of ``previous`` (within an octave's reach when there is no window) and inside
    ``pitch_range``. When none qualifies, the pitch of that class nearest to the window's
    centre in range is taken; when the class does not exist over the chord (the chord's
    scale and approach tones can cover all twelve), the nearest class that does.

    A chord tone ``on_beat`` lands on a guide tone (3rd or 7th) when one lies in the
    window, as jazz players target them on strong beats: they define the chord, and the
    rhythm section's rootless voicings sound them there too.
    """
    low_limit, high_limit = pitch_range
    roles = pitch_roles(chord)
    anchor = previous if previous is not None else (low_limit + high_limit) // 2
    windowed = token.low is not None and token.high is not None and previous is not None
    if windowed:
        lo, hi = previous + token.low, previous + token.high
        centre = token.low + token.high  # twice the asked interval: its sign is the direction
        if centre == 0 and roles[previous % 12] == token.kind and low_limit <= previous <= high_limit:
            return int(previous)  # the token asks for the same note again
        if centre > 0:
            lo = max(lo, previous + 1)
        elif centre < 0:
            hi = min(hi, previous - 1)
    else:
        lo, hi = anchor - 6, anchor + 6
    target = (lo + hi) / 2

    def allowed(p: int) -> bool:
        return p != previous  # a repeat only where asked for (returned above)

    for kind in token.kind + _FALLBACK[token.kind]:
        inside = [p for p in range(max(lo, low_limit), min(hi, high_limit) + 1) if roles[p % 12] == kind and allowed(p)]
        if on_beat and kind == "C":
            guides = guide_tones(chord)
            inside = [p for p in inside if p % 12 in guides] or inside
        if inside:
            return int(inside[int(rng.integers(len(inside)))])
        anywhere = [p for p in range(low_limit, high_limit + 1) if roles[p % 12] == kind and allowed(p)]
        if anywhere:
            return min(anywhere, key=lambda p: (abs(p - target), p))
    return int(round(min(max(target, low_limit), high_limit)))  # unreachable: a chord has chord tones


class LineBuilder:
    """Turns tokens into one melody line, a token at a time -- for decoding and for generating.

    ::

        line = LineBuilder(chord_at, pitch_range=(48, 88), rng=rng)
        for token in tokens:
            line.add(token, until=bar_end)   # cut at the barline; a T token lengthens the held note
        line.notes

    chord_at -- the chord sounding at a time (quarter notes from the line's start)
    A pitched token becomes a note of a pitch chosen by :func:`realise_pitch`; a rest
    moves time on; a ``T`` token lengthens the note that sounds up to now (a tie keeps it
    one note), and after a rest or at the very start it is a rest. Times are counted in
    whole twelfths, so triplets add up exactly.
    """

    def __init__(
        self,
        chord_at: Callable[[float], Chord],
        pitch_range: tuple[int, int] = (48, 88),
        rng: np.random.Generator | None = None,
        previous: int | None = None,
        velocity: int = 90,
    ):
        self.chord_at = chord_at
        self.pitch_range = pitch_range
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.previous = previous
        self.velocity = velocity
        self.notes: list[Note] = []
        self.step = 0  # the cursor, in twelfths

    @property
    def time(self) -> float:
        """Where the next token starts, in quarter notes."""
        return self.step / STEPS

    def add(self, token: Token, until: float | None = None) -> float:
        """Append ``token`` (cut so that it ends by ``until`` if given); returns its length in quarter notes."""
        steps = token.steps
        if until is not None:
            steps = min(steps, round(until * STEPS) - self.step)
        if steps <= 0:
            return 0.0
        start, stop = self.step, self.step + steps
        if token.tied:
            last = self.notes[-1] if self.notes else None
            if last is not None and round(last.end * STEPS) == start:
                self.notes[-1] = Note(last.start, stop / STEPS, last.pitch, last.velocity)
        elif token.is_pitched:
            chord = self.chord_at(start / STEPS)
            on_beat = start % STEPS == 0
            pitch = realise_pitch(token, chord, self.previous, self.pitch_range, self.rng, on_beat)
            self.notes.append(Note(start / STEPS, stop / STEPS, pitch, self.velocity))
            self.previous = pitch
        self.step = stop
        return steps / STEPS


def fillable(steps: Sequence[int], up_to: int) -> np.ndarray:
    """Which lengths (in twelfths) a sequence of tokens of these ``steps`` can fill exactly.

    Returns a bool array of shape (up_to + 1,): entry r is True when r is a sum of token
    lengths (0 always is). A sampler that keeps what is left of a measure fillable never
    has to cut a token at the barline, even when the vocabulary mixes triplets and sixteenths.
    """
    lengths = sorted({int(s) for s in steps if s > 0})
    out = np.zeros(up_to + 1, dtype=bool)
    out[0] = True
    for r in range(1, up_to + 1):
        out[r] = any(out[r - s] for s in lengths if s <= r)
    return out


def decode(
    tokens: Sequence[Token],
    chords: Sequence[Harmony],
    measure_length: float,
    pitch_range: tuple[int, int] = (48, 88),
    rng: np.random.Generator | None = None,
    previous: int | None = None,
    velocity: int = 90,
) -> list[Note]:
    """Notes of a token sequence laid over measures of ``measure_length``, each with its chord(s).

    Tokens fill the measures in order; a token that would cross a barline is cut at it
    (generation avoids this, see :mod:`engine.jazz.generate`); a ``T`` token at a barline
    carries the held note on. Start times count from 0.
    """

    def chord_at(time: float) -> Chord:
        measure = min(int(time // measure_length), len(chords) - 1)
        return chord_in_measure(chords[measure], time - measure * measure_length, measure_length)

    line = LineBuilder(chord_at, pitch_range, rng, previous, velocity)
    bar = round(measure_length * STEPS)
    for token in tokens:
        measure = line.step // bar
        if measure >= len(chords):
            break
        line.add(token, until=(measure + 1) * bar / STEPS)
    return line.notes
