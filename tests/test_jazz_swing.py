"""Swing: the long/short eighth ratio read from written MIDI, and applied to a line."""

from __future__ import annotations

import pytest
from jazz_helpers import II_V_I, block_chords, write_midi

from engine.jazz import JazzError, default_piece, read_song
from engine.jazz.midi_read import Note
from engine.jazz.swing import SWING_PRESETS, apply_swing, describe_swing, swing_ratio


def eighth_line(bars: int, off: float, low: int = 64) -> list[tuple[float, float, int]]:
    """Eighth-note pairs on every beat, the short one at ``off`` of the beat (0.5 straight, 2/3 swung)."""
    notes = []
    for beat in range(4 * bars):
        notes.append((beat, off * 0.95, low + beat % 7))
        notes.append((beat + off, (1 - off) * 0.95, low + (beat + 3) % 7))
    return notes


def read_melody(path):
    return read_song(path).parts[0].notes


@pytest.mark.parametrize(("off", "ratio"), [(0.5, 1.0), (0.6, 1.5), (2 / 3, 2.0), (0.7, 7 / 3)])
def test_swing_is_read_from_the_written_file(tmp_path, off, ratio):
    path = write_midi(
        tmp_path / "pairs.mid",
        [
            {"name": "Sax", "channel": 0, "program": 65, "notes": eighth_line(8, off)},
            {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 8)},
        ],
    )
    assert swing_ratio(read_melody(path)) == pytest.approx(ratio, abs=0.02)
    assert read_song(path).swing == pytest.approx(ratio, abs=0.02)


def test_triplets_and_lone_notes_are_not_eighth_pairs(tmp_path):
    triplets = [(b + k / 3, 1 / 3, 60 + k) for b in range(16) for k in range(3)]
    quarters = [(16 + b, 1.0, 62) for b in range(16)]
    path = write_midi(tmp_path / "t.mid", [{"name": "Lead", "channel": 0, "program": 0, "notes": triplets + quarters}])
    assert swing_ratio(read_melody(path)) is None  # nothing to judge swing from
    assert "no swing measured" in describe_swing(None)


def test_the_bundled_piece_swings_and_metheny_plays_nearly_straight(shared_data):
    assert read_song(default_piece()).swing == pytest.approx(2.0, abs=0.05)
    metheny = read_song(shared_data / "original_metheny.mid").swing
    assert metheny is not None and 0.9 < metheny < 1.2


def test_describe_swing():
    assert describe_swing(1.0).startswith("straight")
    assert describe_swing(1.5).startswith("light swing")
    assert describe_swing(2.0) == "medium (triplet) swing (2.00:1)"
    assert describe_swing(2.6).startswith("hard swing")
    assert [name for name, _ in SWING_PRESETS] == ["straight", "light", "medium", "hard"]


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.0, 2.5])
def test_applied_swing_is_what_a_reader_measures(tmp_path, ratio):
    straight = [Note(s, s + d, p) for s, d, p in eighth_line(8, 0.5)]
    swung = apply_swing(straight, ratio)
    path = write_midi(
        tmp_path / "swung.mid",
        [{"name": "Sax", "channel": 0, "program": 65, "notes": [(n.start, n.duration, n.pitch) for n in swung]}],
    )
    back = read_melody(path)
    assert swing_ratio(back) == pytest.approx(ratio, abs=0.03)  # ticks round the times a little
    assert all(a.end <= b.start + 1e-9 for a, b in zip(swung, swung[1:], strict=False))
    assert [n.start for n in swung[::2]] == [n.start for n in straight[::2]]  # on-beat notes stay


def test_swing_leaves_triplets_sixteenths_and_quarters_alone():
    line = (
        [Note(k / 3, (k + 1) / 3, 60) for k in range(3)]  # a triplet beat
        + [Note(1 + k / 4, 1 + (k + 1) / 4, 62) for k in range(4)]  # four sixteenths
        + [Note(2.0, 3.0, 64)]  # a quarter
        + [Note(3.0, 3.5, 65), Note(3.5, 4.0, 67)]  # one straight pair
    )
    swung = apply_swing(line, 2.0)
    assert swung[:8] == line[:8]
    assert swung[8] == Note(3.0, 3 + 2 / 3, 65) and swung[9].start == pytest.approx(3 + 2 / 3)


@pytest.mark.parametrize("ratio", [0.5, 0.0, 5.0, float("nan")])
def test_a_ratio_out_of_range_is_refused(ratio):
    with pytest.raises(JazzError, match="swing ratio must be between 1"):
        apply_swing([Note(0.0, 0.5, 60)], ratio)


def test_each_part_reports_its_swing_and_grid(tmp_path):
    from engine.jazz.melody import describe_grid

    path = write_midi(
        tmp_path / "two.mid",
        [
            {"name": "Sax", "channel": 0, "program": 65, "notes": eighth_line(8, 2 / 3)},
            {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords(II_V_I, 8)},
        ],
    )
    sax, piano = read_song(path).parts
    assert sax.swing == pytest.approx(2.0, abs=0.02) and describe_grid(sax.grid) == "eighths and triplets"
    assert piano.swing is None and describe_grid(piano.grid) == "sixteenths"
