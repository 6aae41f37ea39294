"""Inventing names: draw one character at a time from the model's next-character distribution.

All requested names are drawn side by side, as the rows of one batch, so a
thousand names cost about as much as the longest of them. ``temperature``
divides the logits before the softmax: below 1 the model plays safe (common
letters, familiar endings), above 1 it takes risks. A ``prefix`` primes the
model: its characters are fed in first and every name starts with it. A name
never ends before its first character (the end token is not drawn there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.names.corpus import Vocabulary
from engine.names.model import CharModel
from engine.sequence import blas_threads

__all__ = ["SampledName", "SamplingError", "sample_names", "MAX_LENGTH"]

MAX_LENGTH = 50  # the course stops a name at 50 characters


class SamplingError(ValueError):
    """A sampling request that cannot be met, with a sentence saying why."""


@dataclass(frozen=True)
class SampledName:
    name: str
    new: bool  # not one of the names the model was trained on
    truncated: bool = False  # reached the maximum length before the end token


def _draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One categorical draw per row of probs (m, V), by inverting the cumulative sums."""
    cumulative = np.cumsum(probs, axis=1)
    u = rng.random((probs.shape[0], 1)) * cumulative[:, -1:]
    return np.minimum((cumulative < u).sum(axis=1), probs.shape[1] - 1)


def _sample_batch(model, vocab, count, temperature, prefix_ids, max_length, rng) -> list[tuple[str, bool]]:
    n = model.hidden
    h = np.zeros((count, n), dtype=model.dtype)
    c = np.zeros((count, n), dtype=model.dtype) if model.layer.has_cell else None
    probs, h, c = model.step_probabilities(None, h, c, temperature)
    for symbol in prefix_ids:  # priming: read the prefix, ignore what the model would have said
        probs, h, c = model.step_probabilities(np.full(count, symbol), h, c, temperature)
    out = np.zeros((count, max_length), dtype=np.int64)
    done = np.zeros(count, dtype=bool)
    lengths = np.full(count, max_length)
    for t in range(max_length):
        if t == 0 and not len(prefix_ids):
            probs[:, vocab.end] = 0  # a name has at least one character
        symbols = _draw(probs, rng)
        ended = (symbols == vocab.end) & ~done
        lengths[ended] = t
        done |= ended
        out[:, t] = np.where(done, 0, symbols)
        if done.all() or t == max_length - 1:
            break
        probs, h, c = model.step_probabilities(symbols, h, c, temperature)
    return [(vocab.decode(out[j, : lengths[j]]), not done[j]) for j in range(count)]


def sample_names(
    model: CharModel,
    vocab: Vocabulary,
    n: int = 10,
    temperature: float = 1.0,
    prefix: str = "",
    max_length: int = MAX_LENGTH,
    seed: int | None = None,
    known: Iterable[str] = (),
    unique: bool = False,
    lowercase: bool = False,
) -> list[SampledName]:
    """Draw ``n`` names.

    Each is marked new unless it is in ``known`` (the training names). With
    ``unique`` no name appears twice: more are drawn, a limited number of
    times, until ``n`` distinct names are found (fewer may come back when the
    model keeps repeating itself). ``max_length`` counts the prefix too.
    """
    if n < 1:
        raise SamplingError("Ask for at least one name.")
    if not 0.0 < temperature <= 10.0:
        raise SamplingError(f"The temperature must be above 0 and at most 10, not {temperature}.")
    if lowercase:
        prefix = prefix.lower()
    unknown = vocab.unknown_chars(prefix)
    if unknown:
        shown = ", ".join(repr(ch) for ch in sorted(unknown))
        raise SamplingError(f"The prefix uses characters the model has never seen: {shown}.")
    if len(prefix) >= max_length:
        raise SamplingError(f"The prefix is as long as the maximum length ({max_length}).")
    prefix_ids = vocab.encode(prefix)
    known = set(known)
    rng = np.random.default_rng(seed)
    results: list[SampledName] = []
    seen: set[str] = set()
    with blas_threads(1):  # see engine.sequence.blas_threads
        for _attempt in range(20 if unique else 1):
            wanted = n - len(results)
            batch = max(2 * wanted, 64) if unique else wanted  # repeats are likely: draw extra
            drawn = _sample_batch(model, vocab, batch, temperature, prefix_ids, max_length - len(prefix), rng)
            for body, truncated in drawn:
                name = prefix + body
                if unique and name in seen:
                    continue
                seen.add(name)
                results.append(SampledName(name, name not in known, truncated))
                if len(results) == n:
                    return results
    return results
