"""The names of a training run as arrays and batches, and scoring names with a model.

Names become arrays of symbol ids once; training draws batches of them in the
course's order or in buckets of similar length, and scoring runs over batches
sorted by length so little is padded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine.names.corpus import CorpusError, Vocabulary
from engine.names.model import Batch, make_batch
from engine.names.presets import TrainConfig
from engine.sequence import blas_threads

__all__ = ["TrainData", "evaluate_nll", "score_names", "encode_all", "eval_batches"]


def encode_all(names: list[str], vocab: Vocabulary) -> list[np.ndarray]:
    index = vocab.index()
    try:
        return [np.array([index[c] for c in name], dtype=np.int64) for name in names]
    except KeyError as exc:
        raise CorpusError(f"The character {exc.args[0]!r} is not in the model's vocabulary.") from None


def eval_batches(encoded: list[np.ndarray], size: int = 256) -> list[Batch]:
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
        total, chars = evaluate_nll(model, eval_batches(encode_all(usable, vocab)))
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
class TrainData:
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
    def prepare(cls, train_names, val_names, vocab: Vocabulary | None) -> TrainData:
        if not train_names:
            raise CorpusError("There are no names to train on.")
        vocab = vocab or Vocabulary.from_names([*train_names, *val_names])
        train = encode_all(train_names, vocab)
        val = encode_all(val_names, vocab)
        # Scoring thousands of names at every check would dominate; a fixed subset spread over
        # the (maybe sorted) file tracks progress.
        monitor = val[:: max(1, math.ceil(len(val) / 1000))]
        return cls(vocab, list(train_names), train, len(monitor), eval_batches(monitor), eval_batches(val))

    def batches(self, config: TrainConfig):
        if config.order == "course":
            return _course_batches(self.train, config.seed, config.batch)
        return _bucket_batches(self.train, config.batch, np.random.default_rng(config.seed + 1))

    def unigram_counts(self) -> np.ndarray:
        """How often each symbol is predicted in the training names (end tokens included)."""
        ends = np.zeros(len(self.train), np.int64)
        return np.bincount(np.concatenate([*self.train, ends]), minlength=self.vocab.size)
