"""``names``: train a character-level model of names, sample from it, evaluate it.

    names train    [--corpus PATH] [--preset course|fast|best] [--ensemble K] [--cell rnn|lstm] [--hidden N]
                   [--steps N] [--batch N] [--lr X] [--seed S] [--val-split F] [--time-limit SECONDS]
                   [--out MODEL.npz] [--force] [--json]
    names sample   --model MODEL.npz [-n 10] [--temperature T] [--prefix P] [--min-length 3] [--repeats]
                   [--seed S] [--json]
    names evaluate --model MODEL.npz [--corpus PATH] [--json]
    names score / names units / names sample --beam K: see cli/_names_inspect.py

Progress goes to stderr, results to stdout; bad input gives a one-line
``error: ...`` on stderr and exit status 2. Ctrl-C during training stops it
and keeps the model so far (never over an existing model without --force).
"""

from __future__ import annotations

import json
import sys
import time

from cli._args import fail, number, whole
from engine.names.defaults import MAX_COUNT, MAX_LENGTH_LIMIT, SAMPLE_DEFAULTS


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "names",
        help="train, sample and evaluate a character-level model of names",
        description="A character-level language model that learns a list of names (dinosaurs by default) "
        "and invents new ones.",
    )
    commands = parser.add_subparsers(dest="names_command", metavar="<train|sample|evaluate|score|units>", required=True)

    train = commands.add_parser(
        "train",
        help="train a model on a list of names",
        description="Train on a UTF-8 file of names, one per line (the bundled dinosaur names by default). "
        "Progress goes to stderr; Ctrl-C stops and keeps the model so far.",
    )
    train.add_argument("--corpus", metavar="PATH", help="names file (default: the bundled dinosaurs)")
    train.add_argument("--preset", choices=("course", "fast", "best"), default="fast",
                       help="course: the notebook's procedure; fast: the tuned default; best: an ensemble "
                       "sized for the time limit (default 60 s)")
    train.add_argument("--ensemble", type=whole(1), metavar="K",
                       help="train K models with different seeds and average them (default: the preset's)")
    train.add_argument("--cell", choices=("rnn", "lstm"), help="recurrent cell (default: the preset's)")
    train.add_argument("--hidden", type=whole(1), metavar="N", help="hidden units")
    train.add_argument("--steps", type=whole(1), metavar="N", help="training steps (at most, with early stopping)")
    train.add_argument("--batch", type=whole(1), metavar="N", help="names per step")
    train.add_argument("--lr", type=number, metavar="X", help="learning rate")
    train.add_argument("--seed", type=whole(0), metavar="S", default=0, help="random seed (default 0)")
    train.add_argument("--val-split", type=number, metavar="F",
                       help="share of names held out for validation (default: the preset's, 0.1; best 0.05)")
    train.add_argument("--time-limit", type=number, metavar="SECONDS", help="stop training after this long")
    train.add_argument("--keep-case", action="store_true", help="do not lower-case the names")
    train.add_argument("--out", metavar="MODEL.npz", help="save the trained model here")
    train.add_argument("--force", action="store_true",
                       help="replace an existing model even with a stopped or worse one")
    train.add_argument("--json", action="store_true", help="print a final JSON line on stdout")
    train.set_defaults(handler=run_train)

    d = SAMPLE_DEFAULTS
    sample = commands.add_parser("sample", help="invent names with a trained model",
                                 description="Draw names from a saved model; each is marked new or known. "
                                 "No name comes twice unless --repeats is given.")
    sample.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    sample.add_argument("-n", type=whole(1), default=d.count, metavar="N",
                        help=f"how many names (default {d.count}, at most {MAX_COUNT:,})")
    sample.add_argument("--temperature", type=number, default=d.temperature, metavar="T",
                        help="below 1 safer, above 1 wilder (default 1)")
    sample.add_argument("--prefix", default="", metavar="P", help="every name starts with this")
    sample.add_argument("--seed", type=whole(0), metavar="S", help="random seed (default: different each time)")
    sample.add_argument("--min-length", type=whole(0), default=d.min_length, metavar="N",
                        help=f"shortest name (default {d.min_length})")
    sample.add_argument("--max-length", type=whole(1), default=d.max_length, metavar="N",
                        help=f"longest name (default {d.max_length}, at most {MAX_LENGTH_LIMIT:,})")
    sample.add_argument("--repeats", action="store_true", help="allow the same name more than once")
    sample.add_argument("--unique", action="store_true", help=argparse_suppress())
    sample.add_argument("--json", action="store_true", help="print the names as JSON")
    sample.set_defaults(handler=run_sample)

    evaluate = commands.add_parser(
        "evaluate",
        help="mean negative log-likelihood per character of a names file",
        description="Score every name of a file from a fresh state: the mean negative log-likelihood per "
        "character in nats, counting each name's characters and its end token.",
    )
    evaluate.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    evaluate.add_argument("--corpus", metavar="PATH",
                          help="names file, one per line (default: the bundled dinosaurs)")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.set_defaults(handler=run_evaluate)

    from cli._names_inspect import register as register_inspect

    register_inspect(commands, sample)  # score, units, and sample --beam


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS  # --unique: the default now; still accepted


