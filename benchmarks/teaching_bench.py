"""Timing of the teaching tools: gradient-flow experiments, bug-lab checks, and the names model inspector.

Plain script: prints one line per measurement (best of a few runs, seconds). The names part trains a small
Fast-preset model on the bundled dinosaur names first (about ten seconds) unless --model is given.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.experiments import EXPERIMENTS, run_experiment  # noqa: E402
from engine.mistakes import MISTAKES, mistake_check  # noqa: E402


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def names_model(path: str | None):
    from engine.jobs import run_job
    from engine.names.corpus import load_corpus, split_names
    from engine.names.io import SavedModel, load_model
    from engine.names.train import preset_config, train_job
    from engine.resources import resource_path

    if path:
        return load_model(path)
    config = preset_config("fast", time_limit=10)
    corpus = load_corpus(resource_path("names", "dinosaurs.txt"))
    train, val = split_names(corpus.names, config.val_split, config.seed)
    result = run_job(train_job(train, val, config))
    return SavedModel(result.model, result.vocab, True, frozenset(train))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", help="a saved names model (default: train one for 10 s)")
    args = parser.parse_args()

    for name, (_title, controls) in EXPERIMENTS.items():
        settings = {c.name: c.high if c.name == "steps" else c.default for c in controls}
        print(f"experiment {name:<11} {best_of(lambda n=name, s=settings: run_experiment(n, **s)) * 1000:8.1f} ms")
    for cell in ("rnn", "lstm"):
        for mistake in [None, *MISTAKES]:
            if mistake and cell not in MISTAKES[mistake].cells:
                continue
            seconds = best_of(lambda m=mistake, c=cell: mistake_check(m, c))
            print(f"bug lab {cell} {mistake or 'correct':<36} {seconds * 1000:8.1f} ms")

    from engine.names.inspect import beam_search, score_name, search_units, training_surprise, unit_view

    saved = names_model(args.model)
    model, vocab, known = saved.model, saved.vocab, sorted(saved.known_names)
    print(f"names model: {model.cell} {model.hidden} units, {len(known):,} training names")
    reference = training_surprise(model, vocab, known)
    print(f"training_surprise (all names)   {best_of(lambda: training_surprise(model, vocab, known)) * 1000:8.1f} ms")
    print(f"score_name                      "
          f"{best_of(lambda: score_name(model, vocab, 'tyrannosaurus', reference=reference)) * 1000:8.1f} ms")
    print(f"unit_view (12 names)            {best_of(lambda: unit_view(model, vocab, known[:12])) * 1000:8.1f} ms")
    print(f"search_units (all names)        {best_of(lambda: search_units(model, vocab, known)) * 1000:8.1f} ms")
    for width in (10, 100):
        print(f"beam_search width {width:<4}          "
              f"{best_of(lambda w=width: beam_search(model, vocab, w, min_length=3)) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
