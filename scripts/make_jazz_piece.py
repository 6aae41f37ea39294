"""Write the studio's bundled training piece: resources/jazz/studio_blues.mid.

"Studio Blues" is an original tune made for the jazz engine to learn from:
48 bars of 4/4 at 132 BPM in F, swung eighths, over common changes --

    A   12-bar blues in F                    F7 Bb7 F7 F7 | Bb7 Bb7 F7 D7 | Gm7 C7 F7 C7
    B   16 bars of ii-V-I in F, Bb and Ab    Gm7 C7 Fmaj7 ... Bbm7 Eb7 Abmaj7 ...
    A'  the blues again, new melody
    C   an 8-bar ii-V-I tag to the end

There are two tracks: a melody (electric jazz guitar) and piano comping in
the Charleston rhythm, one chord per bar. The melody is composed by the rules
below, from a fixed seed, so running the script again writes the same file
byte for byte:

* rhythm: one of a handful of one-bar swing cells, chosen by the place in the
  four-bar phrase (busy lines in the middle, a long note or a rest to end);
* pitch: on the beat a chord tone, off the beat a scale step, and before a new
  chord often a chromatic approach note a semitone from its target;
* direction: lines run up or down and turn at the edges of the range
  (C4 to A5) or now and then at random; every blues chorus opens with a riff
  that is repeated over the IV chord, as blues heads do.

Swing: a pair of eighths is played long-short, two thirds and one third of
the beat. Usage: ``python scripts/make_jazz_piece.py [--out PATH]``.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import mido

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.atomic import atomic_path  # noqa: E402

OUT = ROOT / "resources" / "jazz" / "studio_blues.mid"
TPB = 480  # ticks per quarter note
BPM = 132
SEED = 1959
LOW, HIGH = 60, 81  # melody range: C4..A5

NOTE = {"C": 0, "Db": 1, "D": 2, "Eb": 3, "E": 4, "F": 5, "Gb": 6, "G": 7, "Ab": 8, "A": 9, "Bb": 10, "B": 11}
QUALITIES = {  # chord tones and scale (semitones above the root)
    "7": ((0, 4, 7, 10), (0, 2, 4, 5, 7, 9, 10)),  # mixolydian
    "m7": ((0, 3, 7, 10), (0, 2, 3, 5, 7, 9, 10)),  # dorian
    "maj7": ((0, 4, 7, 11), (0, 2, 4, 5, 7, 9, 11)),  # ionian
    "6": ((0, 4, 7, 9), (0, 2, 4, 5, 7, 9, 11)),
}

BLUES = ["F7", "Bb7", "F7", "F7", "Bb7", "Bb7", "F7", "D7", "Gm7", "C7", "F7", "C7"]
BRIDGE = [
    "Gm7", "C7", "Fmaj7", "Fmaj7",
    "Cm7", "F7", "Bbmaj7", "Bbmaj7",
    "Bbm7", "Eb7", "Abmaj7", "Abmaj7",
    "Gm7", "C7", "Fmaj7", "D7",
]  # fmt: skip
TAG = ["Am7", "D7", "Gm7", "C7", "Gm7", "C7", "F6", "F6"]
FORM = BLUES + BRIDGE + BLUES + TAG

# One-bar rhythm cells in swung eighth slots 0..7: (slot, length in slots); gaps are rests.
BUSY = [
    [(0, 1), (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1)],
    [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 2)],
    [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1)],
    [(0, 1), (1, 1), (2, 2), (5, 1), (6, 1), (7, 1)],
    [(0, 2), (3, 1), (4, 1), (5, 1), (6, 1), (7, 1)],
]
CALM = [
    [(0, 2), (2, 2), (4, 2), (6, 2)],
    [(0, 3), (3, 1), (4, 4)],
    [(0, 1), (1, 1), (2, 4), (7, 1)],
]
ENDING = [
    [(0, 4)],
    [(0, 2), (2, 3)],
    [(0, 1), (1, 1), (2, 4)],
]
RIFFS = [  # blues head riffs: (slot, length, semitones above the chord root, octave 5)
    [(0, 1, 0), (1, 1, 3), (2, 1, 5), (3, 2, 7), (6, 1, 10), (7, 1, 7)],
    [(1, 1, 7), (2, 1, 10), (3, 1, 12), (4, 3, 10), (7, 1, 7)],
]


def parse_chord(symbol: str) -> tuple[int, tuple[int, ...], tuple[int, ...]]:
    """(root pitch class, chord tone pcs, scale pcs) of a symbol like 'Bbmaj7'."""
    root = symbol[:2] if len(symbol) > 1 and symbol[1] == "b" else symbol[:1]
    tones, scale = QUALITIES[symbol[len(root) :]]
    r = NOTE[root]
    return r, tuple((r + t) % 12 for t in tones), tuple((r + s) % 12 for s in scale)


def slot_time(bar: int, slot: int) -> float:
    """Quarter-note time of an eighth slot, swung: off-beat eighths come two thirds into the beat."""
    beat, off = divmod(slot, 2)
    return bar * 4 + beat + (2.0 / 3.0 if off else 0.0)


def nearest(pitch: int, pcs: tuple[int, ...], direction: int) -> int:
    """The closest pitch with a class in ``pcs`` strictly in ``direction`` (or the pitch itself if 0)."""
    step = direction or 1
    candidate = pitch + (step if direction else 0)
    while candidate % 12 not in pcs:
        candidate += step
    return candidate


class Composer:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.pitch = 65  # F4
        self.direction = 1

    def _turn(self, pitch: int) -> None:
        if pitch >= HIGH - 2:
            self.direction = -1
        elif pitch <= LOW + 2:
            self.direction = 1
        elif self.rng.random() < 0.22:
            self.direction = -self.direction

    def bar(self, bar: int, chord: str, next_chord: str | None, cell, riff=None) -> list[tuple[float, float, int, int]]:
        """Notes (start, end, pitch, velocity) of one bar over ``chord``."""
        root, tones, scale = parse_chord(chord)
        notes = []
        if riff is not None:
            base = 60 + root if 60 + root >= LOW + 2 else 72 + root
            for slot, length, offset in riff:
                pitch = base + offset
                notes.append((slot, length, pitch))
            self.pitch = notes[-1][2]
        else:
            for k, (slot, length) in enumerate(cell):
                last = k == len(cell) - 1
                if last and next_chord and slot >= 6 and self.rng.random() < 0.6:
                    # chromatic approach to a chord tone of the next bar
                    _, next_tones, _ = parse_chord(next_chord)
                    target = nearest(self.pitch, next_tones, self.direction)
                    pitch = target - self.direction if LOW <= target - self.direction <= HIGH else target + 1
                elif slot % 2 == 0 or length >= 2:
                    pitch = nearest(self.pitch, tones, self.direction)
                    if self.rng.random() < 0.25:  # an arpeggio leap: skip a chord tone
                        pitch = nearest(pitch, tones, self.direction)
                else:
                    pitch = nearest(self.pitch, scale, self.direction)
                pitch = min(max(pitch, LOW), HIGH)
                notes.append((slot, length, pitch))
                self.pitch = pitch
                self._turn(pitch)
        out = []
        for slot, length, pitch in notes:
            start = slot_time(bar, slot)
            end = slot_time(bar, slot + length) if slot + length < 8 else bar * 4 + 4.0
            velocity = 84 + (10 if slot % 2 else 0) + self.rng.randint(-6, 6)  # swing accents the off-beats
            out.append((start, end - 0.03, pitch, velocity))
        return out


def melody() -> list[tuple[float, float, int, int]]:
    composer = Composer(SEED)
    notes = []
    chorus_starts = {0: 0, len(BLUES) + len(BRIDGE): 1}
    riff = None
    for bar, chord in enumerate(FORM):
        next_chord = FORM[bar + 1] if bar + 1 < len(FORM) else None
        if bar in chorus_starts:
            riff = RIFFS[chorus_starts[bar]]
            riff_bars = {bar, bar + 4}  # the head riff, then again over the IV chord
        if bar == len(FORM) - 2:
            cell = [(0, 2), (2, 1), (3, 1), (4, 4)]
        elif bar == len(FORM) - 1:
            notes.append((bar * 4.0, bar * 4 + 3.5, 65, 88))  # end on the tonic
            continue
        elif bar % 4 == 3:
            cell = composer.rng.choice(ENDING)
        elif bar % 4 == 2:
            cell = composer.rng.choice(CALM + BUSY)
        else:
            cell = composer.rng.choice(BUSY)
        use_riff = riff if riff is not None and bar in riff_bars else None
        notes += composer.bar(bar, chord, next_chord, cell, use_riff)
    return notes


def comping() -> list[tuple[float, float, int, int]]:
    """Piano: root, third, fifth/sixth and seventh, Charleston rhythm (beat 1 and the swung and-of-2)."""
    notes = []
    for bar, chord in enumerate(FORM):
        root, tones, _ = parse_chord(chord)
        bass = 48 + (root - 48) % 12 - (12 if root > 7 else 0)  # root between G2 and G3
        voicing = [bass] + sorted(55 + (pc - 55) % 12 for pc in tones if pc != root)
        last = bar == len(FORM) - 1
        hits = [(0.0, 4.0)] if last else [(0.0, 1.0), (1 + 2.0 / 3.0, 1.8)]
        for offset, length in hits:
            for pitch in voicing:
                notes.append((bar * 4 + offset, bar * 4 + offset + length, pitch, 70))
    return notes


def track(name: str, channel: int, program: int, notes) -> mido.MidiTrack:
    events = []
    for start, end, pitch, velocity in notes:
        events.append((round(start * TPB), 1, pitch, velocity))
        events.append((round(end * TPB), 0, pitch, 0))  # offs sort first at equal times
    events.sort()
    trk = mido.MidiTrack()
    trk.append(mido.MetaMessage("track_name", name=name, time=0))
    trk.append(mido.Message("program_change", channel=channel, program=program, time=0))
    now = 0
    for tick, is_on, pitch, velocity in events:
        kind = "note_on" if is_on else "note_off"
        trk.append(mido.Message(kind, channel=channel, note=pitch, velocity=velocity, time=tick - now))
        now = tick
    trk.append(mido.MetaMessage("end_of_track", time=0))
    return trk


def build() -> mido.MidiFile:
    mid = mido.MidiFile(type=1, ticks_per_beat=TPB)
    conductor = mido.MidiTrack()
    conductor.append(mido.MetaMessage("track_name", name="Studio Blues", time=0))
    conductor.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(BPM), time=0))
    conductor.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    conductor.append(mido.MetaMessage("key_signature", key="F", time=0))
    conductor.append(mido.MetaMessage("end_of_track", time=len(FORM) * 4 * TPB))
    mid.tracks.append(conductor)
    mid.tracks.append(track("Melody", 0, 26, melody()))  # Electric Guitar (jazz)
    mid.tracks.append(track("Chords", 1, 0, comping()))  # Acoustic Grand Piano
    return mid


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT.relative_to(ROOT)})")
    args = parser.parse_args(argv)
    mid = build()
    with atomic_path(args.out, suffix=".mid") as tmp:
        mid.save(tmp)
    print(f"wrote {args.out} ({len(FORM)} bars, {sum(len(t) for t in mid.tracks)} events)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
