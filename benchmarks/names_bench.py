"""Names: the notebook's training loop against the Course and Fast presets, and sampling speed.

On the course's dinosaur names (``../shared/data/dinos.txt`` beside the
checkout), lower-cased, every 10th name held out for validation:

1. **Notebook** -- the course's procedure as the notebook writes it: one name per
   step as a list of one-hot column vectors, dictionaries of per-step states,
   ``rnn_forward`` / ``rnn_backward`` / ``clip`` / ``update_parameters``, 35,000
   steps. It is written out below for comparison only; the studio never uses it.
2. **Course preset** -- the same procedure on the fused layers. It must run at
   least 3x faster and end with the same weights up to floating-point order.
3. **Fast preset** -- time until the held-out loss first reaches 1.86 and
   1.62 nats per character (targets: under 3 s, and within 60 s).
4. **Best preset** (an ensemble) -- trained with ``--time-limit`` (default 60 s)
   on a split the benchmark makes itself: every 10th name of the list is a
   *test* name, never seen in training or validation; of the rest, the
   preset's share (5 %) are the validation names early stopping watches. Target: held-out loss on the
   test names <= 1.56 nats per character, for each of ``--ensemble-seeds``
   seeds (the spread is printed), and each member's own score beside it.
5. **Sampling** 1,000 names from the single model and from the ensemble (target: under 1 s).

Every figure is the median of ``--repeats`` runs. The machine may be shared:
each run says how much of a core it got; well below 100 %, its times are
pessimistic and its time-limited losses worse than a quiet machine's.

Run:  .venv/bin/python benchmarks/names_bench.py [--repeats N] [--skip-notebook] [--skip-course]
          [--fast-seconds S] [--time-limit S] [--ensemble-seeds N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from engine.jobs import run_job  # noqa: E402
from engine.names.corpus import load_corpus, split_names  # noqa: E402
from engine.names.model import CharModel, make_batch  # noqa: E402
from engine.names.sample import sample_names  # noqa: E402
from engine.names.train import evaluate_nll, preset_config, score_names, train_job  # noqa: E402

DINOS = ROOT.parent / "shared" / "data" / "dinos.txt"


# -- the notebook's procedure, for comparison only ------------------------------------
def nb_softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def nb_initialize_parameters(n_a, n_x, n_y):
    np.random.seed(1)
    Wax = np.random.randn(n_a, n_x) * 0.01
    Waa = np.random.randn(n_a, n_a) * 0.01
    Wya = np.random.randn(n_y, n_a) * 0.01
    b = np.zeros((n_a, 1))
    by = np.zeros((n_y, 1))
    return {"Wax": Wax, "Waa": Waa, "Wya": Wya, "b": b, "by": by}


def nb_rnn_step_forward(parameters, a_prev, x):
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)
    p_t = nb_softmax(np.dot(Wya, a_next) + by)
    return a_next, p_t


def nb_rnn_step_backward(dy, gradients, parameters, x, a, a_prev):
    gradients["dWya"] += np.dot(dy, a.T)
    gradients["dby"] += dy
    da = np.dot(parameters["Wya"].T, dy) + gradients["da_next"]
    daraw = (1 - a * a) * da
    gradients["db"] += daraw
    gradients["dWax"] += np.dot(daraw, x.T)
    gradients["dWaa"] += np.dot(daraw, a_prev.T)
    gradients["da_next"] = np.dot(parameters["Waa"].T, daraw)
    return gradients


def nb_rnn_forward(X, Y, a0, parameters, vocab_size=27):
    x, a, y_hat = {}, {}, {}
    a[-1] = np.copy(a0)
    loss = 0
    for t in range(len(X)):
        x[t] = np.zeros((vocab_size, 1))
        if X[t] is not None:
            x[t][X[t]] = 1
        a[t], y_hat[t] = nb_rnn_step_forward(parameters, a[t - 1], x[t])
        loss -= np.log(y_hat[t][Y[t], 0])
    return loss, (y_hat, a, x)


def nb_rnn_backward(X, Y, parameters, cache):
    gradients = {}
    (y_hat, a, x) = cache
    Waa, Wax, Wya, by, b = parameters["Waa"], parameters["Wax"], parameters["Wya"], parameters["by"], parameters["b"]
    gradients["dWax"], gradients["dWaa"], gradients["dWya"] = np.zeros_like(Wax), np.zeros_like(Waa), np.zeros_like(Wya)
    gradients["db"], gradients["dby"] = np.zeros_like(b), np.zeros_like(by)
    gradients["da_next"] = np.zeros_like(a[0])
    for t in reversed(range(len(X))):
        dy = np.copy(y_hat[t])
        dy[Y[t]] -= 1
        gradients = nb_rnn_step_backward(dy, gradients, parameters, x[t], a[t], a[t - 1])
    return gradients, a


def nb_update_parameters(parameters, gradients, lr):
    parameters["Wax"] += -lr * gradients["dWax"]
    parameters["Waa"] += -lr * gradients["dWaa"]
    parameters["Wya"] += -lr * gradients["dWya"]
    parameters["b"] += -lr * gradients["db"]
    parameters["by"] += -lr * gradients["dby"]
    return parameters


def nb_clip(gradients, maxValue):
    dWaa, dWax, dWya, db, dby = gradients["dWaa"], gradients["dWax"], gradients["dWya"], gradients["db"], gradients["dby"]
    for gradient in [dWax, dWaa, dWya, db, dby]:
        np.clip(gradient, -maxValue, maxValue, out=gradient)
    return {"dWaa": dWaa, "dWax": dWax, "dWya": dWya, "db": db, "dby": dby}


def nb_optimize(X, Y, a_prev, parameters, learning_rate=0.01, vocab_size=27):
    loss, cache = nb_rnn_forward(X, Y, a_prev, parameters, vocab_size)
    gradients, a = nb_rnn_backward(X, Y, parameters, cache)
    gradients = nb_clip(gradients, 5)
    parameters = nb_update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, a[len(X) - 1]


def nb_model(examples, char_to_ix, num_iterations=35000, n_a=50, dino_names=7, vocab_size=27, nudge=False):
    """The notebook's ``model()`` without its printing and sampling (which do not touch the weights).

    ``nudge`` makes Waa[0, 0] one unit in the last place larger (to show how the run amplifies rounding).
    """
    n_x, n_y = vocab_size, vocab_size
    parameters = nb_initialize_parameters(n_a, n_x, n_y)
    if nudge:
        parameters["Waa"][0, 0] = np.nextafter(parameters["Waa"][0, 0], np.inf)
    loss = -np.log(1.0 / vocab_size) * dino_names
    examples = list(examples)
    np.random.seed(0)
    np.random.shuffle(examples)
    a_prev = np.zeros((n_a, 1))
    for j in range(num_iterations):
        idx = j % len(examples)
        single_example_ix = [char_to_ix[c] for c in examples[idx]]
        X = [None] + single_example_ix
        Y = X[1:] + [char_to_ix["\n"]]
        curr_loss, gradients, a_prev = nb_optimize(X, Y, a_prev, parameters, 0.01, vocab_size)
        loss = loss * 0.999 + curr_loss * 0.001
    return parameters, loss


# -- measuring ---------------------------------------------------------------------------------
def held_out_loss(params: dict, vocab, val_names) -> float:
    model = CharModel("rnn", vocab.size, params["Wh"].shape[0], np.float64)
    model.set_params(params)
    batches = [make_batch([vocab.encode(n) for n in val_names])]
    total, chars = evaluate_nll(model, batches)
    return total / chars


def to_model_layout(p: dict) -> dict:
    """The notebook's column-layout parameters as the model's (see engine/names/model.py)."""
    return {"E": p["Wax"].T, "b": p["b"][:, 0], "Wh": p["Waa"].T, "Wy": p["Wya"].T, "by": p["by"][:, 0]}


def max_rel_diff(a: dict, b: dict) -> float:
    """Largest difference over all parameter arrays, relative to each array's largest entry."""
    return max(float(np.abs(a[k] - b[k]).max() / np.abs(b[k]).max()) for k in b)


