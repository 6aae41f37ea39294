"""The course's jazz model in Keras, and training it as a job that stops where it generalises best.

The course unrolls a shared LSTM cell by hand: T_x calls of one cell, each
followed by the same Dense softmax. That computes exactly what one Keras
``LSTM(n_a, return_sequences=True)`` layer followed by a (time-distributed)
``Dense(n_values, softmax)`` computes over the window -- the same weights, the
same outputs -- but as a single fused loop, so it builds and trains many times faster:

    tokens (m, T_x, n_values + F) -> LSTM(n_a) -> Dropout -> a (m, T_x, n_a) -> Dense softmax -> y (m, T_x, n_values)

Besides each one-hot token the LSTM reads where the next token starts in the
bar (F = :data:`engine.jazz.position.FEATURES` numbers; ``positions=False``
gives the course's input exactly).

Trained with Adam on the categorical cross-entropy of every next token. A
solo is short, and an LSTM of 64 units memorises it: whole phrases are held
out (:mod:`engine.jazz.split`), the loss on them is measured after every
epoch, training stops when it has not improved for ``patience`` epochs, and
the weights of the best epoch are kept. Dropout on the LSTM's input, its
recurrent state and its output slows the memorising down.

TensorFlow is imported by :func:`keras_module`, the first time a model is
built; a trained model is plain numpy arrays (:mod:`engine.jazz.weights`).
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.jazz.corpus import Corpus, SourceInfo, one_hot
from engine.jazz.errors import CorpusError
from engine.jazz.split import VALIDATION_SHARE, Split, hold_out_phrases
from engine.jobs import FINISH, Job, Progress, Throttle

__all__ = [
    "TrainSettings",
    "TrainedModel",
    "Training",
    "keras_module",
    "build_model",
    "train_job",
    "LIMITS",
    "DIVERGENCE_FACTOR",
]

# What fits: a model and a batch of this size train in a few hundred MB at most.
LIMITS = {"epochs": 10_000, "n_a": 1024, "t_x": 512, "stride": 10_000, "batch_size": 1024, "patience": 10_000}
MAX_BATCH_FLOATS = 64_000_000  # batch x T_x x (n_values + 8 n_a): activations kept for backprop, ~256 MB
DIVERGENCE_FACTOR = 2.0  # a loss this many times the untrained one (log n_values) has diverged

STOPPED_COMPLETED = "completed"  # every epoch ran
STOPPED_EARLY = "early"  # the validation loss stopped improving
STOPPED_FINISHED = "finished"  # asked to finish (Stop, Ctrl-C): partial
STOPPED_DIVERGED = "diverged"  # the loss blew up; the weights are those of the best epoch before


def keras_module():
    """Import Keras (and TensorFlow under it) quietly, on first use."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    return keras


