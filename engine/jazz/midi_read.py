"""Reading a Standard MIDI File into parts, fast, with mido.

music21's ``converter.parse`` builds a full score object model and takes
seconds on a busy arrangement; for learning a solo we only need the note
events, so they are read here with mido (a thin event parser) and music21 is
kept for the music theory. Times are measured in quarter notes from the start
of the file (``ticks / ticks_per_beat``), so tempo changes never move a note
in the score -- they only matter for how fast it is played back, which is at
one tempo: the median over the playing time (:mod:`engine.jazz.tempo_map`).

A *part* is the notes of one MIDI channel inside one track: in a type 1 file
that is usually one track, in a type 0 file (everything in one track) it is
one channel.
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from engine.jazz.errors import MidiReadError
from engine.jazz.gm import DRUM_CHANNEL, program_name

__all__ = [
    "MAX_FILE_BYTES",
    "Note",
    "Part",
    "TimeSignature",
    "TempoChange",
    "Song",
    "read_song",
    "default_piece",
]

MAX_FILE_BYTES = 10 * 1024 * 1024  # a MIDI file over 10 MB is almost certainly not a tune
DEFAULT_BPM = 120.0  # the Standard MIDI File default when no tempo is set
MAX_METER = 32  # time signatures up to 32/32: beyond that a "measure" is no longer one


@dataclass(frozen=True)
class Note:
    """One sounding note; ``start`` and ``end`` in quarter notes from the start of the piece."""

    start: float
    end: float
    pitch: int
    velocity: int = 90

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class TimeSignature:
    """A time signature taking effect at ``start`` (quarter notes), e.g. 6/8 -> (6, 8)."""

    start: float
    numerator: int
    denominator: int

    @property
    def measure_length(self) -> float:
        """Length of one measure in quarter notes (4/4 -> 4, 3/4 -> 3, 6/8 -> 3)."""
        return self.numerator * 4.0 / self.denominator

    def __str__(self) -> str:
        return f"{self.numerator}/{self.denominator}"


@dataclass(frozen=True)
class TempoChange:
    """A tempo taking effect at ``start`` (quarter notes), in beats (quarter notes) per minute."""

    start: float
    bpm: float


@dataclass(frozen=True)
class Part:
    """The notes of one channel of one track, with the numbers a musician looks at first.

    polyphony  -- share of the part's sounding time (0..1) during which two or more of
                  its notes sound together: about 0 for a melody, near 1 for a chord part
    max_voices -- the most notes sounding at once
    """

    index: int
    name: str
    track: int
    channel: int
    program: int
    is_drums: bool
    notes: tuple[Note, ...]
    polyphony: float
    max_voices: int

    @property
    def note_count(self) -> int:
        return len(self.notes)

    @property
    def pitch_range(self) -> tuple[int, int]:
        """(lowest, highest) MIDI pitch."""
        pitches = [n.pitch for n in self.notes]
        return min(pitches), max(pitches)

    @property
    def median_pitch(self) -> float:
        pitches = sorted(n.pitch for n in self.notes)
        mid = len(pitches) // 2
        return float(pitches[mid]) if len(pitches) % 2 else (pitches[mid - 1] + pitches[mid]) / 2.0

    @cached_property
    def swing(self) -> float | None:
        """Long/short ratio of the part's off-beat eighth pairs (see :mod:`engine.jazz.swing`), None if too few."""
        from engine.jazz.swing import swing_ratio

        return swing_ratio(self.notes)

    @cached_property
    def grid(self) -> tuple[int, ...]:
        """Positions inside a beat, in twelfths, the part plays (see :func:`engine.jazz.melody.played_grid`)."""
        from engine.jazz.melody import played_grid

        return played_grid([n.start for n in self.notes])

    @property
    def instrument(self) -> str:
        """General MIDI instrument name of the part's program."""
        return program_name(self.program, self.is_drums)


