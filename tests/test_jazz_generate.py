"""Improvising with the numpy cell: measures filled exactly, a clean line, seeds, temperature, chords."""

from __future__ import annotations

import time

import numpy as np
import pytest
from jazz_helpers import tiny_model

from engine.jazz import ChordSymbolError, JazzError, generate, parse_chord_symbols
from engine.jazz.generate import sample_index
from engine.jazz.grammar import Token
from engine.jazz.harmony import note_role

pytestmark = pytest.mark.tf


def assert_clean(improv, measures):
    size = improv.measure_length
    assert improv.measures == measures and improv.length == measures * size
    assert sum(Token.parse(t).duration for t in improv.tokens) == pytest.approx(improv.length)
    low, high = tiny_model().source.pitch_range
    for note in improv.melody:
        assert (note.start * 12) == pytest.approx(round(note.start * 12))  # twelfths: sixteenths and triplets
        assert note.end > note.start
        assert low <= note.pitch <= high
    for a, b in zip(improv.melody, improv.melody[1:], strict=False):
        assert a.end <= b.start  # one line: no overlaps at all, so none of the same pitch
    # every measure is exactly full: tokens laid end to end land on each barline
    cursor, bar_ends = 0.0, set()
    for t in improv.tokens:
        cursor += Token.parse(t).duration
        bar_ends.add(round(cursor / size, 9))
    assert {float(k) for k in range(1, measures + 1)} <= bar_ends


def test_generate_32_measures_from_the_source_chords():
    model = tiny_model()
    began = time.perf_counter()
    (improv,) = generate(model, measures=32, temperature=0.7, seed=5)
    assert time.perf_counter() - began < 1.0
    assert_clean(improv, 32)
    source = model.source.chords
    assert list(improv.chords) == [source[k % len(source)] for k in range(32)]
    assert improv.tempo == pytest.approx(132.0, abs=0.01) and improv.key == "F" and improv.seed == 5
    # each pitched token's class is the class of its note over that measure's chord
    pitched = [Token.parse(t) for t in improv.tokens if not t.startswith("R")]
    roles = [note_role(n.pitch, improv.chords[int(n.start // 4)]) for n in improv.melody]
    assert sum(t.kind == r for t, r in zip(pitched, roles, strict=True)) >= 0.95 * len(roles)


def test_chords_loop_when_more_measures_are_asked():
    model = tiny_model()
    n = len(model.source.chords)
    (improv,) = generate(model, measures=n + 5, seed=1)
    assert improv.chords[n : n + 5] == improv.chords[:5]
    assert_clean(improv, n + 5)


def test_typed_chords():
    model = tiny_model()
    (improv,) = generate(model, measures=6, chords="Dm7 G7 Cmaj7 Cmaj7", seed=2)
    assert [c.symbol for c in improv.chords] == ["Dm7", "G7", "Cmaj7", "Cmaj7", "Dm7", "G7"]
    assert improv.key is None  # not the source's changes, so not the source's key
    assert_clean(improv, 6)
    (again,) = generate(model, measures=2, chords=parse_chord_symbols("Bb7 Eb7"), seed=2)
    assert [c.symbol for c in again.chords] == ["Bb7", "Eb7"]
    with pytest.raises(ChordSymbolError):
        generate(model, measures=4, chords="Dm7 Q7")


def test_seed_variations_and_temperature():
    model = tiny_model()
    a = generate(model, measures=8, temperature=1.0, seed=11, variations=3)
    b = generate(model, measures=8, temperature=1.0, seed=11, variations=3)
    assert [v.tokens for v in a] == [v.tokens for v in b] and [v.melody for v in a] == [v.melody for v in b]
    assert len({v.tokens for v in a}) == 3  # three different variations
    assert [v.variation for v in a] == [0, 1, 2] and {v.seed for v in a} == {11}
    c = generate(model, measures=8, temperature=1.0, seed=12)
    assert c[0].tokens != a[0].tokens
    for v in a:
        assert_clean(v, 8)
    # temperature 0 is the course's argmax: from no primer, the tokens do not depend on the seed
    cold = [generate(model, measures=8, temperature=0, primer="none", seed=s)[0].tokens for s in (1, 2)]
    assert cold[0] == cold[1]


def test_fresh_seed_is_recorded():
    model = tiny_model()
    first = generate(model, measures=4)[0]
    replay = generate(model, measures=4, seed=first.seed)[0]
    assert replay.melody == first.melody


def test_sample_index_temperature():
    rng = np.random.default_rng(0)
    p = np.array([0.1, 0.6, 0.3])
    assert sample_index(p, 0, rng) == 1
    counts = np.bincount([sample_index(p, 1.0, rng) for _ in range(4000)], minlength=3) / 4000
    assert counts == pytest.approx(p, abs=0.03)
    sharp = np.bincount([sample_index(p, 0.5, rng) for _ in range(4000)], minlength=3) / 4000
    expected = p**2 / (p**2).sum()  # p^(1/T), renormalised
    assert sharp == pytest.approx(expected, abs=0.03)
    assert sample_index(np.array([0.0, 0.0, 1.0]), 2.0, rng) == 2  # impossible tokens stay impossible


def test_three_four_model_improvises_in_three(tmp_path):
    from jazz_helpers import two_part_file

    from engine.jazz import TrainSettings, build_corpus, read_song, train_job
    from engine.jobs import run_job

    corpus = build_corpus(read_song(two_part_file(tmp_path / "waltz.mid", bars=24, num=3, den=4)))
    model = run_job(train_job(corpus, TrainSettings(epochs=1, n_a=8, t_x=10, stride=3)))
    (improv,) = generate(model, measures=9, seed=0)
    assert improv.time_signature == (3, 4) and improv.measure_length == 3.0
    assert_clean(improv, 9)


@pytest.mark.parametrize(
    "kwargs",
    [{"measures": 0}, {"measures": 10**6}, {"variations": 0}, {"temperature": -1}, {"primer": "melody"}, {"seed": -1}],
)
def test_bad_generation_arguments(kwargs):
    with pytest.raises(JazzError):
        generate(tiny_model(), **kwargs)