@dataclass(frozen=True)
class TrainSettings:
    """How to train.

    epochs            -- at most this many passes over the training windows
    n_a               -- LSTM units (the course's n_a = 64)
    learning_rate     -- Adam's step size (the course's 0.01)
    t_x               -- window length in tokens (the course's T_x = 30)
    stride            -- tokens between the starts of two windows
    batch_size        -- windows per gradient step (32, as Keras's fit and the course)
    max_windows       -- use at most this many windows, drawn at random (the course used 60); None = all
    seed              -- makes weights, held-out phrases, window choice, dropout and shuffling reproducible
    dropout           -- share of the LSTM's inputs and outputs dropped while training
    recurrent_dropout -- share of the recurrent state dropped while training
    validation        -- share of the phrases held out to measure generalisation (0: none)
    patience          -- stop after this many epochs without a better validation loss
    positions         -- also tell the LSTM where in the bar the next token starts (engine.jazz.position)
    """

    epochs: int = 100
    n_a: int = 64
    learning_rate: float = 0.01
    t_x: int = 30
    stride: int = 1
    batch_size: int = 32
    max_windows: int | None = None
    seed: int = 0
    dropout: float = 0.4  # chosen by measurement: benchmarks/jazz_music.py --dropout-sweep
    recurrent_dropout: float = 0.0
    validation: float = VALIDATION_SHARE
    patience: int = 8
    positions: bool = True

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainSettings:
        """Settings from a model file; ValueError (with the field's name) for a wrong type or value."""
        if not isinstance(data, dict):
            raise ValueError("settings are not a JSON object")
        values = {}
        for name, spec in cls.__dataclass_fields__.items():
            if name not in data:
                continue
            value = data[name]
            if spec.type in ("int", "int | None"):
                if value is None and spec.type == "int | None":
                    values[name] = None
                    continue
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"setting {name!r} is not a whole number")
            elif spec.type == "bool":
                if not isinstance(value, bool):
                    raise ValueError(f"setting {name!r} is not true or false")
            elif spec.type == "float":
                if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                    raise ValueError(f"setting {name!r} is not a number")
                value = float(value)
            values[name] = value
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self, n_values: int | None = None) -> None:
        """CorpusError (one sentence) for settings that make no sense or would not fit in memory."""
        for name, most in LIMITS.items():
            value = getattr(self, name)
            if not 1 <= int(value) <= most:
                raise CorpusError(f"Training setting '{name}' must be between 1 and {most:,}; got {value:,}.")
        if not 0 < self.learning_rate < 10:
            raise CorpusError("The learning rate must be a small positive number (e.g. 0.01).")
        if self.max_windows is not None and self.max_windows < 1:
            raise CorpusError("The number of training windows must be at least 1.")
        if self.seed < 0:
            raise CorpusError("The seed must be a whole number from 0 up.")
        for name in ("dropout", "recurrent_dropout"):
            if not 0 <= getattr(self, name) < 1:
                raise CorpusError(f"The {name.replace('_', ' ')} must be a share from 0 up to (not including) 1.")
        if not 0 <= self.validation <= 0.5:
            raise CorpusError("The held-out share must be between 0 and 0.5.")
        floats = self.batch_size * self.t_x * ((n_values or 0) + 8 * self.n_a)
        if floats > MAX_BATCH_FLOATS:
            raise CorpusError(
                f"A batch of {self.batch_size} windows of {self.t_x} tokens with {self.n_a} units needs about "
                f"{floats * 4 / 2**20:,.0f} MB; make the batch, the window or the units smaller."
            )