def first_time_below(history: dict, threshold: float) -> float | None:
    for seconds, loss in zip(history["val_seconds"], history["val_loss"], strict=True):
        if loss <= threshold:
            return seconds
    return None


def cpu_share(cpu_start: float, wall_seconds: float) -> str:
    """How much of one core the run got: below ~90 % the machine was busy and the times are pessimistic."""
    return f"{100 * (time.process_time() - cpu_start) / max(wall_seconds, 1e-9):.0f} % of a core"


def fmt(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.2f} s"


def course_figures(args, train_names, val_names, vocab) -> dict:
    """1 + 2: the notebook's loop and the Course preset."""
    figures: dict = {}
    # interleaved so both see the same machine load
    course_times, nb_times, course = [], [], None
    nb_params = nb_smooth = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        course = run_job(train_job(train_names, val_names, preset_config("course")))
        course_times.append(time.perf_counter() - start)
        if not args.skip_notebook:
            start = time.perf_counter()
            nb_params, nb_smooth = nb_model(train_names, vocab.index(), vocab_size=vocab.size)
            nb_times.append(time.perf_counter() - start)
    figures["course_seconds"] = statistics.median(course_times)
    figures["course_val_loss"] = course.val_loss
    figures["course_smooth_loss"] = course.history["smooth_loss"][-1]
    print(f"Course preset   35,000 steps  {figures['course_seconds']:6.2f} s   held-out {course.val_loss:.4f} nats/char"
          f"   smoothed loss {figures['course_smooth_loss']:.3f}")

    if not args.skip_notebook:
        nb_val = held_out_loss(to_model_layout(nb_params), vocab, val_names)
        figures.update(notebook_seconds=statistics.median(nb_times), notebook_val_loss=nb_val,
                       notebook_smooth_loss=float(nb_smooth))
        speedup = figures["notebook_seconds"] / figures["course_seconds"]
        figures["course_speedup"] = speedup
        print(f"Notebook loop   35,000 steps  {figures['notebook_seconds']:6.2f} s   held-out {nb_val:.4f} nats/char"
              f"   smoothed loss {float(nb_smooth):.3f}")
        print(f"  Course preset is {speedup:.1f}x faster than the notebook's loop (target >= 3x)")

        # Same arithmetic: after a few thousand steps the weights agree to rounding...
        short = 3000
        nb_short, _ = nb_model(train_names, vocab.index(), num_iterations=short, vocab_size=vocab.size)
        ours = run_job(train_job(train_names, val_names, preset_config("course", steps=short)))
        diff = max_rel_diff(ours.model.params, to_model_layout(nb_short))
        figures["course_vs_notebook_rel_diff_3000_steps"] = diff
        print(f"  after {short:,} steps the two sets of weights differ by {diff:.1e} (relative): rounding only")
        # ...but 35,000 steps of this training are chaotic: one bit of one initial weight changes the end.
        nb_flip, flip_smooth = nb_model(train_names, vocab.index(), vocab_size=vocab.size, nudge=True)
        flip_val = held_out_loss(to_model_layout(nb_flip), vocab, val_names)
        figures.update(notebook_nudged_val_loss=flip_val, notebook_nudged_smooth_loss=float(flip_smooth),
                       notebook_nudged_rel_diff=max_rel_diff(to_model_layout(nb_flip), to_model_layout(nb_params)),
                       course_vs_notebook_rel_diff=max_rel_diff(course.model.params, to_model_layout(nb_params)))
        print(f"  after 35,000 steps: Course preset vs notebook weights differ by "
              f"{figures['course_vs_notebook_rel_diff']:.2f}; the notebook against itself with Waa[0,0] one ulp "
              f"larger differs by {figures['notebook_nudged_rel_diff']:.2f} (held-out {flip_val:.4f}, smoothed "
              f"{float(flip_smooth):.3f}) -- the training amplifies rounding, so 'the same result' means the same "
              "losses, which agree as closely as the notebook agrees with itself")

    return figures


