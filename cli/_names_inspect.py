"""``names score``, ``names units`` and ``names sample --beam K``: looking inside a trained names model.

    names score  --model MODEL.npz NAME... [--json]
    names units  --model MODEL.npz [NAME...] [--corpus PATH] [--unit N] [--quantity Q] [--search] [--top K] [--json]
    names sample --model MODEL.npz --beam K [--prefix P] [--min-length N] [--json]

Registered by :mod:`cli.names`; the engine side is :mod:`engine.names.inspect`.
"""

from __future__ import annotations

import json
import sys

from cli._args import fail, whole

_BARS = "▁▂▃▄▅▆▇█"
_QUANTITIES = ("hidden", "cell", "forget", "input", "output", "candidate")  # engine.names.inspect.QUANTITIES


def register(commands, sample) -> None:
    """Add ``score`` and ``units`` to the ``names`` subcommands, and ``--beam`` to ``names sample``."""
    score = commands.add_parser(
        "score",
        help="how likely the model finds each name, character by character",
        description="Score names with a trained model: the probability of each character and of the end, "
        "its surprise -ln p in nats, the surprise per character, and how the name ranks against the "
        "training names (rank 1 = the most likely).",
    )
    score.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    score.add_argument("names", nargs="+", metavar="NAME", help="names to score")
    score.add_argument("--json", action="store_true", help="print one JSON line")
    score.set_defaults(handler=run_score)

    units = commands.add_parser(
        "units",
        help="what the hidden units do as the model reads names",
        description="Show one unit's value after each character of some names (the most active unit by "
        "default), or --search for the units that best follow the position in the name, the characters "
        "still to come, and vowels. For an LSTM the cell state and each gate can be chosen.",
    )
    units.add_argument("--model", metavar="MODEL.npz", required=True, help="a model saved by 'names train'")
    units.add_argument("names", nargs="*", metavar="NAME", help="names to read (default: training names)")
    units.add_argument("--corpus", metavar="PATH", help="read the names from this file instead")
    units.add_argument("--limit", type=whole(1), default=12, metavar="N",
                       help="training names to show when none are given (default 12; --search uses all)")
    units.add_argument("--unit", type=whole(0), metavar="N", help="unit number from 0 (default: the most active)")
    units.add_argument("--quantity", choices=_QUANTITIES, default="hidden",
                       help="hidden state, or for an LSTM its cell state or a gate (default hidden)")
    units.add_argument("--search", action="store_true", help="rank units by correlation with simple features")
    units.add_argument("--top", type=whole(1), default=5, metavar="K", help="units per feature (default 5)")
    units.add_argument("--member", type=whole(0), default=0, metavar="K",
                       help="for an ensemble, which member to look inside, from 0 (default 0)")
    units.add_argument("--json", action="store_true", help="print one JSON line")
    units.set_defaults(handler=run_units)

    sample.add_argument("--beam", type=whole(1), metavar="K",
                        help="instead of drawing names, find the K most likely ones by beam search "
                        "(at least 3 characters, or --min-length where the command has it)")
    sampled = sample.get_default("handler")
    sample.set_defaults(handler=lambda args: run_beam(args) if args.beam else sampled(args))


def _load(path):
    from engine.names.io import load_model

    return load_model(path)


def _errors():
    from engine.names.corpus import CorpusError
    from engine.names.inspect import InspectError
    from engine.names.io import ModelFileError

    return CorpusError, InspectError, ModelFileError


def _emit(text: str) -> None:
    """Print; a reader that has gone (``| head``) ends the output quietly."""
    import os

    try:
        print(text, flush=True)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


# -- score -----------------------------------------------------------------------------------
def run_score(args) -> int:
    from engine.names.inspect import score_name, training_surprise

    try:
        saved = _load(args.model)
        reference = training_surprise(saved.model, saved.vocab, saved.known_names)
        scores = [
            score_name(saved.model, saved.vocab, name, lowercase=saved.lowercase, reference=reference,
                       known=saved.known_names)
            for name in args.names
        ]
    except _errors() as exc:
        return fail(str(exc))
    if args.json:
        _emit(json.dumps([
            {
                "name": s.name,
                "chars": [{"char": ch, "p": float(p), "surprise": float(x)}
                          for ch, p, x in zip(s.chars, s.probabilities, s.surprise, strict=True)],
                "total": s.total,
                "per_char": s.per_char,
                "rank": s.rank,
                "out_of": s.out_of,
                "better_than": s.better_than,
                "known": s.known,
            }
            for s in scores
        ], ensure_ascii=False))
        return 0
    lines = []
    for s in scores:
        standing = ""
        if s.rank is not None and s.rank > s.out_of:
            standing = f"; less likely than all {s.out_of:,} training names"
        elif s.rank is not None:
            standing = f"; rank {s.rank:,} of {s.out_of:,} training names (more likely than {s.better_than:.0%})"
        lines.append(f"{s.name}: {s.per_char:.3f} nats per character, {s.total:.2f} in all"
                     f"{' (a training name)' if s.known else ''}{standing}")
        lines.append("  " + "  ".join(f"{ch or 'END'} {x:.2f}" for ch, x in zip(s.chars, s.surprise, strict=True)))
    _emit("\n".join(lines))
    return 0


