"""The corpus: vocabulary, token sequence and the course's one-hot windows."""

from __future__ import annotations

import numpy as np
import pytest
from jazz_helpers import two_part_file

from engine.jazz import CorpusError, build_corpus, default_piece, read_song


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(read_song(default_piece()))


def test_vocabulary_and_sequence(corpus):
    assert list(corpus.vocabulary) == sorted(set(corpus.tokens))
    assert corpus.vocab_size == len(corpus.vocabulary)
    assert corpus.token_count == len(corpus.tokens) == sum(len(m.tokens) for m in corpus.measures)
    assert [corpus.vocabulary[i] for i in corpus.indices] == corpus.tokens
    assert corpus.tokens == [str(t) for m in corpus.measures for t in m.tokens]


def test_windows_in_the_courses_shapes(corpus):
    X, Y = corpus.windows(t_x=30, stride=1)
    m = corpus.token_count - 30
    assert X.shape == (m, 30, corpus.vocab_size) and Y.shape == (30, m, corpus.vocab_size)
    assert X.dtype == np.float32
    assert np.all(X.sum(axis=-1) == 1) and np.all(Y.sum(axis=-1) == 1)
    # X[i, t] is token i + t; Y[t, i] is the token after it
    seq = corpus.indices
    for i in (0, 7, m - 1):
        assert list(X[i].argmax(-1)) == list(seq[i : i + 30])
        assert list(Y[:, i].argmax(-1)) == list(seq[i + 1 : i + 31])


def test_stride_and_limit(corpus):
    X, _ = corpus.windows(t_x=20, stride=5)
    assert X.shape[0] == len(range(0, corpus.token_count - 20, 5))
    starts = corpus.window_starts(20, 1, limit=60, seed=4)
    assert starts.size == 60 and len(set(starts)) == 60
    assert np.array_equal(starts, corpus.window_starts(20, 1, limit=60, seed=4))
    assert not np.array_equal(starts, corpus.window_starts(20, 1, limit=60, seed=5))


def test_too_short_for_a_window(tmp_path):
    corpus = build_corpus(read_song(two_part_file(tmp_path / "short.mid", bars=2)))
    with pytest.raises(CorpusError, match="only .* tokens"):
        corpus.windows(t_x=30)


def test_long_silences_are_one_phrase_break(tmp_path):
    from jazz_helpers import II_V_I, block_chords, swing_melody, write_midi

    melody = swing_melody(2) + [(s + 40.0, d, p) for s, d, p in swing_melody(2)]  # 8 silent bars between
    path = write_midi(
        tmp_path / "gap.mid",
        [
            {"name": "Lead", "channel": 0, "program": 56, "notes": [(s + 8.0, d, p) for s, d, p in melody]},
            {"name": "Keys", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 16)},
        ],
    )
    corpus = build_corpus(read_song(path))
    assert [m.number for m in corpus.measures] == [3, 4, 5, 13, 14]  # intro dropped, one bar of the silence kept
    assert [str(t) for t in corpus.measures[2].tokens] == ["R,4.000"]


def test_source_info_round_trips_through_json(corpus):
    from engine.jazz.corpus import SourceInfo

    info = corpus.source_info()
    assert info.time_signature == (4, 4) and info.tempo == pytest.approx(132.0, abs=0.01) and info.key == "F"
    assert len(info.chords) == len(corpus.measures) and info.token_indices == tuple(corpus.indices)
    assert SourceInfo.from_json(info.to_json()) == info
