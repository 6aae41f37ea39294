"""Chords: one per measure from the accompaniment, or typed as symbols; and what each note is over them.

The harmony of a measure is taken from the pitches the *other* pitched parts
sound in it, weighted by how long they sound; the strongest pitch classes
(plus the bass) are named with music21's chord tools. A chord then sorts
the twelve pitch classes into the course's roles:

    C  chord tone        -- in the chord
    S  scale tone        -- in the chord's scale (the first common mode on its root that holds it)
    A  approach tone     -- a semitone from a chord tone
    X  anything else

music21 is imported inside the functions that need it; results are cached
because naming one chord takes milliseconds and a piece repeats its chords.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.jazz.errors import ChordSymbolError
from engine.jazz.midi_read import Note

__all__ = [
    "Chord",
    "ROLES",
    "name_chord",
    "chord_from_weights",
    "measure_chords",
    "fit_chord",
    "melody_weights",
    "melody_chords",
    "parse_chord_symbols",
    "Changes",
    "parse_changes",
    "chord_at",
    "OverChanges",
    "chord_scale",
    "pitch_roles",
    "note_role",
    "voicing",
]

ROLES = "CSAX"  # pitched token classes; "R" (rest) is the fifth
STRONG_SHARE = 0.3  # a pitch class belongs to the measure's chord when it sounds >= 30% as long as the strongest
MAX_CHORD_TONES = 4

# Modes tried on the chord's root, in order of how common they are under jazz chords: semitones above the
# root, keyed by music21's class names (tests check the table against music21, so generating needs no music21).
_SCALES: dict[str, frozenset[int]] = {
    "MajorScale": frozenset((0, 2, 4, 5, 7, 9, 11)),
    "MixolydianScale": frozenset((0, 2, 4, 5, 7, 9, 10)),
    "DorianScale": frozenset((0, 2, 3, 5, 7, 9, 10)),
    "MinorScale": frozenset((0, 2, 3, 5, 7, 8, 10)),
    "LydianScale": frozenset((0, 2, 4, 6, 7, 9, 11)),
    "LocrianScale": frozenset((0, 1, 3, 5, 6, 8, 10)),
    "MelodicMinorScale": frozenset((0, 2, 3, 5, 7, 9, 11)),  # ascending: the jazz melodic minor
    "HarmonicMinorScale": frozenset((0, 2, 3, 5, 7, 8, 11)),
    "OctatonicScale": frozenset((0, 2, 3, 5, 6, 8, 9, 11)),  # whole step first: the diminished scale
}
_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


@dataclass(frozen=True)
class Chord:
    """A chord as the grammar needs it.

    symbol         -- display name with ASCII accidentals ("Dm7", "Bb7", "C/E")
    root           -- pitch class of the root, 0 = C
    pitch_classes  -- the chord tones, sorted
    """

    symbol: str
    root: int
    pitch_classes: tuple[int, ...]

    def to_json(self) -> dict:
        return {"symbol": self.symbol, "root": self.root, "pitch_classes": list(self.pitch_classes)}

    @classmethod
    def from_json(cls, data: dict) -> Chord:
        return cls(str(data["symbol"]), int(data["root"]) % 12, tuple(sorted({int(p) % 12 for p in data["pitch_classes"]})))


def _display(figure: str) -> str:
    """music21 writes flats as '-' ("B-7", "CaddE-") and half-diminished as 'ø7'; lead sheets in ASCII
    write 'b' and 'm7b5'."""
    figure = figure.replace("ø7", "m7b5").replace("ø", "m7b5")
    return re.sub(r"([A-G])(-+)", lambda m: m.group(1) + "b" * len(m.group(2)), figure)


def _plain_name(root: int, pcs: tuple[int, ...]) -> str:
    """A short label for a pitch set music21 names only as a set class: root plus third quality."""
    intervals = {(pc - root) % 12 for pc in pcs}
    if 4 in intervals:
        suffix = ""
    elif 3 in intervals:
        suffix = "m"
    elif 7 in intervals:
        suffix = "5"
    else:
        suffix = ""
    return _NAMES[root] + suffix


# How a pitch class is spelled above the bass: thirds stacked the way chord symbols read them.
_SPELLING = ("P1", "m2", "M2", "m3", "M3", "P4", "d5", "P5", "m6", "M6", "m7", "M7")


@lru_cache(maxsize=4096)
def _name_pitch_set(bass: int, upper: tuple[int, ...]) -> Chord:
    """Name the chord with bass pitch class ``bass`` and other pitch classes ``upper`` (music21).

    MIDI numbers carry no spelling and music21 would read Bb-D-F-G# as an augmented sixth,
    so the upper tones are spelled as intervals above the bass first (Bb-D-F-Ab: Bb7).
    """
    from music21 import chord as m21chord
    from music21 import harmony, pitch

    low = pitch.Pitch(_NAMES[bass].replace("b", "-") + "3")
    pitches = [low] + [low.transpose(_SPELLING[(pc - bass) % 12]) for pc in sorted(upper, key=lambda pc: (pc - bass) % 12)]
    c = m21chord.Chord(pitches)
    figure = harmony.chordSymbolFigureFromChord(c)
    root = c.root().pitchClass
    pcs = tuple(sorted({bass, *upper}))
    if not figure or "Cannot" in figure:
        figure = "(" + _plain_name(root, pcs) + ")"  # parentheses mark it as not clean
    return Chord(_display(figure), root, pcs)


# Chord kinds recognised directly: music21's chord-type name -> the suffix written after the root,
# in order of preference when a pitch set fits several (C6 = Am7/C: the bass decides first).
_KINDS = {
    "major": "",
    "minor": "m",
    "dominant-seventh": "7",
    "minor-seventh": "m7",
    "major-seventh": "maj7",
    "half-diminished-seventh": "m7b5",
    "diminished-seventh": "dim7",
    "major-sixth": "6",
    "minor-sixth": "m6",
    "diminished": "dim",
    "augmented": "aug",
    "suspended-fourth": "sus4",
    "suspended-fourth-seventh": "7sus4",
    "suspended-second": "sus2",
    "minor-major-seventh": "mM7",
    "seventh-flat-five": "7b5",
    "augmented-seventh": "7#5",
    "dominant-ninth": "9",
    "minor-ninth": "m9",
    "major-ninth": "maj9",
}
_DEGREE_SEMITONES = {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 11, 9: 14, 11: 17, 13: 21}


def _degree_semitones(degree: str) -> int:
    """'-7' -> 10, '#5' -> 8: a chord degree of music21's table in semitones above the root."""
    number = degree.lstrip("-#")
    return _DEGREE_SEMITONES[int(number)] - degree.count("-") + degree.count("#")


