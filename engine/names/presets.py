"""What decides a training run of the names model: its settings and the three presets.

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
  is a Fast model with its own seed and its own early stopping. It holds out
  5 % of the names for validation, not 10 %: each member's early stopping is
  noisier, but the mixture averages that out, and every member learns from
  more names (six members, seed 0, on names none of them saw: 1.553 nats per
  character against 1.566 with 10 % held out).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from engine.names.optim import CLIP_MODES, OPTIMIZERS

__all__ = ["TrainConfig", "PRESETS", "preset_config", "plan_best", "MEMBER_SEED_STEP"]

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
BEST_SECONDS_PER_MEMBER = 9.0  # a member of these sizes stops early by itself in 4-12 s on a quiet machine

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
    "best": replace(_FAST, preset="best", patience=20, time_limit=BEST_TIME_LIMIT, sample_every=0, val_split=0.05,
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
