"""Inventing names: draw one character at a time from the model's next-character distribution.

Names are drawn side by side, as the rows of one batch, so a thousand names
cost about as much as the longest of them; large requests are drawn in chunks
of :data:`CHUNK` and handed out as they come (:func:`iter_names`), so memory
stays bounded whatever the count. ``temperature`` reshapes the distribution
(p^(1/T), renormalised: softmax(logits / T) for one model): below 1 the model
plays safe, above 1 it takes risks. A ``prefix`` primes the model: its
characters are fed in first and every name starts with it. A name never ends
before ``min_length`` characters (the end token is not drawn there).

The model may be a :class:`engine.names.model.CharModel` or an
:class:`engine.names.ensemble.Ensemble`: both answer ``start_state`` and
``next_char_probabilities``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from engine.names.corpus import Vocabulary
from engine.names.defaults import MAX_COUNT, MAX_LENGTH, MAX_LENGTH_LIMIT, SAMPLE_DEFAULTS, SampleDefaults
from engine.sequence import blas_threads

__all__ = [
    "SampledName",
    "SamplingError",
    "SampleDefaults",
    "SAMPLE_DEFAULTS",
    "sample_names",
    "iter_names",
    "MAX_LENGTH",
    "MAX_LENGTH_LIMIT",
    "MAX_COUNT",
    "CHUNK",
]

CHUNK = 2048  # names drawn side by side at a time


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


def _sample_batch(model, vocab, count, temperature, prefix_ids, max_length, min_length, rng):
    """``count`` name bodies (after the prefix) as [(text, truncated)]; max/min_length count the body."""
    probs, state = model.next_char_probabilities(None, model.start_state(count), temperature)
    for symbol in prefix_ids:  # priming: read the prefix, ignore what the model would have said
        probs, state = model.next_char_probabilities(np.full(count, symbol), state, temperature)
    out = np.zeros((count, max_length), dtype=np.int32)
    done = np.zeros(count, dtype=bool)
    lengths = np.full(count, max_length)
    for t in range(max_length):
        if t < min_length:
            probs = probs.copy()
            probs[:, vocab.end] = 0  # too short to end here
        symbols = _draw(probs, rng)
        ended = (symbols == vocab.end) & ~done
        lengths[ended] = t
        done |= ended
        out[:, t] = np.where(done, 0, symbols)
        if done.all() or t == max_length - 1:
            break
        probs, state = model.next_char_probabilities(symbols, state, temperature)
    return [(vocab.decode(out[j, : lengths[j]]), not done[j]) for j in range(count)]


def _check_request(vocab, n, temperature, prefix, max_length, min_length) -> None:
    if n < 1:
        raise SamplingError("Ask for at least one name.")
    if n > MAX_COUNT:
        raise SamplingError(f"Ask for at most {MAX_COUNT:,} names at a time, not {n:,}.")
    if not 0.0 < temperature <= 10.0:
        raise SamplingError(f"The temperature must be above 0 and at most 10, not {temperature}.")
    if not 1 <= max_length <= MAX_LENGTH_LIMIT:
        raise SamplingError(f"The maximum length must be between 1 and {MAX_LENGTH_LIMIT:,}, not {max_length:,}.")
    if not 0 <= min_length <= max_length:
        raise SamplingError(f"The minimum length must be between 0 and the maximum length ({max_length}).")
    if any(not ch.isprintable() for ch in prefix):
        raise SamplingError("The prefix must be one line of printable characters (no newlines or tabs).")
    unknown = vocab.unknown_chars(prefix)
    if unknown:
        shown = ", ".join(repr(ch) for ch in sorted(unknown))
        raise SamplingError(f"The prefix uses characters the model has never seen: {shown}.")
    if len(prefix) >= max_length:
        raise SamplingError(f"The prefix is as long as the maximum length ({max_length}).")


def iter_names(
    model,
    vocab: Vocabulary,
    n: int = 10,
    temperature: float = 1.0,
    prefix: str = "",
    max_length: int = MAX_LENGTH,
    seed: int | None = None,
    known: Iterable[str] = (),
    unique: bool = False,
    lowercase: bool = False,
    min_length: int = 1,
) -> Iterator[SampledName]:
    """Draw up to ``n`` names, handing each out as soon as its chunk is drawn.

    Each is marked new unless it is in ``known`` (the training names). With
    ``unique`` no name appears twice: more are drawn until ``n`` distinct names
    are found, and drawing stops when a whole chunk brings no new one -- the
    model keeps repeating itself -- so fewer than ``n`` may come back.
    ``max_length`` and ``min_length`` count the prefix too. Raises
    :class:`SamplingError` (before drawing anything) for a request that cannot be met.
    """
    if lowercase:
        prefix = prefix.lower()
    _check_request(vocab, n, temperature, prefix, max_length, min_length)
    prefix_ids = vocab.encode(prefix)
    body_max, body_min = max_length - len(prefix), max(1 if not prefix else 0, min_length - len(prefix))
    known = set(known)
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    given = 0
    while given < n:
        wanted = n - given
        size = min(CHUNK, max(2 * wanted, 64) if unique else wanted)  # repeats are likely: draw extra
        with blas_threads(1):  # see engine.sequence.blas_threads
            drawn = _sample_batch(model, vocab, size, temperature, prefix_ids, body_max, body_min, rng)
        fresh = 0
        for body, truncated in drawn:
            name = prefix + body
            if unique:
                if name in seen:
                    continue
                seen.add(name)
            fresh += 1
            given += 1
            yield SampledName(name, name not in known, truncated)
            if given == n:
                return
        if unique and fresh == 0:
            return  # a whole chunk of repeats: the model has nothing new to say


def sample_names(model, vocab: Vocabulary, n: int = 10, **options) -> list[SampledName]:
    """Draw ``n`` names as a list; the options are those of :func:`iter_names`."""
    return list(iter_names(model, vocab, n, **options))
