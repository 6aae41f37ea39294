"""Training the names model, as a job (see :mod:`engine.jobs`).

Two presets:

* **Course** reproduces the notebook's ``model()``: an RNN with 50 units, its
  weights drawn as ``initialize_parameters`` draws them, the training names
  shuffled once with ``np.random.seed(0)`` and then visited in that order, one
  name per step, the hidden state carried from one name to the next, the
  gradient clipped element-wise to [-5, 5], plain SGD with rate 0.01, 35,000
  steps, and the course's smoothed loss starting at 7 ln(V) (23.07 for V = 27).
  It does the same arithmetic as the notebook's loop -- only faster -- and, like
  the notebook, keeps its final weights.
* **Fast** (the default) is tuned for the best held-out loss per second of
  training (see ``benchmarks/names_bench.py``): an LSTM with 96 units, small
  mini-batches of whole names of similar length, Adam with global-norm
  clipping. A few thousand names overfit within seconds, so it regularises:
  dropout between the LSTM and the output, weight decay, and a running average
  of the weights, which is what it scores and keeps; early stopping on the
  validation loss ends the run with the best averaged weights.

The job yields :class:`engine.jobs.Progress` at least every 50 ms with metrics
``train_loss`` (per character, averaged since the previous event),
``smooth_loss`` (the course's, per name), and, whenever the validation names
were scored, ``val_loss`` and ``best_val_loss`` (per character); sampled names
arrive as ``payload["samples"]``. It returns a :class:`TrainResult`.

To stop early *and keep the model*, call ``control.request_stop()`` on the
:class:`TrainControl` passed in; closing the generator instead abandons it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace

import numpy as np

from engine.jobs import Progress, Throttle
from engine.names.corpus import CorpusError, Vocabulary
from engine.names.model import Batch, CharModel, make_batch
from engine.names.optim import CLIP_MODES, OPTIMIZERS, clip_gradient, make_optimizer
from engine.names.sample import SampledName, sample_names
from engine.sequence import blas_threads

__all__ = [
    "TrainConfig",
    "TrainControl",
    "TrainResult",
    "PRESETS",
    "preset_config",
    "train_job",
    "evaluate_nll",
    "score_names",
    "initial_smooth_loss",
]


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run.

    cell, hidden         -- "rnn" or "lstm", and its number of units n_a
    batch                -- names per step
    steps                -- optimizer steps (upper bound when early stopping is on)
    lr, optimizer        -- learning rate, "sgd" or "adam"
    clip_mode, clip      -- "value" (element-wise), "norm" (global) or "none", and the limit
    seed                 -- initial weights, order of the names, split of the corpus
    val_split            -- share of the corpus held out for validation
    carry_state          -- start each name from the state the previous one ended in (course)
    init                 -- "course" (randn * 0.01) or "default" (Glorot / orthogonal)
    order                -- "course" (shuffle once, visit in turn) or "buckets" (reshuffle each epoch,
                            batches of similar lengths)
    dtype                -- "float64" or "float32"
    eval_every           -- steps between validation scores (more for large validation sets, so
                            scoring never takes more than a small share of the time)
    patience             -- validation scores without improvement before stopping (0: never)
    average              -- keep a running average of the weights with this decay per step and
                            score and keep *it* (0: off); averaged weights generalise better
    dropout              -- share of hidden units silenced on their way to the output, while training
    weight_decay         -- shrinkage of the weights per step, relative to the rate (Adam only)
    keep_best            -- end with the weights of the best validation score (else the last)
    sample_every         -- steps between sampled names (0: never)
    samples              -- how many names each time
    time_limit           -- seconds of training before stopping (None: no limit)
    lowercase            -- whether the corpus was lower-cased (recorded for sampling)
    """

    preset: str = "fast"
    cell: str = "lstm"
    hidden: int = 96
    batch: int = 8
    steps: int = 30_000
    lr: float = 0.01
    optimizer: str = "adam"
    clip_mode: str = "norm"
    clip: float = 5.0
    seed: int = 0
    val_split: float = 0.1
    carry_state: bool = False
    init: str = "default"
    order: str = "buckets"
    dtype: str = "float32"
    eval_every: int = 50
    patience: int = 40
    average: float = 0.0
    dropout: float = 0.0
    weight_decay: float = 0.0
    keep_best: bool = True
    sample_every: int = 500
    samples: int = 7
    time_limit: float | None = None
    lowercase: bool = True

    def validate(self) -> None:
        """Raise ValueError with a sentence for any setting that makes no sense."""
        checks = [
            (self.cell in ("rnn", "lstm"), f"cell must be rnn or lstm, not {self.cell!r}"),
            (1 <= self.hidden <= 2048, "the hidden size must be between 1 and 2048"),
            (1 <= self.batch <= 4096, "the batch size must be between 1 and 4096"),
            (self.steps >= 1, "train for at least one step"),
            (0 < self.lr <= 10, "the learning rate must be above 0 and at most 10"),
            (self.optimizer in OPTIMIZERS, f"optimizer must be one of {', '.join(OPTIMIZERS)}"),
            (self.clip_mode in CLIP_MODES, f"clipping must be one of {', '.join(CLIP_MODES)}"),
            (self.clip > 0, "the clipping limit must be positive"),
            (0 <= self.val_split < 1, "the validation share must be in [0, 1)"),
            (self.init in ("course", "default"), "init must be course or default"),
            (self.order in ("course", "buckets"), "order must be course or buckets"),
            (self.dtype in ("float32", "float64"), "dtype must be float32 or float64"),
            (self.eval_every >= 1, "evaluate at least every so many steps (>= 1)"),
            (self.patience >= 0, "patience must not be negative"),
            (0 <= self.dropout < 1, "dropout must be in [0, 1)"),
            (0 <= self.average < 1, "the averaging decay must be in [0, 1)"),
            (self.weight_decay >= 0, "weight decay must not be negative"),
            (self.time_limit is None or self.time_limit > 0, "the time limit must be positive"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message[0].upper() + message[1:] + ".")


PRESETS: dict[str, TrainConfig] = {
    "course": TrainConfig(
        preset="course",
        cell="rnn",
        hidden=50,
        batch=1,
        steps=35_000,
        lr=0.01,
        optimizer="sgd",
        clip_mode="value",
        clip=5.0,
        carry_state=True,
        init="course",
        order="course",
        dtype="float64",
        eval_every=1000,
        patience=0,
        keep_best=False,
        sample_every=2000,
    ),
    # Tuned with benchmarks/names_bench.py for held-out loss per second (see the module docstring).
    "fast": TrainConfig(
        preset="fast",
        cell="lstm",
        hidden=96,
        batch=8,
        lr=0.01,
        optimizer="adam",
        clip_mode="norm",
        clip=5.0,
        dtype="float32",
        eval_every=50,
        patience=40,
        average=0.995,
        dropout=0.5,
        weight_decay=0.05,
    ),
}


def preset_config(name: str, **overrides) -> TrainConfig:
    """A preset with some settings changed (None values leave the preset's)."""
    try:
        base = PRESETS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    config = replace(base, **{k: v for k, v in overrides.items() if v is not None})
    config.validate()
    return config


def initial_smooth_loss(vocab_size: int, names: int = 7) -> float:
    """The notebook's ``get_initial_loss``: -ln(1/V) * 7, the loss of 7 characters guessed uniformly."""
    return -math.log(1.0 / vocab_size) * names


class TrainControl:
    """Lets another thread ask a running training to finish now and return its model."""

    def __init__(self) -> None:
        self._stop = threading.Event()

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()


@dataclass
class TrainResult:
    model: CharModel
    vocab: Vocabulary
    config: TrainConfig
    train_names: list[str]
    steps: int  # optimizer steps taken
    best_step: int  # step of the returned weights
    train_loss: float  # per character, over the steps before the returned weights
    val_loss: float | None  # per character on all validation names (None without any)
    seconds: float
    reason: str  # why training ended: "steps", "time limit", "early stopping", "stopped"
    history: dict[str, list[float]] = field(default_factory=dict)
    samples: list[SampledName] = field(default_factory=list)


# -- data ---------------------------------------------------------------------------
def _encode_all(names: list[str], vocab: Vocabulary) -> list[np.ndarray]:
    index = vocab.index()
    try:
        return [np.array([index[c] for c in name], dtype=np.int64) for name in names]
    except KeyError as exc:
        raise CorpusError(f"The character {exc.args[0]!r} is not in the model's vocabulary.") from None


def _eval_batches(encoded: list[np.ndarray], size: int = 256) -> list[Batch]:
    """Batches for scoring: names sorted by length so little is padded."""
    order = sorted(range(len(encoded)), key=lambda j: len(encoded[j]))
    return [make_batch([encoded[j] for j in order[k : k + size]]) for k in range(0, len(order), size)]


def evaluate_nll(model: CharModel, batches: list[Batch]) -> tuple[float, int]:
    """(summed NLL in nats, number of predicted symbols) over batches, each name from a zero state."""
    total, chars = 0.0, 0
    for batch in batches:
        total += model.nll(batch)
        chars += batch.n_chars
    return total, chars


def score_names(model: CharModel, vocab: Vocabulary, names) -> tuple[float, int, int, int]:
    """Mean NLL per character of ``names``, each from a fresh zero state.

    Every character and each name's end token count. Names with characters the
    model has never seen cannot be scored and are skipped.
    Returns (nll per character in nats, names scored, characters scored, names skipped).
    """
    allowed = set(vocab.chars)
    usable = [n for n in names if set(n) <= allowed]
    if not usable:
        raise CorpusError("None of the names can be scored: they all use characters the model has never seen.")
    with blas_threads(1):
        total, chars = evaluate_nll(model, _eval_batches(_encode_all(usable, vocab)))
    return total / chars, len(usable), chars, len(names) - len(usable)


def _course_batches(encoded: list[np.ndarray], seed: int, batch: int = 1):
    """The notebook's order: shuffle once (np.random.seed(seed); np.random.shuffle), then cycle.

    With batch > 1, consecutive names of that order form a batch (the last of each
    pass may be smaller); the batches are built once and reused.
    """
    order = list(range(len(encoded)))
    np.random.RandomState(seed).shuffle(order)
    batches = [make_batch([encoded[j] for j in order[k : k + batch]]) for k in range(0, len(order), batch)]
    while True:
        yield from batches


def _bucket_batches(encoded: list[np.ndarray], batch: int, rng: np.random.Generator):
    """Endless batches: each epoch reshuffles, then groups names of similar length.

    Names are shuffled, cut into pools of 32 batches, each pool sorted by length
    and cut into batches, and the batches shuffled -- random, yet little padding.
    """
    n = len(encoded)
    batch = min(batch, n)
    lengths = np.array([len(e) for e in encoded])
    while True:
        perm = rng.permutation(n)
        batches = []
        pool = 32 * batch
        for k in range(0, n, pool):
            chunk = perm[k : k + pool]
            chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
            batches.extend(chunk[j : j + batch] for j in range(0, len(chunk), batch))
        for b in rng.permutation(len(batches)):
            yield make_batch([encoded[j] for j in batches[b]])


# -- the job ------------------------------------------------------------------------------
def train_job(
    train_names: list[str],
    val_names: list[str],
    config: TrainConfig,
    vocab: Vocabulary | None = None,
    control: TrainControl | None = None,
) -> Generator[Progress, None, TrainResult]:
    """Train a :class:`CharModel` on ``train_names``, scoring ``val_names``; see the module docstring."""
    with blas_threads(1):  # small products: one BLAS thread is fastest, and far faster on a busy machine
        return (yield from _train(train_names, val_names, config, vocab, control))


def _train(train_names, val_names, config, vocab, control) -> Generator[Progress, None, TrainResult]:
    config.validate()
    if not train_names:
        raise CorpusError("There are no names to train on.")
    vocab = vocab or Vocabulary.from_names([*train_names, *val_names])
    train_enc = _encode_all(train_names, vocab)
    val_enc = _encode_all(val_names, vocab)
    # Scoring thousands of names at every check would dominate; a fixed subset tracks progress,
    # and the full validation set is scored once at the end.
    monitor_names = val_enc[:: max(1, math.ceil(len(val_enc) / 1000))]  # spread over the (maybe sorted) file
    monitor = _eval_batches(monitor_names)
    full_val = _eval_batches(val_enc)

    model = CharModel(config.cell, vocab.size, config.hidden, np.dtype(config.dtype))
    if config.init == "course":
        model.init_course(config.seed + 1)
    else:
        counts = np.bincount(np.concatenate([*train_enc, np.zeros(len(train_enc), np.int64)]), minlength=vocab.size)
        model.init_default(np.random.default_rng(config.seed), unigram=counts)
    decay_mask = model.flat_mask(("E", "Wh", "Wy"))  # weights shrink, biases do not
    optimizer = make_optimizer(config.optimizer, model.flat, config.lr, config.weight_decay, decay_mask)
    if config.order == "course":
        batches = _course_batches(train_enc, config.seed, config.batch)
    else:
        batches = _bucket_batches(train_enc, config.batch, np.random.default_rng(config.seed + 1))
    known = set(train_names)

    smooth = initial_smooth_loss(vocab.size)
    h = c = None
    best_val, best_step, best_flat = math.inf, 0, model.flat.copy()
    best_train = last_train = math.nan  # train loss per char over the steps before a validation
    since_best = 0
    history: dict[str, list[float]] = {
        k: [] for k in ("step", "train_loss", "smooth_loss", "val_step", "val_loss", "val_seconds")
    }
    samples: list[SampledName] = []
    window_nll = window_chars = 0.0  # train loss since the last event
    interval_nll = interval_chars = 0.0  # train loss since the last validation
    reason = "steps"
    step = 0

    def sample_now(seed: int) -> list[SampledName]:
        return sample_names(model, vocab, config.samples, seed=seed, known=known)

    # The loop body is kept lean (it runs ~10,000 times a second for the Course preset):
    # everything but the step itself happens at most every 50 ms, or at a validation or sample.
    steps, carry, sample_every = config.steps, config.carry_state, config.sample_every
    # Scoring m names costs about a third of training on them: keep it under a fifth of the time.
    eval_every = max(config.eval_every, math.ceil(1.7 * len(monitor_names) / config.batch))
    clip_mode, clip, grad = config.clip_mode, config.clip, model.grad_flat
    loss_and_grads, clock = model.loss_and_grads, time.perf_counter
    dropout, drop_rng = config.dropout, np.random.default_rng(config.seed + 2)
    averaged = model.flat.copy() if config.average else None
    avg_tmp = np.empty_like(model.flat)
    start = clock()
    deadline = start + config.time_limit if config.time_limit else math.inf
    next_event = start + 0.05
    while step < steps:
        batch = next(batches)
        if carry and h is not None and h.shape[0] != batch.size:
            h = c = None  # the last batch of an epoch is smaller: start it fresh
        nll = loss_and_grads(batch, h, c, carry, dropout, drop_rng)
        if carry:
            h, c = model.final_state()
        clip_gradient(grad, clip_mode, clip)
        optimizer.step(grad)
        if averaged is not None:  # averaged += (1 - decay) (theta - averaged)
            np.subtract(model.flat, averaged, out=avg_tmp)
            avg_tmp *= 1.0 - config.average
            averaged += avg_tmp
        step += 1
        smooth = 0.999 * smooth + 0.001 * nll / batch.size
        window_nll += nll
        window_chars += batch.n_chars
        now = clock()
        validate = full_val and (step % eval_every == 0 or step == steps)
        sample = sample_every and step % sample_every == 0
        if not (validate or sample or now >= next_event or step == steps):
            continue

        if not math.isfinite(window_nll):
            raise FloatingPointError(
                f"Training diverged by step {step:,} (the loss is no longer finite). "
                "Try a smaller learning rate or a tighter clipping limit."
            )
        if now >= deadline:
            reason = "time limit"
        elif control is not None and control.stop_requested:
            reason = "stopped"
        stopping = reason != "steps"
        validate = full_val and (validate or stopping)
        interval_nll += window_nll
        interval_chars += window_chars
        metrics: dict[str, float] = {}
        payload: dict = {}
        if validate:
            if averaged is not None:  # score the averaged weights; training goes on from its own
                np.copyto(avg_tmp, model.flat)
                np.copyto(model.flat, averaged)
                total, chars = evaluate_nll(model, monitor)
                np.copyto(model.flat, avg_tmp)
            else:
                total, chars = evaluate_nll(model, monitor)
            val_loss = total / chars
            last_train = interval_nll / max(interval_chars, 1)
            interval_nll = interval_chars = 0.0
            history["val_step"].append(step)
            history["val_loss"].append(val_loss)
            history["val_seconds"].append(clock() - start)
            if val_loss < best_val:
                best_val, best_step, best_train, since_best = val_loss, step, last_train, 0
                if config.keep_best:
                    np.copyto(best_flat, model.flat if averaged is None else averaged)
            else:
                since_best += 1
            metrics.update(val_loss=val_loss, best_val_loss=best_val)
            if config.patience and since_best >= config.patience:
                reason, stopping = "early stopping", True
        if sample:
            samples = sample_now(seed=0)
            payload["samples"] = samples
        train_loss = window_nll / max(window_chars, 1)
        window_nll = window_chars = 0.0
        history["step"].append(step)
        history["train_loss"].append(train_loss)
        history["smooth_loss"].append(smooth)
        metrics.update(train_loss=train_loss, smooth_loss=smooth, elapsed=now - start, lr=optimizer.lr)
        message = f"step {step:,}/{steps:,}  loss {train_loss:.3f}/char"
        if math.isfinite(best_val):
            message += f"  best val {best_val:.3f}"
        yield Progress(step, steps, message, metrics, payload or None)
        next_event = clock() + 0.05
        if stopping:
            break

    if interval_chars:
        last_train = interval_nll / interval_chars
    if config.keep_best and full_val and best_step > 0:
        np.copyto(model.flat, best_flat)
        train_loss = best_train
    else:
        if averaged is not None:
            np.copyto(model.flat, averaged)
        best_step, train_loss = step, last_train
    yield Progress(step, config.steps, "scoring the validation names…")
    val_loss = None
    if full_val:
        total, chars = 0.0, 0
        throttle = Throttle(0.05)
        for batch in full_val:
            total += model.nll(batch)
            chars += batch.n_chars
            if throttle():
                yield Progress(step, config.steps, "scoring the validation names…")
        val_loss = total / chars
    samples = sample_now(seed=0)
    return TrainResult(
        model=model,
        vocab=vocab,
        config=config,
        train_names=list(train_names),
        steps=step,
        best_step=best_step,
        train_loss=float(train_loss),
        val_loss=val_loss,
        seconds=time.perf_counter() - start,
        reason=reason,
        history=history,
        samples=samples,
    )
