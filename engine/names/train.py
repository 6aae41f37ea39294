"""Training the names model, as a job (see :mod:`engine.jobs`).

The presets and settings are in :mod:`engine.names.presets` (Course, Fast,
and Best: an ensemble whose members are trained one after another, each with
its own seed, size and early stopping, each given a share of the time that is
left); the names as batches in :mod:`engine.names.data`.

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
from engine.names.corpus import Vocabulary
from engine.names.data import TrainData, evaluate_nll, score_names
from engine.names.defaults import SAMPLE_DEFAULTS
from engine.names.ensemble import Ensemble
from engine.names.model import Batch, CharModel
from engine.names.optim import clip_gradient, make_optimizer
from engine.names.presets import PRESETS, TrainConfig, plan_best, preset_config
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
MIN_LENGTH = SAMPLE_DEFAULTS.min_length  # of the names sampled while training, as the tab samples them


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


# -- the pieces of a run ---------------------------------------------------------------------
def _new_model(data: TrainData, config: TrainConfig) -> CharModel:
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

    def __init__(self, model: CharModel, data: TrainData, config: TrainConfig, mixture: _Mixture | None):
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
class _Run:
    """One model's training: its weights, optimizer, running average, validation and record.

    :meth:`train_step` is the lean part, run thousands of times a second;
    everything else happens in :meth:`event`, at most every 50 ms or at a
    validation or sample.
    """

    def __init__(self, data: TrainData, config: TrainConfig, clock: _Clock, place: _Place, mixture: _Mixture | None):
        self.data, self.config, self.clock, self.place, self.mixture = data, config, clock, place, mixture
        self.model = model = _new_model(data, config)
        self.optimizer = make_optimizer(config.optimizer, model.flat, config.lr, config.weight_decay,
                                        model.flat_mask(("E", "Wh", "Wy")))  # weights shrink, biases do not
        self.averager = _Averager(model.flat, config.average) if config.average else None
        self.validation = _Validation(model, data, config, mixture)
        self.batches = data.batches(config)
        self.drop_rng = np.random.default_rng(config.seed + 2)
        # Scoring m names costs about a third of training on them: keep it under a fifth of the time.
        self.eval_every = max(config.eval_every, math.ceil(1.7 * data.monitor_count / config.batch))
        keys = ("step", "train_loss", "smooth_loss", "val_step", "val_loss", "val_seconds")
        self.history: dict[str, list[float]] = {k: [] for k in keys}
        if mixture is not None:
            self.history["ensemble_val_loss"] = []
        self.smooth = initial_smooth_loss(data.vocab.size)
        self.h = self.c = None  # the carried state (Course preset)
        self.window = [0.0, 0]  # summed NLL and characters since the last event
        self.interval = [0.0, 0]  # ... since the last validation
        self.last_train = math.nan
        self.step = 0
        self.reason = "steps"
        self.start = time.perf_counter()
        self.next_event = self.start + 0.05

    def train_step(self) -> bool:
        """One optimizer step on the next batch; True when an event is due."""
        config, model = self.config, self.model
        batch = next(self.batches)
        carry = config.carry_state
        if carry and self.h is not None and self.h.shape[0] != batch.size:
            self.h = self.c = None  # the last batch of an epoch is smaller: start it fresh
        nll = model.loss_and_grads(batch, self.h, self.c, carry, config.dropout, self.drop_rng)
        if carry:
            self.h, self.c = model.final_state()
        clip_gradient(model.grad_flat, config.clip_mode, config.clip)
        self.optimizer.step(model.grad_flat)
        if self.averager is not None:
            self.averager.update()
        self.step += 1
        self.smooth = 0.999 * self.smooth + 0.001 * nll / batch.size
        self.window[0] += nll
        self.window[1] += batch.n_chars
        return (self._validation_due() or self._sample_due() or self.step == config.steps
                or time.perf_counter() >= self.next_event)

    def _validation_due(self) -> bool:
        return bool(self.data.full_val) and (self.step % self.eval_every == 0 or self.step == self.config.steps)

    def _sample_due(self) -> bool:
        return bool(self.config.sample_every) and self.step % self.config.sample_every == 0

    def event(self, control: TrainControl | None) -> tuple[Progress, bool]:
        """Check the loss, validate and sample when due; the progress event and whether to stop."""
        now = time.perf_counter()
        job_step = self.place.step_offset + self.step
        train_loss = self.window[0] / max(self.window[1], 1)
        _check_divergence(train_loss, job_step, self.data.vocab.size)
        self.reason = _stop_reason(now, self.clock, control) or self.reason
        stopping = self.reason != "steps"
        self.interval[0] += self.window[0]
        self.interval[1] += self.window[1]
        self.window = [0.0, 0]
        metrics: dict[str, float] = {}
        payload: dict = {}
        if self.data.full_val and (self._validation_due() or stopping):
            metrics.update(self._validate(job_step))
            if self.validation.out_of_patience and not stopping:
                self.reason, stopping = "early stopping", True
        if self._sample_due():
            payload["samples"] = sample_names(self.model, self.data.vocab, self.config.samples, seed=0,
                                              known=set(self.data.train_names), min_length=MIN_LENGTH)
        self.history["step"].append(job_step)
        self.history["train_loss"].append(train_loss)
        self.history["smooth_loss"].append(self.smooth)
        time_left = _time_left(now, self.clock, self.clock.start, job_step, self.place.total)
        metrics.update(train_loss=train_loss, smooth_loss=self.smooth, elapsed=now - self.clock.start,
                       lr=self.optimizer.lr, member_step=self.step, time_left=time_left,
                       may_stop_early=float(bool(self.config.patience and self.data.full_val)))
        if self.place.members > 1:
            metrics.update(member=self.place.member, members=self.place.members)
        return Progress(job_step, self.place.total, self._message(train_loss), metrics, payload or None), stopping

    def _validate(self, job_step: int) -> dict[str, float]:
        self.last_train = self.interval[0] / max(self.interval[1], 1)
        self.interval = [0.0, 0]
        val_loss, ensemble_loss = self.validation.score(self.step, self.last_train, self.averager)
        self.history["val_step"].append(job_step)
        self.history["val_loss"].append(val_loss)
        self.history["val_seconds"].append(time.perf_counter() - self.clock.start)
        metrics = {"val_loss": val_loss, "best_val_loss": self.validation.best_loss}
        if self.mixture is not None:  # the ensemble so far: the first member alone, then the mixture
            metrics["ensemble_val_loss"] = val_loss if ensemble_loss is None else ensemble_loss
            self.history["ensemble_val_loss"].append(metrics["ensemble_val_loss"])
        return metrics

    def _message(self, train_loss: float) -> str:
        text = f"step {self.step:,}/{self.config.steps:,}  loss {train_loss:.3f}/char"
        if self.place.members > 1:
            text = f"member {self.place.member + 1}/{self.place.members}  " + text
        if math.isfinite(self.validation.best_loss):
            text += f"  best val {self.validation.best_loss:.3f}"
        return text

    def keep(self):
        """Put the kept weights in the model, score all validation names, and make the result."""
        model, config, validation = self.model, self.config, self.validation
        if self.interval[1]:
            self.last_train = self.interval[0] / self.interval[1]
        if config.keep_best and self.data.full_val and validation.best_step > 0:
            np.copyto(model.flat, validation.best_flat)
            best_step, train_loss = validation.best_step, validation.best_train
        else:
            if self.averager is not None:
                np.copyto(model.flat, self.averager.value)
            best_step, train_loss = self.step, self.last_train
        val_loss = None
        if self.data.full_val:
            val_loss = yield from _score_all(model, self.data, self.place.step_offset + self.step, self.place.total,
                                             self.reason == "stopped")
        return TrainResult(
            model=model, vocab=self.data.vocab, config=config, train_names=self.data.train_names, steps=self.step,
            best_step=best_step, train_loss=float(train_loss), val_loss=val_loss,
            seconds=time.perf_counter() - self.start, reason=self.reason, history=self.history,
            samples=sample_names(model, self.data.vocab, config.samples, seed=0, known=set(self.data.train_names),
                                 min_length=MIN_LENGTH),
        )


def _train_model(
    data: TrainData,
    config: TrainConfig,
    control: TrainControl | None,
    clock: _Clock,
    place: _Place,
    mixture: _Mixture | None = None,
) -> Generator[Progress, object, TrainResult]:
    """Train one CharModel until its steps, early stopping, its deadline, FINISH or a stop request."""
    run = _Run(data, config, clock, place, mixture)
    while run.step < config.steps:
        if not run.train_step():
            continue
        event, stopping = run.event(control)
        if (yield event) is FINISH:
            run.reason, stopping = "stopped", True
        run.next_event = time.perf_counter() + 0.05
        if stopping:
            break
    return (yield from run.keep())


def _score_all(model, data: TrainData, step: int, total: int, quietly: bool):
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
        data = TrainData.prepare(train_names, val_names, vocab)
        start = time.perf_counter()
        deadline = start + config.time_limit if config.time_limit else math.inf
        if config.ensemble == 1:
            clock = _Clock(start, deadline, deadline)
            return (yield from _train_model(data, config, control, clock, _Place(total=config.steps)))
        return (yield from _train_ensemble(data, config, control, start, deadline))


def _train_ensemble(data: TrainData, config: TrainConfig, control, start: float, deadline: float):
    """Members one after another, each with an even share of the time left; see the module docstring."""
    K = config.ensemble
    mixture = _Mixture(data.monitor) if data.full_val else None
    members: list[TrainResult] = []
    history: dict[str, list[float]] = {}
    steps = 0
    for k in range(K):
        now = time.perf_counter()
        share = now + (deadline - now) / _members_that_fit(members, K - k, deadline - now)
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
    reason = _ensemble_reason(member.reason, deadline)  # the last member trained, kept or not
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
        samples=sample_names(model, data.vocab, config.samples, seed=0, known=set(data.train_names),
                             min_length=MIN_LENGTH),
        members=members,
    )


def _members_that_fit(done: list[TrainResult], left: int, seconds: float) -> int:
    """How many members the time left is shared among (each member stops early by itself when it can), judged by how long the finished ones took.

    The first member may take half the time (it learns how fast this machine is);
    then as many as fit at the finished members' pace, at most those left.
    """
    if not math.isfinite(seconds):
        return 1
    if not done:
        return min(left, 2)
    pace = float(np.mean([m.seconds for m in done]))
    return int(min(left, max(1, seconds // max(pace, 1e-3))))


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
