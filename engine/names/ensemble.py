"""An ensemble: several names models whose next-character probabilities are averaged.

Models trained from different seeds make different mistakes; the mixture

    p(y | x) = (1/K) sum_k p_k(y | x)

scores better on names none of them has seen than any one of them (its
negative log-likelihood is at most the members' mean, by Jensen's inequality).

An :class:`Ensemble` answers the same calls as a single
:class:`engine.names.model.CharModel` -- ``start_state``,
``next_char_probabilities``, ``target_log_probabilities``, ``nll`` -- so
sampling, scoring and evaluating take either.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.names.model import Batch, CharModel, temper

__all__ = ["Ensemble", "mixture_log_probabilities", "members_of"]


def mixture_log_probabilities(log_probs: Sequence[np.ndarray]) -> np.ndarray:
    """log((1/K) sum_k exp(log_probs[k])), computed without underflow (log-sum-exp)."""
    stacked = np.stack(log_probs)
    top = stacked.max(axis=0)
    return top + np.log(np.exp(stacked - top).mean(axis=0))


class Ensemble:
    """K character models over one vocabulary, used as one."""

    def __init__(self, members: Sequence[CharModel]):
        if not members:
            raise ValueError("an ensemble needs at least one member")
        sizes = {m.vocab_size for m in members}
        if len(sizes) != 1:
            raise ValueError("the members of an ensemble must share one vocabulary")
        self.members = list(members)
        self.vocab_size = sizes.pop()

    def __len__(self) -> int:
        return len(self.members)

    def describe(self) -> str:
        sizes = "/".join(str(m.hidden) for m in self.members)
        return f"ensemble of {len(self)} {self.members[0].cell.upper()}s ({sizes} units)"

    def start_state(self, m: int):
        return [member.start_state(m) for member in self.members]

    def next_char_probabilities(self, symbols: np.ndarray | None, state, temperature: float = 1.0):
        """The members' next-character probabilities (m, V), averaged, then tempered."""
        new_state, total = [], None
        for member, own in zip(self.members, state, strict=True):
            p, own = member.next_char_probabilities(symbols, own)
            total = p if total is None else total + p
            new_state.append(own)
        return temper(total / len(self.members), temperature), new_state

    def target_log_probabilities(self, batch: Batch) -> np.ndarray:
        """log of the averaged probability of each step's target (T, m); padding holds 0."""
        mixed = mixture_log_probabilities([m.target_log_probabilities(batch) for m in self.members])
        if batch.mask is not None:
            mixed *= batch.mask
        return mixed

    def nll(self, batch: Batch) -> float:
        """Summed negative log-likelihood of a batch under the averaged probabilities."""
        return float(-self.target_log_probabilities(batch).sum())


def members_of(model) -> list[CharModel]:
    """The single models inside ``model`` (itself when it is one)."""
    return list(model.members) if isinstance(model, Ensemble) else [model]