@dataclass(frozen=True)
class Song:
    """A MIDI file as the jazz engine sees it: parts plus the tempo and meter maps."""

    path: Path | None
    midi_type: int
    ticks_per_beat: int
    parts: tuple[Part, ...]
    tempos: tuple[TempoChange, ...]
    time_signatures: tuple[TimeSignature, ...]
    key: str | None = None  # the file's first key signature as mido names it ("G", "Em", "Bb"...)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "untitled"

    @property
    def length(self) -> float:
        """End of the last note to stop sounding, in quarter notes."""
        return max((n.end for p in self.parts for n in p.notes), default=0.0)

    @cached_property
    def tempo_segments(self) -> list[tuple[float, float]]:
        """(BPM, seconds) of each stretch of the tempo map while the music plays."""
        from engine.jazz.tempo_map import tempo_seconds

        return tempo_seconds([(t.start, t.bpm) for t in self.tempos], self.length)

    @cached_property
    def tempo(self) -> float:
        """The tempo in beats per minute the piece is played back and exported at: its only tempo, or, when
        it changes, the median over its playing time (see :mod:`engine.jazz.tempo_map`)."""
        from engine.jazz.tempo_map import median_tempo

        median = median_tempo(self.tempo_segments)
        return self.tempos[0].bpm if median is None else median

    @property
    def opening_tempo(self) -> float:
        return self.tempos[0].bpm

    @property
    def tempo_text(self) -> str:
        """'132 BPM', or '150–240 BPM, median 180' when the tempo changes."""
        from engine.jazz.tempo_map import describe_tempo

        return describe_tempo(self.tempo_segments) if self.tempo_segments else f"{self.tempo:.0f} BPM"

    @cached_property
    def swing(self) -> float | None:
        """The swing ratio of the automatic melody (see :mod:`engine.jazz.swing`); None when it has
        too few eighth pairs to tell or no part is a melody."""
        from engine.jazz.errors import NoMelodyError
        from engine.jazz.melody import pick_melody
        from engine.jazz.swing import swing_ratio

        try:
            return swing_ratio(self.parts[pick_melody(self)].notes)
        except NoMelodyError:
            return None

    def part(self, index: int) -> Part:
        """The part with this index, or a clear error naming the valid ones."""
        if not 0 <= index < len(self.parts):
            raise MidiReadError(
                f"There is no part {index} in {self.name}; its parts are numbered 0 to {len(self.parts) - 1}."
            )
        return self.parts[index]


def default_piece() -> Path:
    """The training piece bundled with the studio (an original blues and ii-V-I tune)."""
    from engine.resources import resource_path

    return resource_path("jazz", "studio_blues.mid")


def _open_midi(path: Path):
    """mido's parse of ``path``, or a MidiReadError saying what is wrong with the file.

    Only a regular file is opened (engine.files): a FIFO, a device such as /dev/zero, a
    folder, an empty or an oversized file is refused by its type and size, never read.
    """
    import io

    import mido

    from engine.files import FileCheckError, read_input_bytes

    if not path.exists() and not path.is_symlink():
        raise MidiReadError(f"No such file: {path}")
    try:
        data = read_input_bytes(path, "MIDI file", MAX_FILE_BYTES)
    except FileCheckError as exc:
        message = str(exc)
        if "MB" in message:
            message += " (A tune is rarely more than a few hundred kB.)"
        raise MidiReadError(message) from None
    if data[:4] != b"MThd":
        raise MidiReadError(f"{path.name} is not a MIDI file (it does not start with a MIDI header).")
    try:
        return mido.MidiFile(file=io.BytesIO(data))
    except EOFError as exc:
        raise MidiReadError(f"{path.name} is truncated: the file ends in the middle of a track.") from exc
    except Exception as exc:  # mido reports damage as OSError, ValueError, KeyError... depending on the byte
        raise MidiReadError(f"{path.name} is damaged and cannot be read as MIDI ({exc}).") from exc


def _polyphony(notes: list[Note]) -> tuple[float, int]:
    """(share of sounding time with >= 2 notes, most notes at once), by a sweep over on/off events."""
    events = sorted([(n.start, 1) for n in notes] + [(n.end, -1) for n in notes], key=lambda e: (e[0], e[1]))
    voices = most = 0
    sounding = chordal = 0.0
    last = events[0][0] if events else 0.0
    for time, step in events:  # offs sort before ons at equal times, so touching notes do not count
        span = time - last
        if voices >= 1:
            sounding += span
        if voices >= 2:
            chordal += span
        voices += step
        most = max(most, voices)
        last = time
    return (chordal / sounding if sounding > 0 else 0.0), most


def _track_name(track) -> str:
    for msg in track:
        if msg.type in ("track_name", "instrument_name") and msg.name.strip():
            return msg.name.strip()
    return ""