@lru_cache(maxsize=1)
def _templates() -> dict[frozenset[int], tuple[str, frozenset[int]]]:
    """Intervals above the root -> (suffix, the kind's full interval set), from music21's CHORD_TYPES.

    A seventh or ninth chord voiced without its fifth (as pianists voice them) counts as
    that chord, with the fifth implied.
    """
    from music21 import harmony

    table: dict[frozenset[int], tuple[str, frozenset[int]]] = {}
    for name, suffix in _KINDS.items():
        degrees = harmony.CHORD_TYPES[name][0].split(",")
        intervals = frozenset(_degree_semitones(d) % 12 for d in degrees)
        table.setdefault(intervals, (suffix, intervals))
        if len(intervals) >= 4 and 7 in intervals:
            table.setdefault(intervals - {7}, (suffix, intervals))
    return table


@lru_cache(maxsize=4096)
def _match_template(bass: int, upper: tuple[int, ...]) -> Chord | None:
    """The chord of a pitch set if it is one of the common kinds, the bass as root preferred."""
    pcs = {bass, *upper}
    table = _templates()
    for root in [bass] + sorted(pcs - {bass}):
        hit = table.get(frozenset((pc - root) % 12 for pc in pcs))
        if hit is not None:
            kind, full = hit
            symbol = _NAMES[root] + kind + ("" if root == bass else "/" + _NAMES[bass])
            return Chord(symbol, root, tuple(sorted((root + step) % 12 for step in full)))
    return None


