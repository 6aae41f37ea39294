"""Sampling names: the draws follow the model's distribution, and the options do what they say.

A model whose recurrent and input weights are zero predicts the same
distribution softmax(by / T) at every step, whatever came before -- a closed
form to check the sampler's frequencies and name lengths against.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine.names.corpus import Vocabulary
from engine.names.model import CharModel
from engine.names.sample import SamplingError, sample_names

VOCAB = Vocabulary(("\n", "a", "b", "c", "d"))


def memoryless_model(by) -> CharModel:
    model = CharModel("lstm", VOCAB.size, 4, np.float64)
    model.flat[:] = 0
    model.params["by"][...] = by
    return model


def softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


@pytest.mark.parametrize("temperature", [1.0, 0.5, 2.0])
def test_frequencies_follow_the_softmax_at_the_temperature(temperature):
    by = np.array([0.2, 1.0, 0.0, -0.5, 0.5])
    model = memoryless_model(by)
    names = sample_names(model, VOCAB, 4000, temperature=temperature, seed=1)
    p = softmax(by / temperature)
    # first letter: never the end token, the rest in proportion
    first = np.array([sum(n.name[0] == ch for n in names) for ch in "abcd"]) / len(names)
    np.testing.assert_allclose(first, p[1:] / p[1:].sum(), atol=0.03)
    # after the first letter, a name ends at each step with probability p_end: geometric lengths
    mean_length = np.mean([len(n.name) for n in names])
    assert mean_length == pytest.approx(1 + (1 - p[0]) / p[0], rel=0.06)
    letters = "".join(n.name[1:] for n in names)
    later = np.array([letters.count(ch) for ch in "abcd"]) / len(letters)
    np.testing.assert_allclose(later, p[1:] / p[1:].sum(), atol=0.03)


def test_seed_reproduces_and_prefix_primes():
    model = memoryless_model(np.array([0.0, 1.0, 0.5, 0.2, 0.1]))
    a = sample_names(model, VOCAB, 20, seed=5)
    assert a == sample_names(model, VOCAB, 20, seed=5)
    assert a != sample_names(model, VOCAB, 20, seed=6)
    primed = sample_names(model, VOCAB, 30, prefix="dab", seed=2)
    assert all(s.name.startswith("dab") for s in primed)
    assert all(s.name.startswith("dab") for s in sample_names(model, VOCAB, 5, prefix="DAB", lowercase=True))


def test_max_length_truncates_and_marks():
    model = memoryless_model(np.array([-50.0, 0.0, 0.0, 0.0, 0.0]))  # the end token almost never comes
    names = sample_names(model, VOCAB, 10, max_length=7, seed=0)
    assert all(len(s.name) == 7 and s.truncated for s in names)
    names = sample_names(model, VOCAB, 10, max_length=7, prefix="ab", seed=0)
    assert all(len(s.name) == 7 and s.name.startswith("ab") for s in names)


def test_new_and_known_marking_and_the_duplicate_filter():
    model = memoryless_model(np.array([3.0, 1.0, -2.0, -2.0, -2.0]))  # mostly "a", "aa": many repeats
    drawn = sample_names(model, VOCAB, 200, seed=0, known={"a", "aa"})
    assert all(s.new == (s.name not in {"a", "aa"}) for s in drawn)
    assert len({s.name for s in drawn}) < 200
    unique = sample_names(model, VOCAB, 12, seed=0, unique=True)
    assert len({s.name for s in unique}) == len(unique) == 12


def test_bad_requests_are_refused_clearly():
    model = memoryless_model(np.zeros(5))
    with pytest.raises(SamplingError, match="never seen: 'z'"):
        sample_names(model, VOCAB, 3, prefix="abz")
    with pytest.raises(SamplingError, match="temperature"):
        sample_names(model, VOCAB, 3, temperature=0)
    with pytest.raises(SamplingError, match="at least one"):
        sample_names(model, VOCAB, 0)
    with pytest.raises(SamplingError, match="maximum length"):
        sample_names(model, VOCAB, 3, prefix="abcd", max_length=4)


def test_a_thousand_names_at_once():
    """All names are drawn side by side: a thousand cost about as much as the longest one."""
    import time

    model = CharModel("lstm", 27, 96, np.float32)
    model.init_default(np.random.default_rng(0))
    vocab = Vocabulary(("\n", *"abcdefghijklmnopqrstuvwxyz"))
    start = time.perf_counter()
    names = sample_names(model, vocab, 1000, seed=0)
    assert len(names) == 1000
    assert time.perf_counter() - start < 5  # the benchmark measures it; this only guards against a per-name loop
