"""How much of an improvisation is copied from the music it learnt, and keeping copies short.

A model of a short solo can replay it. Two tools keep it honest:

* :class:`SuffixAutomaton` of the training sequence (built once, linear in its
  length) answers, token by token, "how long is the longest run ending here
  that also occurs in the training sequence?" in constant time per token.
  :class:`CopyGuard` uses it while sampling: once the generated line ends in a
  copied run of ``max_copy`` symbols, every symbol that would lengthen the copy
  is masked out. The guard runs twice: on the tokens themselves, and on their
  rhythm alone (rest or note, and duration) -- otherwise a model could keep a
  copied rhythm by changing only the pitch classes. A run of one repeated
  rhythm (a line of even eighths) is not a copy of anything.
* :func:`copied_share` measures the result as a listener hears it: the share of
  notes inside a window of ``RHYTHM_WINDOW`` notes whose inter-onset intervals
  also occur, in that order, in the source melody.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from engine.jazz.melody import STEPS

__all__ = [
    "RHYTHM_WINDOW",
    "SuffixAutomaton",
    "CopyGuard",
    "rhythm_symbols",
    "onsets_of",
    "copied_share",
]

RHYTHM_WINDOW = 16  # notes in a rhythm window: about two bars of eighths
TICKS = STEPS  # onsets are compared in twelfths of a quarter note (sixteenths and triplets)


class SuffixAutomaton:
    """The suffix automaton of one or more symbol sequences (no match ever spans two of them).

    States are ints; ``next[s]`` maps a symbol to the state it leads to,
    ``link[s]`` is the suffix link and ``length[s]`` the longest string of state ``s``.
    """

    def __init__(self, sequences: Sequence[Sequence[int]]):
        self.next: list[dict[int, int]] = [{}]
        self.link = [-1]
        self.length = [0]
        last = 0
        for k, sequence in enumerate(sequences):
            if k:
                last = self._extend(last, -1 - k)  # a separator that never occurs in a generated line
            for symbol in sequence:
                last = self._extend(last, int(symbol))

    def _extend(self, last: int, symbol: int) -> int:
        nxt, link, length = self.next, self.link, self.length
        cur = len(length)
        nxt.append({})
        length.append(length[last] + 1)
        link.append(0)
        p = last
        while p != -1 and symbol not in nxt[p]:
            nxt[p][symbol] = cur
            p = link[p]
        if p != -1:
            q = nxt[p][symbol]
            if length[p] + 1 == length[q]:
                link[cur] = q
            else:
                clone = len(length)
                nxt.append(dict(nxt[q]))
                length.append(length[p] + 1)
                link.append(link[q])
                while p != -1 and nxt[p].get(symbol) == q:
                    nxt[p][symbol] = clone
                    p = link[p]
                link[q] = link[cur] = clone
        return cur

    def step(self, state: int, matched: int, symbol: int) -> tuple[int, int]:
        """After ``symbol``: the state and length of the longest suffix that occurs in the sequences."""
        while state and symbol not in self.next[state]:
            state = self.link[state]
            matched = self.length[state]
        if symbol in self.next[state]:
            return self.next[state][symbol], matched + 1
        return 0, 0

    def match_lengths(self, symbols: Sequence[int]) -> np.ndarray:
        """For every position, the length of the longest copied run ending there."""
        state = matched = 0
        out = np.zeros(len(symbols), dtype=np.int64)
        for k, symbol in enumerate(symbols):
            state, matched = self.step(state, matched, int(symbol))
            out[k] = matched
        return out


class CopyGuard:
    """Masks the tokens that would extend a run copied from the training sequence past ``max_copy``.

    symbol_of -- (n_values,) the symbol of each token (the token itself, or its rhythm)
    uniform_ok -- a run of one repeated symbol may go on (even eighths are nobody's property)
    """

    def __init__(self, automaton: SuffixAutomaton, symbol_of: np.ndarray, max_copy: int, uniform_ok: bool = False):
        self.automaton = automaton
        self.symbol_of = np.asarray(symbol_of)
        self.max_copy = int(max_copy)
        self.uniform_ok = uniform_ok
        self._tokens_of = {int(s): self.symbol_of == s for s in np.unique(self.symbol_of)}
        self.reset()

    def reset(self) -> None:
        self.state = self.matched = 0
        self.last: int | None = None
        self.repeats = 0  # how many times the last symbol has just repeated

    def forbidden(self) -> np.ndarray | None:
        """Boolean (n_values,) of the tokens not allowed next, or None when all are allowed."""
        if self.matched < self.max_copy:
            return None
        mask = np.zeros(self.symbol_of.size, dtype=bool)
        for symbol in self.automaton.next[self.state]:
            if symbol in self._tokens_of and not (self.uniform_ok and symbol == self.last and self.repeats >= self.matched):
                mask |= self._tokens_of[symbol]
        return mask

    def push(self, index: int) -> None:
        symbol = int(self.symbol_of[index])
        self.state, self.matched = self.automaton.step(self.state, self.matched, symbol)
        self.repeats = self.repeats + 1 if symbol == self.last else 1
        self.last = symbol


def rhythm_symbols(tokens) -> np.ndarray:
    """A rhythm code per grammar token: rests, notes and ties of each duration get distinct codes."""
    codes: dict[tuple, int] = {}
    out = []
    for token in tokens:
        kind = "R" if token.is_rest else ("T" if token.tied else "N")
        key = (kind, round(token.duration * TICKS))
        out.append(codes.setdefault(key, len(codes)))
    return np.array(out, dtype=np.int64)


def onsets_of(tokens) -> np.ndarray:
    """Onsets of the notes played by a token sequence, in twelfths of a quarter from its start."""
    onsets, at = [], 0
    for token in tokens:
        if token.is_pitched:
            onsets.append(at)
        at += round(token.duration * TICKS)
    return np.array(onsets, dtype=np.int64)


def _windows(onsets: np.ndarray, size: int) -> list[tuple[int, ...]]:
    gaps = np.diff(onsets)
    return [tuple(gaps[k : k + size - 1].tolist()) for k in range(len(gaps) - size + 2)]


def copied_share(onsets: np.ndarray, source_onsets: Sequence[np.ndarray], size: int = RHYTHM_WINDOW) -> float:
    """Share of notes (given by ``onsets``) inside a ``size``-note rhythm window found in the source.

    A window is its ``size - 1`` inter-onset intervals; windows of one repeated interval
    are not counted as copies. ``source_onsets``: one onset array per source piece.
    """
    if len(onsets) < size:
        return 0.0
    known = {w for piece in source_onsets for w in _windows(np.asarray(piece), size) if len(w) == size - 1}
    copied = np.zeros(len(onsets), dtype=bool)
    for k, window in enumerate(_windows(np.asarray(onsets), size)):
        if len(set(window)) > 1 and window in known:
            copied[k : k + size] = True
    return float(copied.mean())
