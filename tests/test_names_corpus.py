"""Reading a corpus of names: every bad input gets a clear CorpusError, good ones the right names."""

from __future__ import annotations

import numpy as np
import pytest

from engine.names.corpus import (
    END,
    MAX_FILE_BYTES,
    MAX_NAME_LENGTH,
    Corpus,
    CorpusError,
    Vocabulary,
    load_corpus,
    parse_corpus,
    split_names,
)

TEN = [f"name{c}" for c in "abcdefghij"]


def write(tmp_path, content, name="names.txt"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "nope.txt")


def test_folder(tmp_path):
    with pytest.raises(CorpusError, match="folder"):
        load_corpus(tmp_path)


def test_empty_file(tmp_path):
    with pytest.raises(CorpusError, match="empty"):
        load_corpus(write(tmp_path, b""))


def test_binary_file(tmp_path):
    data = bytes(range(256)) * 10
    with pytest.raises(CorpusError, match="binary"):
        load_corpus(write(tmp_path, data, "image.png"))


def test_invalid_utf8_names_the_line(tmp_path):
    data = ("\n".join(TEN) + "\n").encode() + b"caf\xe9\n"  # Latin-1 e-acute on line 11
    with pytest.raises(CorpusError, match=r"not valid UTF-8.*0xe9 on line 11"):
        load_corpus(write(tmp_path, data))


def test_file_over_the_size_limit(tmp_path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(MAX_FILE_BYTES + 1)  # sparse: no need to write 20 MB
    with pytest.raises(CorpusError, match="20 MB"):
        load_corpus(path)


def test_long_lines_are_skipped_and_counted(tmp_path):
    long = "x" * (MAX_NAME_LENGTH + 1)
    corpus = load_corpus(write(tmp_path, "\n".join([*TEN, long, long, "y" * MAX_NAME_LENGTH])))
    assert corpus.skipped_long == 2
    assert len(corpus.names) == 11
    assert "2 lines over 200 characters skipped" in corpus.describe()


def test_too_few_names(tmp_path):
    with pytest.raises(CorpusError, match="9 usable names.*at least 10"):
        load_corpus(write(tmp_path, "\n".join(TEN[:9])))
    long = "x" * (MAX_NAME_LENGTH + 5)
    with pytest.raises(CorpusError, match="skipped"):
        load_corpus(write(tmp_path, "\n".join([*TEN[:5], *[long] * 10])))


def test_blank_lines_bom_crlf_and_spaces(tmp_path):
    text = "\ufeff" + "\r\n".join(["  Alpha ", "", "Beta", *TEN[:8], "   "]) + "\r\n"
    corpus = load_corpus(write(tmp_path, text))
    assert corpus.names[:2] == ("alpha", "beta")
    assert len(corpus.names) == 10
    assert corpus.blank_lines == 2


def test_lowercase_is_an_option():
    text = "\n".join(["Zoë", "Åsa", *TEN])
    assert parse_corpus(text).names[:2] == ("zoë", "åsa")
    kept = parse_corpus(text, lowercase=False)
    assert kept.names[:2] == ("Zoë", "Åsa")
    assert {"Z", "Å", "ë"} <= set(kept.alphabet)


def test_vocabulary_matches_the_course_for_lowercase_letters():
    corpus = parse_corpus("\n".join(["abcdefghijklm", "nopqrstuvwxyz", *TEN]))
    vocab = corpus.vocabulary
    assert vocab.size == 27
    assert vocab.chars[0] == END and vocab.end == 0
    assert vocab.index()["a"] == 1 and vocab.index()["z"] == 26  # the notebook's char_to_ix
    assert vocab.decode(vocab.encode("zebra")) == "zebra"
    assert list(vocab.encode("abz")) == [1, 2, 26]


def test_stats():
    corpus = Corpus(("ab", "abc", "abc", "a" * 7, *TEN))
    hist = corpus.length_histogram()
    assert hist[3] == 2 and hist[2] == 1 and hist[7] == 1 and hist[5] == 10
    assert corpus.unique_names == 13
    assert corpus.char_count() == sum(len(n) + 1 for n in corpus.names)
    assert Vocabulary.from_names(corpus.names).chars == (END, *sorted(set("".join(corpus.names))))


def test_split_is_deterministic_disjoint_and_complete():
    names = [f"n{i}" for i in range(200)]
    train, val = split_names(names, 0.1, seed=3)
    assert len(val) == 20 and len(train) == 180
    assert sorted(train + val) == sorted(names)
    assert (train, val) == split_names(names, 0.1, seed=3)
    assert val != split_names(names, 0.1, seed=4)[1]
    assert train == [n for n in names if n in set(train)]  # file order kept
    assert split_names(names, 0.0)[1] == []
    assert len(split_names(names[:10], 0.01)[1]) == 1  # at least one held out
    with pytest.raises(ValueError):
        split_names(names, 1.0)


def test_bundled_default_loads_if_present():
    from engine.resources import resource_path

    path = resource_path("names", "dinosaurs.txt")
    if not path.exists():
        pytest.skip("bundled corpus not present")
    corpus = load_corpus(path)
    assert len(corpus.names) >= 1000
    assert np.all([n == n.strip().lower() for n in corpus.names])
