"""``jazz``: learn solos from MIDI files with an LSTM, and improvise new ones.

    jazz parts    --midi PATH [--json]
    jazz train    [--midi PATH [PATH ...] | FOLDER] [--melody-part N[,N...]] [--epochs N] [--n-a N] [--seed S]
                  [--dropout P] [--validation P] [--patience N] [--out MODEL_DIR] [--force] [--json]
    jazz generate --model MODEL_DIR --out FILE.mid [--measures N] [--temperature T] [--tempo BPM]
                  [--chords "| Dm7 G7 | Cmaj7 |"] [--swing straight|light|medium|hard|RATIO]
                  [--max-copy N] [--seed S] [--variations K] [--json]

Without ``--midi`` the bundled training piece is used. Bad input prints one
``error: ...`` line on stderr and exits with status 2. Ctrl-C stops training
at once and keeps the best model so far (beside an existing one, never over it).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from cli._args import fail, number, whole
from cli._jazz_band import add_band_options, chord_source, read_source, report_wav, write_output

EXIT_INTERRUPTED = 130
EXIT_DIVERGED = 2  # as the names command: the run was refused, nothing saved


def _share(text: str) -> float:
    value = number(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be a share from 0 up to (not including) 1, got {value}")
    return value


def _parts(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a part index or a comma-separated list of them") from None
    if any(v < 0 for v in values):
        raise argparse.ArgumentTypeError("part indices count from 0")
    return values


def register(subparsers) -> None:
    from engine.jazz.generate import DEFAULT_MAX_COPY
    from engine.jazz.model import TrainSettings

    defaults = TrainSettings()
    parser = subparsers.add_parser(
        "jazz",
        help="learn jazz solos from MIDI with an LSTM and improvise new ones",
        description="Learn solos from MIDI files with the course's LSTM, improvise over chords, "
        "and write MIDI files any DAW opens.",
    )
    commands = parser.add_subparsers(dest="jazz_command", metavar="<action>", required=True)

    parts = commands.add_parser("parts", help="list the parts of a MIDI file, the melody choice and its swing")
    parts.add_argument("--midi", type=Path, help="MIDI file (default: the bundled training piece)")
    parts.add_argument("--json", action="store_true", help="print the parts as JSON")
    parts.set_defaults(handler=run_parts)

    train = commands.add_parser("train", help="train the LSTM on the melodies of MIDI files")
    train.add_argument("--midi", type=Path, nargs="+", metavar="PATH",
                       help="MIDI files, or folders of them (default: the bundled training piece)")  # fmt: skip
    train.add_argument("--melody-part", type=_parts, metavar="N[,N...]",
                       help="index of the melody part, one per file (default: automatic)")  # fmt: skip
    train.add_argument("--epochs", type=whole(1), default=defaults.epochs, metavar="N",
                       help=f"at most this many epochs (default {defaults.epochs}; stops earlier when the "
                       "held-out phrases stop improving)")  # fmt: skip
    train.add_argument("--n-a", type=whole(1), default=defaults.n_a, metavar="N", help=f"LSTM units (default {defaults.n_a})")
    train.add_argument("--seed", type=whole(0), default=0, metavar="S", help="random seed (default 0)")
    train.add_argument("--learning-rate", type=number, default=defaults.learning_rate, metavar="R",
                       help=f"Adam step size (default {defaults.learning_rate})")  # fmt: skip
    train.add_argument("--t-x", type=whole(1), default=defaults.t_x, metavar="N",
                       help=f"window length in tokens (default {defaults.t_x})")  # fmt: skip
    train.add_argument("--stride", type=whole(1), default=defaults.stride, metavar="N",
                       help=f"tokens between windows (default {defaults.stride})")  # fmt: skip
    train.add_argument("--batch-size", type=whole(1), default=defaults.batch_size, metavar="N",
                       help=f"windows per step (default {defaults.batch_size})")  # fmt: skip
    train.add_argument("--dropout", type=_share, default=defaults.dropout, metavar="P",
                       help=f"dropout on the LSTM's inputs and outputs (default {defaults.dropout})")  # fmt: skip
    train.add_argument("--recurrent-dropout", type=_share, default=defaults.recurrent_dropout, metavar="P",
                       help=f"dropout on the LSTM's state (default {defaults.recurrent_dropout})")  # fmt: skip
    train.add_argument("--validation", type=_share, default=defaults.validation, metavar="P",
                       help=f"share of the phrases held out (default {defaults.validation}; 0 = none)")  # fmt: skip
    train.add_argument("--patience", type=whole(1), default=defaults.patience, metavar="N",
                       help=f"stop after N epochs without a better held-out loss (default {defaults.patience})")  # fmt: skip
    train.add_argument("--out", type=Path, metavar="MODEL_DIR", help="save the trained model into this folder")
    train.add_argument("--force", action="store_true",
                       help="replace a model in --out even by a partial or worse one")  # fmt: skip
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    train.set_defaults(handler=run_train)

    gen = commands.add_parser("generate", help="improvise with a trained model and write MIDI")
    gen.add_argument("--model", type=Path, required=True, metavar="MODEL_DIR", help="folder of a trained model")
    gen.add_argument("--out", type=Path, required=True, metavar="FILE.mid", help="MIDI file to write")
    gen.add_argument("--measures", type=whole(1), default=32, metavar="N", help="measures to improvise (default 32)")
    gen.add_argument("--temperature", type=number, default=0.7, metavar="T", help="0 = always the likeliest (default 0.7)")
    gen.add_argument("--tempo", type=number, metavar="BPM", help="tempo (default: the source's)")
    gen.add_argument("--chords", metavar='"| Dm7 G7 | Cmaj7 |"',
                     help="chord changes: bars with one or more chords, %% repeats a bar; or one symbol per "
                     "measure (default: the source's)")  # fmt: skip
    gen.add_argument("--swing", metavar="FEEL", help="straight, light, medium, hard or a long:short ratio such as 1.6 "
                     "(default: the source's swing)")  # fmt: skip
    gen.add_argument("--max-copy", type=whole(1), default=DEFAULT_MAX_COPY, metavar="N",
                     help=f"never copy more than N tokens (or N rhythms) of the training music in a row "
                     f"(default {DEFAULT_MAX_COPY})")  # fmt: skip
    gen.add_argument("--seed", type=whole(0), metavar="S", help="random seed (default: a fresh one, printed)")
    gen.add_argument("--variations", type=whole(1), default=1, metavar="K", help="files to write (default 1)")
    gen.add_argument("--primer", choices=("window", "none"), default="window", help="warm-up: a training window or nothing")
    gen.add_argument("--melody-program", type=whole(0), default=26, metavar="P", help="GM program (default 26, jazz guitar)")
    gen.add_argument("--chord-program", type=whole(0), default=None, metavar="P",
                     help="GM program of the comping (default: the style's, e.g. 0 piano; nylon guitar for bossa)")
    gen.add_argument("--json", action="store_true", help="end with one JSON line listing the files")
    add_band_options(gen)
    gen.set_defaults(handler=run_generate)


def _midi_paths(args) -> list[Path]:
    from engine.jazz import default_piece
    from engine.jazz.several import MIDI_SUFFIXES, midi_files

    if args.midi is None:
        return [default_piece()]
    sources = (*MIDI_SUFFIXES, ".musicxml", ".mxl", ".abc")  # lead sheets train too (jazz-band)
    return midi_files(args.midi if isinstance(args.midi, list) else [args.midi], sources)


def _swing_line(notes) -> str:
    from engine.jazz.swing import describe_swing, swing_ratio

    return describe_swing(swing_ratio(notes))


def run_parts(args) -> int:
    from engine.jazz import JazzError
    from engine.jazz.melody import pick_melody

    try:
        (path,) = _midi_paths(args)
        song = read_source(path)
    except JazzError as exc:
        return fail(str(exc))
    try:
        melody, reason = pick_melody(song), None
    except JazzError as exc:
        melody, reason = None, str(exc)
    swing = _swing_line(song.parts[melody].notes) if melody is not None else None
    others = [p for p in song.parts if not p.is_drums and p.index != melody]
    chords_note = None
    if melody is not None and not others:
        chords_note = "no other pitched part plays: chords will be inferred from the melody itself (type them with --chords)"

    rows = [
        {
            "index": p.index,
            "name": p.name,
            "program": p.program,
            "instrument": p.instrument,
            "channel": p.channel,
            "notes": p.note_count,
            "pitch_range": list(p.pitch_range),
            "polyphony": round(p.polyphony, 3),
            "max_voices": p.max_voices,
            "drums": p.is_drums,
            "melody": p.index == melody,
        }
        for p in song.parts
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "file": str(song.path),
                    "type": song.midi_type,
                    "tempo": round(song.tempo, 3),
                    "tempo_changes": len(song.tempos) - 1,
                    "time_signatures": [str(ts) for ts in song.time_signatures],
                    "key": song.key,
                    "melody": melody,
                    "melody_problem": reason,
                    "swing": swing,
                    "chords_inferred": chords_note is not None,
                    "warnings": list(song.warnings),
                    "parts": rows,
                }
            )
        )
        return 0

    meters = ", ".join(dict.fromkeys(str(ts) for ts in song.time_signatures))
    from engine.jazz.spelling import range_name
    from engine.jazz.tempo_map import describe_tempo

    tempo = describe_tempo(song.tempo_segments, ascii=True)
    print(f"{song.name}: type {song.midi_type}, {tempo}, {meters}, key {song.key or 'not set'}")
    print(f"{'#':>3}  {'name':<22} {'instrument':<24} {'ch':>3} {'notes':>6}  {'range':<8} {'poly':>5}")
    for r in rows:
        low, high = r["pitch_range"]
        mark = "  <- melody" if r["melody"] else ("  (drums)" if r["drums"] else "")
        print(
            f"{r['index']:>3}  {r['name'][:22]:<22} {r['instrument'][:24]:<24} {r['channel'] + 1:>3} "
            f"{r['notes']:>6}  {range_name(low, high, song.key, ascii=True):<8} {r['polyphony']:>5.0%}{mark}"
        )
    if reason:
        print(f"melody: {reason}")
    if swing:
        print(f"swing: {swing}")
    if chords_note:
        print(f"warning: {chords_note}")
    for warning in song.warnings:
        print(f"note: {warning}")
    return 0


def _corpus(args):
    """The training corpus of every file named (JazzError for bad files or parts)."""
    from engine.jazz import build_corpus
    from engine.jazz.errors import CorpusError

    paths = _midi_paths(args)
    songs = [read_source(p) for p in paths]
    melodies = args.melody_part
    if melodies is not None and len(melodies) == 1 and len(songs) > 1:
        raise CorpusError(f"Give one melody part per file with --melody-part (e.g. 0,2,...): {len(songs)} files.")
    return songs, build_corpus(songs, melody=melodies if melodies is None or len(songs) > 1 else melodies[0])


def _describe_corpus(corpus) -> None:
    """What the corpus is, its swing and every warning (chords inferred from the melody...), on stderr."""
    for line in corpus.describe():
        print(line, file=sys.stderr)
    for warning in corpus.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    if corpus.chords_inferred and not any("chord" in w.lower() for w in corpus.warnings):
        print("warning: the chords were inferred from the melody itself; type them with --chords", file=sys.stderr)


def run_train(args) -> int:
    from engine.files import FileCheckError, check_output_path
    from engine.jazz import JazzError, Training, TrainSettings
    from engine.jazz.storage import is_model_folder, model_destination, save_model
    from engine.jobs import Interrupts, run_job

    began = time.perf_counter()
    try:
        if args.out is not None:  # before any training: an unusable output is found now, not after
            check_output_path(args.out, "model", folder=True)
            if args.out.is_dir() and any(args.out.iterdir()) and not is_model_folder(args.out):
                return fail(f"{args.out} holds other files; choose a new folder name for the model.")
        songs, corpus = _corpus(args)
        settings = TrainSettings(
            epochs=args.epochs,
            n_a=args.n_a,
            learning_rate=args.learning_rate,
            t_x=args.t_x,
            stride=args.stride,
            batch_size=args.batch_size,
            seed=args.seed,
            dropout=args.dropout,
            recurrent_dropout=args.recurrent_dropout,
            validation=args.validation,
            patience=args.patience,
        )
        training = Training(corpus, settings)
        job = training.job()
    except (JazzError, FileCheckError) as exc:
        return fail(str(exc))

    _describe_corpus(corpus)
    last_print = [0.0]

    def report(event) -> None:
        now = time.perf_counter()
        if not event.metrics:
            if not event.message.startswith("Epoch"):  # set-up messages, not progress inside an epoch
                print(event.message, file=sys.stderr)
            return
        if event.step == event.total or event.step == 1 or now - last_print[0] >= 2.0:
            print(event.message, file=sys.stderr)
            last_print[0] = now

    interrupted = False
    try:
        notice = "stopping: the best epoch learnt so far, if any, is kept (Ctrl-C again to stop at once)"
        with Interrupts(notice) as interrupts:
            model = run_job(job, report, should_finish=interrupts)
        interrupted = interrupts.count > 0
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once, still keep the best epoch so far
        model, interrupted = training.model, True
    if interrupted:
        print("interrupted: " + (training.outcome or "stopped as asked."), file=sys.stderr)
    else:
        print(training.outcome, file=sys.stderr)
    if model is None:
        print("nothing saved", file=sys.stderr)
        return EXIT_INTERRUPTED if interrupted else EXIT_DIVERGED

    saved = None
    if args.out is not None:
        try:
            saved, note = model_destination(model, args.out, args.force)
            save_model(model, saved)
        except (JazzError, OSError) as exc:
            return fail(f"could not save the model into {args.out}: {exc}")
        print(note, file=sys.stderr)
    else:
        print("model not saved (use --out MODEL_DIR to keep it)", file=sys.stderr)

    if args.json:
        history = model.history
        best = max(0, model.best_epoch - 1)
        print(
            json.dumps(
                {
                    "epochs": model.epochs_trained,
                    "best_epoch": model.best_epoch,
                    "stopped": model.stopped,
                    "loss": history["loss"][best],
                    "accuracy": history["accuracy"][best],
                    "val_loss": history["val_loss"][best] if history.get("val_loss") else None,
                    "val_accuracy": history["val_accuracy"][best] if history.get("val_accuracy") else None,
                    "vocab_size": corpus.vocab_size,
                    "tokens": corpus.token_count,
                    "measures": len(corpus.measures),
                    "files": len(songs),
                    "melody_part": corpus.melody_index,
                    "n_a": settings.n_a,
                    "seed": settings.seed,
                    "training_seconds": round(model.seconds, 3),
                    "seconds": round(time.perf_counter() - began, 3),
                    "model": None if saved is None else str(saved),
                }
            )
        )
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_DIVERGED if model.stopped == "diverged" else 0


def _variation_paths(out: Path, count: int) -> list[Path]:
    if count == 1:
        return [out]
    suffix = out.suffix or ".mid"
    return [out.with_name(f"{out.stem}-{k + 1}{suffix}") for k in range(count)]


def run_generate(args) -> int:
    from engine.files import FileCheckError, check_output_path
    from engine.jazz import ExportOptions, JazzError, generate, load_model

    began = time.perf_counter()
    options = ExportOptions(tempo=args.tempo, melody_program=args.melody_program, chord_program=args.chord_program)
    paths = _variation_paths(args.out, args.variations)
    try:
        for path in paths:
            check_output_path(path, "MIDI file")
        if args.wav is not None:  # found now, not after the MIDI files are written
            check_output_path(args.wav, "WAV file")
        options.validate()
        model = load_model(args.model)
        improvisations = generate(
            model,
            measures=args.measures,
            temperature=args.temperature,
            seed=args.seed,
            variations=args.variations,
            primer=args.primer,
            chords=chord_source(args.chords),
            swing=args.swing,
            max_copy=args.max_copy,
        )
    except (JazzError, FileCheckError) as exc:
        return fail(str(exc))

    written = []
    for improv, path in zip(improvisations, paths, strict=True):
        try:
            write_output(improv, path, options, args)
        except (JazzError, OSError) as exc:
            return fail(f"could not write {path}: {exc}")
        written.append(
            {
                "file": str(path),
                "notes": len(improv.melody),
                "measures": improv.measures,
                "seed": improv.seed,
                "swing": improv.swing,
                "originality": round(improv.originality, 4),
            }
        )
        print(
            f"wrote {path}: {improv.measures} measures, {len(improv.melody)} notes over "
            f"{' '.join(c.symbol for c in improv.chords[:4])}{' ...' if improv.measures > 4 else ''}; "
            f"{improv.originality:.0%} original, seed {improv.seed}",
            file=sys.stderr,
        )
    if report_wav(improvisations, options, args):
        return 2
    seed = improvisations[0].seed
    print(f"seed {seed} (use --seed {seed} to generate the same again)", file=sys.stderr)
    if args.json:
        print(json.dumps({"files": written, "seed": seed, "seconds": round(time.perf_counter() - began, 3)}))
    return 0
