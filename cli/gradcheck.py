"""``gradcheck``: check the RNN / LSTM backward passes against finite differences and TensorFlow.

Prints one row per gradient array (shape, norm, relative error against
centred differences and against TensorFlow autodiff) and exits with status 1
when any relative error is above 1e-5. ``--mistake NAME`` runs the check with
one of the bug lab's published mistakes in place (:mod:`engine.mistakes`),
which it must catch. ``--json`` prints one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from cli._args import fail, number, whole
from engine.mistakes import MISTAKES

THRESHOLD = 1e-5  # above this relative error the command fails


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gradcheck",
        help="check RNN/LSTM gradients against finite differences and TensorFlow",
        description="Build a random problem, compute the gradients of a cross-entropy loss with the "
        "course's backward functions, and compare them with centred differences and with "
        "TensorFlow autodiff. Exit status 1 when any relative error is above 1e-5.",
    )
    parser.add_argument("--cell", choices=("rnn", "lstm", "both"), default="both", help="which cell (default both)")
    parser.add_argument("--n-x", type=whole(0), default=3, help="input size (default 3)")
    parser.add_argument("--n-a", type=whole(0), default=5, help="hidden size (default 5)")
    parser.add_argument("--n-y", type=whole(0), default=2, help="output classes (default 2)")
    parser.add_argument("--m", type=whole(0), default=4, help="batch size (default 4)")
    parser.add_argument("--t-x", type=whole(0), default=12, help="time steps (default 12)")
    parser.add_argument("--seed", type=whole(0), default=1, help="random seed (default 1)")
    parser.add_argument("--scale", type=number, default=1.0, help="weight scale, 1 = N(0, 1/fan_in) (default 1)")
    parser.add_argument(
        "--loss", choices=("all", "last"), default="all", help="cross-entropy on all steps or the last (default all)"
    )
    parser.add_argument("--no-tf", action="store_true", help="skip the TensorFlow cross-check (faster)")
    parser.add_argument(
        "--mistake",
        choices=tuple(MISTAKES),
        metavar="NAME",
        help="run the check with one published mistake in place (it must fail, exit 1): "
        + "; ".join(f"{m.name} ({', '.join(m.cells)}): {m.faulty}" for m in MISTAKES.values()),
    )
    parser.add_argument("--json", action="store_true", help="print the results as one line of JSON")
    parser.set_defaults(handler=run)


def _emit(text: str) -> None:
    """Print ``text``; if the reader has gone (``| head``), end quietly instead of with a traceback."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        # Python would flush stdout again at exit and complain; point it at /dev/null instead.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _format_error(value: float | None, verdict: str | None) -> str:
    if value is None:
        return "-"
    return f"{value:8.1e} {verdict}"


def _table(result) -> str:
    config = result.config
    lines = [
        f"Gradient check: {', '.join(c.upper() for c in config.cells)}; n_x={config.n_x} n_a={config.n_a} "
        f"n_y={config.n_y} m={config.m} T_x={config.T_x}; seed {config.seed}; weight scale {config.scale:g}; "
        f"loss on {'all steps' if config.loss == 'all' else 'the last step'}",
        "",
        f"{'cell':<5} {'gradient':<8} {'shape':<12} {'norm':>9}   {'vs numerical':<22} {'vs TensorFlow':<20}",
    ]
    for row in result.rows:
        lines.append(
            f"{row.cell:<5} {row.name:<8} {str(row.shape):<12} {row.norm:9.3e}   "
            f"{_format_error(row.rel_err_numeric, row.numeric_verdict()):<22} "
            f"{_format_error(row.rel_err_tf, row.tf_verdict()):<20}"
        )
    lines.append("")
    if result.tf_status == "skipped":
        lines.append("TensorFlow cross-check skipped.")
    elif result.tf_status != "checked":
        lines.append(result.tf_status)
    worst = result.worst()
    if worst <= THRESHOLD:
        lines.append(f"Worst relative error {worst:.1e}: all gradients agree (threshold {THRESHOLD:g}).")
        return "\n".join(lines)
    lines.append(f"Worst relative error {worst:.1e}, above the threshold {THRESHOLD:g}:")
    for row in result.rows:
        if row.rel_err_numeric > THRESHOLD:
            note = ""
            if not row.resolvable:
                note = (
                    f" -- this gradient (norm {row.norm:.1e}) is too small for centred differences to resolve "
                    f"against the loss (best possible ~{row.numeric_floor:.0e}); "
                    + ("judge it by the TensorFlow column" if row.rel_err_tf is not None else "drop --no-tf to check it by autodiff")
                )
            lines.append(f"  {row.cell} {row.name}: {row.rel_err_numeric:.1e} against numerical{note}")
        if row.rel_err_tf is not None and row.rel_err_tf > THRESHOLD:
            lines.append(f"  {row.cell} {row.name}: {row.rel_err_tf:.1e} against TensorFlow")
    return "\n".join(lines)


