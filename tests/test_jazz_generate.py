"""Improvising with the numpy stepper: measures filled exactly, a clean line, seeds of their own,
temperature, chord changes, swing, bar-aligned primers, and copies kept short."""

from __future__ import annotations

import time

import numpy as np
import pytest
from jazz_helpers import tiny_model

from engine.jazz import ChordSymbolError, JazzError, generate, parse_chord_symbols
from engine.jazz.generate import _bar_starts, _parsed, _prepare, _primer, sample_index
from engine.jazz.grammar import Token
from engine.jazz.harmony import note_role
from engine.jazz.melody import STEPS

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


def longest_copy(tokens, training) -> int:
    """Longest run of ``tokens`` found verbatim in ``training``, by brute force (independent of the automaton)."""
    text = list(training)
    best = 0
    for i in range(len(tokens)):
        n = best + 1
        while i + n <= len(tokens) and any(text[j : j + n] == list(tokens[i : i + n]) for j in range(len(text) - n + 1)):
            best, n = n, n + 1
    return best


def test_generate_32_measures_from_the_source_chords():
    model = tiny_model()
    began = time.perf_counter()
    (improv,) = generate(model, measures=32, temperature=0.7, seed=5, swing="straight")
    assert time.perf_counter() - began < 1.0
    assert_clean(improv, 32)
    source = model.source.chords
    assert list(improv.chords) == [source[k % len(source)] for k in range(32)]
    assert improv.changes == tuple((c,) for c in improv.chords)
    assert improv.tempo == pytest.approx(132.0, abs=0.01) and improv.key == "F" and improv.seed == 5
    assert improv.swing == 1.0 and 0.0 <= improv.originality <= 1.0
    # each note's class is its token's class over the chord sounding at its start
    pitched = [Token.parse(t) for t in improv.tokens if Token.parse(t).is_pitched]
    roles = [note_role(n.pitch, improv.chord_at(n.start)) for n in improv.melody]
    assert len(pitched) == len(roles)
    assert sum(t.kind == r for t, r in zip(pitched, roles, strict=True)) >= 0.95 * len(roles)


def test_chords_loop_when_more_measures_are_asked():
    model = tiny_model()
    n = len(model.source.chords)
    (improv,) = generate(model, measures=n + 5, seed=1)
    assert improv.chords[n : n + 5] == improv.chords[:5]
    assert_clean(improv, n + 5)


def test_typed_chords_and_several_chords_per_measure():
    model = tiny_model()
    (improv,) = generate(model, measures=6, chords="Dm7 G7 Cmaj7 Cmaj7", seed=2)
    assert [c.symbol for c in improv.chords] == ["Dm7", "G7", "Cmaj7", "Cmaj7", "Dm7", "G7"]
    assert improv.key is None  # not the source's changes, so not the source's key
    assert_clean(improv, 6)
    (again,) = generate(model, measures=2, chords=parse_chord_symbols("Bb7 Eb7"), seed=2)
    assert [c.symbol for c in again.chords] == ["Bb7", "Eb7"]
    with pytest.raises(ChordSymbolError):
        generate(model, measures=4, chords="Dm7 Q7")
    # two chords in a measure: each sounds for half of it, and notes are realised over the one at their onset
    dm7, g7, cmaj7 = parse_chord_symbols("Dm7 G7 Cmaj7")
    (split,) = generate(model, measures=8, chords=[(dm7, g7), (cmaj7,)], seed=4)
    assert split.changes[:3] == ((dm7, g7), (cmaj7,), (dm7, g7))
    assert split.chord_at(0.0) == dm7 and split.chord_at(2.0) == g7 and split.chord_at(4.5) == cmaj7
    assert {(n.start, n.end) for n in split.chord_notes() if n.start < 4} == {(0.0, 2.0), (2.0, 4.0)}
    pitched = [Token.parse(t) for t in split.tokens if Token.parse(t).is_pitched]
    roles = [note_role(n.pitch, split.chord_at(n.start)) for n in split.melody]
    assert sum(t.kind == r for t, r in zip(pitched, roles, strict=True)) >= 0.95 * len(roles)


def test_every_variation_has_its_own_seed_and_plays_again_alone():
    model = tiny_model()
    a = generate(model, measures=8, temperature=1.0, seed=11, variations=3)
    b = generate(model, measures=8, temperature=1.0, seed=11, variations=3)
    assert [v.tokens for v in a] == [v.tokens for v in b] and [v.melody for v in a] == [v.melody for v in b]
    assert len({v.tokens for v in a}) == 3  # three different variations
    assert [v.variation for v in a] == [0, 1, 2] and len({v.seed for v in a}) == 3
    for v in a:
        (alone,) = generate(model, measures=8, temperature=1.0, seed=v.seed)
        assert alone.melody == v.melody and alone.tokens == v.tokens
        assert_clean(v, 8)
    # temperature 0 is the course's argmax: from no primer, the tokens do not depend on the seed
    cold = [generate(model, measures=8, temperature=0, primer="none", seed=s, max_copy=1000)[0].tokens for s in (1, 2)]
    assert cold[0] == cold[1]