def _bundled_corpus():
    from engine.resources import resource_path

    return resource_path("names", "dinosaurs.txt")


# -- train ---------------------------------------------------------------------------
def run_train(args) -> int:
    from engine.files import FileCheckError
    from engine.jobs import Interrupts, run_job
    from engine.names.corpus import CorpusError, load_corpus, split_names
    from engine.names.io import model_path
    from engine.names.train import TrainingDiverged, preset_config, train_job

    try:
        config = preset_config(
            args.preset, cell=args.cell, hidden=args.hidden, steps=args.steps, batch=args.batch, lr=args.lr,
            seed=args.seed, val_split=args.val_split, time_limit=args.time_limit, lowercase=not args.keep_case,
            ensemble=args.ensemble,
        )
        corpus = load_corpus(args.corpus or _bundled_corpus(), lowercase=config.lowercase)
        out = model_path(args.out) if args.out else None  # before training: a bad place fails now
    except (ValueError, CorpusError, FileCheckError) as exc:
        return fail(str(exc))
    train_names, val_names = split_names(corpus.names, config.val_split, config.seed)
    print(f"corpus: {corpus.source}: {corpus.describe()}", file=sys.stderr)
    what = f"{config.cell.upper()} ({config.hidden} units, preset {config.preset})"
    if config.ensemble > 1:
        sizes = "/".join(str(config.member(k).hidden) for k in range(config.ensemble))
        what = f"an ensemble of {config.ensemble} {config.cell.upper()}s ({sizes} units, preset {config.preset})"
    print(f"training {what} on {len(train_names):,} names, {len(val_names):,} held out", file=sys.stderr)

    try:
        with Interrupts("stopping: the model learnt so far, if any, is kept (Ctrl-C again to stop at once)") as interrupts:
            result = run_job(train_job(train_names, val_names, config), _progress_printer(config.time_limit),
                             interrupts)
    except KeyboardInterrupt:  # a second Ctrl-C: stop at once
        return fail("stopped at once by a second Ctrl-C; nothing was saved")
    except TrainingDiverged as exc:
        kept = f" {out} was left as it was." if out is not None and out.exists() else ""
        return fail(f"{exc}{kept}")
    except (ValueError, CorpusError, FloatingPointError) as exc:
        return fail(str(exc))
    if result is None:
        return fail("training was stopped before it had a model")
    saved_to = None
    if out is not None:
        saved_to = _save(out, result, corpus, len(val_names), args.force)
        if isinstance(saved_to, int):
            return saved_to
    _print_summary(result, config, corpus, saved_to, bool(interrupts.count), args.json)
    return 0


def _progress_printer(time_limit: float | None):
    """A report function for run_job: one line on stderr at most every second, with an honest ETA."""
    from engine.timefmt import format_duration, format_eta

    limit = f", time limit {format_duration(time_limit)}" if time_limit else ""

    last_print = [0.0]

    def report(event) -> None:
        now = time.perf_counter()
        if now - last_print[0] < 1.0 and event.step != event.total:
            return
        last_print[0] = now
        left = event.metrics.get("time_left")
        eta = format_eta(left, at_most=bool(event.metrics.get("may_stop_early")))
        print(f"  {event.message}" + (f"  ({eta}{limit})" if eta else ""), file=sys.stderr)

    return report


def _save(out, result, corpus, n_val: int, force: bool):
    """Save the result to ``out`` -- or beside it when it would replace a better or complete model."""
    from engine.names.io import free_path_beside, model_metadata, save_model, why_not_replace

    target = out
    reason = None if force else why_not_replace(out, result.val_loss, result.reason == "stopped", corpus.source)
    if reason:
        target = free_path_beside(out)
    try:
        save_model(target, result.model, result.vocab, lowercase=result.config.lowercase,
                   known_names=result.train_names, config=result.config,
                   extra=model_metadata(result, corpus.source, len(corpus.names), n_val))
    except OSError as exc:
        return fail(f"cannot write the model to {target}: {exc.strerror or exc}")
    if reason:
        print(f"note: {reason}: saved this one beside it as {target} (--force replaces it)", file=sys.stderr)
    return target


