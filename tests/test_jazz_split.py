"""Held-out phrases (no TensorFlow): whole phrases on barlines, never overlapping a training window,
never across two pieces."""

from __future__ import annotations

import numpy as np
import pytest
from jazz_helpers import two_part_file

from engine.jazz import build_corpus, default_piece, read_song
from engine.jazz.split import hold_out_phrases, phrase_ranges, piece_ranges


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(read_song(default_piece()))


def test_held_out_phrases_are_whole_phrases_apart_from_every_training_window(corpus):
    split = hold_out_phrases(corpus, t_x=30, share=0.15, seed=0)
    phrases = set(phrase_ranges(corpus))
    bars = set(corpus.bar_starts)
    assert split.validation and all(a in bars for a, _ in split.validation)
    covered = [p for p in phrases if any(a <= p[0] and p[1] <= b for a, b in split.validation)]
    assert sum(b - a for a, b in covered) == split.held_out_tokens  # made of whole phrases
    assert 0.08 <= split.held_out_tokens / corpus.token_count <= 0.3
    held = np.zeros(corpus.token_count, dtype=bool)
    for a, b in split.validation:
        held[a:b] = True
    starts = split.train_starts(30)
    assert starts.size > 100 and not any(held[s : s + 31].any() for s in starts)
    # training ranges and held-out ranges together cover the whole corpus once
    cover = np.zeros(corpus.token_count, dtype=int)
    for a, b in (*split.train, *split.validation):
        cover[a:b] += 1
    assert (cover == 1).all()
    # the batch scores held-out tokens only, each once
    x, y, mask, where = split.validation_batch(corpus.indices)
    assert (corpus.indices[where] == x).all()
    assert mask.sum() == split.held_out_tokens
    for row, ((a, b), c) in enumerate(zip(split.validation, split.context, strict=True)):
        assert list(y[row][mask[row]]) == list(corpus.indices[a:b])
        assert list(x[row][: b - c - 1]) == list(corpus.indices[c : b - 1]) and c >= a - 30


def test_a_different_seed_holds_out_other_phrases(corpus):
    assert hold_out_phrases(corpus, 30, seed=0).validation != hold_out_phrases(corpus, 30, seed=1).validation


def test_nothing_is_held_out_when_there_is_too_little(tmp_path, corpus):
    assert not hold_out_phrases(corpus, 30, share=0).validation
    short = build_corpus(read_song(two_part_file(tmp_path / "s.mid", bars=6)))
    split = hold_out_phrases(short, t_x=8)
    assert not split.validation or split.train_starts(8).size


def test_pieces_stay_apart(tmp_path):
    songs = [read_song(two_part_file(tmp_path / f"{k}.mid", bars=24)) for k in range(3)]
    corpus = build_corpus(songs)
    pieces = piece_ranges(corpus)
    assert len(pieces) == 3
    split = hold_out_phrases(corpus, t_x=12)
    for a, b in (*split.train, *split.validation):
        assert any(p <= a and b <= q for p, q in pieces)
    for s in split.train_starts(12):
        assert any(p <= s and s + 13 <= q for p, q in pieces)
    for (a, _), c in zip(split.validation, split.context, strict=True):
        assert any(p <= c <= a < q for p, q in pieces)  # the context comes from the same piece