# -- units -------------------------------------------------------------------------------------
def _names_for_units(args, saved) -> list[str]:
    """The names to read: those given, a file's, or the training names (a fixed spread of --limit for a view,
    all of them for --search)."""
    import numpy as np

    if args.names:
        return list(args.names)
    if args.corpus:
        from engine.names.corpus import load_corpus

        names = list(load_corpus(args.corpus, lowercase=saved.lowercase, min_names=1).names)
        return names if args.search else names[: args.limit]
    names = sorted(saved.known_names)
    if args.search:
        return names
    picked = np.random.default_rng(0).permutation(len(names))[: args.limit]
    return [names[i] for i in sorted(picked)]


def _bars(values, low: float, high: float) -> str:
    """One block character per value, from the lowest (▁) to the highest (█)."""
    span = max(high - low, 1e-12)
    return "".join(_BARS[int(round((min(max(v, low), high) - low) / span * (len(_BARS) - 1)))] for v in values)


def run_units(args) -> int:
    from engine.names.inspect import QUANTITIES, search_units, unit_view

    try:
        saved = _load(args.model)
        names = _names_for_units(args, saved)
        if not names:
            return fail("the model file lists no training names; give names or --corpus")
        if args.search:
            result = search_units(saved.model, saved.vocab, names, top=args.top, lowercase=saved.lowercase,
                                  member=args.member)
        else:
            unit = "most active" if args.unit is None else args.unit
            view = unit_view(saved.model, saved.vocab, names, unit, args.quantity, lowercase=saved.lowercase,
                             member=args.member)
    except _errors() as exc:
        return fail(str(exc))
    if args.search:
        if args.json:
            _emit(json.dumps({
                "names": result.n_names,
                "chars": result.n_chars,
                "matches": {f: [{"quantity": m.quantity, "unit": m.unit, "r": m.r} for m in ms]
                            for f, ms in result.matches.items()},
            }))
            return 0
        from engine.names.inspect import FEATURES

        lines = [f"Units that follow simple features, over {result.n_names:,} names ({result.n_chars:,} characters):"]
        for feature, matches in result.matches.items():
            lines.append(f"  {FEATURES[feature]}:")
            lines += [f"    {m.quantity:<9} unit {m.unit:>3}  r = {m.r:+.2f}" for m in matches]
        _emit("\n".join(lines))
        return 0
    if args.json:
        _emit(json.dumps({
            "quantity": view.quantity, "unit": view.unit, "chosen_as": view.chosen_as,
            "low": view.low, "high": view.high,
            "names": [{"name": n, "values": v.tolist()} for n, v in zip(view.names, view.values, strict=True)],
        }, ensure_ascii=False))
        return 0
    label = f"{'most active ' if view.chosen_as == 'most active' else ''}unit {view.unit}"
    lines = [f"{QUANTITIES[view.quantity]}, {label}: {_BARS[0]} = {view.low:+.2f}, {_BARS[-1]} = {view.high:+.2f}"]
    for name, values in zip(view.names, view.values, strict=True):
        lines.append(f"  {name}")
        lines.append(f"  {_bars(values, view.low, view.high)}")
    _emit("\n".join(lines))
    return 0


# -- sample --beam -----------------------------------------------------------------------------
def run_beam(args) -> int:
    from engine.names.inspect import beam_search

    try:
        saved = _load(args.model)
        found = beam_search(saved.model, saved.vocab, args.beam, prefix=args.prefix, max_length=args.max_length,
                            min_length=args.min_length if getattr(args, "min_length", None) is not None else 3,
                            known=saved.known_names,
                            lowercase=saved.lowercase)
    except _errors() as exc:
        return fail(str(exc))
    if args.json:
        _emit(json.dumps([{"name": b.name, "new": b.new, "log_prob": b.log_prob, "per_char": b.per_char}
                          for b in found], ensure_ascii=False))
        return 0
    width = max((len(b.name) for b in found), default=0)
    _emit("\n".join(f"{b.name:<{width}}  {'new' if b.new else 'known'}  ln p = {b.log_prob:7.2f}  "
                    f"({b.per_char:.2f} nats per character)" for b in found))
    return 0
