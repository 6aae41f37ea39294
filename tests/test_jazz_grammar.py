"""The course's grammar: chords and roles, tokens and their text, and the round trip tokens -> notes -> tokens."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.jazz import ChordSymbolError, build_corpus, default_piece, parse_chord_symbols, read_song
from engine.jazz.grammar import Token, decode, encode, encode_measure, realise_pitch
from engine.jazz.harmony import chord_scale, measure_chords, name_chord, note_role, pitch_roles, voicing
from engine.jazz.midi_read import Note

C7 = parse_chord_symbols("C7")[0]


# ---- chords -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pitches", "symbol", "root"),
    [
        ([50, 53, 57, 60], "Dm7", 2),
        ([43, 53, 59, 62], "G7", 7),
        ([48, 52, 55, 59], "Cmaj7", 0),
        ([46, 50, 53, 56], "Bb7", 10),  # Ab must not be read as G# (an augmented sixth)
        ([51, 55, 58, 61], "Eb7", 3),
        ([54, 57, 60, 64], "F#m7b5", 6),
        ([52, 55, 60], "C/E", 0),
    ],
)
def test_name_chord(pitches, symbol, root):
    chord = name_chord(pitches)
    assert chord.symbol == symbol and chord.root == root
    assert chord.pitch_classes == tuple(sorted({p % 12 for p in pitches}))


def test_typed_chord_symbols():
    chords = parse_chord_symbols("Dm7 G7 | Cmaj7, Bb7#9  F#m7b5 C-7 Ebmaj7/Bb Cø7 Bbm6")
    assert [c.symbol for c in chords][:3] == ["Dm7", "G7", "Cmaj7"]
    pcs = {c.symbol: c.pitch_classes for c in chords}
    assert pcs["Dm7"] == (0, 2, 5, 9)
    assert pcs["Bb7#9"] == (1, 2, 5, 8, 10)  # Bb D F Ab C#
    assert pcs["F#m7b5"] == (0, 4, 6, 9)
    assert pcs["C-7"] == (0, 3, 7, 10)  # lead-sheet minor
    assert pcs["Cø7"] == (0, 3, 6, 10)
    assert pcs["Ebmaj7/Bb"] == (2, 3, 7, 10)
    assert [c.root for c in chords] == [2, 7, 0, 10, 6, 0, 3, 0, 10]


@pytest.mark.parametrize("text", ["H7", "Xyz", "Cfoo", "7", "", "   |  "])
def test_bad_chord_symbols(text):
    with pytest.raises(ChordSymbolError):
        parse_chord_symbols(text)


def test_roles_over_a_dominant_seventh():
    # C7: chord tones C E G Bb; scale C mixolydian adds D F A; Db Eb Gb Ab B are a semitone from a chord tone
    assert pitch_roles(C7) == "CASACSACASCA"
    assert chord_scale(C7) == frozenset({0, 2, 4, 5, 7, 9, 10})
    assert [note_role(p, C7) for p in (60, 62, 61, 71, 76)] == ["C", "S", "A", "A", "C"]


def test_roles_include_other_tones_where_the_chord_leaves_gaps():
    # Csus4 over C major: D# and A# are neither in the scale nor a semitone from C, F or G
    assert pitch_roles(parse_chord_symbols("Csus4")[0]) == "CASXSCACASXS"
    assert pitch_roles(name_chord([48, 55])) == "CASXSSACASXS"  # a bare fifth


@pytest.mark.parametrize("tonic", ["C", "E-", "F#", "A"])
def test_the_mode_table_is_music21s_scales(tonic):
    # the chord scales are a constant table so that generating imports no music21; it must say what music21 says
    from music21 import pitch, scale

    from engine.jazz.harmony import _SCALES

    root = pitch.Pitch(tonic).pitchClass
    for name, steps in _SCALES.items():
        theirs = {p.pitchClass for p in getattr(scale, name)(pitch.Pitch(tonic)).getPitches()}
        assert {(root + s) % 12 for s in steps} == theirs, name


def test_measure_chords_from_accompaniment():
    notes = [Note(bar * 4.0, bar * 4.0 + 4.0, p) for bar, chord in enumerate([[50, 53, 57, 60], [43, 53, 59, 62]]) for p in chord]
    chords = measure_chords([notes], [(0.0, 4.0), (4.0, 4.0), (8.0, 4.0)])
    assert [c.symbol for c in chords[:2]] == ["Dm7", "G7"]
    assert chords[2] is None  # silence


def test_a_passing_note_does_not_change_the_chord():
    notes = [Note(0.0, 4.0, p) for p in (48, 52, 55, 58)] + [Note(1.0, 1.25, 61)]  # C7 plus a short C#
    assert measure_chords([notes], [(0.0, 4.0)])[0].symbol == "C7"


def test_voicing():
    assert voicing(parse_chord_symbols("Dm7")[0]) == [50, 53, 57, 60]
    assert voicing(parse_chord_symbols("Bb7")[0]) == [58, 62, 65, 68]


# ---- tokens -------------------------------------------------------------------------------------------------


def test_token_text_is_the_courses():
    assert str(Token("C", 0.5, -1, 5)) == "C,0.500,<P4,m-2>"
    assert str(Token("R", 0.25)) == "R,0.250"
    assert str(Token("S", 1.0)) == "S,1.000"
    for text in ("C,0.500,<P4,m-2>", "X,0.250,<m-3,A-4>", "R,2.750", "A,0.750,<d5,P1>"):
        token = Token.parse(text)
        assert Token.parse(str(token)) == token
    assert Token.parse("S,0.250,<m3,m-3>") == Token("S", 0.25, -3, 3)


@pytest.mark.parametrize("text", ["Q,0.250", "C", "C,abc", "C,0.300", "C,0.250,<P4>", "C,-0.25"])
def test_bad_tokens(text):
    with pytest.raises(ValueError):
        Token.parse(text)


def test_encode_measure_by_hand():
    notes = [Note(0.0, 0.5, 60), Note(0.5, 1.0, 62), Note(1.5, 2.0, 61), Note(2.0, 4.0, 64)]
    tokens, last = encode_measure(notes, 0.0, 4.0, C7, previous=None)
    assert [str(t) for t in tokens] == [
        "C,0.500",  # the first note has no window
        "S,0.500,<P4,m-2>",  # up 2 semitones: window [-1, 5], written upper bound first
        "R,0.500",
        "A,0.500,<M2,M-3>",  # down 1: window [-4, 2]
        "C,2.000,<d5,P1>",  # up 3: window [0, 6]
    ]
    assert last == 64


def test_a_note_held_over_the_barline_is_tied_and_stays_one_note():
    notes = [Note(3.0, 6.0, 67)]  # starts in bar 1, rings into bar 2
    per_bar = encode(notes, [(0.0, 4.0), (4.0, 4.0)], [C7, C7])
    assert [str(t) for t in per_bar[0]] == ["R,3.000", "C,1.000"]
    assert [str(t) for t in per_bar[1]] == ["T,2.000", "R,2.000"]
    assert per_bar[1][0].tied and not per_bar[1][0].is_rest
    decoded = decode([t for m in per_bar for t in m], [C7, C7], 4.0)
    assert [(n.start, n.end) for n in decoded] == [(3.0, 6.0)]


def test_a_tie_after_a_rest_is_silence():
    notes = decode([Token("R", 4.0), Token("T", 1.0), Token("C", 1.0)], [C7, C7], 4.0)
    assert [(n.start, n.end) for n in notes] == [(5.0, 6.0)]


def test_realise_pitch_keeps_class_window_and_range():
    rng = np.random.default_rng(0)
    for _ in range(50):
        pitch = realise_pitch(Token("C", 0.5, 1, 7), C7, 60, (48, 84), rng)
        assert pitch in (64, 67)  # chord tones 1..7 semitones above C4
    assert realise_pitch(Token("S", 0.5, -3, 3), C7, 62, (48, 84), rng) in (62, 65)  # D or F near D4
    # a window beyond the range: the nearest pitch of the class inside the range
    assert realise_pitch(Token("C", 0.5, 10, 16), C7, 80, (48, 84), rng) == 84  # C6, the chord tone nearest 93
    # no window: within an octave's reach of the previous pitch
    assert abs(realise_pitch(Token("C", 0.5), C7, 70, (48, 84), rng) - 70) <= 6


def test_realise_pitch_falls_back_when_a_class_is_absent():
    assert "X" not in pitch_roles(C7)
    pitch = realise_pitch(Token("X", 0.5, -2, 4), C7, 60, (48, 84), np.random.default_rng(1))
    assert note_role(pitch, C7) == "A"


def _round_trip(tokens_per_measure, chords, measure_length, seed=0):
    flat = [t for m in tokens_per_measure for t in m]
    notes = decode(flat, chords, measure_length, rng=np.random.default_rng(seed))
    spans = [(k * measure_length, measure_length) for k in range(len(chords))]
    return encode(notes, spans, chords), notes


def test_round_trip_on_the_bundled_piece_keeps_classes_and_durations():
    corpus = build_corpus(read_song(default_piece()))
    chords = [m.chord for m in corpus.measures]
    original = [list(m.tokens) for m in corpus.measures]
    again, notes = _round_trip(original, chords, 4.0)
    assert [[(t.kind, t.duration) for t in m] for m in again] == [[(t.kind, t.duration) for t in m] for m in original]
    # and the notes are a clean line on the twelfth grid
    assert all(abs(n.start * 12 - round(n.start * 12)) < 1e-9 and abs(n.end * 12 - round(n.end * 12)) < 1e-9 for n in notes)
    assert all(a.end <= b.start for a, b in zip(notes, notes[1:], strict=False))
    pitched = [t for m in original for t in m if t.is_pitched]
    assert len(pitched) == len(notes)
    inside = sum(t.low <= b.pitch - a.pitch <= t.high for t, a, b in zip(pitched[1:], notes, notes[1:], strict=False))
    assert inside >= 0.9 * (len(notes) - 1)  # almost every interval lands inside its window


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 6), st.integers(1, 30), st.integers(50, 80)),  # rest before (12ths), length, pitch
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["C7", "Dm7", "Fmaj7", "Bb7#9", "F#m7b5", "Csus4"]),
    st.sampled_from([(4, 4), (3, 4), (6, 8), (5, 4)]),
)
def test_round_trip_property(events, symbol, meter):
    chord = parse_chord_symbols(symbol)[0]
    num, den = meter
    size = num * 4.0 / den
    notes, cursor = [], 0.0
    for gap, length, pitch in events:
        start = cursor + gap / 12
        notes.append(Note(start, start + length / 12, pitch))
        cursor = start + length / 12
    n_measures = int(cursor // size) + 1
    chords = [chord] * n_measures
    spans = [(k * size, size) for k in range(n_measures)]
    original = encode(notes, spans, chords)
    for m in original:
        assert sum(t.duration for t in m) == pytest.approx(size)
    again, decoded = _round_trip(original, chords, size)
    assert [[(t.kind, t.duration) for t in m] for m in again] == [[(t.kind, t.duration) for t in m] for m in original]
    # every note comes back whole, ties and all: same onsets and ends
    assert [(round(n.start * 12), round(n.end * 12)) for n in decoded] == [
        (round(n.start * 12), round(n.end * 12)) for n in notes
    ]


# ---- twelfths, ties and repeated notes ------------------------------------------------------------------------


def test_triplet_durations_are_exact_twelfths_and_read_back():
    token = Token.parse("C,0.333,<m3,m-3>")
    assert token.duration == 1 / 3 and token.steps == 4 and str(token) == "C,0.333,<m3,m-3>"
    assert Token("S", 2 / 3) == Token.parse("S,0.667") and Token("R", 1 / 12).steps == 1
    assert str(Token("T", 1.5)) == "T,1.500" and Token.parse("T,1.500").tied
    assert sum(Token.parse("C,0.333").duration for _ in range(3)) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("text", ["T,0.500,<m3,m-3>", "R,0.500,<m3,m-3>", "C,0.125", "C,nan", "C,inf", "CC,0.5"])
def test_bad_tokens_of_the_new_kinds(text):
    with pytest.raises(ValueError):
        Token.parse(text)


def test_a_repeat_only_when_the_token_asks_for_one():
    rng = np.random.default_rng(0)
    # centred on 0: the source repeated its note, and the repeat is kept
    assert all(realise_pitch(Token("C", 0.5, -3, 3), C7, 64, (48, 84), rng) == 64 for _ in range(20))
    # any other window never lands on the previous pitch, and moves the way the source moved
    for low, high in [(-1, 5), (-5, 1), (-2, 4), (-4, 2), (-3, 4)]:
        for kind in "CSA":
            for _ in range(20):
                pitch = realise_pitch(Token(kind, 0.5, low, high), C7, 64, (48, 84), rng)
                assert pitch != 64
                assert (pitch > 64) == (low + high > 0)


def test_line_builder_is_what_decode_uses():
    from engine.jazz.grammar import LineBuilder

    tokens = [Token("C", 1.0), Token("S", 2 / 3, -1, 5), Token("R", 1 / 3), Token("C", 2.0, -4, 2), Token("T", 1.0)]
    line = LineBuilder(lambda t: C7, (48, 84), np.random.default_rng(3))
    for token in tokens:
        line.add(token, until=8.0)
    decoded = decode(tokens, [C7, C7], 4.0, (48, 84), np.random.default_rng(3))
    assert line.notes == decoded
    assert [(n.start, n.end) for n in decoded] == [(0.0, 1.0), (1.0, 5 / 3), (2.0, 5.0)]  # the tie lengthens the note


def test_chord_tones_on_the_beat_land_on_guide_tones_and_off_the_beat_on_any_chord_tone():
    """Over Dm7 G7 Cmaj7, a chord-tone token on a beat becomes the chord's 3rd or 7th whenever one is in
    its window; off the beat the root and fifth stay possible too."""
    chords = parse_chord_symbols("Dm7 G7 Cmaj7 Dm7 G7 Cmaj7")
    step = [Token("C", 0.5, 1, 7), Token("C", 0.5, 1, 7), Token("C", 0.5, -7, -1), Token("C", 0.5, -7, -1)]
    eighth = [Token("C", 0.5)] + [step[k % 4] for k in range(47)]  # up two, down two: a line that moves
    notes = decode(eighth, chords, 4.0, rng=np.random.default_rng(1))
    guides = {"Dm7": {5, 0}, "G7": {11, 5}, "Cmaj7": {4, 11}}
    on_beat = [(n, chords[int(n.start // 4)]) for n in notes if n.start % 1 == 0]
    off_beat = [(n, chords[int(n.start // 4)]) for n in notes if n.start % 1]
    assert all(n.pitch % 12 in guides[c.symbol] for n, c in on_beat)
    assert any(n.pitch % 12 not in guides[c.symbol] for n, c in off_beat)
    assert all(note_role(n.pitch, c) == "C" for n, c in on_beat + off_beat)