def _as_json(result) -> str:
    from dataclasses import asdict

    rows = []
    for row in result.rows:
        item = asdict(row)
        item["shape"] = list(row.shape)
        item["verdict_numeric"] = row.numeric_verdict()
        item["verdict_tf"] = row.tf_verdict()
        rows.append(item)
    document = {
        "config": asdict(result.config),
        "rows": rows,
        "gradient_flow_last_step_loss": {report.cell: report.flow.tolist() for report in result.cells},
        "loss": {report.cell: report.loss for report in result.cells},
        "tf_status": result.tf_status,
        "worst_rel_err": result.worst(),
        "threshold": THRESHOLD,
        "ok": result.worst() <= THRESHOLD,
        "seconds": {"numerical": result.numeric_seconds, "tensorflow": result.tf_seconds},
    }
    return json.dumps(document)


def run(args: argparse.Namespace) -> int:
    from engine.gradient_lab import LabConfig, gradient_lab_job
    from engine.jobs import run_job

    if args.mistake:
        return run_mistake(args)

    config = LabConfig(
        cell=args.cell,
        n_x=args.n_x,
        n_a=args.n_a,
        n_y=args.n_y,
        m=args.m,
        T_x=args.t_x,
        seed=args.seed,
        scale=args.scale,
        loss=args.loss,
        use_tf=not args.no_tf,
    )
    try:
        config.validate()
    except ValueError as exc:
        return fail(str(exc))
    result = run_job(gradient_lab_job(config))
    _emit(_as_json(result) if args.json else _table(result))
    return 0 if result.worst() <= THRESHOLD else 1


# -- the bug lab ------------------------------------------------------------------------
def run_mistake(args: argparse.Namespace) -> int:
    """The check with ``args.mistake`` in place, on each chosen cell the mistake is in."""
    from engine.gradcheck import verdict
    from engine.jobs import run_job
    from engine.mistakes import iter_mistake_check

    mistake = MISTAKES[args.mistake]
    cells = [c for c in (("rnn", "lstm") if args.cell == "both" else (args.cell,)) if c in mistake.cells]
    if not cells:
        return fail(f"the mistake {mistake.name} is in the {' and '.join(c.upper() for c in mistake.cells)} "
                    f"code only; choose --cell {' or '.join(mistake.cells)}")
    checks = []
    try:
        for cell in cells:
            job = iter_mistake_check(mistake.name, cell, n_x=args.n_x, n_a=args.n_a, n_y=args.n_y, m=args.m,
                                     T_x=args.t_x, seed=args.seed, scale=args.scale, loss=args.loss)
            checks.append(run_job(job))
    except ValueError as exc:
        return fail(str(exc))
    worst = max(check.worst for check in checks)
    if args.json:
        document = {
            "mistake": mistake.name,
            "function": mistake.function,
            "correct": mistake.correct,
            "faulty": mistake.faulty,
            "rows": [
                {"cell": c.cell, "name": "d" + name, "rel_err_numeric": c.rel_errors[name],
                 "verdict_numeric": verdict(c.rel_errors[name])}
                for c in checks for name in c.names
            ],
            "worst_rel_err": worst,
            "threshold": THRESHOLD,
            "ok": worst <= THRESHOLD,
        }
        _emit(json.dumps(document))
    else:
        lines = [
            f"Bug lab: {mistake.title} ({mistake.function})",
            f"  correct: {mistake.correct}",
            f"  faulty:  {mistake.faulty}",
            "",
            f"{'cell':<5} {'gradient':<8} {'vs numerical':<22}",
        ]
        for check in checks:
            for name in check.names:
                error = check.rel_errors[name]
                lines.append(f"{check.cell:<5} {'d' + name:<8} {error:8.1e} {verdict(error)}")
        lines.append("")
        if worst > THRESHOLD:
            lines.append(f"Worst relative error {worst:.1e}, above the threshold {THRESHOLD:g}: the check caught "
                         "the mistake.")
        else:
            lines.append(f"Worst relative error {worst:.1e}: the check did not catch the mistake.")
        lines.append(mistake.explanation)
        _emit("\n".join(lines))
    return 0 if worst <= THRESHOLD else 1