@dataclass
class TrainedModel:
    """A trained model with everything needed to improvise and to save it.

    weights      -- the five arrays of :mod:`engine.jazz.weights` (Keras layout, float32)
    vocabulary   -- the token strings, in the order of the one-hot positions
    settings     -- how it was trained
    source       -- what it remembers of the music (chords, tempo, meter, range, token sequence)
    history      -- per epoch: "loss", "accuracy" (training) and "val_loss", "val_accuracy" (held out)
    seconds      -- wall time of building plus training
    best_epoch   -- the epoch whose weights these are (1-based; 0 when not known)
    stopped      -- why training ended: "completed", "early", "finished" (asked: partial) or "diverged"
    keras_model  -- the Keras model while it is at hand (None for a loaded model)
    """

    weights: dict[str, np.ndarray]
    vocabulary: tuple[str, ...]
    settings: TrainSettings
    source: SourceInfo
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "accuracy": []})
    seconds: float = 0.0
    best_epoch: int = 0
    stopped: str = STOPPED_COMPLETED
    keras_model: Any = field(default=None, repr=False, compare=False)
    _parameters: dict[str, np.ndarray] | None = field(default=None, repr=False, compare=False)
    _tokens: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def tokens(self) -> tuple:
        """The vocabulary as :class:`engine.jazz.grammar.Token` values (parsed once)."""
        if self._tokens is None:
            from engine.jazz.grammar import Token

            self._tokens = tuple(Token.parse(t) for t in self.vocabulary)
        return self._tokens

    @property
    def n_values(self) -> int:
        return len(self.vocabulary)

    @property
    def n_a(self) -> int:
        return int(self.weights["lstm_recurrent"].shape[0])

    @property
    def epochs_trained(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def partial(self) -> bool:
        """True when training was stopped before it decided to (Stop, Ctrl-C) or diverged."""
        return self.stopped in (STOPPED_FINISHED, STOPPED_DIVERGED)

    @property
    def best_val_loss(self) -> float | None:
        """The held-out loss of the kept weights, or None when nothing was held out."""
        values = self.history.get("val_loss") or []
        if not values:
            return None
        k = self.best_epoch - 1 if 1 <= self.best_epoch <= len(values) else int(np.argmin(values))
        return float(values[k])

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The weights in the course's LSTM layout (see :mod:`engine.jazz.weights`), mapped once."""
        if self._parameters is None:
            from engine.jazz.weights import course_parameters_from_weights

            self._parameters = course_parameters_from_weights(self.weights)
        return self._parameters


def build_model(
    n_values: int,
    n_a: int = 64,
    learning_rate: float = 0.01,
    seed: int = 0,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    features: int = 0,
):
    """The compiled Keras model: Input(None, n_values + features) -> LSTM(n_a) -> Dropout -> Dense(n_values, softmax).

    ``dropout`` drops LSTM inputs and, after the LSTM, its outputs; ``recurrent_dropout`` its state.
    Dropout layers have no weights: the trained model is the course's LSTM and Dense.
    """
    keras = keras_module()
    init = keras.initializers
    inputs = keras.Input(shape=(None, n_values + features), name="tokens")
    hidden = keras.layers.LSTM(
        n_a,
        return_sequences=True,
        kernel_initializer=init.GlorotUniform(seed=seed),
        recurrent_initializer=init.Orthogonal(seed=seed + 1),
        dropout=dropout,
        recurrent_dropout=recurrent_dropout,
        seed=seed + 3,
        name="lstm",
    )(inputs)
    if dropout > 0:
        hidden = keras.layers.Dropout(dropout, seed=seed + 4, name="dropout")(hidden)
    outputs = keras.layers.Dense(
        n_values, activation="softmax", kernel_initializer=init.GlorotUniform(seed=seed + 2), name="next_token"
    )(hidden)
    model = keras.Model(inputs, outputs, name="jazz_lstm")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def corpus_onsets(corpus: Corpus) -> np.ndarray:
    """(n_tokens,): for every token of the corpus, where the token after it starts in its bar (twelfths)."""
    from engine.jazz.grammar import Token
    from engine.jazz.position import next_onsets

    steps = np.array([Token.parse(t).steps for t in corpus.vocabulary], dtype=np.int64)[corpus.indices]
    return next_onsets(steps, corpus.bar_starts, [p.end for p in corpus.pieces])


def corpus_positions(corpus: Corpus) -> np.ndarray:
    """(n_tokens, FEATURES): the position inputs of :mod:`engine.jazz.position` for every token."""
    from engine.jazz.position import position_features

    return position_features(corpus_onsets(corpus))


def _inputs(tokens: np.ndarray, where: np.ndarray, n_values: int, positions: np.ndarray | None) -> np.ndarray:
    x = one_hot(tokens, n_values)
    return x if positions is None else np.concatenate([x, positions[where]], axis=-1)


def held_out_scores(
    keras_model, split: Split, indices: np.ndarray, n_values: int, positions: np.ndarray | None = None
) -> tuple[float, float]:
    """Mean cross-entropy and accuracy of the next-token prediction on the held-out tokens."""
    x, y, mask, where = split.validation_batch(indices)
    probs = np.asarray(keras_model(_inputs(x, where, n_values, positions), training=False), dtype=np.float64)
    picked = np.take_along_axis(probs, y[..., None], axis=-1)[..., 0]
    loss = float(-np.log(np.maximum(picked[mask], 1e-12)).mean())
    accuracy = float((probs.argmax(axis=-1) == y)[mask].mean())
    return loss, accuracy


class Training:
    """One training run: the job that trains, and the best model it has found so far.

    ::

        training = Training(corpus, settings)
        job = training.job()   # drive it (run_job, a worker); send FINISH or close() it at any time
        training.model         # once the job has ended: the best model (None before the first epoch ends)
        training.outcome       # one line saying how it ended

    The kept weights are those of the epoch with the lowest held-out loss (of the last
    finished epoch when nothing is held out); a job stopped inside an epoch never keeps
    that epoch's first batches.
    """

    def __init__(self, corpus: Corpus, settings: TrainSettings | None = None):
        self.corpus = corpus
        self.settings = settings or TrainSettings()
        self._model: TrainedModel | None = None
        self.split: Split | None = None
        self.outcome = ""

    @property
    def model(self) -> TrainedModel | None:
        """The best model so far, or None before the first epoch ends. Read it once the job has ended."""
        return self._model

    def job(self) -> Job:
        """The training job; it returns the best :class:`TrainedModel` (None if stopped before one epoch).

        Events: one while TensorFlow loads, one at least every quarter second inside an
        epoch (message only), and one at the end of every epoch carrying
        ``metrics={"loss", "accuracy", "val_loss", "val_accuracy"}`` (the held-out pair only
        when phrases are held out). FINISH sent into any event returns the best model so
        far; ``close()`` cancels (``model`` still holds the best so far).
        Bad settings or a too-short corpus raise :class:`CorpusError` here, before any work.
        """
        settings = self.settings
        settings.validate(self.corpus.vocab_size)
        split = hold_out_phrases(self.corpus, settings.t_x, settings.validation, settings.seed)
        starts = split.train_starts(settings.t_x, settings.stride)
        if settings.max_windows is not None and settings.max_windows < starts.size:
            rng = np.random.default_rng(settings.seed)
            starts = np.sort(rng.choice(starts, size=settings.max_windows, replace=False))
        self.split = split
        self._model = None  # a new run starts from nothing
        self.outcome = ""
        return self._train(split, starts)

    def _snapshot(self, weights, history, began, best_epoch, stopped, keras_model) -> TrainedModel:
        return TrainedModel(
            weights=weights,
            vocabulary=self.corpus.vocabulary,
            settings=self.settings,
            source=self.corpus.source_info(),
            history={name: list(values) for name, values in history.items()},
            seconds=time.perf_counter() - began,
            best_epoch=best_epoch,
            stopped=stopped,
            keras_model=keras_model,
        )

    def _train(self, split: Split, starts: np.ndarray) -> Job:
        from engine.jazz.weights import keras_weights

        corpus, settings = self.corpus, self.settings
        epochs = settings.epochs
        if (yield Progress(0, epochs, "Loading TensorFlow...")) is FINISH:
            self.outcome = "Stopped before training began; nothing learnt."
            return None
        keras_module()  # a few seconds the first time; not counted as training time
        began = time.perf_counter()
        positions = corpus_positions(corpus) if settings.positions else None
        model = build_model(
            corpus.vocab_size, settings.n_a, settings.learning_rate, settings.seed,
            settings.dropout, settings.recurrent_dropout, 0 if positions is None else positions.shape[1],
        )  # fmt: skip
        validating = bool(split.validation)
        if validating:
            count = len(split.validation)
            held = f", {split.held_out_tokens} tokens of {count} phrase{'s' if count != 1 else ''} held out"
        else:
            held = " (too few phrases to hold any out: no early stop)" if settings.validation > 0 else ""
        if (yield Progress(0, epochs, f"Training on {starts.size} windows of {settings.t_x} tokens{held}...")) is FINISH:
            self.outcome = "Stopped before the first epoch ended; nothing learnt."
            return None

        rng = np.random.default_rng(settings.seed)
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        if validating:
            history.update(val_loss=[], val_accuracy=[])
        throttle = Throttle(0.25)
        untrained = math.log(max(2, corpus.vocab_size))
        best = (math.inf, 0, None)  # (score, epoch, weights)
        stopped = STOPPED_FINISHED  # until the loop says otherwise: a closed job is partial
        try:
            for epoch in range(1, epochs + 1):
                order = rng.permutation(starts)
                loss_sum = accuracy_sum = 0.0
                done = 0
                finish = False
                # equal-sized batches where possible: each new batch shape would cost Keras a retrace
                for chunk in np.array_split(order, -(-order.size // settings.batch_size)):
                    x, y = corpus.windows_batch(chunk, settings.t_x)
                    if positions is not None:
                        x = np.concatenate([x, positions[chunk[:, None] + np.arange(settings.t_x)]], axis=-1)
                    logs = model.train_on_batch(x, y, return_dict=True)  # Keras resets its metrics every call
                    batch_loss = float(logs["loss"])
                    if not math.isfinite(batch_loss):
                        loss_sum = math.inf
                        break
                    loss_sum += batch_loss * len(x)
                    accuracy_sum += float(logs["accuracy"]) * len(x)
                    done += len(x)
                    if throttle():
                        message = f"Epoch {epoch}/{epochs}: {done}/{order.size} windows"
                        if (yield Progress(epoch - 1, epochs, message)) is FINISH:
                            finish = True
                            break
                if finish:
                    stopped = STOPPED_FINISHED
                    break
                loss = loss_sum / max(1, done)
                if not math.isfinite(loss) or loss > DIVERGENCE_FACTOR * untrained:
                    stopped = STOPPED_DIVERGED
                    shown = "not a number" if not math.isfinite(loss) else f"{loss:.3g}"
                    self.outcome = (
                        f"Training diverged in epoch {epoch} (loss {shown}, untrained {untrained:.2f}): "
                        "try a smaller learning rate."
                    )
                    break
                accuracy = accuracy_sum / max(1, done)
                history["loss"].append(loss)
                history["accuracy"].append(accuracy)
                metrics = {"loss": loss, "accuracy": accuracy}
                message = f"Epoch {epoch}/{epochs}: loss {loss:.3f}, accuracy {accuracy:.1%}"
                score = loss
                if validating:
                    val_loss, val_accuracy = held_out_scores(model, split, corpus.indices, corpus.vocab_size, positions)
                    history["val_loss"].append(val_loss)
                    history["val_accuracy"].append(val_accuracy)
                    metrics.update(val_loss=val_loss, val_accuracy=val_accuracy)
                    message += f"; held out {val_loss:.3f}, {val_accuracy:.1%}"
                    score = val_loss
                if score < best[0] or not validating:
                    best = (score, epoch, keras_weights(model))  # a few small arrays: cheap next to an epoch
                self._model = self._snapshot(best[2], history, began, best[1], STOPPED_FINISHED, None)
                if (yield Progress(epoch, epochs, message, metrics=metrics)) is FINISH:
                    stopped = STOPPED_FINISHED
                    break
                if validating and epoch - best[1] >= settings.patience:
                    stopped = STOPPED_EARLY
                    break
            else:
                stopped = STOPPED_COMPLETED
        finally:
            # closed, finished, diverged or done: keep the best epoch's weights, in Keras too
            if best[2] is not None:
                model.set_weights(_keras_order(model, best[2]))
                self._model = self._snapshot(best[2], history, began, best[1], stopped, model)
        if self._model is None:
            self.outcome = self.outcome or "Stopped before the first epoch ended; nothing learnt."
            return None
        self.outcome = self.outcome or _describe(self._model)
        if stopped == STOPPED_DIVERGED:
            self.outcome += f" Kept the weights of epoch {best[1]}."
        return self._model


def _keras_order(model, weights: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The five arrays in the order of ``model.get_weights()`` (Dropout layers hold none)."""
    from engine.jazz.weights import WEIGHT_NAMES

    ordered = [weights[name] for name in WEIGHT_NAMES]
    assert [w.shape for w in model.get_weights()] == [w.shape for w in ordered]
    return ordered


def _describe(model: TrainedModel) -> str:
    runs = f"{model.epochs_trained} epoch{'s' if model.epochs_trained != 1 else ''}"
    kept = f"kept epoch {model.best_epoch}"
    if model.best_val_loss is not None:
        kept += f" (held-out loss {model.best_val_loss:.3f}, accuracy {model.history['val_accuracy'][model.best_epoch - 1]:.1%})"
    if model.stopped == STOPPED_EARLY:
        return f"Stopped after {runs}: the held-out loss stopped improving; {kept}."
    if model.stopped == STOPPED_FINISHED:
        return f"Stopped after {runs} as asked; {kept}."
    return f"Trained {runs}; {kept}."


def train_job(corpus: Corpus, settings: TrainSettings | None = None) -> Job:
    """A job that builds and trains the model on ``corpus``; it returns a :class:`TrainedModel`.

    The same job as ``Training(corpus, settings).job()`` (see :class:`Training`), for
    callers that need no model when it is stopped.
    """
    return Training(corpus, settings).job()