def read_song(path: str | os.PathLike) -> Song:
    """Read a type 0 or type 1 MIDI file into a :class:`Song`.

    Raises :class:`MidiReadError` for a missing, oversized, non-MIDI, truncated
    or damaged file, a type 2 file, and a file without any notes.
    """
    path = Path(path)
    midi = _open_midi(path)
    if midi.type == 2:
        raise MidiReadError(f"{path.name} is a type 2 MIDI file (independent patterns); only types 0 and 1 are supported.")
    tpb = midi.ticks_per_beat
    if not tpb or tpb <= 0:
        raise MidiReadError(f"{path.name} uses SMPTE time codes instead of beats; it cannot be split into measures.")

    warnings: list[str] = []
    tempos: dict[int, float] = {}
    meters: dict[int, tuple[int, int]] = {}
    key: str | None = None
    # (track, channel) -> list of notes; open notes are matched first-in first-out per pitch
    notes: dict[tuple[int, int], list[Note]] = defaultdict(list)
    programs: dict[tuple[int, int], int] = {}
    channel_programs: dict[int, int] = {}
    names: dict[int, str] = {}
    unclosed = 0

    for t, track in enumerate(midi.tracks):
        names[t] = _track_name(track)
        tick = 0
        open_notes: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for msg in track:
            tick += msg.time
            kind = msg.type
            if kind == "note_on" and msg.velocity > 0:
                open_notes[(msg.channel, msg.note)].append((tick, msg.velocity))
            elif kind == "note_off" or kind == "note_on":
                stack = open_notes.get((msg.channel, msg.note))
                if stack:
                    start, velocity = stack.pop(0)
                    if tick > start:  # a zero-length note is no note
                        notes[(t, msg.channel)].append(Note(start / tpb, tick / tpb, msg.note, velocity))
            elif kind == "program_change":
                programs.setdefault((t, msg.channel), msg.program)
                channel_programs.setdefault(msg.channel, msg.program)
            elif kind == "set_tempo":
                if msg.tempo <= 0:  # zero microseconds per beat: no tempo at all
                    raise MidiReadError(
                        f"{path.name} sets a tempo of 0 microseconds per beat (track {t}); the file is damaged."
                    )
                tempos[tick] = 60_000_000 / msg.tempo
            elif kind == "time_signature":
                if not 1 <= msg.numerator <= MAX_METER or not 1 <= msg.denominator <= MAX_METER:
                    raise MidiReadError(
                        f"{path.name} has a time signature of {msg.numerator}/{msg.denominator}; numerators and "
                        f"denominators from 1 to {MAX_METER} are supported."
                    )
                meters[tick] = (msg.numerator, msg.denominator)
            elif kind == "key_signature" and key is None:
                key = msg.key
        for (channel, pitch), stack in open_notes.items():  # notes still held at the end of the track
            for start, velocity in stack:
                unclosed += 1
                if tick > start:
                    notes[(t, channel)].append(Note(start / tpb, tick / tpb, pitch, velocity))

    if unclosed:
        warnings.append(f"{unclosed} note(s) were never released; they were ended with their track.")
    if not any(notes.values()):
        raise MidiReadError(f"{path.name} contains no notes.")

    if not meters:
        warnings.append("The file sets no time signature; 4/4 is assumed.")
    if 0 not in meters:
        meters[0] = (4, 4)
    if 0 not in tempos:
        tempos[0] = tempos[min(tempos)] if tempos else DEFAULT_BPM
    changes_tempo = len(set(tempos.values())) > 1
    if len(set(meters.values())) > 1:
        warnings.append("The time signature changes during the piece; measures follow every change.")

    channels_per_track: dict[int, set[int]] = defaultdict(set)
    for t, channel in notes:
        if notes[(t, channel)]:
            channels_per_track[t].add(channel)

    parts: list[Part] = []
    for t, channel in sorted(k for k, v in notes.items() if v):
        part_notes = sorted(notes[(t, channel)], key=lambda n: (n.start, n.pitch))
        program = programs.get((t, channel), channel_programs.get(channel, 0))
        drums = channel == DRUM_CHANNEL
        name = names.get(t, "") or program_name(program, drums)
        if len(channels_per_track[t]) > 1:  # a type 0 file, or a track shared by instruments
            name = f"{program_name(program, drums)} (channel {channel + 1})"
        share, most = _polyphony(part_notes)
        parts.append(
            Part(
                index=len(parts),
                name=name,
                track=t,
                channel=channel,
                program=program,
                is_drums=drums,
                notes=tuple(part_notes),
                polyphony=share,
                max_voices=most,
            )
        )

    song = Song(
        path=path,
        midi_type=midi.type,
        ticks_per_beat=tpb,
        parts=tuple(parts),
        tempos=tuple(TempoChange(tick / tpb, bpm) for tick, bpm in sorted(tempos.items())),
        time_signatures=tuple(TimeSignature(tick / tpb, n, d) for tick, (n, d) in sorted(meters.items())),
        key=key,
        warnings=tuple(warnings),
    )
    if changes_tempo:  # said once the song knows how long each tempo lasts
        note = (f"The tempo changes {len(tempos) - 1} time(s) ({song.tempo_text}); measures are counted in beats, "
                f"and playback and export use the median over the playing time ({song.tempo:.0f} BPM; "
                f"it opens at {song.opening_tempo:.0f}) unless another tempo is chosen.")
        song = replace(song, warnings=(*song.warnings, note))
    return song