def fast_preset_figures(args, train_names, val_names):
    """3 + 4a: the Fast preset against the clock, and sampling from it."""
    figures: dict = {}
    # 3: the Fast preset against the clock (no early stopping: the full budget, to see the best it reaches)
    cfg = preset_config("fast")
    print(f"Fast preset ({cfg.cell.upper()} {cfg.hidden} units, batch {cfg.batch}, {cfg.optimizer} lr {cfg.lr}, "
          f"dropout {cfg.dropout}, weight decay {cfg.weight_decay}, averaging {cfg.average}), "
          f"{args.fast_seconds:.0f} s per run, seeds 0..{args.repeats - 1}:")
    t186, t162, best, steps = [], [], [], []
    for repeat in range(args.repeats):
        config = preset_config("fast", seed=repeat, time_limit=args.fast_seconds, patience=0, steps=10**9)
        cpu = time.process_time()
        result = run_job(train_job(train_names, val_names, config))
        share = cpu_share(cpu, result.seconds)
        t186.append(first_time_below(result.history, 1.86))
        t162.append(first_time_below(result.history, 1.62))
        best.append(result.val_loss)
        steps.append(result.best_step)
        print(f"  run {repeat + 1} ({share}): 1.86 after {fmt(t186[-1])}, 1.62 after {fmt(t162[-1])}, "
              f"best {result.val_loss:.4f} at step {result.best_step:,} of {result.steps:,}", flush=True)
    def median_or_none(values):
        return None if any(v is None for v in values) else statistics.median(values)

    figures.update(fast_to_186=median_or_none(t186), fast_to_162=median_or_none(t162),
                   fast_best_val_loss=statistics.median(best))
    print(f"  held-out 1.86 reached after {fmt(figures['fast_to_186'])} (target < 3 s)   runs: "
          + ", ".join(fmt(t) for t in t186))
    print(f"  held-out 1.62 reached after {fmt(figures['fast_to_162'])} (target < 60 s)  runs: "
          + ", ".join(fmt(t) for t in t162))
    print(f"  best held-out loss in {args.fast_seconds:.0f} s: {figures['fast_best_val_loss']:.4f} nats/char"
          f" (median over runs)")

    # sampling, with the Fast preset's model (an LSTM: the slower of the two to sample)
    model = result.model
    sample_times = []
    for repeat in range(max(args.repeats, 5)):
        start = time.perf_counter()
        drawn = sample_names(model, result.vocab, 1000, seed=repeat, known=train_names)
        sample_times.append(time.perf_counter() - start)
    figures["sample_1000_seconds"] = statistics.median(sample_times)
    new = sum(s.new for s in drawn)
    print(f"Sampling 1,000 names: {figures['sample_1000_seconds']:.3f} s (target < 1 s); {new} of them new")
    return figures, result


