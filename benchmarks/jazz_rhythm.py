"""Rhythm through the jazz grammar, on the bundled piece and the course's Metheny solo.

For each piece (and for both together, as one corpus of two files) prints what the
corpus holds and what survives a round trip source -> tokens -> notes -> MIDI file ->
mido, the way a user's export would be read:

* tokens, vocabulary size, tie (T) tokens, phrases, the melody's rhythm grid;
* swing ratio detected (long/short eighths) and triplet-position onsets
  (1/3 or 2/3 of a beat, off the sixteenth grid) in the source, and in the written file;
* repeated pitches (share of notes equal to the one before) in the source line and
  in the written file (median of 5 seeds);
* time to read and tokenise each piece (warm: music21 already imported).

Run:  .venv/bin/python benchmarks/jazz_rhythm.py
The machine this runs on may be shared; treat the timings as noisy.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import mido  # noqa: E402
import numpy as np  # noqa: E402

from engine.jazz import build_corpus, default_piece, read_song  # noqa: E402
from engine.jazz.grammar import decode  # noqa: E402
from engine.jazz.swing import describe_swing, swing_ratio  # noqa: E402

METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"


def triplet_share(starts) -> float:
    phases = np.asarray(starts) % 1.0
    return float(np.mean((np.abs(phases - 1 / 3) < 0.02) | (np.abs(phases - 2 / 3) < 0.02)))


def repeated_share(pitches) -> float:
    return float(np.mean([a == b for a, b in zip(pitches, pitches[1:], strict=False)]))


def written_notes(notes, folder: Path) -> list[tuple[float, int]]:
    """Write notes as a MIDI file and read (start, pitch) back with mido alone."""
    tpb = 480
    events = []
    for n in notes:
        events.append((round(n.start * tpb), 1, mido.Message("note_on", note=n.pitch, velocity=90)))
        events.append((round(n.end * tpb), 0, mido.Message("note_off", note=n.pitch, velocity=0)))
    track, now = mido.MidiTrack(), 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
        track.append(msg.copy(time=tick - now))
        now = tick
    path = folder / "round_trip.mid"
    mido.MidiFile(tracks=[track], ticks_per_beat=tpb).save(path)
    out, tick = [], 0
    for msg in mido.MidiFile(path).tracks[0]:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            out.append((tick / tpb, msg.note))
    return out


def report(name: str, songs, folder: Path) -> None:
    began = time.perf_counter()
    corpus = build_corpus(songs)
    seconds = time.perf_counter() - began
    tokens = [t for m in corpus.measures for t in m.tokens]
    print(f"{name}: {corpus.token_count} tokens, vocabulary {corpus.vocab_size}, "
          f"{sum(t.tied for t in tokens)} ties, {len(corpus.phrases)} phrases, built in {seconds:.2f} s")
    sources = [s.parts[p.melody_index].notes for s, p in zip(corpus.songs, corpus.pieces, strict=True)]
    source_starts = [n.start for notes in sources for n in notes]
    print(f"  grid per piece: {[p.grid for p in corpus.pieces]}; swing {describe_swing(corpus.swing)}")
    shares, repeats = [], []
    for seed in range(5):
        notes = []
        for piece in corpus.pieces:
            measures = [m for m in corpus.measures if m.piece == corpus.pieces.index(piece)]
            own = [t for m in measures for t in m.tokens]
            notes += decode(own, [m.chords for m in measures], measures[0].length, corpus.pitch_range,
                            np.random.default_rng(seed))
        back = written_notes(notes, folder)
        shares.append(triplet_share([t for t, _ in back]))
        repeats.append(repeated_share([p for _, p in back]))
        if seed == 0:
            ratio = swing_ratio([type(n)(t, t + 0.1, p) for (t, p), n in zip(back, notes, strict=True)])
    print(f"  triplet-position onsets: source {triplet_share(source_starts):.1%}, written {statistics.median(shares):.1%}")
    print(f"  swing ratio: source {corpus.swing}, written {ratio}")
    line_repeats = repeated_share([n.pitch for n in corpus.melody_notes])
    print(f"  repeated pitches: source line {line_repeats:.1%}, written {statistics.median(repeats):.1%} (median of 5 seeds)")


def main() -> None:
    pieces = [("bundled piece", read_song(default_piece()))]
    if METHENY.is_file():
        pieces.append(("Metheny", read_song(METHENY)))
    else:
        print(f"({METHENY} is absent: Metheny skipped)")
    with tempfile.TemporaryDirectory() as folder:
        for name, song in pieces:
            report(name, song, Path(folder))
        if len(pieces) > 1:
            report("both as one corpus", [s for _, s in pieces], Path(folder))


if __name__ == "__main__":
    main()
