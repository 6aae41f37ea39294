"""The course's jazz model in Keras, and training it as a cancellable job.

The course unrolls a shared LSTM cell by hand: T_x calls of one cell, each
followed by the same Dense softmax. That computes exactly what one Keras
``LSTM(n_a, return_sequences=True)`` layer followed by a (time-distributed)
``Dense(n_values, softmax)`` computes over the window -- the same weights, the
same outputs -- but as a single fused loop instead of 30 graph nodes, so it
builds and trains many times faster:

    tokens (m, T_x, n_values) -> LSTM(n_a) -> a (m, T_x, n_a) -> Dense softmax -> y (m, T_x, n_values)

Trained with Adam on the categorical cross-entropy of every next token. The
input length is left open (None) so the same model reads a window or a whole
piece. No Lambda layers: a saved model loads with Keras's ``safe_mode``.

TensorFlow is imported by :func:`keras_module`, the first time a model is built.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from engine.jazz.corpus import Corpus, SourceInfo
from engine.jazz.errors import CorpusError
from engine.jobs import Job, Progress, Throttle

__all__ = ["TrainSettings", "TrainedModel", "Training", "keras_module", "build_model", "train_job"]


def keras_module():
    """Import Keras (and TensorFlow under it) quietly, on first use."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import keras

    return keras


@dataclass(frozen=True)
class TrainSettings:
    """How to train.

    epochs         -- passes over the training windows
    n_a            -- LSTM units (the course's n_a = 64)
    learning_rate  -- Adam's step size (the course's 0.01)
    t_x            -- window length in tokens (the course's T_x = 30)
    stride         -- tokens between the starts of two windows
    batch_size     -- windows per gradient step (32, as Keras's fit and the course)
    max_windows    -- use at most this many windows, drawn at random (the course used 60); None = all
    seed           -- makes weights, window choice and shuffling reproducible
    """

    epochs: int = 100
    n_a: int = 64
    learning_rate: float = 0.01
    t_x: int = 30
    stride: int = 1
    batch_size: int = 32
    max_windows: int | None = None
    seed: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> TrainSettings:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)

    def validate(self) -> None:
        for name in ("epochs", "n_a", "t_x", "stride", "batch_size"):
            if int(getattr(self, name)) < 1:
                raise CorpusError(f"Training setting '{name}' must be at least 1.")
        if not 0 < self.learning_rate < 10:
            raise CorpusError("The learning rate must be a small positive number (e.g. 0.01).")
        if self.max_windows is not None and self.max_windows < 1:
            raise CorpusError("The number of training windows must be at least 1.")


@dataclass
class TrainedModel:
    """A trained model with everything needed to improvise and to save it.

    keras_model  -- the Keras model (LSTM + Dense softmax)
    vocabulary   -- the token strings, in the order of the one-hot positions
    settings     -- how it was trained
    source       -- what it remembers of the piece (chords, tempo, meter, range, token sequence)
    history      -- per-epoch "loss" and "accuracy"
    seconds      -- wall time of building plus training
    """

    keras_model: Any
    vocabulary: tuple[str, ...]
    settings: TrainSettings
    source: SourceInfo
    history: dict[str, list[float]] = field(default_factory=lambda: {"loss": [], "accuracy": []})
    seconds: float = 0.0
    _parameters: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def n_values(self) -> int:
        return len(self.vocabulary)

    @property
    def epochs_trained(self) -> int:
        return len(self.history.get("loss", []))

    @property
    def parameters(self) -> dict[str, np.ndarray]:
        """The weights in the course's LSTM layout (see :mod:`engine.jazz.weights`), mapped once."""
        if self._parameters is None:
            from engine.jazz.weights import course_parameters

            self._parameters = course_parameters(self.keras_model)
        return self._parameters


def build_model(n_values: int, n_a: int = 64, learning_rate: float = 0.01, seed: int = 0):
    """The compiled Keras model: Input(None, n_values) -> LSTM(n_a, sequences) -> Dense(n_values, softmax)."""
    keras = keras_module()
    init = keras.initializers
    inputs = keras.Input(shape=(None, n_values), name="tokens")
    hidden = keras.layers.LSTM(
        n_a,
        return_sequences=True,
        kernel_initializer=init.GlorotUniform(seed=seed),
        recurrent_initializer=init.Orthogonal(seed=seed + 1),
        name="lstm",
    )(inputs)
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