def test_fresh_seed_is_recorded():
    model = tiny_model()
    first = generate(model, measures=4)[0]
    replay = generate(model, measures=4, seed=first.seed)[0]
    assert replay.melody == first.melody


@pytest.fixture(scope="module")
def memoriser():
    """A model trained on every token until it replays them (nothing held out)."""
    from engine.jazz import TrainSettings, build_corpus, default_piece, read_song, train_job
    from engine.jobs import run_job

    corpus = build_corpus(read_song(default_piece()))
    settings = TrainSettings(epochs=40, n_a=48, t_x=16, stride=1, learning_rate=0.02, dropout=0, validation=0, seed=1)
    return run_job(train_job(corpus, settings))


def test_copies_from_the_training_sequence_stay_short(memoriser):
    model = memoriser
    training = [model.vocabulary[i] for i in model.source.token_indices]
    for max_copy in (3, 6):
        for improv in generate(model, measures=16, temperature=0.3, seed=3, variations=2, max_copy=max_copy):
            assert longest_copy(improv.tokens, training) <= max_copy
    # without the guard, a cold sampler walks the training sequence much further
    (free,) = generate(model, measures=16, temperature=0.0, seed=3, max_copy=100_000)
    (guarded,) = generate(model, measures=16, temperature=0.0, seed=3, max_copy=4)
    assert longest_copy(free.tokens, training) > 20 >= 4 >= longest_copy(guarded.tokens, training)
    # originality: the replayed line is mostly copied rhythm, the guarded one is not
    assert free.originality < 0.5 < guarded.originality


def test_primer_ends_on_a_barline_and_generation_starts_on_one():
    model = tiny_model()
    tokens, steps = _parsed(model)
    bar = round(model.source.measure_length * STEPS)
    history = model.source.token_indices
    starts = _bar_starts(model, steps)
    elapsed = np.concatenate([[0], np.cumsum(steps[list(history)])])
    assert starts and all(elapsed[b] % bar == 0 for b in starts)
    source = _prepare(model)
    for seed in range(20):
        primer = _primer(model, source, np.random.default_rng(seed))  # positions in the training sequence
        assert len(primer) == model.settings.t_x and primer == list(range(primer[0], primer[-1] + 1))
        end = primer[-1] + 1
        assert elapsed[end] % bar == 0  # the token after the primer starts a measure
        assert source.next_onset[primer[-1]] == 0  # and the network hears that it does


def test_swing_moves_the_off_beat_eighths(tmp_path):
    from jazz_helpers import two_part_file

    from engine.jazz import TrainSettings, build_corpus, read_song, train_job
    from engine.jobs import run_job

    corpus = build_corpus(read_song(two_part_file(tmp_path / "straight.mid", bars=24)))  # straight eighths
    model = run_job(train_job(corpus, TrainSettings(epochs=2, n_a=8, t_x=10, stride=2)))
    (straight,) = generate(model, measures=16, seed=8, swing="straight")
    (swung,) = generate(model, measures=16, seed=8, swing="medium")
    assert swung.swing == 2.0 and straight.swing == 1.0 and swung.tokens == straight.tokens
    offbeat = [n.start for n in straight.melody if abs(n.start % 1 - 0.5) < 1e-9]
    assert offbeat, "the line has off-beat eighths to swing"
    moved = [n.start for n in swung.melody if abs(n.start % 1 - 2 / 3) < 1e-6]
    assert len(moved) >= len(offbeat) // 2
    (ratio,) = generate(model, measures=2, seed=8, swing="1.6")
    assert ratio.swing == pytest.approx(1.6)
    with pytest.raises(JazzError, match="Swing"):
        generate(model, measures=2, swing="bouncy")


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
    [{"measures": 0}, {"measures": 10**6}, {"variations": 0}, {"temperature": -1}, {"primer": "melody"}, {"seed": -1},
     {"max_copy": 0}, {"swing": 9.0}],
)  # fmt: skip
def test_bad_generation_arguments(kwargs):
    with pytest.raises(JazzError):
        generate(tiny_model(), **kwargs)


def test_a_forbidden_tokens_share_stays_with_its_class():
    # the copy guard breaks a quote with another token of the same class: a chord tone stays a chord tone
    from engine.jazz.generate import _within_class
    from engine.jazz.grammar import KINDS

    rng = np.random.default_rng(4)
    kinds = rng.integers(len(KINDS), size=40)
    kinds[:6] = KINDS.index("C")
    p = rng.random(40)
    p /= p.sum()
    forbidden = rng.random(40) < 0.3
    forbidden[:3], forbidden[3:6] = True, False  # some chord tones masked, some left
    forbidden[kinds == KINDS.index("X")] = True  # a class with nothing left loses its share
    out = _within_class(p, forbidden, kinds)
    assert np.all(out[forbidden] == 0)
    for k in range(len(KINDS)):
        mine = kinds == k
        left = mine & ~forbidden
        expected = p[mine].sum() if left.any() else 0.0
        assert out[mine].sum() == pytest.approx(expected)
        if left.any():  # inside a class the network's preferences are kept
            assert np.allclose(out[left] / out[left].sum(), p[left] / p[left].sum())