def _print_summary(result, config, corpus, saved_to, interrupted: bool, as_json: bool) -> None:
    val = "n/a" if result.val_loss is None else f"{result.val_loss:.4f}"
    how = "stopped by Ctrl-C" if interrupted else result.reason
    kept = f"kept step {result.kept_step:,}"
    if result.members:
        kept = f"kept {len(result.members)} member{'s' if len(result.members) != 1 else ''}"
    print(f"done after {result.steps:,} steps in {result.seconds:.1f} s ({how}); {kept}: "
          f"train {result.train_loss:.4f}, validation {val} nats/char", file=sys.stderr)
    print("samples: " + ", ".join(s.name for s in result.samples), file=sys.stderr)
    if saved_to is not None:
        print(f"saved {saved_to}", file=sys.stderr)
    if as_json:
        summary = {
            "train_loss": result.train_loss, "val_loss": result.val_loss, "steps": result.steps,
            "best_step": result.best_step, "kept_step": result.kept_step, "seconds": round(result.seconds, 3),
            "reason": "stopped" if interrupted else result.reason, "preset": config.preset, "cell": config.cell,
            "hidden": config.hidden, "members": max(1, len(result.members)), "corpus": str(corpus.source),
            "model": str(saved_to) if saved_to else None,
        }
        print(json.dumps(summary, allow_nan=False, default=lambda v: None))
    else:
        print(f"train_loss {result.train_loss:.4f}  val_loss {val}  steps {result.steps}  seconds {result.seconds:.1f}")


# -- sample ----------------------------------------------------------------------------
def run_sample(args) -> int:
    from engine.names.io import ModelFileError, load_model
    from engine.names.sample import SamplingError, iter_names

    try:
        saved = load_model(args.model)
        names = iter_names(
            saved.model, saved.vocab, args.n, temperature=args.temperature, prefix=args.prefix,
            max_length=args.max_length, min_length=args.min_length, seed=args.seed, known=saved.known_names,
            unique=not args.repeats, lowercase=saved.lowercase,
        )
        first = next(names, None)  # a bad request is refused here, before any output
    except (ModelFileError, SamplingError) as exc:
        return fail(str(exc))
    try:
        count = _write_names(_chain(first, names), args.json)
    except KeyboardInterrupt:
        print("\nnote: stopped by Ctrl-C", file=sys.stderr)
        return 130
    if count < args.n:
        print(f"note: {count:,} of the {args.n:,} names asked for came back: the model kept repeating itself "
              "(try a higher temperature, or --repeats)", file=sys.stderr)
    return 0


def _write_names(names, as_json: bool) -> int:
    """Write names to stdout as they come (a JSON list with ``as_json``); how many were written."""
    count = 0
    if as_json:
        sys.stdout.write("[")
    for s in names:
        if as_json:
            sys.stdout.write(("" if count == 0 else ", ") + json.dumps({"name": s.name, "new": s.new},
                                                                       ensure_ascii=False))
        else:
            sys.stdout.write(f"{s.name}  {'new' if s.new else 'known'}\n")
        count += 1
    if as_json:
        sys.stdout.write("]\n")
    sys.stdout.flush()
    return count


def _chain(first, rest):
    if first is not None:
        yield first
        yield from rest


# -- evaluate ----------------------------------------------------------------------------
def run_evaluate(args) -> int:
    from engine.names.corpus import CorpusError, load_corpus
    from engine.names.io import ModelFileError, load_model
    from engine.names.train import score_names

    try:
        saved = load_model(args.model)
        corpus = load_corpus(args.corpus or _bundled_corpus(), lowercase=saved.lowercase, min_names=1)
        nll, n_names, chars, skipped = score_names(saved.model, saved.vocab, corpus.names)
    except (ModelFileError, CorpusError) as exc:
        return fail(str(exc))
    if skipped:
        print(f"note: {skipped:,} names use characters the model has never seen and were skipped", file=sys.stderr)
    if args.json:
        print(json.dumps({"nll_per_char": nll, "names": n_names, "chars": chars, "skipped": skipped,
                          "corpus": str(corpus.source)}))
    else:
        print(f"{nll:.4f} nats per character over {n_names:,} names ({chars:,} characters) of {corpus.source}")
    return 0