def project_split(names: list[str], seed: int, val_split: float) -> tuple[list[str], list[str], list[str]]:
    """(train, validation, test): every 10th name is a test name; ``val_split`` of the rest validate."""
    test = names[9::10]
    rest = [n for i, n in enumerate(names) if i % 10 != 9]
    train, val = split_names(rest, val_split, seed)
    return train, val, test


def best_preset_figures(args, names: list[str]) -> dict:
    """5 + 6: the Best preset's ensemble on test names it never saw, and sampling from it."""
    figures: dict = {}
    test_losses, ensemble = [], None
    for seed in range(args.ensemble_seeds):
        config = preset_config("best", seed=seed, time_limit=args.time_limit)
        train, val, test = project_split(names, seed, config.val_split)  # the preset's share validates
        if seed == 0:
            print(f"Best preset: up to {config.ensemble} members of {config.member_hidden} units, "
                  f"{args.time_limit:.0f} s per run; {len(train)} training, {len(val)} validation and "
                  f"{len(test)} test names (every 10th: never seen in training or validation)")
        cpu = time.process_time()
        result = run_job(train_job(train, val, config))
        share = cpu_share(cpu, result.seconds)
        loss = score_names(result.model, result.vocab, test)[0]
        test_losses.append(loss)
        members = ", ".join(f"{m.config.hidden}u {score_names(m.model, m.vocab, test)[0]:.4f}"
                            f" ({m.reason} at {m.seconds:.0f} s)" for m in result.members) or "one model"
        print(f"  seed {seed} ({share}): test {loss:.4f} nats/char with {max(1, len(result.members))} members in "
              f"{result.seconds:.1f} s [{members}]", flush=True)
        ensemble = result
    figures.update(best_test_loss=statistics.median(test_losses), best_test_losses=test_losses)
    print(f"  held-out (test) loss: median {statistics.median(test_losses):.4f}, spread "
          f"{min(test_losses):.4f}-{max(test_losses):.4f} over {len(test_losses)} seeds (target <= 1.56)")
    sample_times, cpu_times = [], []
    for repeat in range(5):
        start, cpu = time.perf_counter(), time.process_time()
        sample_names(ensemble.model, ensemble.vocab, 1000, seed=repeat)
        sample_times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu)
    figures["best_sample_1000_seconds"] = statistics.median(sample_times)
    figures["best_sample_1000_cpu_seconds"] = statistics.median(cpu_times)
    print(f"Sampling 1,000 names from the ensemble: {figures['best_sample_1000_seconds']:.3f} s "
          f"({figures['best_sample_1000_cpu_seconds']:.3f} s of CPU time; target < 1 s)")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-notebook", action="store_true", help="skip the slow notebook loop")
    parser.add_argument("--fast-seconds", type=float, default=60.0, help="time budget of each Fast run")
    parser.add_argument("--skip-course", action="store_true", help="skip the Course preset (and the notebook)")
    parser.add_argument("--skip-fast", action="store_true", help="skip the Fast preset against the clock")
    parser.add_argument("--time-limit", type=float, default=60.0, help="time limit of each Best-preset run")
    parser.add_argument("--ensemble-seeds", type=int, default=3, help="Best-preset runs, seeds 0..N-1")
    parser.add_argument("--json", action="store_true", help="also print all figures as one JSON line")
    args = parser.parse_args()
    if not DINOS.is_file():
        print(f"skipped: {DINOS} not found (the course data sits in ../shared/data)")
        return 0

    corpus = load_corpus(DINOS, lowercase=True)
    names = list(corpus.names)
    val_names = names[9::10]
    train_names = [n for i, n in enumerate(names) if i % 10 != 9]
    vocab = corpus.vocabulary
    print(f"dinos.txt: {len(train_names)} training names, {len(val_names)} held out (every 10th), V = {vocab.size}")
    figures: dict = {}

    if not args.skip_course:
        figures.update(course_figures(args, train_names, val_names, vocab))

    result = None
    if not args.skip_fast:
        fast_figures, result = fast_preset_figures(args, train_names, val_names)
        figures.update(fast_figures)
    figures.update(best_preset_figures(args, names))
    if args.json:
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
