"""``jazz``: learn a solo from a MIDI file with an LSTM, and improvise new ones.

    jazz parts    --midi PATH [--json]
    jazz train    [--midi PATH] [--melody-part N] [--epochs N] [--n-a N] [--seed S] [--out MODEL_DIR] [--json]
    jazz generate --model MODEL_DIR --out FILE.mid [--measures N] [--temperature T] [--tempo BPM]
                  [--chords "Dm7 G7 Cmaj7 Cmaj7"] [--seed S] [--variations K]

Without ``--midi`` the bundled training piece is used. Bad input prints one
``error: ...`` line on stderr and exits with status 2.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from cli._args import fail, number, whole
from cli._jazz_band import add_band_options, chords_for_generate, read_source, report_wav, write_output


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "jazz",
        help="learn a jazz solo from MIDI with an LSTM and improvise new ones",
        description="Learn a solo from a MIDI file with the course's LSTM, improvise over chords, "
        "and write MIDI files any DAW opens.",
    )
    commands = parser.add_subparsers(dest="jazz_command", metavar="<action>", required=True)

    parts = commands.add_parser("parts", help="list the parts of a MIDI file and the melody choice")
    parts.add_argument("--midi", type=Path, help="MIDI file (default: the bundled training piece)")
    parts.add_argument("--json", action="store_true", help="print the parts as JSON")
    parts.set_defaults(handler=run_parts)

    train = commands.add_parser("train", help="train the LSTM on a MIDI file's melody")
    train.add_argument("--midi", type=Path, help="MIDI file (default: the bundled training piece)")
    train.add_argument("--melody-part", type=whole(0), metavar="N", help="index of the melody part (default: automatic)")
    train.add_argument("--epochs", type=whole(1), default=100, metavar="N", help="training epochs (default 100)")
    train.add_argument("--n-a", type=whole(1), default=64, metavar="N", help="LSTM units (default 64)")
    train.add_argument("--seed", type=whole(0), default=0, metavar="S", help="random seed (default 0)")
    train.add_argument("--learning-rate", type=number, default=0.01, metavar="R", help="Adam step size (default 0.01)")
    train.add_argument("--t-x", type=whole(1), default=30, metavar="N", help="window length in tokens (default 30)")
    train.add_argument("--stride", type=whole(1), default=1, metavar="N", help="tokens between windows (default 1)")
    train.add_argument("--batch-size", type=whole(1), default=32, metavar="N", help="windows per step (default 32)")
    train.add_argument("--out", type=Path, metavar="MODEL_DIR", help="save the trained model into this folder")
    train.add_argument("--json", action="store_true", help="end with one JSON line of results")
    train.set_defaults(handler=run_train)

    gen = commands.add_parser("generate", help="improvise with a trained model and write MIDI")
    gen.add_argument("--model", type=Path, required=True, metavar="MODEL_DIR", help="folder of a trained model")
    gen.add_argument("--out", type=Path, required=True, metavar="FILE.mid", help="MIDI file to write")
    gen.add_argument("--measures", type=whole(1), default=32, metavar="N", help="measures to improvise (default 32)")
    gen.add_argument("--temperature", type=number, default=0.7, metavar="T", help="0 = always the likeliest (default 0.7)")
    gen.add_argument("--tempo", type=number, metavar="BPM", help="tempo (default: the source's)")
    gen.add_argument("--chords", metavar='"Dm7 G7 ..."', help="chord symbols, one per measure (default: the source's)")
    gen.add_argument("--seed", type=whole(0), metavar="S", help="random seed (default: a fresh one, printed)")
    gen.add_argument("--variations", type=whole(1), default=1, metavar="K", help="files to write (default 1)")
    gen.add_argument("--primer", choices=("window", "none"), default="window", help="warm-up: a training window or nothing")
    gen.add_argument("--melody-program", type=whole(0), default=26, metavar="P", help="GM program (default 26, jazz guitar)")
    gen.add_argument("--chord-program", type=whole(0), default=0, metavar="P", help="GM program (default 0, piano)")
    gen.add_argument("--json", action="store_true", help="end with one JSON line listing the files")
    add_band_options(gen)
    gen.set_defaults(handler=run_generate)


def _midi_path(args) -> Path:
    from engine.jazz import default_piece

    return args.midi if args.midi is not None else default_piece()


def run_parts(args) -> int:
    from engine.jazz import JazzError
    from engine.jazz.melody import pick_melody

    try:
        song = read_source(_midi_path(args))
    except JazzError as exc:
        return fail(str(exc))
    try:
        melody, reason = pick_melody(song), None
    except JazzError as exc:
        melody, reason = None, str(exc)

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
                    "warnings": list(song.warnings),
                    "parts": rows,
                }
            )
        )
        return 0

    meters = ", ".join(dict.fromkeys(str(ts) for ts in song.time_signatures))
    print(f"{song.name}: type {song.midi_type}, {song.tempo:.0f} BPM, {meters}, key {song.key or 'not set'}")
    print(f"{'#':>3}  {'name':<22} {'instrument':<24} {'ch':>3} {'notes':>6}  {'range':<8} {'poly':>5}")
    for r in rows:
        low, high = r["pitch_range"]
        mark = "  <- melody" if r["melody"] else ("  (drums)" if r["drums"] else "")
        print(
            f"{r['index']:>3}  {r['name'][:22]:<22} {r['instrument'][:24]:<24} {r['channel'] + 1:>3} "
            f"{r['notes']:>6}  {low:>3}-{high:<4} {r['polyphony']:>5.0%}{mark}"
        )
    if reason:
        print(f"melody: {reason}")
    for warning in song.warnings:
        print(f"note: {warning}")
    return 0


def run_train(args) -> int:
    from engine.jazz import JazzError, Training, TrainSettings, build_corpus, save_model
    from engine.jobs import run_job

    began = time.perf_counter()
    try:
        song = read_source(_midi_path(args))
        corpus = build_corpus(song, args.melody_part)
        settings = TrainSettings(
            epochs=args.epochs,
            n_a=args.n_a,
            learning_rate=args.learning_rate,
            t_x=args.t_x,
            stride=args.stride,
            batch_size=args.batch_size,
            seed=args.seed,
        )
        training = Training(corpus, settings)
        job = training.job()
    except JazzError as exc:
        return fail(str(exc))
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        return fail(f"{args.out} is a file; a model is saved into a folder.")

    melody = song.parts[corpus.melody_index]
    print(
        f"{song.name}: melody part {melody.index} '{melody.name}', {len(corpus.measures)} measures, "
        f"{corpus.token_count} tokens, vocabulary {corpus.vocab_size}",
        file=sys.stderr,
    )
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

    try:
        model = run_job(job, report)
    except KeyboardInterrupt:  # Ctrl-C: keep what the finished epochs learnt, as the window's Stop does
        so_far = training.model
        if so_far is None:
            print("interrupted before the first epoch ended; nothing saved", file=sys.stderr)
        elif args.out is None:
            print(f"interrupted after {so_far.epochs_trained} of {settings.epochs} epochs; nothing saved "
                  "(use --out MODEL_DIR to keep it)", file=sys.stderr)
        else:
            try:
                save_model(so_far, args.out)
            except (JazzError, OSError) as exc:
                return fail(f"could not save the model into {args.out}: {exc}")
            print(f"interrupted after {so_far.epochs_trained} of {settings.epochs} epochs; "
                  f"saved the model so far in {args.out}", file=sys.stderr)
        return 130

    if args.out is not None:
        try:
            save_model(model, args.out)
        except (JazzError, OSError) as exc:
            return fail(f"could not save the model into {args.out}: {exc}")
        print(f"saved {args.out}", file=sys.stderr)
    else:
        print("model not saved (use --out MODEL_DIR to keep it)", file=sys.stderr)

    if args.json:
        print(
            json.dumps(
                {
                    "epochs": model.epochs_trained,
                    "loss": model.history["loss"][-1],
                    "accuracy": model.history["accuracy"][-1],
                    "vocab_size": corpus.vocab_size,
                    "tokens": corpus.token_count,
                    "measures": len(corpus.measures),
                    "melody_part": corpus.melody_index,
                    "n_a": settings.n_a,
                    "seed": settings.seed,
                    "training_seconds": round(model.seconds, 3),
                    "seconds": round(time.perf_counter() - began, 3),
                    "model": None if args.out is None else str(args.out),
                }
            )
        )
    return 0


def _variation_paths(out: Path, count: int) -> list[Path]:
    if count == 1:
        return [out]
    suffix = out.suffix or ".mid"
    return [out.with_name(f"{out.stem}-{k + 1}{suffix}") for k in range(count)]


def run_generate(args) -> int:
    from engine.jazz import ExportOptions, JazzError, generate, load_model

    began = time.perf_counter()
    options = ExportOptions(tempo=args.tempo, melody_program=args.melody_program, chord_program=args.chord_program)
    try:
        options.validate()
        model = load_model(args.model)
        improvisations = generate(
            model,
            measures=args.measures,
            temperature=args.temperature,
            seed=args.seed,
            variations=args.variations,
            primer=args.primer,
            chords=chords_for_generate(args.chords),
        )
    except JazzError as exc:
        return fail(str(exc))

    written = []
    for improv, path in zip(improvisations, _variation_paths(args.out, args.variations), strict=True):
        try:
            write_output(improv, path, options, args)
        except (JazzError, OSError) as exc:
            return fail(f"could not write {path}: {exc}")
        written.append(
            {"file": str(path), "notes": len(improv.melody), "measures": improv.measures, "seed": improv.seed}
        )
        print(
            f"wrote {path}: {improv.measures} measures, {len(improv.melody)} notes over "
            f"{' '.join(c.symbol for c in improv.chords[:4])}{' ...' if improv.measures > 4 else ''}",
            file=sys.stderr,
        )
    if report_wav(improvisations, options, args):
        return 2
    seed = improvisations[0].seed
    print(f"seed {seed} (use --seed {seed} to generate the same again)", file=sys.stderr)
    if args.json:
        print(json.dumps({"files": written, "seed": seed, "seconds": round(time.perf_counter() - began, 3)}))
    return 0
