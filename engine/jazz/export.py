"""Writing an improvisation as a type 1 MIDI file any DAW opens cleanly (music21), and checking it (mido).

The file has a conductor track with the tempo, time signature and key
signature at time 0, then a named melody track and a named chord track, each
on its own channel with its own General MIDI program. music21 closes every
note; every track ends exactly at the end of the last measure (not a beat
later, as music21 would); :func:`check_midi` reads the result back with
mido and lists anything that is not so. The file is written beside its
target and renamed into place only after it passes the check.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from engine.atomic import atomic_path
from engine.jazz.errors import JazzError, MidiReadError
from engine.jazz.generate import Improvisation
from engine.jazz.gm import DRUM_CHANNEL
from engine.jazz.midi_read import Note

__all__ = [
    "DEFAULT_MELODY_PROGRAM",
    "DEFAULT_CHORD_PROGRAM",
    "ExportOptions",
    "TrackReport",
    "MidiReport",
    "export_midi",
    "check_midi",
    "key_signature_sharps",
]

DEFAULT_MELODY_PROGRAM = 26  # Electric Guitar (jazz)
DEFAULT_CHORD_PROGRAM = 0  # Acoustic Grand Piano


@dataclass(frozen=True)
class ExportOptions:
    """Choices for the written file; tempo None = the improvisation's (the source's) tempo."""

    tempo: float | None = None
    melody_program: int = DEFAULT_MELODY_PROGRAM
    chord_program: int = DEFAULT_CHORD_PROGRAM
    melody_channel: int = 0
    chord_channel: int = 1
    melody_name: str = "Melody"
    chord_name: str = "Chords"
    key: str | None = None  # e.g. "G", "Em", "Bb"; None = the source's, else estimated from the notes

    def validate(self) -> None:
        if self.tempo is not None and not 20 <= self.tempo <= 400:
            raise JazzError("The tempo must be between 20 and 400 BPM.")
        for what, program in (("melody", self.melody_program), ("chord", self.chord_program)):
            if not 0 <= program <= 127:
                raise JazzError(f"The {what} program must be a General MIDI program from 0 to 127.")
        for what, channel in (("melody", self.melody_channel), ("chord", self.chord_channel)):
            if not 0 <= channel <= 15 or channel == DRUM_CHANNEL:
                raise JazzError(f"The {what} channel must be 0-15 and not 9 (the drum channel).")
        if self.melody_channel == self.chord_channel:
            raise JazzError("The melody and the chords need different MIDI channels.")
        if self.key is not None:
            try:
                key_signature_sharps(self.key)
            except Exception as exc:  # music21 raises several types for a name it does not know
                raise JazzError(f"'{self.key}' is not a key (write it like C, Bb, F#m or Ebm).") from exc


@dataclass
class TrackReport:
    name: str
    channels: set[int] = field(default_factory=set)
    programs: dict[int, int] = field(default_factory=dict)  # channel -> first program
    notes: int = 0
    unclosed: int = 0  # note-ons never followed by their note-off
    overlaps: int = 0  # a note-on for a pitch already sounding on that channel
    ends_with_end_of_track: bool = False


@dataclass
class MidiReport:
    """What mido sees in a written file (see :func:`check_midi`)."""

    midi_type: int
    ticks_per_beat: int
    tempo_bpm: float | None
    time_signature: tuple[int, int] | None
    key: str | None
    tracks: list[TrackReport]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def key_signature_sharps(name: str) -> int:
    """Sharps (+) or flats (-) of a key named as mido does ("G" -> 1, "Bb" -> -2, "Em" -> 1)."""
    from music21 import key as m21key

    minor = name.endswith("m")
    tonic = name[:-1] if minor else name
    tonic = tonic[0].upper() + tonic[1:].replace("b", "-")
    return int(m21key.Key(tonic.lower() if minor else tonic).sharps)


def _estimated_sharps(notes: list[Note]) -> int:
    """Key signature from the notes' pitch classes (music21's Krumhansl-Schmuckler key finder)."""
    from music21 import note as m21note
    from music21 import stream

    s = stream.Stream()
    weight = [0.0] * 12
    for n in notes:
        weight[n.pitch % 12] += n.duration
    for pc, w in enumerate(weight):
        if w > 0:
            s.append(m21note.Note(60 + pc, quarterLength=max(0.25, round(w * 4) / 4)))
    if not len(s):
        return 0
    return int(s.analyze("key").sharps)


def _part(notes: list[Note], name: str, program: int, channel: int, chords: bool):
    from music21 import chord as m21chord
    from music21 import instrument, note, stream

    part = stream.Part()
    part.partName = name
    inst = instrument.Instrument()
    inst.partName = name
    inst.instrumentName = name
    inst.midiProgram = program
    inst.midiChannel = channel
    part.insert(0, inst)
    if chords:
        groups: dict[tuple[float, float], list[Note]] = defaultdict(list)
        for n in notes:
            groups[(n.start, n.end)].append(n)
        for (start, end), group in sorted(groups.items()):
            c = m21chord.Chord([note.Note(n.pitch) for n in group], quarterLength=end - start)
            c.volume.velocity = group[0].velocity
            part.insert(start, c)
    else:
        for n in notes:
            m = note.Note(n.pitch, quarterLength=n.duration)
            m.volume.velocity = n.velocity
            part.insert(n.start, m)
    return part


def _end_tracks_at_last_measure(midi_file, measures: int, measure_ticks: int) -> None:
    """End every track at the end of the last measure: ``measures`` measures of ``measure_ticks``.

    music21 ends each track a beat after its last event, which a DAW shows as an
    empty beat after the piece (and the conductor track a beat after time 0). Only
    the delta time before END_OF_TRACK changes. Notes past the last chord (a
    melody longer than its chords) extend the piece to the end of their measure.
    """
    from music21.midi import DeltaTime, MetaEvents

    ends = []  # per track: (the delta time before END_OF_TRACK, the tick of the last other event)
    for track in midi_file.tracks:
        events = track.events
        end = next(i for i, e in enumerate(events) if getattr(e, "type", None) == MetaEvents.END_OF_TRACK)
        gap = events[end - 1]
        if not isinstance(gap, DeltaTime):  # music21 writes a delta time before every event
            raise JazzError("The MIDI file could not be written cleanly: a track has no delta time at its end.")
        ends.append((gap, sum(e.time for e in events[: end - 1] if isinstance(e, DeltaTime))))
    last_event = max((tick for _, tick in ends), default=0)
    ticks = max(measures, -(-last_event // measure_ticks)) * measure_ticks
    for gap, tick in ends:
        gap.time = ticks - tick


def export_midi(improvisation: Improvisation, path: str | os.PathLike, options: ExportOptions | None = None) -> Path:
    """Write ``improvisation`` to ``path`` as a type 1 MIDI file; returns the path.

    Raises :class:`JazzError` for bad options; the target is never left half written.
    """
    from music21 import key, meter, midi, stream, tempo

    options = options or ExportOptions()
    options.validate()
    path = Path(path)
    bpm = options.tempo if options.tempo is not None else improvisation.tempo
    chord_notes = improvisation.chord_notes()
    key_name = options.key or improvisation.key
    sharps = key_signature_sharps(key_name) if key_name else _estimated_sharps(list(improvisation.melody) + chord_notes)
    num, den = improvisation.time_signature

    score = stream.Score()
    melody = _part(list(improvisation.melody), options.melody_name, options.melody_program, options.melody_channel, False)
    chords = _part(chord_notes, options.chord_name, options.chord_program, options.chord_channel, True)
    for part in (melody, chords):  # music21 gathers these into the conductor track
        part.insert(0, meter.TimeSignature(f"{num}/{den}"))
        part.insert(0, key.KeySignature(sharps))
    melody.insert(0, tempo.MetronomeMark(number=round(float(bpm), 3)))
    score.insert(0, melody)
    score.insert(0, chords)

    midi_file = midi.translate.streamToMidiFile(score)
    measure_ticks = round(improvisation.measure_length * midi_file.ticksPerQuarterNote)
    _end_tracks_at_last_measure(midi_file, improvisation.measures, measure_ticks)
    with atomic_path(path, suffix=".mid") as tmp:
        midi_file.open(str(tmp), "wb")
        try:
            midi_file.write()
        finally:
            midi_file.close()
        report = check_midi(tmp)
        if not report.ok:  # never hand a DAW a broken file
            raise JazzError("The MIDI file could not be written cleanly: " + "; ".join(report.problems))
    return path


def check_midi(path: str | os.PathLike) -> MidiReport:
    """Read a MIDI file back with mido and report its header, meta events and every track's notes.

    ``problems`` lists note-ons without a note-off, tracks without end-of-track, and
    overlapping notes of the same pitch on one channel.
    """
    import mido

    try:
        mid = mido.MidiFile(path)
    except Exception as exc:  # mido reports damage with several exception types
        raise MidiReadError(f"{Path(path).name} cannot be read as MIDI ({exc}).") from exc
    problems: list[str] = []
    tempo_bpm = time_signature = key_name = None
    tracks: list[TrackReport] = []
    for t, track in enumerate(mid.tracks):
        report = TrackReport(name=track.name)
        sounding: dict[tuple[int, int], int] = defaultdict(int)
        for msg in track:
            if msg.type == "set_tempo" and tempo_bpm is None:
                tempo_bpm = mido.tempo2bpm(msg.tempo)
            elif msg.type == "time_signature" and time_signature is None:
                time_signature = (msg.numerator, msg.denominator)
            elif msg.type == "key_signature" and key_name is None:
                key_name = msg.key
            elif msg.type == "program_change":
                report.programs.setdefault(msg.channel, msg.program)
            elif msg.type == "note_on" and msg.velocity > 0:
                report.channels.add(msg.channel)
                report.notes += 1
                if sounding[(msg.channel, msg.note)] > 0:
                    report.overlaps += 1
                sounding[(msg.channel, msg.note)] += 1
            elif msg.type in ("note_off", "note_on"):
                if sounding[(msg.channel, msg.note)] > 0:
                    sounding[(msg.channel, msg.note)] -= 1
        report.unclosed = sum(sounding.values())
        report.ends_with_end_of_track = bool(track) and track[-1].type == "end_of_track"
        if report.unclosed:
            problems.append(f"track {t} ('{report.name}') leaves {report.unclosed} note(s) sounding")
        if report.overlaps:
            problems.append(f"track {t} ('{report.name}') overlaps {report.overlaps} note(s) of the same pitch")
        if not report.ends_with_end_of_track:
            problems.append(f"track {t} ('{report.name}') has no end-of-track event")
        tracks.append(report)
    return MidiReport(mid.type, mid.ticks_per_beat, tempo_bpm, time_signature, key_name, tracks, problems)