def name_chord(pitches: Sequence[int]) -> Chord:
    """Name the chord of MIDI ``pitches`` (the lowest is the bass), e.g. [50, 53, 57, 60] -> Dm7."""
    if not pitches:
        raise ValueError("a chord needs at least one pitch")
    bass = min(pitches) % 12
    upper = tuple(sorted({p % 12 for p in pitches} - {bass}))
    return _match_template(bass, upper) or _name_pitch_set(bass, upper)


def _is_clean(chord: Chord) -> bool:
    """True for an ordinary chord name (no 'add', 'power', 'pedal' or set-class description)."""
    return not any(word in chord.symbol for word in ("add", "power", "pedal", "omit", "(", " "))


def chord_from_weights(weights: np.ndarray) -> Chord | None:
    """The chord of a measure from how long each pitch sounded in it.

    weights -- shape (128,): how many quarter notes each MIDI pitch sounds in the measure.
    Returns None for a silent measure. The strongest pitch classes (each sounding at
    least 30% as long as the strongest) are named with the lowest strong pitch as the
    bass, trying four tones, then three, with and without that bass, against the common
    chord kinds (read from music21's chord table); failing that, music21's chord
    identification names all the strong tones, or, if it finds no ordinary name, they
    are kept under a plain root-and-third label.
    """
    if weights.sum() <= 0:
        return None
    by_class = np.zeros(12)
    np.add.at(by_class, np.arange(128) % 12, weights)
    strongest = by_class.max()
    bass = int(np.nonzero(weights >= STRONG_SHARE * weights.max())[0].min()) % 12
    ranked = [int(pc) for pc in np.argsort(-by_class, kind="stable") if by_class[pc] >= STRONG_SHARE * strongest]
    ranked = ranked[:MAX_CHORD_TONES]
    tries = []
    for size in (MAX_CHORD_TONES, MAX_CHORD_TONES - 1):
        tries.append((bass, tuple(sorted([pc for pc in ranked if pc != bass][: size - 1]))))
        if size <= len(ranked):
            tones = ranked[:size]
            tries.append((min(tones), tuple(sorted(set(tones) - {min(tones)}))))
    for low, upper in tries:  # a common chord kind first...
        chord = _match_template(low, upper)
        if chord is not None:
            return chord
    chord = _name_pitch_set(*tries[0])  # ...else whatever music21 makes of the whole set
    if _is_clean(chord):
        return chord
    return Chord(_plain_name(chord.root, chord.pitch_classes), chord.root, chord.pitch_classes)


def measure_chords(parts_notes: Sequence[Sequence[Note]], spans: Sequence[tuple[float, float]]) -> list[Chord | None]:
    """One chord per measure from the notes of the accompanying parts (None where all is silent).

    parts_notes -- the notes of each part that makes the harmony
    spans       -- (start, length) of each measure in quarter notes
    """
    n = len(spans)
    if n == 0:
        return []
    starts = np.array([s for s, _ in spans])
    ends = starts + np.array([length for _, length in spans])
    weights = np.zeros((n, 128))
    for notes in parts_notes:
        for note in notes:
            first = max(0, int(np.searchsorted(ends, note.start, side="right")))
            k = first
            while k < n and starts[k] < note.end:
                overlap = min(ends[k], note.end) - max(starts[k], note.start)
                if overlap > 0:
                    weights[k, note.pitch] += overlap
                k += 1
    return [chord_from_weights(weights[k]) for k in range(n)]


# ---- chords guessed from a melody alone ---------------------------------------------------------------------
#
# With no accompaniment the only evidence is the melody, which sounds one pitch at a time: the
# strongest pitch classes of a measure could be a single note. So the chord is fitted instead of read:
# every common chord (at least a triad) on every root is scored by how much of the melody's time falls
# on its tones against how much falls outside them, and the best fit wins. Each chord covers at least
# two melody notes: measures with fewer join their neighbour.

