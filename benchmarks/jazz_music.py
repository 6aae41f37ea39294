"""Does the jazz generator improvise? Musical measures of its WRITTEN MIDI files, against the source's.

For each source (the course's Metheny solo at ../shared/data/original_metheny.mid
when present, the bundled piece, and extra pieces composed here by the rules of
scripts/make_jazz_piece.py with other seeds, forms and feels, so that the
defaults are not tuned to two files), this script runs the command line as a
user would, with default settings:

    main.py jazz train --midi SOURCE --out MODEL
    main.py jazz generate --model MODEL --out solo.mid --variations 3 --measures 32

and reads the three written files back with mido. Measures (issue 10), each
printed as one line with its value, target and pass/fail:

* copied     share of generated melody notes inside a 16-note rhythm window (the
             inter-onset intervals, onsets snapped to sixteenths; windows of one
             repeated interval excluded) that also occurs in the source melody; <= 30 %
* triplets   share of onsets within 1/48 beat of 1/3 or 2/3 of a beat (off the sixteenth
             grid); at least half the source's when the source has 8 % or more
* on chord   notes starting on a beat whose pitch class sounds in the accompaniment
             at that beat; >= source - 10 points. The default arrangement (--style swing:
             walking bass, rootless comping on the Charleston) sounds fewer of the chord's
             tones at a beat than the sources' block chords, so the same line is also
             measured over held block chords (--style none) for comparison
* in key     notes whose pitch class is in the source's key; >= source - 10 points
* repeated   notes of the same pitch as the note before; <= source + 10 points
* bar rhythms distinct one-bar onset patterns per bar; >= half the source's
* train s    the default training on Metheny, whole process; <= 60 s
* generate s ``jazz generate`` of one default variation, whole process; <= 2 s

Two sweeps show the measurements behind the defaults: ``--max-copy-sweep``
generates again from each trained model with other --max-copy values (copied
share, on-chord share, bar rhythms), and ``--dropout-sweep`` trains with other
dropout sizes and prints the held-out loss and accuracy each one stops at.

Run:  .venv/bin/python benchmarks/jazz_music.py [--sources metheny,bundled,extra]
                                               [--train-args "..."] [--generate-args "..."]
                                               [--max-copy-sweep] [--dropout-sweep]
Timings are taken on a shared machine and are pessimistic; treat them as noisy.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import mido
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
METHENY = ROOT.parent / "shared" / "data" / "original_metheny.mid"
WINDOW = 16
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor with the leading tone
PITCH_CLASS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


# ---------------------------------------------------------------- reading notes

def midi_notes(path: Path) -> dict[str, list[tuple[float, float, int]]]:
    """Notes (start, end, pitch) in quarter notes of every named track of a MIDI file, read by mido."""
    mid = mido.MidiFile(path)
    out: dict[str, list[tuple[float, float, int]]] = {}
    for k, track in enumerate(mid.tracks):
        now, sounding, notes, drums = 0, {}, [], False
        for msg in track:
            now += msg.time
            if msg.type == "note_on" and msg.velocity > 0:
                sounding.setdefault((msg.channel, msg.note), []).append(now)
                drums |= msg.channel == 9
            elif msg.type in ("note_on", "note_off") and sounding.get((msg.channel, msg.note)):
                start = sounding[(msg.channel, msg.note)].pop(0)
                notes.append((start / mid.ticks_per_beat, now / mid.ticks_per_beat, msg.note))
        if notes and not drums:
            out[track.name or f"track {k}"] = sorted(notes)
    return out


def source_notes(path: Path) -> tuple[list, list, str | None]:
    """The source's melody (the part the engine learns from), its accompaniment and its key."""
    from engine.jazz import pick_melody, read_song

    song = read_song(path)
    melody = pick_melody(song)
    lead = [(n.start, n.end, n.pitch) for n in song.parts[melody].notes]
    band = [(n.start, n.end, n.pitch) for p in song.parts if p.index != melody and not p.is_drums for n in p.notes]
    return monophonic(lead), band, song.key


