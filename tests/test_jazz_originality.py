"""The copy guard and the originality measure (no TensorFlow), against brute force."""

from __future__ import annotations

import numpy as np
import pytest

from engine.jazz.originality import CopyGuard, SuffixAutomaton, copied_share


def brute_match_lengths(symbols, sequences):
    out = []
    for end in range(1, len(symbols) + 1):
        best = 0
        for n in range(1, end + 1):
            piece = list(symbols[end - n : end])
            if any(piece == list(s[j : j + n]) for s in sequences for j in range(len(s) - n + 1)):
                best = n
            else:
                break
        out.append(best)
    return out


@pytest.mark.parametrize("seed", range(5))
def test_suffix_automaton_finds_the_longest_copied_run(seed):
    rng = np.random.default_rng(seed)
    sequences = [rng.integers(0, 4, 60), rng.integers(0, 4, 30)]
    generated = np.concatenate([sequences[0][10:25], rng.integers(0, 4, 20), sequences[1][:12]])
    automaton = SuffixAutomaton(sequences)
    assert list(automaton.match_lengths(generated)) == brute_match_lengths(generated, sequences)


def test_a_copy_never_spans_two_pieces():
    automaton = SuffixAutomaton([[1, 2, 3], [4, 5, 6]])
    assert automaton.match_lengths([2, 3, 4, 5])[-1] == 2  # 3 then 4 run across the pieces' seam


@pytest.mark.parametrize("max_copy", [3, 4, 6])
def test_guarded_sampling_never_copies_more_than_max_copy(max_copy):
    rng = np.random.default_rng(max_copy)
    training = rng.integers(0, 5, 200)
    automaton = SuffixAutomaton([training])
    guard = CopyGuard(automaton, np.arange(5), max_copy)
    out = []
    for _ in range(300):
        allowed = np.ones(5)
        forbidden = guard.forbidden()
        if forbidden is not None:
            allowed[forbidden] = 0
        p = allowed / allowed.sum()
        index = int(rng.choice(5, p=p))
        out.append(index)
        guard.push(index)
    assert max(brute_match_lengths(out, [training])) <= max_copy


def test_a_run_of_one_repeated_symbol_is_nobodys_copy():
    automaton = SuffixAutomaton([[0] * 20 + [1, 2]])
    guard = CopyGuard(automaton, np.arange(3), 4, uniform_ok=True)
    for _ in range(10):
        assert guard.forbidden() is None or not guard.forbidden()[0]
        guard.push(0)
    strict = CopyGuard(automaton, np.arange(3), 4)
    for _ in range(4):
        strict.push(0)
    assert strict.forbidden()[0]


def test_copied_share_counts_notes_in_copied_rhythm_windows():
    rng = np.random.default_rng(0)
    source = np.cumsum(rng.choice([3, 6, 9, 12], 100))
    copied = source[10:30] - source[10]  # 20 notes with the source's rhythm
    fresh = np.cumsum(np.tile([4, 8], 10)) + copied[-1]  # 20 notes of a rhythm the source never has
    line = np.concatenate([copied, fresh])
    assert copied_share(line, [source]) == pytest.approx(20 / 40)
    even = np.arange(0, 40 * 6, 6)  # even eighths are not a copy, even when the source has them
    assert copied_share(even, [np.arange(0, 100 * 6, 6)]) == 0.0
    assert copied_share(line[:10], [source]) == 0.0  # shorter than a window
