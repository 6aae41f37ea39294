"""Shared helpers for the jazz tests: hand-made MIDI files and one tiny trained model per run."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import mido

TPB = 480


def write_midi(
    path: Path,
    tracks: list[dict],
    *,
    midi_type: int = 1,
    tempos: list[tuple[float, float]] = ((0.0, 120.0),),
    time_signatures: list[tuple[float, int, int]] = ((0.0, 4, 4),),
    key: str | None = "C",
) -> Path:
    """Write a MIDI file with mido.

    tracks -- dicts with "name", "channel", "program" and "notes": (start, duration, pitch) in quarter notes
    tempos -- (start in quarter notes, BPM); time_signatures -- (start, numerator, denominator)
    midi_type 0 merges everything into one track.
    """
    conductor = []
    for start, bpm in tempos:
        conductor.append((round(start * TPB), 0, mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(bpm))))
    for start, num, den in time_signatures:
        conductor.append((round(start * TPB), 0, mido.MetaMessage("time_signature", numerator=num, denominator=den)))
    if key:
        conductor.append((0, 0, mido.MetaMessage("key_signature", key=key)))
    built = []
    for spec in tracks:
        events = []
        if spec.get("name"):
            events.append((0, 0, mido.MetaMessage("track_name", name=spec["name"])))
        if spec.get("program") is not None:
            events.append((0, 1, mido.Message("program_change", channel=spec["channel"], program=spec["program"])))
        for start, duration, pitch in spec["notes"]:
            on, off = round(start * TPB), round((start + duration) * TPB)
            events.append((on, 3, mido.Message("note_on", channel=spec["channel"], note=pitch, velocity=90)))
            events.append((off, 2, mido.Message("note_off", channel=spec["channel"], note=pitch, velocity=0)))
        built.append(events)

    def to_track(events) -> mido.MidiTrack:
        track = mido.MidiTrack()
        now = 0
        for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
            track.append(msg.copy(time=tick - now))
            now = tick
        track.append(mido.MetaMessage("end_of_track", time=0))
        return track

    mid = mido.MidiFile(type=midi_type, ticks_per_beat=TPB)
    if midi_type == 0:
        mid.tracks.append(to_track(conductor + [e for events in built for e in events]))
    else:
        mid.tracks.append(to_track(conductor))
        for events in built:
            mid.tracks.append(to_track(events))
    mid.save(path)
    return path


def swing_melody(bars: int, measure: float = 4.0, low: int = 62) -> list[tuple[float, float, int]]:
    """A varied single-note line: eighths, quarters and rests, up and down a scale."""
    scale = [0, 2, 4, 5, 7, 9, 10, 12, 14]
    rhythm = [(0.0, 0.5), (0.5, 0.5), (1.0, 1.0), (2.5, 0.5), (3.0, 0.75)]
    notes = []
    step = 0
    for bar in range(bars):
        for offset, duration in rhythm:
            if offset + duration > measure:
                continue
            notes.append((bar * measure + offset, duration, low + scale[(step * 3 + bar) % len(scale)]))
            step += 1
    return notes


def block_chords(symbol_pitches: list[list[int]], bars: int, measure: float = 4.0) -> list[tuple[float, float, int]]:
    """One held chord per bar, cycling through ``symbol_pitches``."""
    return [
        (bar * measure, measure, pitch) for bar in range(bars) for pitch in symbol_pitches[bar % len(symbol_pitches)]
    ]


II_V_I = [[50, 53, 57, 60], [43, 53, 59, 62], [48, 52, 55, 59], [48, 52, 55, 59]]  # Dm7 G7 Cmaj7 Cmaj7


def two_part_file(path: Path, bars: int = 16, num: int = 4, den: int = 4, **kwargs) -> Path:
    """A melody track (program 65, channel 0) over an ii-V-I chord track (program 0, channel 1)."""
    measure = num * 4.0 / den
    return write_midi(
        path,
        [
            {"name": "Sax", "channel": 0, "program": 65, "notes": swing_melody(bars, measure)},
            {"name": "Comping", "channel": 1, "program": 0, "notes": block_chords(II_V_I, bars, measure)},
        ],
        time_signatures=[(0.0, num, den)],
        **kwargs,
    )


@lru_cache(maxsize=1)
def tiny_model():
    """A small model trained briefly on the bundled piece, shared by the tests of one run."""
    from engine.jazz import TrainSettings, build_corpus, default_piece, read_song, train_job
    from engine.jobs import run_job

    corpus = build_corpus(read_song(default_piece()))
    return run_job(train_job(corpus, TrainSettings(epochs=4, n_a=16, t_x=16, stride=2, batch_size=64, seed=3)))


def triplet_line(bars: int, low: int = 64) -> list[tuple[float, float, int]]:
    """Swung eighths (2/3 + 1/3 of a beat) on beats 1-2, a quarter-note triplet group on beats 3-4."""
    notes = []
    for bar in range(bars):
        t = bar * 4.0
        for beat in range(2):
            notes.append((t + beat, 2 / 3, low + (bar + beat) % 5))
            notes.append((t + beat + 2 / 3, 1 / 3, low + 2 + (bar + beat) % 5))
        for k in range(3):
            notes.append((t + 2 + k * 2 / 3, 2 / 3, low + 4 - k))
    return notes


def tied_line(bars: int, low: int = 62) -> list[tuple[float, float, int]]:
    """Each bar: three quarters, then a note from beat 4 held two beats into the next bar."""
    notes = []
    for bar in range(0, bars, 2):
        t = bar * 4.0
        notes += [(t, 1.0, low), (t + 1, 1.0, low + 2), (t + 2, 1.0, low + 4), (t + 3, 3.0, low + 7), (t + 6, 2.0, low + 5)]
    return notes


def read_back(notes, path: Path):
    """Write ``notes`` (engine Notes) as a one-track MIDI file and read them back with mido."""
    from engine.jazz import read_song

    write_midi(path, [{"name": "Melody", "channel": 0, "program": 0, "notes": [(n.start, n.duration, n.pitch) for n in notes]}])
    return list(read_song(path).parts[0].notes)
