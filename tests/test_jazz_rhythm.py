"""Rhythm through the grammar, checked on written MIDI: triplets kept, held notes tied, repeats as in the source."""

from __future__ import annotations

import numpy as np
import pytest
from jazz_helpers import II_V_I, block_chords, read_back, tied_line, triplet_line, two_part_file, write_midi

from engine.jazz import build_corpus, default_piece, read_song
from engine.jazz.grammar import decode
from engine.jazz.melody import played_grid


def triplet_share(notes) -> float:
    """Notes starting at 1/3 or 2/3 of a beat (off the sixteenth grid), as the issue measures them."""
    phases = np.array([n.start % 1.0 for n in notes])
    return float(np.mean((np.abs(phases - 1 / 3) < 0.02) | (np.abs(phases - 2 / 3) < 0.02)))


def repeated_share(notes) -> float:
    pitches = [n.pitch for n in notes]
    return float(np.mean([a == b for a, b in zip(pitches, pitches[1:], strict=False)]))


def written(corpus, tmp_path, seed=0):
    """The corpus's tokens decoded into notes, written to MIDI and read back with mido."""
    tokens = [t for m in corpus.measures for t in m.tokens]
    size = corpus.measures[0].length
    notes = decode(tokens, [m.chords for m in corpus.measures], size, corpus.pitch_range, np.random.default_rng(seed))
    offset = corpus.measures[0].start  # decode counts from 0: put the line back where the source has it
    return read_back([type(n)(n.start + offset, n.end + offset, n.pitch) for n in notes], tmp_path / "decoded.mid")


def onsets(notes):
    return [round(n.start * 12) for n in notes]


def test_triplets_and_swung_eighths_survive_the_grammar(tmp_path):
    path = write_midi(
        tmp_path / "triplets.mid",
        [
            {"name": "Sax", "channel": 0, "program": 65, "notes": triplet_line(12)},
            {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 12)},
        ],
    )
    source = read_song(path).parts[0].notes
    corpus = build_corpus(read_song(path))
    assert corpus.pieces[0].grid == (0, 4, 6, 8)  # triplets and eighths played, no sixteenths
    back = written(corpus, tmp_path)
    assert triplet_share(source) > 0.5
    assert triplet_share(back) == pytest.approx(triplet_share(source))
    assert onsets(back) == onsets(source)  # every onset in its place, none turned into a sixteenth
    assert corpus.swing == pytest.approx(2.0, abs=0.02)


def test_sixteenths_stay_sixteenths(tmp_path):
    path = two_part_file(tmp_path / "straight.mid", bars=12)  # eighths, quarters, a dotted eighth
    corpus = build_corpus(read_song(path))
    assert corpus.pieces[0].grid == (0, 3, 6, 9)
    back = written(corpus, tmp_path)
    assert triplet_share(back) == 0.0
    assert onsets(back) == onsets(read_song(path).parts[0].notes)


def test_a_note_held_over_the_barline_is_one_note_in_the_written_file(tmp_path):
    path = write_midi(
        tmp_path / "held.mid",
        [
            {"name": "Sax", "channel": 0, "program": 65, "notes": tied_line(8)},
            {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 8)},
        ],
    )
    source = read_song(path).parts[0].notes
    corpus = build_corpus(read_song(path))
    assert any(t.tied for m in corpus.measures for t in m.tokens)
    assert "R,2.000" not in corpus.tokens[:12]  # the held half of the note is no rest
    back = written(corpus, tmp_path)
    assert [(n.start, n.end) for n in back] == [(n.start, n.end) for n in source]
    held = [n for n in back if int(n.start // 4) != int((n.end - 1e-9) // 4)]
    assert len(held) == 4 and all(n.duration == 3.0 for n in held)


def test_the_bundled_piece_keeps_its_triplets_and_its_repeats(tmp_path):
    song = read_song(default_piece())
    corpus = build_corpus(song)
    source = song.parts[corpus.melody_index].notes
    assert triplet_share(source) == pytest.approx(0.43, abs=0.01)
    back = written(corpus, tmp_path)
    assert triplet_share(back) == pytest.approx(triplet_share(source), abs=0.005)
    assert abs(repeated_share(back) - repeated_share(source)) <= 0.02  # was 1 % -> 20 % with the old window


def test_metheny_keeps_its_repeated_notes_and_stays_on_sixteenths(shared_data, tmp_path):
    song = read_song(shared_data / "original_metheny.mid")
    corpus = build_corpus(song)
    assert played_grid([n.start for n in song.parts[corpus.melody_index].notes]) == (0, 3, 6, 9)
    for seed in (0, 1):
        back = written(corpus, tmp_path, seed)
        assert abs(repeated_share(back) - repeated_share(corpus.melody_notes)) <= 0.03
        assert len(back) == len(corpus.melody_notes)
