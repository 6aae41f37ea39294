"""The Jazz tab names pitches in the piece's key and says which tempo a tempo-changing piece is played at."""

from __future__ import annotations

import pytest
from jazz_helpers import block_chords, two_part_file, write_midi


@pytest.fixture
def tab(jazz_tab):
    return jazz_tab


def _open(tab, qtbot, path):
    tab.open_path(str(path))
    qtbot.waitUntil(lambda: tab.session.song is not None and tab.session.song.name == path.name, timeout=30_000)
    qtbot.waitUntil(lambda: not tab.session.busy(), timeout=30_000)


def test_ranges_and_roll_of_a_piece_in_f_name_b_flats(tab, qtbot, tmp_path):
    melody = [(k * 1.0, 1.0, p) for k, p in enumerate([60, 65, 70, 69, 67, 70, 72, 82] * 4)]
    path = write_midi(tmp_path / "in_f.mid", [
        {"name": "Trumpet", "channel": 0, "program": 56, "notes": melody},
        {"name": "Piano", "channel": 1, "program": 0, "notes": block_chords([[53, 57, 60, 63], [46, 50, 53, 56]], 8)},
    ], key="F")
    _open(tab, qtbot, path)
    ranges = [tab.parts.table.item(row, 5).text() for row in range(tab.parts.table.rowCount())]
    assert ranges == ["C4–B♭5", "B♭2–E♭4"]
    assert "melody range C4–B♭5" in tab.parts.corpus_label.text()
    roll = tab.source.roll
    assert roll.key == "F" and roll.pitch_axis.tickStrings([70, 68], 1, 1) == ["B♭4", "A♭4"]
    assert roll.describe_note(2).startswith("B♭4")


def test_a_tempo_changing_piece_shows_its_span_and_plays_at_the_median(tab, qtbot, tmp_path):
    path = two_part_file(tmp_path / "fast_slow.mid", bars=20, tempos=[(0.0, 240.0), (48.0, 150.0)])
    _open(tab, qtbot, path)
    assert "150–240 BPM, median 150" in tab.piece.piece_info.text()
    sound = tab.sound
    sound.source_tempo_check.setChecked(True)
    assert sound.tempo() == 150.0 and sound.export_options()["tempo"] == 150.0
    assert "150–240 BPM, median 150" in sound.source_tempo_check.toolTip()
