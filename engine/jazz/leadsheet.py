"""Lead sheets: a melody with chord symbols, read from MusicXML (.musicxml, .mxl) or ABC, written as MusicXML.

A lead sheet read here serves twice: as training input (a :class:`Song`
whose parts are the melody and the chords held as blocks, so the corpus
finds its harmony as in any MIDI file) and as a chord source (its changes,
one tuple of chords per measure, each measure's chords splitting it evenly).

:class:`Lead` is a melody over changes with the attributes an improvisation
has (``melody``, ``changes``, ``chords``, ``time_signature``, ``tempo``,
``key``, ``swing``, ``seed``, ``measures``, ``measure_length``, ``length``),
so the band, the MIDI export and the MusicXML writer take either.

An improvisation is written as a MusicXML lead sheet: the melody on the
twelfth-of-a-beat grid (swung eighths written back as plain eighths, as a
lead sheet notates them), and a chord symbol wherever the chord changes.
music21 does the notation (measures, ties over barlines, triplets).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from engine.atomic import atomic_path
from engine.files import FileCheckError, check_input_file
from engine.jazz.band.timeline import chord_spans
from engine.jazz.errors import JazzError, MidiReadError
from engine.jazz.harmony import Chord, OverChanges, _display, _music21_figure, voicing
from engine.jazz.midi_read import Note, Part, Song, TempoChange, TimeSignature, _polyphony

__all__ = [
    "LEAD_SHEET_SUFFIXES",
    "Lead",
    "LeadSheet",
    "is_lead_sheet",
    "read_lead_sheet",
    "write_lead_sheet",
    "notated_melody",
    "lead_from",
]

LEAD_SHEET_SUFFIXES = (".musicxml", ".mxl", ".xml", ".abc")
MAX_LEAD_SHEET_BYTES = 20 * 1024 * 1024
GRID = 12  # notated positions per quarter note: sixteenths and eighth-note triplets
DEFAULT_TEMPO = 120.0
CHORD_VELOCITY = 64


@dataclass(frozen=True)
class Lead(OverChanges):
    """A melody over chord changes (the same attribute names as an Improvisation)."""

    melody: tuple[Note, ...]
    changes: tuple[tuple[Chord, ...], ...]
    time_signature: tuple[int, int] = (4, 4)
    tempo: float = DEFAULT_TEMPO
    key: str | None = None
    swing: float = 1.0
    seed: int = 0
    name: str = "Lead sheet"

    @property
    def chords(self) -> tuple[Chord, ...]:
        """The first chord of each measure."""
        return tuple(bar[0] for bar in self.changes)


@dataclass(frozen=True)
class LeadSheet:
    """What a lead-sheet file holds: a Song to train on, its changes (None without chord symbols), as a Lead."""

    song: Song
    changes: tuple[tuple[Chord, ...], ...] | None
    lead: Lead
    warnings: tuple[str, ...] = field(default_factory=tuple)


def is_lead_sheet(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() in LEAD_SHEET_SUFFIXES


def lead_from(source) -> Lead:
    """A :class:`Lead` with the attributes of any lead-like object (an Improvisation, say)."""
    from engine.jazz.band import lead_changes

    swing = getattr(source, "swing", None)
    return Lead(
        melody=tuple(source.melody),
        changes=lead_changes(source),
        time_signature=tuple(source.time_signature),
        tempo=float(source.tempo),
        key=getattr(source, "key", None),
        swing=float(swing) if swing else 1.0,
        seed=int(getattr(source, "seed", 0) or 0),
        name=str(getattr(source, "name", "Improvisation")),
    )


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def _chord(symbol) -> Chord | None:
    """Our Chord of a music21 ChordSymbol (None for N.C. or a symbol without notes)."""
    from music21 import harmony

    if isinstance(symbol, harmony.NoChord):
        return None
    pitches = symbol.pitches
    root = symbol.root()
    if not pitches or root is None:
        return None
    # MusicXML spells extensions as degrees; music21 reads them back as "B-7 add #9": written as typed
    text = _display((symbol.figure or "").replace(" add ", "").replace(" alter ", ""))
    return Chord(text, root.pitchClass, tuple(sorted({p.pitchClass for p in pitches})))


def _bar_chords(slots: list[Chord]) -> tuple[Chord, ...]:
    """The fewest even shares of a measure that say what its slots say: [C, C, G7, G7] -> (C, G7)."""
    n = len(slots)
    for parts in range(1, n + 1):
        if n % parts:
            continue
        size = n // parts
        groups = [slots[k * size : (k + 1) * size] for k in range(parts)]
        if all(all(c == g[0] for c in g) for g in groups):
            return tuple(g[0] for g in groups)
    return tuple(slots)


def _changes(symbols: list[tuple[float, Chord]], measure_length: float, measures: int) -> tuple[tuple[Chord, ...], ...]:
    """Chord symbols at their offsets -> one tuple per measure: each measure sampled every twelfth of a
    beat (where symbols stand) and reduced to the fewest even shares that say the same."""
    symbols = sorted(symbols, key=lambda s: s[0])
    slots = max(1, round(measure_length * GRID))
    out = []
    k = 0
    current = symbols[0][1]
    for m in range(measures):
        row = []
        for b in range(slots):
            t = m * measure_length + b / GRID
            while k < len(symbols) and symbols[k][0] <= t + 1e-6:
                current = symbols[k][1]
                k += 1
            row.append(current)
        out.append(_bar_chords(row))
    return tuple(out)


def _key_name(score) -> str | None:
    from music21 import key as m21key

    found = score.recurse().getElementsByClass((m21key.Key, m21key.KeySignature))
    if not found:
        return None
    k = found[0]
    if not isinstance(k, m21key.Key):
        k = k.asKey("major")
    tonic = k.tonic.name.replace("-", "b")
    return tonic + ("m" if k.mode == "minor" else "")


def _pickup(part) -> float:
    """Quarter notes missing from an opening pickup bar (anacrusis), 0 without one.

    The pickup is placed at the end of a full first measure, so barlines fall where the chords change.
    """
    from music21 import stream

    measures = part.getElementsByClass(stream.Measure)
    if not measures:
        return 0.0
    first = measures[0]
    padding = float(first.paddingLeft or 0.0)
    if padding <= 0 and first.barDuration is not None:
        padding = max(0.0, float(first.barDuration.quarterLength) - float(first.duration.quarterLength))
    return padding if padding < float(first.barDuration.quarterLength) else 0.0


def _parse(path: Path):
    from music21 import converter, stream

    try:
        parsed = converter.parse(str(path), format="abc" if path.suffix.lower() == ".abc" else "musicxml")
    except Exception as exc:  # music21 raises many kinds for a damaged file
        raise MidiReadError(f"{path.name} cannot be read as a lead sheet ({type(exc).__name__}: {exc}).") from exc
    if isinstance(parsed, stream.Opus):  # an ABC file of several tunes: the first
        scores = list(parsed.scores)
        if not scores:
            raise MidiReadError(f"{path.name} holds no tune.")
        parsed = scores[0]
    return parsed


def read_lead_sheet(path: str | os.PathLike) -> LeadSheet:
    """Read a MusicXML (.musicxml, .mxl, .xml) or ABC (.abc) lead sheet with music21.

    The melody is the first part with notes (the top note of any chord); ties are joined; a pickup
    bar is read as the end of a full first measure.
    Raises :class:`MidiReadError` for a missing, special, empty, huge or unreadable file, or one without notes.
    """
    from music21 import chord as m21chord
    from music21 import harmony, meter, note, tempo

    path = Path(path)
    try:
        check_input_file(path, "lead sheet", MAX_LEAD_SHEET_BYTES)
    except FileCheckError as exc:
        raise MidiReadError(str(exc)) from None
    score = _parse(path)
    parts = list(getattr(score, "parts", [])) or [score]
    melody: list[Note] = []
    melody_part = None
    shift = _pickup(parts[0])
    for part in parts:
        flat = part.stripTies().flatten()
        notes = []
        for el in flat.notesAndRests:
            if isinstance(el, harmony.ChordSymbol) or isinstance(el, note.Rest) or el.quarterLength <= 0:
                continue
            start, length = float(el.offset) + shift, float(el.quarterLength)
            if isinstance(el, m21chord.Chord):
                pitch = max(p.midi for p in el.pitches)
            else:
                pitch = el.pitch.midi
            velocity = el.volume.velocity or 90
            notes.append(Note(start, start + length, int(pitch), int(velocity)))
        if notes:
            melody, melody_part = sorted(notes, key=lambda n: (n.start, n.pitch)), part
            break
    if not melody:
        raise MidiReadError(f"{path.name} has no notes.")

    meters = score.recurse().getElementsByClass(meter.TimeSignature)
    num, den = (meters[0].numerator, meters[0].denominator) if meters else (4, 4)
    marks = score.recurse().getElementsByClass(tempo.MetronomeMark)
    bpm = float(marks[0].getQuarterBPM()) if marks and marks[0].number else DEFAULT_TEMPO
    key = _key_name(score)
    measure_length = num * 4.0 / den

    symbols = []
    for part in parts:
        for cs in part.flatten().getElementsByClass(harmony.ChordSymbol):
            chord = _chord(cs)
            if chord is not None:
                symbols.append((float(cs.getOffsetInHierarchy(part)) + shift, chord))
    end = max(max(n.end for n in melody), max((t for t, _ in symbols), default=0.0) + 1e-3)
    measures = max(1, math.ceil(end / measure_length - 1e-9))
    changes = _changes(symbols, measure_length, measures) if symbols else None

    name = (melody_part.partName if melody_part is not None else None) or "Melody"
    share, most = _polyphony(melody)
    song_parts = [Part(0, name, 0, 0, 0, False, tuple(melody), share, most)]
    warnings = []
    if changes is not None:
        block = [Note(s.start, s.end, p, CHORD_VELOCITY)
                 for s in chord_spans(changes, measure_length, measures) for p in voicing(s.chord, 48)]
        share, most = _polyphony(block)
        song_parts.append(Part(1, "Chords", 1, 1, 0, False, tuple(block), share, most))
    else:
        warnings.append(f"{path.name} has no chord symbols; the chords will be inferred from the melody.")
    song = Song(path, 1, 480, tuple(song_parts), (TempoChange(0.0, bpm),), (TimeSignature(0.0, num, den),), key,
                tuple(warnings))
    lead = Lead(tuple(melody), changes or (), (num, den), bpm, key, 1.0, 0, path.stem)
    return LeadSheet(song, changes, lead, tuple(warnings))


# --------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------


def _unswing(time: float, ratio: float) -> float:
    """Undo swing: a swung off-beat eighth (at ratio / (1 + ratio) of the beat) goes back to the half beat."""
    if ratio == 1.0:
        return time
    beat = math.floor(time + 1e-9)
    inside = time - beat
    long = ratio / (1.0 + ratio)
    if inside <= long:
        return beat + inside / (2.0 * long)
    return beat + 0.5 + (inside - long) / (2.0 * (1.0 - long))


def notated_melody(lead) -> list[tuple[Fraction, Fraction, int]]:
    """(start, length, pitch) of the melody as a lead sheet notates it: unswung, on the 1/12-beat grid.

    A note that would overlap the next is cut where the next begins; a note shorter than the grid is dropped.
    """
    ratio = float(getattr(lead, "swing", None) or 1.0)
    placed = []
    for n in sorted(lead.melody, key=lambda n: (n.start, n.pitch)):
        start = Fraction(round(_unswing(n.start, ratio) * GRID), GRID)
        end = Fraction(round(_unswing(n.end, ratio) * GRID), GRID)
        placed.append([start, end, n.pitch])
    out = []
    for k, (start, end, pitch) in enumerate(placed):
        if k + 1 < len(placed):
            end = min(end, placed[k + 1][0])
        if end > start:
            out.append((start, end - start, int(pitch)))
    return out


def _symbol(chord: Chord):
    """A music21 ChordSymbol for ``chord``: its name as typed; an inferred name in parentheses
    without them; failing both, named by music21 from its pitches."""
    from music21 import chord as m21chord
    from music21 import harmony

    for text in (chord.symbol, chord.symbol.strip("()")):
        try:
            symbol = harmony.ChordSymbol(_music21_figure(text))
        except Exception:  # noqa: S112 (music21 raises several kinds for a name it cannot read)
            continue
        if {p.pitchClass for p in symbol.pitches} == set(chord.pitch_classes):
            return symbol
    pitches = sorted(60 + (pc - chord.root) % 12 for pc in chord.pitch_classes)
    return harmony.chordSymbolFromChord(m21chord.Chord([p + chord.root % 12 for p in pitches]))


def write_lead_sheet(lead, path: str | os.PathLike) -> Path:
    """Write ``lead`` (an Improvisation or a Lead) as a MusicXML lead sheet (.mxl compressed, else plain)."""
    from music21 import key as m21key
    from music21 import metadata, meter, note, stream, tempo

    from engine.jazz.band import lead_changes

    path = Path(path)
    num, den = lead.time_signature
    measure_length = num * 4.0 / den
    changes = lead_changes(lead)
    notes = notated_melody(lead)
    end = max([float(s + d) for s, d, _ in notes] + [0.0])
    measures = max(len(changes), math.ceil(end / measure_length - 1e-9))

    part = stream.Part()
    part.partName = "Melody"
    part.insert(0, meter.TimeSignature(f"{num}/{den}"))
    from engine.jazz.export import key_signature_sharps
    from engine.jazz.harmony import chord_at
    from engine.jazz.spelling import key_of, spell

    key_name = key_of(lead)  # its own key, else the one its notes fit: the export's key signature
    part.insert(0, m21key.KeySignature(key_signature_sharps(key_name)))
    part.insert(0, tempo.MetronomeMark(number=round(float(lead.tempo), 3)))
    cursor = Fraction(0)
    for start, length, pitch in notes:
        if start > cursor:
            part.insert(cursor, note.Rest(quarterLength=start - cursor))
        spelt = spell(pitch, key_name, chord_at(changes, measure_length, float(start)))  # B-flat in F, F# over D7
        part.insert(start, note.Note(spelt.music21, quarterLength=length))
        cursor = start + length
    total = Fraction(round(measures * measure_length * GRID), GRID)
    if total > cursor:
        part.insert(cursor, note.Rest(quarterLength=total - cursor))
    score = stream.Score()
    score.metadata = metadata.Metadata(title=str(getattr(lead, "name", "Improvisation")))
    score.insert(0, part)
    fmt = "mxl" if path.suffix.lower() == ".mxl" else "musicxml"
    try:
        score.makeNotation(inPlace=True)
    except Exception as exc:
        raise JazzError(f"The melody could not be notated as a lead sheet ({exc}).") from exc
    # Symbols go into the finished measures: inserted before, one in the middle of a held note
    # would make music21 split the staff into two voices.
    bars = list(score.parts[0].getElementsByClass(stream.Measure))
    for span in chord_spans(changes, measure_length, measures):
        symbol = _symbol(span.chord)
        symbol.quarterLength = 0  # it marks where the chord begins and takes no time on the staff
        where = Fraction(round((span.start - span.measure * measure_length) * GRID), GRID)
        if span.measure < len(bars):
            bars[span.measure].insert(where, symbol)
    with atomic_path(path, suffix=path.suffix or ".musicxml") as tmp:
        score.write(fmt, fp=str(tmp))
    return path
