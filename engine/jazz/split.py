"""Held-out phrases: which tokens the model trains on and which it is judged on.

A model that only sees its own training windows can score 96 % by memorising
them. To measure what it has *learnt*, whole phrases are held out -- never
random windows, which would overlap the training windows token for token --
and the loss on them is the validation loss that training watches.

    tokens   | phrase | phrase | PHRASE | phrase | phrase | PHRASE | phrase |
    training |<--- window range --->|        |<--- window range --->|        |...
    judged   |                      | ^^^^^^ |                      | ^^^^^^ |

Phrases come from the corpus (``Corpus.phrases``) when it marks them, else
groups of :data:`PHRASE_BARS` measures, never across two pieces. The held-out
phrases are spread evenly over the pieces. A training window of ``T_x + 1``
tokens lies wholly inside one run of training phrases; a held-out phrase is
scored with the tokens just before it as context (input only, never scored),
as the generator hears a primer before it plays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.jazz.errors import CorpusError

__all__ = ["PHRASE_BARS", "VALIDATION_SHARE", "Split", "piece_ranges", "phrase_ranges", "hold_out_phrases"]

PHRASE_BARS = 4  # measures per phrase when the corpus does not mark phrases itself
VALIDATION_SHARE = 0.15  # share of the phrases held out by default
MIN_PHRASES = 4  # fewer phrases than this: nothing is held out (there is too little to learn from)

Range = tuple[int, int]


def piece_ranges(corpus) -> tuple[Range, ...]:
    """Token ranges [start, end) of the pieces in ``corpus`` (one range for a single piece)."""
    ranges = tuple((int(p.start), int(p.end)) for p in corpus.pieces)
    return ranges or ((0, int(len(corpus.indices))),)


def _measure_bounds(corpus) -> list[int]:
    """Token index of every barline of the corpus, and its end."""
    return sorted({int(b) for b in corpus.bar_starts} | {int(len(corpus.indices))})


def phrase_ranges(corpus, bars: int = PHRASE_BARS) -> tuple[Range, ...]:
    """Token ranges of the corpus's phrases: its own when it marks them, else every ``bars`` measures."""
    phrases = corpus.phrases
    if phrases:
        return tuple((int(a), int(b)) for a, b in phrases)
    bounds = _measure_bounds(corpus)
    out: list[Range] = []
    for p_start, p_end in piece_ranges(corpus):
        inside = [b for b in bounds if p_start <= b < p_end] or [p_start]
        cuts = inside[::bars] + [p_end]
        out.extend((a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a)
    return tuple(out)


def _merge(ranges: list[Range]) -> list[Range]:
    out: list[Range] = []
    for a, b in sorted(ranges):
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


@dataclass(frozen=True)
class Split:
    """Which token ranges train and which are held out.

    train       -- runs of training phrases, each inside one piece
    validation  -- held-out runs of phrases
    context     -- for each held-out run, where its (unscored) context begins
    """

    train: tuple[Range, ...]
    validation: tuple[Range, ...] = ()
    context: tuple[int, ...] = ()

    @property
    def held_out_tokens(self) -> int:
        return sum(b - a for a, b in self.validation)

    def train_starts(self, t_x: int, stride: int = 1) -> np.ndarray:
        """Start of every training window of ``t_x + 1`` tokens lying wholly inside a training run."""
        starts = [np.arange(a, b - t_x, stride) for a, b in self.train if b - a > t_x]
        return np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)

    def validation_batch(self, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The held-out runs as one padded batch.

        Returns inputs and targets, both token indices of shape (m, T), a mask (m, T) that is
        True where the target is a held-out token (not context, not padding), and where (m, T):
        the position in ``indices`` of each input.
        """
        rows = []
        for (a, b), c in zip(self.validation, self.context, strict=True):
            first_scored = max(a, c + 1)  # the first token of a piece has nothing before it
            rows.append((np.arange(c, b - 1), np.arange(c + 1, b) >= first_scored))
        width = max(len(r[0]) for r in rows)
        where = np.zeros((len(rows), width), dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=bool)
        for k, (at, ms) in enumerate(rows):
            where[k, : len(at)], mask[k, : len(ms)] = at, ms
        return indices[where], indices[np.minimum(where + 1, len(indices) - 1)], mask, where


def hold_out_phrases(corpus, t_x: int, share: float = VALIDATION_SHARE, seed: int = 0) -> Split:
    """Hold out about ``share`` of the phrases of ``corpus``, spread evenly, for validation.

    Nothing is held out when ``share`` is 0, when there are fewer than :data:`MIN_PHRASES`
    phrases, or when holding phrases out would leave no training window of ``t_x + 1``
    tokens. Raises :class:`CorpusError` when even the whole corpus holds no such window.
    """
    phrases = phrase_ranges(corpus)
    pieces = piece_ranges(corpus)
    whole = Split(train=pieces)
    if not whole.train_starts(t_x).size:
        longest = max(b - a for a, b in pieces)
        raise CorpusError(
            f"The melody has only {longest} tokens in its longest piece; training windows of T_x = {t_x} "
            f"need at least {t_x + 1}. Choose a longer melody or a shorter window."
        )
    count = int(round(share * len(phrases)))
    if share <= 0 or len(phrases) < MIN_PHRASES:
        return whole
    count = min(max(count, 1), len(phrases) // 2)
    gap = len(phrases) / count
    offset = int(np.random.default_rng(seed).integers(0, max(1, int(gap))))
    held = {min(len(phrases) - 1, offset + int(k * gap)) for k in range(count)}
    train = _merge([p for k, p in enumerate(phrases) if k not in held])
    validation = _merge([p for k, p in enumerate(phrases) if k in held])
    # a merged range never spans two pieces: split at piece starts
    train = [r for a, b in train for r in _cut(a, b, pieces)]
    validation = [r for a, b in validation for r in _cut(a, b, pieces)]
    split = Split(
        train=tuple(train),
        validation=tuple(validation),
        context=tuple(max(_piece_start(a, pieces), a - t_x) for a, _ in validation),
    )
    if not split.train_starts(t_x).size:
        return whole
    return split


def _piece_start(at: int, pieces: tuple[Range, ...]) -> int:
    return next((a for a, b in pieces if a <= at < b), 0)


def _cut(a: int, b: int, pieces: tuple[Range, ...]) -> list[Range]:
    return [(max(a, p), min(b, q)) for p, q in pieces if max(a, p) < min(b, q)]
