"""``names``: train a character-level model of names, sample from it, evaluate it.

    names train    [--corpus PATH] [--preset course|fast] [--cell rnn|lstm] [--hidden N] [--steps N]
                   [--batch N] [--lr X] [--seed S] [--val-split F] [--time-limit SECONDS]
                   [--out MODEL.npz] [--json]
    names sample   --model MODEL.npz [-n 10] [--temperature T] [--prefix P] [--seed S]
    names evaluate --model MODEL.npz --corpus PATH [--json]
    names score / names units / names sample --beam K: see cli/_names_inspect.py

Progress goes to stderr, results to stdout; bad input gives a one-line
``error: ...`` on stderr and exit status 2.
"""

from __future__ import annotations

import json
import sys
import time

from cli._args import fail, number, whole


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
        "Progress goes to stderr.",
    )
    train.add_argument("--corpus", metavar="PATH", help="names file (default: the bundled dinosaurs)")
    train.add_argument("--preset", choices=("course", "fast"), default="fast",
                       help="course: the notebook's procedure; fast: the tuned default (default fast)")
    train.add_argument("--cell", choices=("rnn", "lstm"), help="recurrent cell (default: the preset's)")
    train.add_argument("--hidden", type=whole(1), metavar="N", help="hidden units")
    train.add_argument("--steps", type=whole(1), metavar="N", help="training steps (at most, with early stopping)")
    train.add_argument("--batch", type=whole(1), metavar="N", help="names per step")
    train.add_argument("--lr", type=number, metavar="X", help="learning rate")
    train.add_argument("--seed", type=whole(0), metavar="S", default=0, help="random seed (default 0)")
    train.add_argument("--val-split", type=number, metavar="F", default=0.1,
                       help="share of names held out for validation (default 0.1)")
    train.add_argument("--time-limit", type=number, metavar="SECONDS", help="stop training after this long")
    train.add_argument("--keep-case", action="store_true", help="do not lower-case the names")
    train.add_argument("--out", metavar="MODEL.npz", help="save the trained model here")
    train.add_argument("--json", action="store_true", help="print a final JSON line on stdout")
    train.set_defaults(handler=run_train)

    sample = commands.add_parser("sample", help="invent names with a trained model",
                                 description="Draw names from a saved model; each is marked new or known.")
    sample.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    sample.add_argument("-n", type=whole(1), default=10, metavar="N", help="how many names (default 10)")
    sample.add_argument("--temperature", type=number, default=1.0, metavar="T",
                        help="below 1 safer, above 1 wilder (default 1)")
    sample.add_argument("--prefix", default="", metavar="P", help="every name starts with this")
    sample.add_argument("--seed", type=whole(0), metavar="S", help="random seed (default: different each time)")
    sample.add_argument("--max-length", type=whole(1), default=50, metavar="N", help="longest name (default 50)")
    sample.add_argument("--unique", action="store_true", help="no name twice")
    sample.add_argument("--json", action="store_true", help="print the names as JSON")
    sample.set_defaults(handler=run_sample)

    evaluate = commands.add_parser(
        "evaluate",
        help="mean negative log-likelihood per character of a names file",
        description="Score every name of a file from a fresh state: the mean negative log-likelihood per "
        "character in nats, counting each name's characters and its end token.",
    )
    evaluate.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    evaluate.add_argument("--corpus", metavar="PATH", required=True, help="names file, one per line")
    evaluate.add_argument("--json", action="store_true", help="print the result as JSON")
    evaluate.set_defaults(handler=run_evaluate)

    from cli._names_inspect import register as register_inspect

    register_inspect(commands, sample)  # score, units, and sample --beam


