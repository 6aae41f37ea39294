"""Several files as one corpus, phrases and barlines, chords inferred or typed, and the saved source checked."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from jazz_helpers import (
    II_V_I,
    block_chords,
    swing_melody,
    tied_line,
    triplet_line,
    two_part_file,
    write_midi,
)

from engine.jazz import (
    CorpusError,
    ModelFileError,
    build_corpus,
    default_piece,
    parse_chord_symbols,
    read_song,
)
from engine.jazz.corpus import SourceInfo


@pytest.fixture(scope="module")
def two_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pieces")
    first = read_song(default_piece())
    second = read_song(two_part_file(folder / "waltz.mid", bars=16, num=3, den=4))
    third = read_song(
        write_midi(
            folder / "triplets.mid",
            [
                {"name": "Sax", "channel": 0, "program": 65, "notes": triplet_line(10)},
                {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 10)},
            ],
        )
    )
    return first, second, third


def test_several_files_share_one_vocabulary(two_files):
    alone = [build_corpus(s) for s in two_files]
    together = build_corpus(two_files)
    assert [p.name for p in together.pieces] == [s.name for s in two_files]
    assert set(together.vocabulary) == set().union(*(c.vocabulary for c in alone))
    assert together.token_count == sum(c.token_count for c in alone)
    for piece, single in zip(together.pieces, alone, strict=True):
        assert together.tokens[piece.start : piece.end] == single.tokens  # each piece's tokens, in order
        assert piece.measures == len(single.measures)
    assert together.pieces[0].start == 0 and together.pieces[-1].end == together.token_count
    assert all(a.end == b.start for a, b in zip(together.pieces, together.pieces[1:], strict=False))
    assert together.time_signature == (4, 4)  # most measures are 4/4


def test_melody_choice_per_song(two_files):
    corpus = build_corpus(two_files[:2], melody=[0, None])
    assert [p.melody_index for p in corpus.pieces] == [0, 0]
    with pytest.raises(CorpusError, match="one per piece"):
        build_corpus(two_files[:2], melody=[0])


def test_windows_never_cross_a_piece(two_files):
    corpus = build_corpus(two_files)
    t_x = 20
    starts = corpus.window_starts(t_x)
    piece_of = np.searchsorted([p.end for p in corpus.pieces], starts, side="right")
    last = starts + t_x  # a window reads t_x + 1 tokens
    assert np.all(last < np.array([corpus.pieces[k].end for k in piece_of]))
    expected = sum(max(0, p.token_count - t_x) for p in corpus.pieces)
    assert starts.size == expected
    x, y = corpus.windows(t_x)
    assert x.shape == (expected, t_x, corpus.vocab_size) and y.shape == (t_x, expected, corpus.vocab_size)
    # windows inside chosen ranges only (a training split of whole phrases)
    chosen = corpus.phrases[::2]
    inside = corpus.window_starts(4, ranges=chosen)
    assert all(any(s <= w and w + 4 < e for s, e in chosen) for w in inside)


def test_bar_starts_and_phrases(two_files):
    corpus = build_corpus(two_files)
    assert len(corpus.bar_starts) == len(corpus.measures) and corpus.bar_starts[0] == 0
    for measure, start in zip(corpus.measures, corpus.bar_starts, strict=True):
        assert corpus.tokens[start] == str(measure.tokens[0])
    # phrases: whole measures, inside one piece, covering every piece end to end
    bars = set(corpus.bar_starts)
    for piece in corpus.pieces:
        own = [ph for ph in corpus.phrases if piece.start <= ph[0] < piece.end]
        assert own[0][0] == piece.start and own[-1][1] == piece.end
        assert all(a[1] == b[0] for a, b in zip(own, own[1:], strict=False))
        for start, end in own:
            assert start in bars and end <= piece.end
            n_bars = sum(start <= b < end for b in corpus.bar_starts)
            assert 2 <= n_bars <= 9  # a few bars (a short tail may join the last phrase)
    assert len(corpus.phrases) >= 10


def test_a_phrase_ends_where_the_melody_breathes(tmp_path):
    melody = [(s, d, p) for s, d, p in swing_melody(4)] + [(s + 24.0, d, p) for s, d, p in swing_melody(4)]
    path = write_midi(
        tmp_path / "two_phrases.mid",
        [
            {"name": "Lead", "channel": 0, "program": 56, "notes": melody},
            {"name": "Keys", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 10)},
        ],
    )
    corpus = build_corpus(read_song(path))
    # bars 1-4 play, bars 5-6 rest (kept as one silent measure), bars 7-10 play
    starts = [corpus.measures[corpus.bar_starts.index(s)].number for s, _ in corpus.phrases]
    assert 7 in starts


def test_swing_and_parts_facts(two_files):
    corpus = build_corpus(two_files)
    blues, waltz, triplets = corpus.pieces
    assert blues.swing == pytest.approx(2.0, abs=0.05) and triplets.swing == pytest.approx(2.0, abs=0.05)
    assert blues.triplet_share == pytest.approx(0.43, abs=0.01) and waltz.triplet_share == 0.0
    assert corpus.swing is not None and not corpus.chords_inferred
    text = "\n".join(corpus.describe())
    assert "swing" in text and "studio_blues.mid" in text and "triplets" in text


# ---- chords inferred from a melody, or typed ------------------------------------------------------------


def arpeggio_line(bars: int) -> list[tuple[float, float, int]]:
    """Dm7 | G7 | Cmaj7 | Cmaj7 outlined in eighths, with a passing tone off the beat in each bar."""
    shapes = [[62, 65, 69, 72, 69, 67, 65, 62], [67, 71, 74, 77, 74, 72, 71, 67], [60, 64, 67, 71, 67, 65, 64, 60]]
    order = [0, 1, 2, 2]
    return [(bar * 4 + k * 0.5, 0.5, shapes[order[bar % 4]][k]) for bar in range(bars) for k in range(8)]


def melody_only(tmp_path, notes, name="solo.mid"):
    return read_song(write_midi(tmp_path / name, [{"name": "Flute", "channel": 0, "program": 73, "notes": notes}]))


def test_melody_only_chords_are_inferred_triads_with_a_warning(tmp_path):
    corpus = build_corpus(melody_only(tmp_path, arpeggio_line(8)))
    assert corpus.chords_inferred and corpus.harmony_from == "melody"
    assert all(len(m.chord.pitch_classes) >= 3 for m in corpus.measures)  # never a single pitch
    assert [m.chord.root for m in corpus.measures[:4]] == [2, 7, 0, 0]  # D, G, C, C
    warning = " ".join(corpus.warnings)
    assert "inferred from the melody" in warning and "type the chords" in warning
    assert corpus.source_info().chords_inferred


def test_a_chord_covers_at_least_two_melody_notes(tmp_path):
    notes = [(0.0, 4.0, 60), (4.0, 4.0, 64), (8.0, 1.0, 67), (9.0, 1.0, 72), (10.0, 2.0, 64), (12.0, 4.0, 65)]
    corpus = build_corpus(melody_only(tmp_path, notes, "long.mid"))
    chords = [m.chord for m in corpus.measures]
    assert chords[0] == chords[1]  # bars 1 and 2 hold one note each: one chord over both
    assert all(len(c.pitch_classes) >= 3 for c in chords)


def test_typed_chords_override_the_file(tmp_path):
    song = melody_only(tmp_path, arpeggio_line(8))
    corpus = build_corpus(song, chords="Dm7 G7 Cmaj7 Cmaj7")
    assert not corpus.chords_inferred and corpus.harmony_from == "typed"
    assert [m.chord.symbol for m in corpus.measures] == ["Dm7", "G7", "Cmaj7", "Cmaj7"] * 2
    assert not any("inferred" in w for w in corpus.warnings)
    two = parse_chord_symbols("Dm7 G7")
    split = build_corpus(song, chords=[(two[0], two[1])])  # two chords in every measure
    assert split.measures[0].chords == (two[0], two[1]) and split.changes[3] == (two[0], two[1])
    accompanied = build_corpus(read_song(default_piece()), chords="C7")
    assert {m.chord.symbol for m in accompanied.measures} == {"C7"}


def test_roles_follow_the_chord_at_each_note_in_a_split_measure(tmp_path):
    c, f = parse_chord_symbols("C F")
    notes = [(b * 4.0 + k, 1.0, p) for b in range(4) for k, p in enumerate([64, 60, 69, 65])]  # E C | A F
    corpus = build_corpus(melody_only(tmp_path, notes, "split.mid"), chords=[(c, f)])
    kinds = [t.kind for t in corpus.measures[1].tokens]
    assert kinds == ["C", "C", "C", "C"]  # E, C over C; A, F over F


# ---- the saved source: every field checked ----------------------------------------------------------------


@pytest.fixture(scope="module")
def info(two_files):
    return build_corpus(two_files).source_info()


def test_source_info_round_trips_with_its_new_fields(info):
    data = info.to_json()
    assert SourceInfo.from_json(data) == info
    assert info.piece_bounds[0][0] == 0 and info.piece_bounds[-1][1] == len(info.token_indices)
    assert len(info.bar_starts) == len(info.chords) == len(info.changes)
    assert info.swing == pytest.approx(2.0, abs=0.1)
    import json

    assert SourceInfo.from_json(json.loads(json.dumps(data))) == info


def test_an_older_source_without_the_new_fields_still_reads(info):
    data = info.to_json()
    for key in ("bar_starts", "piece_bounds", "swing", "chords_inferred", "changes"):
        del data[key]
    old = SourceInfo.from_json(data)
    assert old.piece_bounds == ((0, len(info.token_indices)),) and old.changes == tuple((c,) for c in info.chords)


BAD = [
    ("time_signature", [100000, 1], "time_signature"),
    ("time_signature", [0, 4], "time_signature"),
    ("time_signature", [4, 0], "time_signature"),
    ("time_signature", [4, 3], "denominator"),
    ("time_signature", [4], "time_signature"),
    ("tempo", 0, "tempo"),
    ("tempo", -120.0, "tempo"),
    ("tempo", 1e9, "tempo"),
    ("tempo", "fast", "tempo"),
    ("pitch_range", [80, 20], "pitch_range"),
    ("pitch_range", [-5, 300], "pitch_range"),
    ("token_indices", [0, -1, 2], "token_indices"),
    ("token_indices", [], "token_indices"),
    ("bar_starts", [5, 3], "bar_starts"),
    ("piece_bounds", [[0, 3]], "piece_bounds"),
    ("swing", 50.0, "swing"),
    ("chords_inferred", "yes", "chords_inferred"),
    ("changes", [], "changes"),
    ("chords", [{"symbol": "C", "root": 40, "pitch_classes": [0]}], "root"),
    ("melody_index", -1, "melody_index"),
    ("name", None, "name"),
]


@pytest.mark.parametrize(("key", "value", "named"), BAD)
def test_absurd_fields_are_refused_in_one_sentence(info, key, value, named):
    data = copy.deepcopy(info.to_json())
    data[key] = value
    with pytest.raises(ModelFileError, match=named) as caught:
        SourceInfo.from_json(data)
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")


def test_a_1_32_time_signature_is_valid_and_indices_must_fit_the_vocabulary(info):
    data = info.to_json()
    data["time_signature"] = [1, 32]
    assert SourceInfo.from_json(data).time_signature == (1, 32)
    with pytest.raises(ModelFileError, match="token_indices"):
        SourceInfo.from_json(data, vocabulary_size=max(info.token_indices))


def test_tied_files_and_melody_only_files_learn_together(tmp_path):
    held = read_song(
        write_midi(
            tmp_path / "held.mid",
            [
                {"name": "Sax", "channel": 0, "program": 65, "notes": tied_line(8)},
                {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 8)},
            ],
        )
    )
    corpus = build_corpus([held, melody_only(tmp_path, arpeggio_line(8))])
    assert [p.harmony_from for p in corpus.pieces] == ["accompaniment", "melody"]
    assert corpus.chords_inferred and any("solo.mid" in w for w in corpus.warnings)


def test_typed_text_applies_to_every_piece_and_grids_are_named(two_files):
    corpus = build_corpus(two_files[:2], chords="F7 Bb7")
    assert {m.chord.symbol for m in corpus.measures} == {"F7", "Bb7"}
    assert [p.harmony_from for p in corpus.pieces] == ["typed", "typed"]
    from engine.jazz.melody import describe_grid

    assert describe_grid((0, 4, 6, 8)) == "eighths and triplets" and describe_grid((0, 3, 6, 9)) == "sixteenths"
    assert describe_grid((0, 3, 4, 6, 8, 9)) == "sixteenths and triplets"
    assert "eighths and triplets" in build_corpus(two_files[2]).describe()[-1]