_FIT_KINDS = (  # suffix, intervals above the root; triads first so that ties go to the simpler chord
    ("", (0, 4, 7)),
    ("m", (0, 3, 7)),
    ("7", (0, 4, 7, 10)),
    ("m7", (0, 3, 7, 10)),
    ("maj7", (0, 4, 7, 11)),
    ("m7b5", (0, 3, 6, 10)),
    ("dim", (0, 3, 6)),
)
OUTSIDE_COST = 0.6  # time on a tone outside the chord counts against it, a little less than time on it counts for it
SEVENTH_COST = 0.08  # a four-note chord must earn its fourth tone: this share of the time must fall on it
MIN_NOTES_PER_CHORD = 2


def fit_chord(weights: np.ndarray) -> Chord | None:
    """The common chord (triad or seventh, never fewer than three tones) that best fits a melody.

    weights -- shape (12,): how long (quarter notes, accents included) each pitch class sounds
    Returns None when nothing sounds.
    """
    total = float(weights.sum())
    if total <= 0:
        return None
    best, best_score = None, -np.inf
    for suffix, steps in _FIT_KINDS:
        for root in range(12):
            tones = [(root + step) % 12 for step in steps]
            inside = float(weights[tones].sum())
            score = inside - OUTSIDE_COST * (total - inside) + 0.25 * float(weights[root])
            score -= SEVENTH_COST * total * (len(tones) - 3)
            if score > best_score + 1e-9:
                best, best_score = (root, suffix, tuple(sorted(tones))), score
    root, suffix, pcs = best
    return Chord(_NAMES[root] + suffix, root, pcs)


def melody_weights(notes: Sequence[Note], start: float, end: float) -> np.ndarray:
    """Shape (12,): how long each pitch class of ``notes`` sounds inside [start, end), notes on a beat
    counting half as much again (a melody puts its chord tones on the beats)."""
    weights = np.zeros(12)
    for note in notes:
        overlap = min(note.end, end) - max(note.start, start)
        if overlap > 0:
            on_beat = abs(note.start - round(note.start)) < 1e-6
            weights[note.pitch % 12] += overlap * (1.5 if on_beat else 1.0)
    return weights


def melody_chords(notes: Sequence[Note], spans: Sequence[tuple[float, float]]) -> list[Chord | None]:
    """One chord per measure fitted to the melody alone (None before the melody's first note).

    A chord spans whole measures and covers at least two melody notes: a measure where fewer
    start (a long note, a rest) shares the chord of the measure after it (at the very end,
    the one before it).
    """
    starts = np.array([n.start for n in notes]) if notes else np.zeros(0)
    out: list[Chord | None] = [None] * len(spans)
    group: list[int] = []
    for k, (start, length) in enumerate(spans):
        group.append(k)
        count = int(np.count_nonzero((starts >= spans[group[0]][0]) & (starts < start + length)))
        last = k == len(spans) - 1
        if count < MIN_NOTES_PER_CHORD and not last:
            continue
        if count < MIN_NOTES_PER_CHORD and group[0] > 0:  # the last measures: too few notes, keep the chord before
            chord = out[group[0] - 1]
        else:
            chord = fit_chord(melody_weights(notes, spans[group[0]][0], start + length))
        for j in group:
            out[j] = chord
        group = []
    return out


_SYMBOL = re.compile(r"^([A-Ga-g])([#b♯♭]*)(.*?)(?:/([A-Ga-g])([#b♯♭]*))?$")


