"""What a written band file sounds like, measured from the file itself (read with mido).

The tests and ``benchmarks/jazz_band.py`` judge the rhythm section by these
figures, computed from the notes in the MIDI file and the chord changes it
was made over -- never from the generator's internals:

    bass_on_roots        share of bars whose first bass note is the bar's chord root
    bass_approaches      share of chord changes entered by a half or whole step
    bass_range           (lowest, highest) bass pitch
    guide_tone_share     share of comping voicings holding the chord's 3rd and its 7th (or 6th)
    top_voice_motion     mean semitones the top voice moves when the comping changes chord
    drum_channels        the channels of the Drums track; other_on_drum_channel: notes of other tracks there
    ride_ratio           mean long/short ratio of the ride's eighth pairs
"""

from __future__ import annotations

import os
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from engine.jazz.band.styles import RIDE
from engine.jazz.gm import DRUM_CHANNEL
from engine.jazz.harmony import Chord, chord_at

__all__ = ["FileNotes", "read_tracks", "BandFigures", "measure_band"]

ONSET_TOLERANCE = 1 / 48  # quarter notes


@dataclass(frozen=True)
class FileNotes:
    """Notes of one track of a file: (start, end) in quarter notes, pitch, channel."""

    name: str
    program: int | None
    notes: tuple[tuple[float, float, int, int], ...]


def read_tracks(path: str | os.PathLike) -> dict[str, FileNotes]:
    """Every named track of a MIDI file with its closed notes, read with mido."""
    import mido

    mid = mido.MidiFile(path)
    tpb = mid.ticks_per_beat
    out = {}
    for track in mid.tracks:
        tick, program = 0, None
        open_notes: dict[tuple[int, int], list[int]] = defaultdict(list)
        notes = []
        for msg in track:
            tick += msg.time
            if msg.type == "program_change" and program is None:
                program = msg.program
            elif msg.type == "note_on" and msg.velocity > 0:
                open_notes[(msg.channel, msg.note)].append(tick)
            elif msg.type in ("note_off", "note_on") and open_notes[(msg.channel, msg.note)]:
                on = open_notes[(msg.channel, msg.note)].pop(0)
                notes.append((on / tpb, tick / tpb, msg.note, msg.channel))
        if track.name:
            out[track.name] = FileNotes(track.name, program, tuple(sorted(notes)))
    return out


@dataclass(frozen=True)
class BandFigures:
    bass_on_roots: float | None
    bass_approaches: float | None
    bass_range: tuple[int, int] | None
    guide_tone_share: float | None
    top_voice_motion: float | None
    drum_channels: frozenset[int]
    other_on_drum_channel: int
    ride_ratio: float | None


def _third_and_seventh(chord: Chord) -> tuple[set[int], set[int]]:
    """Pitch classes that count as the chord's 3rd (a sus chord's 4th) and as its 7th or 6th."""
    steps = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    thirds = [s for s in (3, 4) if s in steps] or [s for s in (5, 2) if s in steps][:1] or [3, 4]
    sevenths = [s for s in (9, 10, 11) if s in steps] or [9, 10, 11]  # a triad: whichever was added
    return {(chord.root + s) % 12 for s in thirds}, {(chord.root + s) % 12 for s in sevenths}


def _holds_guide_tones(pitches: set[int], chord: Chord) -> bool:
    thirds, sevenths = _third_and_seventh(chord)
    return bool(pitches & thirds) and bool(pitches & sevenths)


def _bass_figures(bass, changes, measure_length, measures):
    starts = {round(s, 6): p for s, _, p, _ in bass}
    onsets = sorted(starts)
    roots = []
    for m in range(measures):
        t = m * measure_length
        first = next((starts[o] for o in onsets if abs(o - t) <= ONSET_TOLERANCE), None)
        roots.append(first is not None and first % 12 == chord_at(changes, measure_length, t).root)
    entered = []
    previous_chord = None
    for m in range(measures):
        bar = changes[m % len(changes)]
        for k, chord in enumerate(bar):
            t = m * measure_length + k * measure_length / len(bar)
            if previous_chord is not None and chord != previous_chord:
                here = [o for o in onsets if abs(o - t) <= ONSET_TOLERANCE]
                before = [o for o in onsets if o < t - ONSET_TOLERANCE]
                if here and before:
                    entered.append(abs(starts[here[0]] - starts[before[-1]]) in (1, 2))
            previous_chord = chord
    pitches = [p for _, _, p, _ in bass]
    return (float(np.mean(roots)) if roots else None, float(np.mean(entered)) if entered else None,
            (min(pitches), max(pitches)) if pitches else None)


def _comping_figures(comping, changes, measure_length):
    groups: dict[float, set[int]] = defaultdict(set)
    for s, _, p, _ in comping:
        groups[round(s, 6)].add(p)
    held, tops, last = [], [], None
    for t in sorted(groups):
        pcs = {p % 12 for p in groups[t]}
        now, soon = chord_at(changes, measure_length, t), chord_at(changes, measure_length, t + 0.5)
        held.append(_holds_guide_tones(pcs, now) or _holds_guide_tones(pcs, soon))  # soon: an anticipation
        voicing = tuple(sorted(groups[t]))
        if last is not None and voicing != last:
            tops.append(abs(voicing[-1] - last[-1]))
        last = voicing
    return (float(np.mean(held)) if held else None, float(np.mean(tops)) if tops else None)


def _ride_ratio(drums) -> float | None:
    """Mean long/short ratio of each beat's ride pair: a hit on the beat, one inside it, one on the next beat."""
    hits = sorted({round(s, 6) for s, _, p, _ in drums if p == RIDE})
    on_beat = {h for h in hits if abs(h - round(h)) <= ONSET_TOLERANCE}
    ratios = []
    for h in hits:
        beat = np.floor(h + ONSET_TOLERANCE)
        if h in on_beat or beat not in on_beat or (beat + 1) not in on_beat:
            continue
        ratios.append((h - beat) / (beat + 1 - h))
    return float(np.mean(ratios)) if ratios else None


def measure_band(path: str | os.PathLike, changes, measure_length: float, measures: int) -> BandFigures:
    """The figures of the module docstring for the file at ``path`` made over ``changes``."""
    tracks = read_tracks(path)
    bass = tracks.get("Bass", FileNotes("Bass", None, ())).notes
    comping = tracks.get("Comping", FileNotes("Comping", None, ())).notes
    drums = tracks.get("Drums", FileNotes("Drums", None, ())).notes
    roots, approaches, span = _bass_figures(bass, changes, measure_length, measures) if bass else (None, None, None)
    guides, motion = _comping_figures(comping, changes, measure_length) if comping else (None, None)
    others = sum(1 for name, t in tracks.items() if name != "Drums" for n in t.notes if n[3] == DRUM_CHANNEL)
    return BandFigures(roots, approaches, span, guides, motion, frozenset(n[3] for n in drums), others,
                       _ride_ratio(drums))