def monophonic(notes):
    """The top note of each onset: one line."""
    top: dict[float, tuple] = {}
    for n in notes:
        key = round(n[0] * 48) / 48
        if key not in top or n[2] > top[key][2]:
            top[key] = n
    return [top[k] for k in sorted(top)]


# ---------------------------------------------------------------- measures

def sixteenths(notes) -> np.ndarray:
    return np.round(np.array([n[0] for n in notes]) * 4).astype(int)


def rhythm_windows(onsets: np.ndarray) -> list[tuple[int, ...]]:
    gaps = np.diff(onsets)
    return [tuple(gaps[k : k + WINDOW - 1]) for k in range(len(gaps) - WINDOW + 2)]


def copied_share(melodies, source) -> float:
    known = set(rhythm_windows(sixteenths(source)))
    copied = total = 0
    for notes in melodies:
        onsets = sixteenths(notes)
        marked = np.zeros(len(onsets), dtype=bool)
        for k, window in enumerate(rhythm_windows(onsets)):
            if len(set(window)) > 1 and window in known:
                marked[k : k + WINDOW] = True
        copied += int(marked.sum())
        total += len(onsets)
    return copied / max(1, total)


def triplet_share(notes) -> float:
    """Onsets within 1/48 of a beat (a fifth of a sixteenth's distance to them) of 1/3 or 2/3 of a beat.

    A wider window would count a played sixteenth's timing jitter as triplets (on Metheny,
    +-1/24 of a beat gives 9.5 %, +-1/48 gives 3.9 %, +-1/96 gives 2.4 %; the twelfths analysis of
    the rhythm engine finds no triplets in it).
    """
    phase = np.array([n[0] for n in notes]) % 1.0
    on_triplet = (np.abs(phase - 1 / 3) < 1 / 48) | (np.abs(phase - 2 / 3) < 1 / 48)
    return float(on_triplet.mean()) if len(notes) else 0.0


def on_chord_share(notes, band) -> float:
    starts = np.array([b[0] for b in band])
    ends = np.array([b[1] for b in band])
    classes = np.array([b[2] % 12 for b in band])
    hits = total = 0
    for start, _, pitch in notes:
        if abs(start - round(start)) > 1 / 24:
            continue
        t = round(start)
        sounding = set(classes[(starts <= t + 1e-6) & (ends > t + 1e-6)].tolist())
        if sounding:
            total += 1
            hits += pitch % 12 in sounding
    return hits / max(1, total)


def key_classes(key: str | None, melody) -> set[int]:
    if key:
        root = PITCH_CLASS[key[0].upper()] + (1 if "#" in key else 0) - (1 if key[1:2] == "b" else 0)
        scale = MINOR if key.endswith("m") else MAJOR
        return {(root + s) % 12 for s in scale}
    counts = np.bincount([n[2] % 12 for n in melody], minlength=12)
    root = max(range(12), key=lambda r: counts[[(r + s) % 12 for s in MAJOR]].sum())
    return {(root + s) % 12 for s in MAJOR}


def in_key_share(notes, classes) -> float:
    return sum(n[2] % 12 in classes for n in notes) / max(1, len(notes))


def repeated_share(notes) -> float:
    pitches = [n[2] for n in notes]
    return sum(a == b for a, b in zip(pitches, pitches[1:], strict=False)) / max(1, len(pitches) - 1)