def _music21_figure(text: str) -> str:
    """A jazz chord symbol in music21's spelling: flats as '-', a '-' after the root as minor."""
    match = _SYMBOL.match(text)
    if not match:
        raise ChordSymbolError(f"'{text}' is not a chord symbol (expected e.g. C, Dm7, G7, Cmaj7, F#m7b5, Bb7#9, C/E).")
    letter, accidentals, kind, bass, bass_acc = match.groups()

    def spell(acc: str) -> str:
        return acc.replace("♯", "#").replace("♭", "b").replace("b", "-")

    kind = kind.replace("ø7", "m7b5").replace("ø", "m7b5").replace("Δ", "maj").replace("°", "dim")
    kind = kind.replace("maj9", "M9").replace("maj13", "M13")  # music21 spells these with M
    if kind.startswith("-"):  # lead-sheet minor: C-7 = Cm7
        kind = "m" + kind[1:]
    figure = letter.upper() + spell(accidentals) + kind
    if bass:
        figure += "/" + bass.upper() + spell(bass_acc or "")
    return figure


@lru_cache(maxsize=512)
def _parse_symbol(text: str) -> Chord:
    from music21 import harmony

    figure = _music21_figure(text)
    try:
        symbol = harmony.ChordSymbol(figure)
        pitches = symbol.pitches
        root = symbol.root()
    except Exception as exc:  # music21 raises ValueError, but also others for odd input
        raise ChordSymbolError(
            f"'{text}' is not a chord symbol music21 understands (e.g. C, Dm7, G7, Cmaj7, F#m7b5, Bb7#9)."
        ) from exc
    if not pitches or root is None:
        raise ChordSymbolError(f"'{text}' names no notes.")
    pcs = tuple(sorted({p.pitchClass for p in pitches}))
    return Chord(text, root.pitchClass, pcs)


def parse_chord_symbols(text: str) -> list[Chord]:
    """Chords typed one per measure, separated by spaces, bars or commas: "Dm7 G7 | Cmaj7 Cmaj7"."""
    words = [w for w in re.split(r"[\s|,]+", text.strip()) if w]
    if not words:
        raise ChordSymbolError("No chord symbols were given (type e.g. \"Dm7 G7 Cmaj7 Cmaj7\").")
    return [_parse_symbol(w) for w in words]


# Chord changes, measure by measure: each measure's chords split it evenly (two in 4/4 = two beats each).
Changes = tuple[tuple[Chord, ...], ...]

_REPEAT_BAR = "%"  # a bar that repeats the previous bar
_REPEAT_CHORD = "/"  # a beat slash: the previous chord goes on for one more share of the bar


def _bar(words: list[str], previous: tuple[Chord, ...] | None, number: int) -> tuple[Chord, ...]:
    if words == [_REPEAT_BAR]:
        if previous is None:
            raise ChordSymbolError("The first bar cannot be '%': there is no bar before it to repeat.")
        return previous
    chords: list[Chord] = []
    for word in words:
        if word == _REPEAT_CHORD:
            if not chords and previous is None:
                raise ChordSymbolError("A bar starts with '/' but no chord comes before it.")
            chords.append(chords[-1] if chords else previous[-1])
        elif word == _REPEAT_BAR:
            raise ChordSymbolError(f"Bar {number} mixes '%' with chords; '%' stands alone in a bar.")
        else:
            chords.append(_parse_symbol(word))
    return tuple(chords)


def parse_changes(text: str) -> list[tuple[Chord, ...]]:
    """Lead-sheet chord changes: one tuple of chords per measure.

    "| Dm7 G7 | Cmaj7 | % |"  -- bars between '|'; several chords share a bar evenly;
                                '%' repeats the bar before; '/' repeats the chord before
                                ("| C / / G7 |": C for three beats, G7 for one);
                                ':' of repeat signs ("|:", ":|") and double bars are read as plain bars
    "Dm7 G7 Cmaj7"           -- no bars: one chord per measure, as :func:`parse_chord_symbols`
    """
    if "|" not in text:
        words = [w for w in re.split(r"[\s,]+", text.strip()) if w]
        if not words:
            raise ChordSymbolError("No chord symbols were given (type e.g. \"| Dm7 G7 | Cmaj7 | % |\").")
        bars: list[tuple[Chord, ...]] = []
        for word in words:
            bars.append(_bar([word], bars[-1] if bars else None, len(bars) + 1))
        return bars
    bars = []
    for segment in text.split("|"):
        words = [w for w in re.split(r"[\s,]+", segment.strip().strip(":")) if w]
        if words:  # "||", "|:" and the ends of the line hold no bar
            bars.append(_bar(words, bars[-1] if bars else None, len(bars) + 1))
    if not bars:
        raise ChordSymbolError("No chord symbols were given between the bars (type e.g. \"| Dm7 G7 | Cmaj7 |\").")
    return bars


