"""Beats and seconds, excerpts and chord names: engine.jazz.timing against worked examples."""

import pytest

from engine.jazz.harmony import parse_chord_symbols
from engine.jazz.midi_read import Note
from engine.jazz.timing import (
    beats_to_seconds,
    chord_labels,
    excerpt,
    measure_count,
    preview_span,
    seconds_to_beats,
)


def test_beats_and_seconds():
    assert beats_to_seconds(8, 120) == pytest.approx(4.0)
    assert beats_to_seconds(3, 90) == pytest.approx(2.0)
    assert seconds_to_beats(beats_to_seconds(7.25, 137), 137) == pytest.approx(7.25)
    for bad in (0, -60, float("nan")):
        with pytest.raises(ValueError, match="tempo"):
            beats_to_seconds(1, bad)


def test_excerpt_cuts_held_notes_at_both_edges_and_moves_to_zero():
    notes = [Note(0, 2, 60), Note(3, 6, 62, 70), Note(7, 8, 64), Note(8, 12, 65), Note(12, 13, 67)]
    assert excerpt(notes, 4, 12) == [Note(0, 2, 62, 70), Note(3, 4, 64), Note(4, 8, 65)]
    assert excerpt(notes, 20, 24) == []


def test_preview_span_starts_on_the_nearest_barline_and_stays_inside_the_piece():
    assert measure_count(190, 4) == 48 and measure_count(192, 4) == 48 and measure_count(0.5, 4) == 1
    assert preview_span(192, 4, 33.0, 32) == (32.0, 160.0)
    assert preview_span(192, 4, 31.0, 32) == (32.0, 160.0)
    assert preview_span(192, 4, 180.0, 32) == (180.0, 192.0)
    assert preview_span(192, 4, 400.0, 32) == (188.0, 192.0)  # at least the last measure
    assert preview_span(192, 3, -2.0, 4) == (0.0, 12.0)


def test_chord_labels_name_each_change_once_including_several_per_measure():
    one_each = parse_chord_symbols("Dm7 Dm7 G7 Cmaj7")
    assert chord_labels(one_each, 4) == [(0.0, "Dm7"), (8.0, "G7"), (12.0, "Cmaj7")]
    assert chord_labels(one_each, 3, starts=[6, 9, 12, 15]) == [(6, "Dm7"), (12, "G7"), (15, "Cmaj7")]
    dm, g, c = parse_chord_symbols("Dm7 G7 Cmaj7")
    changes = [(dm, g), (c,), (c,), (dm, dm)]
    assert chord_labels(changes, 4) == [(0.0, "Dm7"), (2.0, "G7"), (4.0, "Cmaj7"), (12.0, "Dm7")]