class Training:
    """One training run: the job that trains, and the model it has learnt so far.

    ::

        training = Training(corpus, settings)
        job = training.job()   # drive it (run_job, a worker); close() it at any time
        training.model         # once the job has ended: the model after its last finished epoch

    A stopped run keeps what it learnt: when the job is closed in the middle of an
    epoch, the weights go back to where that epoch began, so :attr:`model` is exactly
    the model of its ``history`` (``epochs_trained`` finished epochs). Closed before
    the first epoch ends, :attr:`model` stays None.
    """

    def __init__(self, corpus: Corpus, settings: TrainSettings | None = None):
        self.corpus = corpus
        self.settings = settings or TrainSettings()
        self._model: TrainedModel | None = None

    @property
    def model(self) -> TrainedModel | None:
        """The model after the last finished epoch, or None before the first.

        Read it once the job has ended (finished, closed or failed): while it runs,
        the Keras weights keep changing under it.
        """
        return self._model

    def job(self) -> Job:
        """The training job; it returns the :class:`TrainedModel` of all the epochs.

        Events: one while TensorFlow loads, one at least every quarter second inside an
        epoch (message only), and one at the end of every epoch carrying
        ``metrics={"loss": ..., "accuracy": ...}`` (the means over that epoch's batches).
        Stop it with ``job.close()``; batches are small, so that takes effect within a
        fraction of a second (the very first batch also compiles the graph, about a second).
        Bad settings or a too-short corpus raise :class:`CorpusError` here, before any work.
        """
        settings = self.settings
        settings.validate()
        starts = self.corpus.window_starts(settings.t_x, settings.stride, settings.max_windows, settings.seed)
        self._model = None  # a new run starts from nothing
        return self._train(starts)

    def _train(self, starts: np.ndarray) -> Job:
        corpus, settings = self.corpus, self.settings
        epochs = settings.epochs
        yield Progress(0, epochs, "Loading TensorFlow...")
        keras_module()  # a few seconds the first time; not counted as training time
        began = time.perf_counter()
        model = build_model(corpus.vocab_size, settings.n_a, settings.learning_rate, settings.seed)
        source = corpus.source_info()
        yield Progress(0, epochs, f"Training on {starts.size} windows of {settings.t_x} tokens...")

        rng = np.random.default_rng(settings.seed)
        history: dict[str, list[float]] = {"loss": [], "accuracy": []}
        throttle = Throttle(0.25)
        epoch_weights = None  # the weights at the end of the last finished epoch
        completed = False
        try:
            for epoch in range(1, epochs + 1):
                order = rng.permutation(starts)
                loss_sum = accuracy_sum = 0.0
                done = 0
                # equal-sized batches where possible: each new batch shape would cost Keras a retrace
                for chunk in np.array_split(order, -(-order.size // settings.batch_size)):
                    x, y = corpus.windows_batch(chunk, settings.t_x)
                    logs = model.train_on_batch(x, y, return_dict=True)  # Keras resets its metrics every call
                    loss_sum += float(logs["loss"]) * len(x)
                    accuracy_sum += float(logs["accuracy"]) * len(x)
                    done += len(x)
                    if throttle():
                        yield Progress(epoch - 1, epochs, f"Epoch {epoch}/{epochs}: {done}/{order.size} windows")
                loss, accuracy = loss_sum / order.size, accuracy_sum / order.size
                history["loss"].append(loss)
                history["accuracy"].append(accuracy)
                epoch_weights = model.get_weights()  # a few small arrays: cheap next to an epoch
                self._model = TrainedModel(
                    keras_model=model,
                    vocabulary=corpus.vocabulary,
                    settings=settings,
                    source=source,
                    history={name: list(values) for name, values in history.items()},
                    seconds=time.perf_counter() - began,
                )
                yield Progress(
                    epoch,
                    epochs,
                    f"Epoch {epoch}/{epochs}: loss {loss:.3f}, accuracy {accuracy:.1%}",
                    metrics={"loss": loss, "accuracy": accuracy},
                )
            completed = True
        finally:
            if not completed and epoch_weights is not None:
                # stopped inside an epoch: its first batches would not match the history
                model.set_weights(epoch_weights)
        return self._model


def train_job(corpus: Corpus, settings: TrainSettings | None = None) -> Job:
    """A job that builds and trains the model on ``corpus``; it returns a :class:`TrainedModel`.

    The same job as ``Training(corpus, settings).job()`` (see :class:`Training`), for
    callers that need no model when it is stopped.
    """
    return Training(corpus, settings).job()