def chord_at(changes: Sequence[Sequence[Chord]], measure_length: float, time: float) -> Chord:
    """The chord sounding at ``time`` (quarter notes) under ``changes``, looped past their end."""
    if not changes:
        raise ChordSymbolError("There are no chords.")
    measure = int(np.floor(time / measure_length + 1e-9))
    bar = changes[measure % len(changes)]
    inside = time - measure * measure_length
    share = min(len(bar) - 1, max(0, int(np.floor(inside * len(bar) / measure_length + 1e-9))))
    return bar[share]


class OverChanges:
    """What a melody laid over per-measure ``changes`` in ``time_signature`` knows of its bars.

    Mixed into :class:`engine.jazz.leadsheet.Lead` and
    :class:`engine.jazz.generate.Improvisation`, which both carry those two fields.
    """

    changes: Sequence[Sequence[Chord]]
    time_signature: tuple[int, int]

    @property
    def measure_length(self) -> float:
        """Quarter notes per measure."""
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def measures(self) -> int:
        return len(self.changes)

    @property
    def length(self) -> float:
        """Total length in quarter notes."""
        return self.measures * self.measure_length

    def chord_at(self, time: float) -> Chord:
        """The chord sounding at ``time`` (quarter notes from the start)."""
        return chord_at(self.changes, self.measure_length, time)


def _scale_pitch_classes(scale_name: str, root: int) -> frozenset[int]:
    return frozenset((root + step) % 12 for step in _SCALES[scale_name])


@lru_cache(maxsize=1024)
def _chord_scale(root: int, pcs: tuple[int, ...]) -> frozenset[int]:
    tones = set(pcs)
    best, overlap = None, -1
    for name in _SCALES:
        scale_pcs = _scale_pitch_classes(name, root)
        if tones <= scale_pcs:
            return scale_pcs
        if len(tones & scale_pcs) > overlap:
            best, overlap = scale_pcs, len(tones & scale_pcs)
    return best | tones  # no common mode holds every tone: the closest one plus the chord


def chord_scale(chord: Chord) -> frozenset[int]:
    """Pitch classes of the chord's scale: the first of the common modes on its root holding all its tones."""
    return _chord_scale(chord.root, chord.pitch_classes)


@lru_cache(maxsize=1024)
def _roles(root: int, pcs: tuple[int, ...]) -> str:
    tones = set(pcs)
    scale_pcs = _chord_scale(root, pcs)
    out = []
    for pc in range(12):
        if pc in tones:
            out.append("C")
        elif pc in scale_pcs:
            out.append("S")
        elif (pc - 1) % 12 in tones or (pc + 1) % 12 in tones:
            out.append("A")
        else:
            out.append("X")
    return "".join(out)


def pitch_roles(chord: Chord) -> str:
    """The role letter (C, S, A or X) of each pitch class 0..11 over ``chord``, as a 12-character string."""
    return _roles(chord.root, chord.pitch_classes)


def note_role(pitch: int, chord: Chord) -> str:
    """C, S, A or X: what MIDI ``pitch`` is over ``chord``."""
    return pitch_roles(chord)[pitch % 12]


def voicing(chord: Chord, low: int = 48) -> list[int]:
    """A close piano voicing: the root at or above ``low``, the other tones stacked within the next octave."""
    root = low + (chord.root - low) % 12
    return sorted(root + (pc - chord.root) % 12 for pc in chord.pitch_classes)