def _format_seconds(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


# -- train ---------------------------------------------------------------------------
def run_train(args) -> int:
    from engine.jobs import run_job
    from engine.names.corpus import CorpusError, load_corpus, split_names
    from engine.names.io import save_model
    from engine.names.train import preset_config, train_job
    from engine.resources import resource_path

    corpus_path = args.corpus or resource_path("names", "dinosaurs.txt")
    try:
        config = preset_config(
            args.preset, cell=args.cell, hidden=args.hidden, steps=args.steps, batch=args.batch, lr=args.lr,
            seed=args.seed, val_split=args.val_split, time_limit=args.time_limit, lowercase=not args.keep_case,
        )
        corpus = load_corpus(corpus_path, lowercase=config.lowercase)
    except (ValueError, CorpusError) as exc:
        return fail(str(exc))
    out = _output_path(args.out)
    if isinstance(out, int):
        return out
    train_names, val_names = split_names(corpus.names, config.val_split, config.seed)
    print(f"corpus: {corpus.source}: {corpus.describe()}", file=sys.stderr)
    print(f"training {config.cell.upper()} ({config.hidden} units, preset {config.preset}) on "
          f"{len(train_names):,} names, {len(val_names):,} held out", file=sys.stderr)

    last_print = [0.0]
    start = time.perf_counter()

    def report(event) -> None:
        now = time.perf_counter()
        if now - last_print[0] < 1.0 and event.step != event.total:
            return
        last_print[0] = now
        elapsed = now - start
        eta = ""
        fraction = event.fraction
        if config.time_limit:
            fraction = max(fraction or 0.0, min(1.0, elapsed / config.time_limit))
        if fraction:
            eta = f"  ETA {_format_seconds(elapsed * (1 - fraction) / fraction)}"
        print(f"  {event.message}{eta}", file=sys.stderr)

    try:
        result = run_job(train_job(train_names, val_names, config), report)
    except (ValueError, CorpusError, FloatingPointError) as exc:
        return fail(str(exc))
    summary = {
        "train_loss": result.train_loss,
        "val_loss": result.val_loss,
        "steps": result.steps,
        "best_step": result.best_step,
        "seconds": round(result.seconds, 3),
        "reason": result.reason,
        "preset": config.preset,
        "cell": config.cell,
        "hidden": config.hidden,
        "corpus": str(corpus.source),
        "model": str(out) if out else None,
    }
    if out is not None:
        try:
            save_model(out, result.model, result.vocab, lowercase=config.lowercase, known_names=train_names,
                       config=config, extra=_model_extra(result, corpus, len(val_names)))
        except OSError as exc:
            return fail(f"cannot write the model to {out}: {exc.strerror or exc}")
    val = "n/a" if result.val_loss is None else f"{result.val_loss:.4f}"
    print(f"done after {result.steps:,} steps in {result.seconds:.1f} s ({result.reason}); kept step "
          f"{result.best_step:,}: train {result.train_loss:.4f}, validation {val} nats/char", file=sys.stderr)
    print("samples: " + ", ".join(s.name for s in result.samples), file=sys.stderr)
    if out is not None:
        print(f"saved {out}", file=sys.stderr)
    if args.json:
        print(json.dumps(summary, allow_nan=False, default=lambda v: None))
    else:
        print(f"train_loss {result.train_loss:.4f}  val_loss {val}  steps {result.steps}  seconds {result.seconds:.1f}")
    return 0


def _output_path(text: str | None):
    """The model path to write (``.npz`` added when missing), None, or an exit status for a bad one."""
    from pathlib import Path

    if not text:
        return None
    out = Path(text)
    if out.suffix.lower() != ".npz":
        out = out.with_name(out.name + ".npz")
    if out.is_dir():
        return fail(f"{out} is a folder; give a file name such as {out / 'model.npz'}")
    parent = out.parent if str(out.parent) else Path(".")
    existing = next((p for p in (parent, *parent.parents) if p.exists()), None)
    if existing is not None and not existing.is_dir():
        return fail(f"cannot write {out}: {existing} is a file, not a folder")
    return out


def _model_extra(result, corpus, n_val: int) -> dict:
    return {
        "train_loss": result.train_loss,
        "val_loss": result.val_loss,
        "steps": result.steps,
        "best_step": result.best_step,
        "seconds": round(result.seconds, 3),
        "corpus": {"source": str(corpus.source), "names": len(corpus.names), "validation": n_val},
    }


# -- sample ----------------------------------------------------------------------------
def run_sample(args) -> int:
    from engine.names.io import ModelFileError, load_model
    from engine.names.sample import SamplingError, sample_names

    try:
        saved = load_model(args.model)
        names = sample_names(
            saved.model, saved.vocab, args.n, temperature=args.temperature, prefix=args.prefix,
            max_length=args.max_length, seed=args.seed, known=saved.known_names, unique=args.unique,
            lowercase=saved.lowercase,
        )
    except (ModelFileError, SamplingError) as exc:
        return fail(str(exc))
    if args.json:
        print(json.dumps([{"name": s.name, "new": s.new} for s in names], ensure_ascii=False))
        return 0
    width = max(len(s.name) for s in names)
    for s in names:
        print(f"{s.name:<{width}}  {'new' if s.new else 'known'}")
    return 0


# -- evaluate ----------------------------------------------------------------------------
def run_evaluate(args) -> int:
    from engine.names.corpus import CorpusError, load_corpus
    from engine.names.io import ModelFileError, load_model
    from engine.names.train import score_names

    try:
        saved = load_model(args.model)
        corpus = load_corpus(args.corpus, lowercase=saved.lowercase, min_names=1)
        nll, n_names, chars, skipped = score_names(saved.model, saved.vocab, corpus.names)
    except (ModelFileError, CorpusError) as exc:
        return fail(str(exc))
    if skipped:
        print(f"note: {skipped:,} names use characters the model has never seen and were skipped", file=sys.stderr)
    if args.json:
        print(json.dumps({"nll_per_char": nll, "names": n_names, "chars": chars, "skipped": skipped}))
    else:
        print(f"{nll:.4f} nats per character over {n_names:,} names ({chars:,} characters)")
    return 0
