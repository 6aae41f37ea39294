"""Training the names model, as a job (see :mod:`engine.jobs`).

Three presets:

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
* **Best** trains an *ensemble* (:mod:`engine.names.ensemble`) within the time
  limit: :func:`plan_best` picks how many members and their sizes; each member
  is a Fast model with its own seed and its own early stopping, trained one
  after another, each given an even share of the time that is left. The
  ensemble averages their next-character probabilities.

The job yields :class:`engine.jobs.Progress` at least every 50 ms. Its metrics:

    train_loss         per character, averaged since the previous event
    smooth_loss        the course's smoothed loss, per name
    val_loss           when the validation names were scored: the current member's
                       loss per character (the model's, for a single model)
    best_val_loss      the current member's best val_loss so far
    ensemble_val_loss  (ensembles) the loss of the finished members together with
                       the current one, on the same names -- the ensemble's curve
    member, members    (ensembles) index of the member being trained (from 0), and K
    member_step        steps of the current member (``Progress.step`` counts all members)
    elapsed            seconds since the start
    time_left          an upper bound on the seconds left (time limit or steps)
    may_stop_early     1 when early stopping may end the run before ``time_left``
    lr                 the learning rate

Sampled names arrive as ``payload["samples"]``. It returns a :class:`TrainResult`
whose ``best_step`` is the step whose weights were kept.

Stopping: sending :data:`engine.jobs.FINISH` into the job (or calling
``control.request_stop()`` on a :class:`TrainControl`) ends it at the next event
with the model so far -- for an ensemble, every finished member, and the
current one if it makes the ensemble better; ``close()`` abandons it. Training
whose loss stops being finite or climbs far above where it started raises
:class:`TrainingDiverged`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field, replace

import numpy as np

from engine.jobs import FINISH, Progress, Throttle
from engine.names.corpus import CorpusError, Vocabulary
from engine.names.ensemble import Ensemble
from engine.names.model import Batch, CharModel, make_batch
from engine.names.optim import CLIP_MODES, OPTIMIZERS, clip_gradient, make_optimizer
from engine.names.sample import SampledName, sample_names
from engine.sequence import blas_threads

__all__ = [
    "TrainConfig",
    "TrainControl",
    "TrainResult",
    "TrainingDiverged",
    "PRESETS",
    "preset_config",
    "plan_best",
    "train_job",
    "evaluate_nll",
    "score_names",
    "initial_smooth_loss",
    "DIVERGENCE_FACTOR",
]

DIVERGENCE_FACTOR = 3.0  # a loss this many times ln(V) -- guessing uniformly -- has diverged
MEMBER_SEED_STEP = 7919  # member k of seed s trains with seed s + k * 7919: neighbouring seeds share no member


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides a training run.

    cell, hidden         -- "rnn" or "lstm", and its number of units n_a
    batch                -- names per step
    steps                -- optimizer steps (upper bound when early stopping is on), per member
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
    time_limit           -- seconds of training before stopping (None: no limit), all members together
    lowercase            -- whether the corpus was lower-cased (recorded for sampling)
    ensemble             -- members K (1: a single model)
    member_hidden        -- hidden sizes of the members, used in turn (empty: all ``hidden``)
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
    ensemble: int = 1
    member_hidden: tuple[int, ...] = ()

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
            (1 <= self.ensemble <= 16, "an ensemble has between 1 and 16 members"),
            (all(1 <= h <= 2048 for h in self.member_hidden), "member sizes must be between 1 and 2048"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(message[0].upper() + message[1:] + ".")

    def member(self, k: int) -> TrainConfig:
        """The settings of ensemble member k: its own seed and size, a single model."""
        hidden = self.member_hidden[k % len(self.member_hidden)] if self.member_hidden else self.hidden
        return replace(self, seed=self.seed + k * MEMBER_SEED_STEP, hidden=hidden, ensemble=1, member_hidden=())


_FAST = TrainConfig(
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
)

BEST_TIME_LIMIT = 60.0  # seconds, when the Best preset is given none
BEST_MEMBER_SIZES = (96, 128, 192)  # different sizes make different mistakes: the mixture gains more
BEST_SECONDS_PER_MEMBER = 12.0  # what a member needs to stop early by itself, on a quiet machine

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
    "fast": _FAST,
    # An ensemble of Fast members (see plan_best); shorter patience leaves time for more members.
    "best": replace(_FAST, preset="best", patience=20, time_limit=BEST_TIME_LIMIT, sample_every=0,
                    ensemble=5, member_hidden=BEST_MEMBER_SIZES),
}


def plan_best(time_limit: float | None) -> tuple[int, tuple[int, ...]]:
    """(members K, their sizes) for the Best preset within ``time_limit`` seconds.

    About one member per :data:`BEST_SECONDS_PER_MEMBER`, between 1 and 8; sizes
    taken in turn from :data:`BEST_MEMBER_SIZES` (a single member is a Fast model).
    """
    seconds = BEST_TIME_LIMIT if time_limit is None else time_limit
    k = int(min(8, max(1, seconds // BEST_SECONDS_PER_MEMBER)))
    return k, (BEST_MEMBER_SIZES if k > 1 else (_FAST.hidden,))


def preset_config(name: str, **overrides) -> TrainConfig:
    """A preset with some settings changed (None values leave the preset's).

    For the Best preset, the members and their sizes follow the time limit
    (:func:`plan_best`) unless ``ensemble`` or ``hidden`` is given.
    """
    try:
        base = PRESETS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if base.preset == "best":
        k, sizes = plan_best(overrides.get("time_limit", base.time_limit))
        base = replace(base, ensemble=k, member_hidden=() if "hidden" in overrides else sizes)
    config = replace(base, **overrides)
    if "member_hidden" in overrides:
        config = replace(config, member_hidden=tuple(config.member_hidden))
    config.validate()
    return config


def initial_smooth_loss(vocab_size: int, names: int = 7) -> float:
    """The notebook's ``get_initial_loss``: -ln(1/V) * 7, the loss of 7 characters guessed uniformly."""
    return -math.log(1.0 / vocab_size) * names


class TrainingDiverged(FloatingPointError):
    """Training whose loss is no longer finite or far above where it started; the message says so."""


class TrainControl:
    """Lets another thread ask a running training to finish now and return its model.

    The same as sending :data:`engine.jobs.FINISH` into the job, for drivers that cannot.
    """

    def __init__(self) -> None:
        self._stop = threading.Event()

    def request_stop(self) -> None:
        self._stop.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop.is_set()


@dataclass
class TrainResult:
    model: CharModel | Ensemble
    vocab: Vocabulary
    config: TrainConfig
    train_names: list[str]
    steps: int  # optimizer steps taken (all members)
    best_step: int  # step of the returned weights (the last member's, for an ensemble)
    train_loss: float  # per character, over the steps before the returned weights
    val_loss: float | None  # per character on all validation names (None without any)
    seconds: float
    reason: str  # why training ended: "steps", "time limit", "early stopping", "stopped"
    history: dict[str, list[float]] = field(default_factory=dict)
    samples: list[SampledName] = field(default_factory=list)
    members: list[TrainResult] = field(default_factory=list)  # an ensemble's members, in order

    @property
    def kept_step(self) -> int:
        """The step whose weights were kept (the best validation score, or the last step)."""
        return self.best_step


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


def evaluate_nll(model, batches: list[Batch]) -> tuple[float, int]:
    """(summed NLL in nats, number of predicted symbols) over batches, each name from a zero state.

    ``model`` is a CharModel or an Ensemble (whose probabilities are averaged).
    """
    total, chars = 0.0, 0
    for batch in batches:
        total += model.nll(batch)
        chars += batch.n_chars
    return total, chars


def score_names(model, vocab: Vocabulary, names) -> tuple[float, int, int, int]:
    """Mean NLL per character of ``names``, each from a fresh zero state (a CharModel or an Ensemble).

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


@dataclass
class _Data:
    """The names of one run, encoded once and shared by every member.

    monitor  -- a fixed subset of at most 1,000 validation names, scored during training
    full_val -- all validation names, scored once at the end
    """

    vocab: Vocabulary
    train_names: list[str]
    train: list[np.ndarray]
    monitor_count: int
    monitor: list[Batch]
    full_val: list[Batch]

    @classmethod
    def prepare(cls, train_names, val_names, vocab: Vocabulary | None) -> _Data:
        if not train_names:
            raise CorpusError("There are no names to train on.")
        vocab = vocab or Vocabulary.from_names([*train_names, *val_names])
        train = _encode_all(train_names, vocab)
        val = _encode_all(val_names, vocab)
        # Scoring thousands of names at every check would dominate; a fixed subset spread over
        # the (maybe sorted) file tracks progress.
        monitor = val[:: max(1, math.ceil(len(val) / 1000))]
        return cls(vocab, list(train_names), train, len(monitor), _eval_batches(monitor), _eval_batches(val))

    def batches(self, config: TrainConfig):
        if config.order == "course":
            return _course_batches(self.train, config.seed, config.batch)
        return _bucket_batches(self.train, config.batch, np.random.default_rng(config.seed + 1))

    def unigram_counts(self) -> np.ndarray:
        """How often each symbol is predicted in the training names (end tokens included)."""
        ends = np.zeros(len(self.train), np.int64)
        return np.bincount(np.concatenate([*self.train, ends]), minlength=self.vocab.size)


# -- the pieces of a run ---------------------------------------------------------------------
def _new_model(data: _Data, config: TrainConfig) -> CharModel:
    model = CharModel(config.cell, data.vocab.size, config.hidden, np.dtype(config.dtype))
    if config.init == "course":
        model.init_course(config.seed + 1)
    else:
        model.init_default(np.random.default_rng(config.seed), unigram=data.unigram_counts())
    return model


class _Averager:
    """A running average of the weights, averaged += (1 - decay)(theta - averaged), scored in their place."""

    def __init__(self, flat: np.ndarray, decay: float):
        self.flat, self.decay = flat, decay
        self.value = flat.copy()
        self._tmp = np.empty_like(flat)

    def update(self) -> None:
        np.subtract(self.flat, self.value, out=self._tmp)
        self._tmp *= 1.0 - self.decay
        self.value += self._tmp

    def score(self, evaluate):
        """evaluate() with the averaged weights in the model; training goes on from its own."""
        np.copyto(self._tmp, self.flat)
        np.copyto(self.flat, self.value)
        try:
            return evaluate()
        finally:
            np.copyto(self.flat, self._tmp)


class _Mixture:
    """The finished members' probabilities of each monitor target, to score the ensemble as it grows."""

    def __init__(self, batches: list[Batch]):
        self.batches = batches
        self.sums = [np.zeros(b.targets.shape) for b in batches]
        self.count = 0
        self.chars = sum(b.n_chars for b in batches)

    def add(self, model) -> None:
        for total, batch in zip(self.sums, self.batches, strict=True):
            total += np.exp(model.target_log_probabilities(batch))
        self.count += 1

    def loss_with(self, model) -> tuple[float, float]:
        """(the model's own loss per character, the loss of the finished members and it averaged)."""
        own = mixed = 0.0
        for total, batch in zip(self.sums, self.batches, strict=True):
            log_p = model.target_log_probabilities(batch)
            own -= log_p.sum()
            mixed -= np.log((total + np.exp(log_p)) / (self.count + 1)).sum()  # padding: log(1) = 0
        return own / self.chars, mixed / self.chars


class _Validation:
    """Scores on the monitor names, the best weights so far, and when patience runs out."""

    def __init__(self, model: CharModel, data: _Data, config: TrainConfig, mixture: _Mixture | None):
        self.model, self.data, self.config, self.mixture = model, data, config, mixture
        self.best_loss, self.best_step, self.best_train = math.inf, 0, math.nan
        self.best_flat = model.flat.copy()
        self.since_best = 0

    def _score(self) -> tuple[float, float | None]:
        if self.mixture is not None and self.mixture.count:
            return self.mixture.loss_with(self.model)
        total, chars = evaluate_nll(self.model, self.data.monitor)
        return total / chars, None

    def score(self, step: int, train_loss: float, averager: _Averager | None) -> tuple[float, float | None]:
        """(this model's monitor loss, the ensemble's or None); remembers the best weights."""
        val_loss, ensemble_loss = averager.score(self._score) if averager else self._score()
        if val_loss < self.best_loss:
            self.best_loss, self.best_step, self.best_train, self.since_best = val_loss, step, train_loss, 0
            if self.config.keep_best:
                np.copyto(self.best_flat, self.model.flat if averager is None else averager.value)
        else:
            self.since_best += 1
        return val_loss, ensemble_loss

    @property
    def out_of_patience(self) -> bool:
        return bool(self.config.patience) and self.since_best >= self.config.patience


def _check_divergence(loss: float, step: int, vocab_size: int) -> None:
    """Raise :class:`TrainingDiverged` for a loss per character that is not finite or far too high."""
    start = math.log(vocab_size)  # guessing uniformly
    if math.isfinite(loss) and loss <= DIVERGENCE_FACTOR * start:
        return
    shown = "no longer finite" if not math.isfinite(loss) else f"{loss:,.1f} nats per character"
    raise TrainingDiverged(
        f"Training diverged by step {step:,}: the loss is {shown}, far above the {start:.2f} of guessing "
        "uniformly, so nothing was kept. Try a smaller learning rate or a tighter clipping limit."
    )


@dataclass
class _Clock:
    """Where a run stands in time: its start, its deadline and the whole job's."""

    start: float
    deadline: float
    job_deadline: float

    def left(self, now: float) -> float:
        return self.job_deadline - now


@dataclass
class _Place:
    """Where a member sits in the job: for progress events that count the whole job."""

    member: int = 0
    members: int = 1
    step_offset: int = 0
    total: int = 0


def _stop_reason(now: float, clock: _Clock, control: TrainControl | None) -> str | None:
    if now >= clock.deadline:
        return "time limit"
    if control is not None and control.stop_requested:
        return "stopped"
    return None


def _time_left(now: float, clock: _Clock, job_start: float, step: int, total: int) -> float:
    """An upper bound on the seconds left: the time limit's, or the pace of the steps so far."""
    by_steps = (now - job_start) * (total - step) / max(step, 1)
    return min(by_steps, clock.left(now)) if math.isfinite(clock.job_deadline) else by_steps


# -- one model ----------------------------------------------------------------------------------
def _train_model(
    data: _Data,
    config: TrainConfig,
    control: TrainControl | None,
    clock: _Clock,
    place: _Place,
    mixture: _Mixture | None = None,
) -> Generator[Progress, object, TrainResult]:
    """Train one CharModel until its steps, early stopping, its deadline or a stop request."""
    model = _new_model(data, config)
    optimizer = make_optimizer(config.optimizer, model.flat, config.lr, config.weight_decay,
                               model.flat_mask(("E", "Wh", "Wy")))  # weights shrink, biases do not
    averager = _Averager(model.flat, config.average) if config.average else None
    validation = _Validation(model, data, config, mixture)
    batches, known = data.batches(config), set(data.train_names)
    history: dict[str, list[float]] = {
        k: [] for k in ("step", "train_loss", "smooth_loss", "val_step", "val_loss", "val_seconds")
    }
    if mixture is not None:
        history["ensemble_val_loss"] = []
    smooth = initial_smooth_loss(data.vocab.size)
    h = c = None
    window = [0.0, 0]  # summed NLL and characters since the last event
    interval = [0.0, 0]  # ... since the last validation
    last_train = math.nan
    samples: list[SampledName] = []
    reason = "steps"

    # The loop body is kept lean (it runs ~10,000 times a second for the Course preset):
    # everything but the step itself happens at most every 50 ms, or at a validation or sample.
    steps, carry, sample_every = config.steps, config.carry_state, config.sample_every
    # Scoring m names costs about a third of training on them: keep it under a fifth of the time.
    eval_every = max(config.eval_every, math.ceil(1.7 * data.monitor_count / config.batch))
    clip_mode, clip, grad = config.clip_mode, config.clip, model.grad_flat
    loss_and_grads, now_fn = model.loss_and_grads, time.perf_counter
    dropout, drop_rng = config.dropout, np.random.default_rng(config.seed + 2)
    may_stop_early = float(bool(config.patience and data.full_val))
    start = now_fn()
    next_event = start + 0.05
    step = 0
    while step < steps:
        batch = next(batches)
        if carry and h is not None and h.shape[0] != batch.size:
            h = c = None  # the last batch of an epoch is smaller: start it fresh
        nll = loss_and_grads(batch, h, c, carry, dropout, drop_rng)
        if carry:
            h, c = model.final_state()
        clip_gradient(grad, clip_mode, clip)
        optimizer.step(grad)
        if averager is not None:
            averager.update()
        step += 1
        smooth = 0.999 * smooth + 0.001 * nll / batch.size
        window[0] += nll
        window[1] += batch.n_chars
        now = now_fn()
        validate = data.full_val and (step % eval_every == 0 or step == steps)
        sample = sample_every and step % sample_every == 0
        if not (validate or sample or now >= next_event or step == steps):
            continue

        train_loss = window[0] / max(window[1], 1)
        _check_divergence(train_loss, place.step_offset + step, data.vocab.size)
        reason = _stop_reason(now, clock, control) or reason
        stopping = reason != "steps"
        interval[0] += window[0]
        interval[1] += window[1]
        window = [0.0, 0]
        metrics: dict[str, float] = {}
        payload: dict = {}
        if data.full_val and (validate or stopping):
            last_train = interval[0] / max(interval[1], 1)
            interval = [0.0, 0]
            val_loss, ensemble_loss = validation.score(step, last_train, averager)
            history["val_step"].append(place.step_offset + step)
            history["val_loss"].append(val_loss)
            history["val_seconds"].append(now_fn() - clock.start)
            metrics.update(val_loss=val_loss, best_val_loss=validation.best_loss)
            if ensemble_loss is not None:
                history["ensemble_val_loss"].append(ensemble_loss)
                metrics["ensemble_val_loss"] = ensemble_loss
            if validation.out_of_patience and not stopping:
                reason, stopping = "early stopping", True
        if sample:
            samples = sample_names(model, data.vocab, config.samples, seed=0, known=known)
            payload["samples"] = samples
        job_step = place.step_offset + step
        history["step"].append(job_step)
        history["train_loss"].append(train_loss)
        history["smooth_loss"].append(smooth)
        metrics.update(train_loss=train_loss, smooth_loss=smooth, elapsed=now - clock.start, lr=optimizer.lr,
                       member_step=step, time_left=_time_left(now, clock, clock.start, job_step, place.total),
                       may_stop_early=may_stop_early)
        if place.members > 1:
            metrics.update(member=place.member, members=place.members)
        yield_ = yield Progress(job_step, place.total, _message(step, steps, train_loss, validation, place),
                                metrics, payload or None)
        if yield_ is FINISH:
            reason, stopping = "stopped", True
        next_event = now_fn() + 0.05
        if stopping:
            break

    if interval[1]:
        last_train = interval[0] / interval[1]
    return (yield from _keep(model, data, config, validation, averager, last_train, step, start, reason,
                             history, place))


def _message(step: int, steps: int, train_loss: float, validation: _Validation, place: _Place) -> str:
    text = f"step {step:,}/{steps:,}  loss {train_loss:.3f}/char"
    if place.members > 1:
        text = f"member {place.member + 1}/{place.members}  " + text
    if math.isfinite(validation.best_loss):
        text += f"  best val {validation.best_loss:.3f}"
    return text


def _keep(model, data, config, validation, averager, last_train, step, start, reason, history, place):
    """Put the kept weights in the model, score all validation names, and make the result."""
    if config.keep_best and data.full_val and validation.best_step > 0:
        np.copyto(model.flat, validation.best_flat)
        best_step, train_loss = validation.best_step, validation.best_train
    else:
        if averager is not None:
            np.copyto(model.flat, averager.value)
        best_step, train_loss = step, last_train
    val_loss = None
    if data.full_val:
        val_loss = yield from _score_all(model, data, step + place.step_offset, place.total, reason == "stopped")
    return TrainResult(
        model=model,
        vocab=data.vocab,
        config=config,
        train_names=data.train_names,
        steps=step,
        best_step=best_step,
        train_loss=float(train_loss),
        val_loss=val_loss,
        seconds=time.perf_counter() - start,
        reason=reason,
        history=history,
        samples=sample_names(model, data.vocab, config.samples, seed=0, known=set(data.train_names)),
    )


def _score_all(model, data: _Data, step: int, total: int, quietly: bool):
    """Loss per character on every validation name; events while it takes long, none once asked to finish."""
    message = "scoring the validation names…"
    if not quietly and (yield Progress(step, total, message)) is FINISH:
        quietly = True
    score, chars = 0.0, 0
    throttle = Throttle(0.05)
    for batch in data.full_val:
        score += model.nll(batch)
        chars += batch.n_chars
        if not quietly and throttle() and (yield Progress(step, total, message)) is FINISH:
            quietly = True
    return score / chars


# -- the job ------------------------------------------------------------------------------------
def train_job(
    train_names: list[str],
    val_names: list[str],
    config: TrainConfig,
    vocab: Vocabulary | None = None,
    control: TrainControl | None = None,
) -> Generator[Progress, object, TrainResult]:
    """Train a :class:`CharModel` (or, with ``config.ensemble`` > 1, an :class:`Ensemble`) on
    ``train_names``, scoring ``val_names``; see the module docstring."""
    config.validate()
    with blas_threads(1):  # small products: one BLAS thread is fastest, and far faster on a busy machine
        data = _Data.prepare(train_names, val_names, vocab)
        start = time.perf_counter()
        deadline = start + config.time_limit if config.time_limit else math.inf
        if config.ensemble == 1:
            clock = _Clock(start, deadline, deadline)
            return (yield from _train_model(data, config, control, clock, _Place(total=config.steps)))
        return (yield from _train_ensemble(data, config, control, start, deadline))


def _train_ensemble(data: _Data, config: TrainConfig, control, start: float, deadline: float):
    """Members one after another, each with an even share of the time left; see the module docstring."""
    K = config.ensemble
    mixture = _Mixture(data.monitor) if data.full_val else None
    members: list[TrainResult] = []
    history: dict[str, list[float]] = {}
    steps = 0
    for k in range(K):
        now = time.perf_counter()
        share = now + (deadline - now) / (K - k) if math.isfinite(deadline) else math.inf
        place = _Place(member=k, members=K, step_offset=steps, total=K * config.steps)
        member = yield from _train_model(data, config.member(k), control, _Clock(start, share, deadline), place,
                                         mixture)
        steps += member.steps
        for key, values in member.history.items():
            history.setdefault(key, []).extend(values)
        history.setdefault("member", []).extend([k] * len(member.history["val_step"]))
        finished = member.reason in ("steps", "early stopping")
        if finished or not members or _helps(mixture, member.model):
            members.append(member)
            if mixture is not None:
                mixture.add(member.model)
        if member.reason == "stopped" or time.perf_counter() >= deadline:
            break
    reason = _ensemble_reason(members[-1].reason if members else "stopped", deadline)
    model = Ensemble([m.model for m in members]) if len(members) > 1 else members[0].model
    val_loss = None
    if data.full_val:
        val_loss = yield from _score_all(model, data, steps, K * config.steps, reason == "stopped")
    last = members[-1]
    return TrainResult(
        model=model, vocab=data.vocab, config=replace(config, ensemble=len(members)), train_names=data.train_names,
        steps=steps, best_step=sum(m.steps for m in members[:-1]) + last.best_step,
        train_loss=float(np.mean([m.train_loss for m in members])), val_loss=val_loss,
        seconds=time.perf_counter() - start, reason=reason, history=history,
        samples=sample_names(model, data.vocab, config.samples, seed=0, known=set(data.train_names)),
        members=members,
    )


def _helps(mixture: _Mixture | None, model: CharModel) -> bool:
    """Whether a member cut short by time or a stop makes the ensemble better on the monitor names."""
    if mixture is None or not mixture.count:
        return True
    without = -sum(np.log(t / mixture.count).sum() for t in mixture.sums) / mixture.chars
    return mixture.loss_with(model)[1] < without


def _ensemble_reason(last_reason: str, deadline: float) -> str:
    if last_reason == "stopped":
        return "stopped"
    if last_reason == "time limit" or time.perf_counter() >= deadline:
        return "time limit"
    return last_reason