def bar_rhythms(notes, measure: float = 4.0) -> float:
    bars = defaultdict(list)
    for start, _, _ in notes:
        bars[int(start // measure + 1e-9)].append(round((start % measure) * 12))
    return len({tuple(v) for v in bars.values()}) / max(1, len(bars))


# ---------------------------------------------------------------- extra pieces

def extra_pieces(folder: Path) -> dict[str, Path]:
    """Pieces composed by the bundled piece's rules with other seeds and forms: one straight, one swung."""
    spec = importlib.util.spec_from_file_location("make_jazz_piece", ROOT / "scripts" / "make_jazz_piece.py")
    piece = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(piece)
    swung_slot = piece.slot_time
    out = {}
    for name, seed, form, straight in (
        ("straight ballad", 11, piece.BRIDGE + piece.BLUES + piece.BRIDGE + piece.TAG, True),
        ("swung blues", 23, piece.BLUES * 4, False),
    ):
        piece.SEED, piece.FORM = seed, form
        piece.slot_time = (lambda bar, slot: bar * 4 + slot / 2) if straight else swung_slot
        path = folder / f"{name.replace(' ', '_')}.mid"
        piece.build().save(path)
        out[name] = path
    return out


# ---------------------------------------------------------------- running the command line

CPU = [0.0]  # CPU seconds (user + system) of the last command: on a shared machine, wall time is worse


def cli(*args: str) -> tuple[float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "jazz", *args], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[0] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"jazz {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, done.stdout


def line(name: str, value: float, target: str, ok: bool, percent: bool = True) -> bool:
    shown = f"{value:6.1%}" if percent else f"{value:6.2f}"
    print(f"  {name:<12} {shown}   target {target:<22} {'pass' if ok else 'FAIL'}")
    return ok


def written_melodies(files) -> list[tuple[list, list]]:
    out = []
    for f in files:
        tracks = midi_notes(f)
        melody_name = "Melody" if "Melody" in tracks else next(iter(tracks))
        accompaniment = [n for t, notes in tracks.items() if t != melody_name for n in notes]
        out.append((monophonic(tracks[melody_name]), accompaniment))
    return out


def max_copy_sweep(model: Path, source: Path, work: Path, seed: int) -> None:
    lead, _, _ = source_notes(source)
    for max_copy in ("4", "8", "16", "32", "100000"):
        out = work / f"sweep-{max_copy}.mid"
        cli("generate", "--model", str(model), "--out", str(out), "--variations", "3", "--seed", str(seed),
            "--max-copy", max_copy)  # fmt: skip
        generated = written_melodies([work / f"sweep-{max_copy}-{k}.mid" for k in (1, 2, 3)])
        melodies = [m for m, _ in generated]
        chord = sum(on_chord_share(m, a) for m, a in generated) / len(generated)
        bars = sum(bar_rhythms(m) for m in melodies) / len(melodies)
        label = "off" if max_copy == "100000" else max_copy
        print(f"    --max-copy {label:>4}: copied {copied_share(melodies, lead):6.1%}, on chord {chord:6.1%}, "
              f"bar rhythms {bars:.2f}")  # fmt: skip


def dropout_sweep(source: Path, work: Path) -> None:
    for dropout in ("0", "0.1", "0.2", "0.3", "0.5"):
        _, out = cli("train", "--midi", str(source), "--dropout", dropout, "--json")
        r = json.loads(out.strip().splitlines()[-1])
        print(f"    --dropout {dropout:>4}: stopped after {r['epochs']:3d} epochs, kept {r['best_epoch']:3d}: "
              f"held-out loss {r['val_loss']:.3f}, accuracy {r['val_accuracy']:.1%}")  # fmt: skip


def bench(name: str, source: Path, work: Path, train_args: list[str], generate_args: list[str], seed: int,
          sweeps: tuple[bool, bool] = (False, False)) -> bool:  # fmt: skip
    print(f"{name} ({source.name})")
    model = work / f"model-{source.stem}"
    train_seconds, out = cli("train", "--midi", str(source), "--out", str(model), "--json", *train_args)
    train_cpu = CPU[0]
    result = json.loads(out.strip().splitlines()[-1])
    print(f"  trained {result['epochs']} epochs (kept {result['best_epoch']}, {result['stopped']}), "
          f"held-out loss {result['val_loss']}, accuracy {result['val_accuracy']}")  # fmt: skip
    solo = work / f"solo-{source.stem}.mid"
    _, out = cli("generate", "--model", str(model), "--out", str(solo), "--variations", "3", "--measures", "32",
                 "--seed", str(seed), "--json", *generate_args)  # fmt: skip
    files = [Path(f["file"]) for f in json.loads(out)["files"]]
    print("  originality reported: " + ", ".join(f"{f['originality']:.0%}" for f in json.loads(out)["files"]))
    one_seconds, _ = cli("generate", "--model", str(model), "--out", str(work / "one.mid"), *generate_args)
    one_cpu = CPU[0]

    lead, band, key = source_notes(source)
    generated = written_melodies(files)
    melodies = [m for m, _ in generated]
    every = [n for m in melodies for n in m]
    classes = key_classes(key, lead)

    ok = True
    copied = copied_share(melodies, lead)
    ok &= line("copied", copied, "<= 30 %", copied <= 0.30)
    src_trip, gen_trip = triplet_share(lead), triplet_share(every)
    need = src_trip / 2 if src_trip >= 0.08 else 0.0
    ok &= line("triplets", gen_trip, f">= {need:.1%} (source {src_trip:.1%})", gen_trip >= need)
    src_chord = on_chord_share(lead, band) if band else None
    gen_chord = sum(on_chord_share(m, a) for m, a in generated) / len(generated)
    if src_chord is not None:
        ok &= line("on chord", gen_chord, f">= {src_chord - 0.10:.1%} (source {src_chord:.1%})", gen_chord >= src_chord - 0.10)
        blocks = work / f"blocks-{source.stem}.mid"
        cli("generate", "--model", str(model), "--out", str(blocks), "--variations", "3", "--measures", "32",
            "--seed", str(seed), "--style", "none", *generate_args)  # fmt: skip
        held = written_melodies([blocks.with_name(f"{blocks.stem}-{k}.mid") for k in (1, 2, 3)])
        block_chord = sum(on_chord_share(m, a) for m, a in held) / len(held)
        print(f"  {'  (blocks)':<12} {block_chord:6.1%}   the same lines over block chords (--style none), for comparison")
    src_key, gen_key = in_key_share(lead, classes), in_key_share(every, classes)
    ok &= line("in key", gen_key, f">= {src_key - 0.10:.1%} (source {src_key:.1%})", gen_key >= src_key - 0.10)
    src_rep = repeated_share(lead)
    gen_rep = sum(repeated_share(m) for m in melodies) / len(melodies)
    ok &= line("repeated", gen_rep, f"<= {src_rep + 0.10:.1%} (source {src_rep:.1%})", gen_rep <= src_rep + 0.10)
    src_bars = bar_rhythms(lead)
    gen_bars = sum(bar_rhythms(m) for m in melodies) / len(melodies)
    ok &= line("bar rhythms", gen_bars, f">= {src_bars / 2:.2f} (source {src_bars:.2f})", gen_bars >= src_bars / 2, False)
    if source == METHENY:
        ok &= line("train s", train_seconds, f"<= 60 s (wall; CPU {train_cpu:.1f} s)", train_seconds <= 60, False)
    ok &= line("generate s", one_seconds, f"<= 2 s (wall; CPU {one_cpu:.2f} s)", one_seconds <= 2, False)
    if sweeps[0]:
        max_copy_sweep(model, source, work, seed)
    if sweeps[1]:
        dropout_sweep(source, work)
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", default="metheny,bundled,extra", help="which sources (comma-separated)")
    parser.add_argument("--train-args", default="", help="extra options for jazz train (to compare settings)")
    parser.add_argument("--generate-args", default="", help="extra options for jazz generate")
    parser.add_argument("--seed", type=int, default=1, help="generation seed")
    parser.add_argument("--max-copy-sweep", action="store_true", help="also generate with other --max-copy values")
    parser.add_argument("--dropout-sweep", action="store_true", help="also train with other dropout sizes")
    args = parser.parse_args(argv)
    from engine.jazz import default_piece

    wanted = set(args.sources.split(","))
    all_ok = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        sources = {}
        if "metheny" in wanted:
            if METHENY.is_file():
                sources["Metheny"] = METHENY
            else:
                print(f"Metheny: skipped ({METHENY} is absent)")
        if "bundled" in wanted:
            sources["bundled piece"] = default_piece()
        if "extra" in wanted:
            sources.update(extra_pieces(work))
        for name, path in sources.items():
            all_ok &= bench(name, path, work, shlex.split(args.train_args), shlex.split(args.generate_args), args.seed,
                            (args.max_copy_sweep, args.dropout_sweep))  # fmt: skip
    print("all pass" if all_ok else "some measures fail")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
