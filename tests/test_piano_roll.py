"""The piano roll widget: what it draws, its axes, zoom and scroll."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from gui.piano_roll import (
    CHORD_COLOUR,
    MELODY_COLOUR,
    BarAxis,
    PianoRoll,
    PitchAxis,
    note_name,
    stagger_names,
)

MELODY = [(72, 0.0, 1.0, 100), (74, 1.0, 0.5, 60), (76, 1.5, 2.5), (79, 8.0, 2.0, 127)]
CHORDS = [(48, 0.0, 4.0, 70), (52, 0.0, 4.0, 70), (55, 4.0, 4.0, 70), (59, 8.0, 4.0)]


@pytest.fixture
def roll(qtbot):
    widget = PianoRoll("Source")
    qtbot.addWidget(widget)
    widget.resize(900, 320)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_note_names():
    assert [note_name(p) for p in (60, 61, 69, 21, 108, 0)] == ["C4", "C♯4", "A4", "A0", "C8", "C-1"]
    assert [note_name(p, "F") for p in (61, 70)] == ["D♭4", "B♭4"]


def test_draws_melody_and_chords_in_two_colours(roll):
    roll.set_notes(MELODY, CHORDS, chord_labels=[(0, "C"), (4, "G7"), (8, "Cmaj7")])
    mel, ch = roll._melody_bars.opts, roll._chord_bars.opts
    np.testing.assert_allclose(mel["x0"], [0.0, 1.0, 1.5, 8.0])
    np.testing.assert_allclose(mel["width"], [1.0, 0.5, 2.5, 2.0])
    np.testing.assert_allclose(np.asarray(mel["y0"]) + 0.42, [72, 74, 76, 79])  # centred on the pitch row
    np.testing.assert_allclose(ch["x0"], [0.0, 0.0, 4.0, 8.0])
    assert QColor(mel["brushes"][0]).name() == QColor(MELODY_COLOUR).name()
    assert QColor(ch["brushes"][0]).name() == QColor(CHORD_COLOUR).name()
    # louder notes are more opaque; a missing velocity counts as 90
    assert QColor(mel["brushes"][3]).alphaF() > QColor(mel["brushes"][1]).alphaF()
    assert roll.chord_strip.labels == [(0.0, "C"), (4.0, "G7"), (8.0, "Cmaj7")]
    assert [shown for *_, shown in roll.chord_strip.placed] == ["C", "G7", "Cmaj7"]


def test_bar_lines_follow_the_time_signature(roll):
    roll.set_notes(MELODY, CHORDS)  # ends at beat 12 -> 3 bars of 4
    assert roll.total_beats == 12 and roll.bar_count() == 3
    xs, _ = roll._bar_lines.getData()
    assert sorted(set(np.round(xs, 6))) == [0.0, 4.0, 8.0, 12.0]
    roll.set_notes([(60, 0, 1), (62, 5.5, 0.5)], beats_per_bar=3)  # 3/4: 6 beats rounds to 2 bars
    xs, _ = roll._bar_lines.getData()
    assert sorted(set(np.round(xs, 6))) == [0.0, 3.0, 6.0]
    beat_xs, _ = roll._beat_lines.getData()
    assert sorted(set(np.round(beat_xs, 6))) == [1.0, 2.0, 4.0, 5.0]


def test_axes_name_pitches_and_number_bars():
    pitch = PitchAxis("left")
    assert pitch.tickStrings([60, 61, 71], 1, 1) == ["C4", "C♯4", "B4"]
    # zoomed out: only the Cs are named
    levels = pitch.tickValues(40, 90, 200)
    assert levels[0][1] == [48, 60, 72, 84]
    # zoomed in: every semitone
    assert pitch.tickValues(60, 72, 300) == [(1, list(range(60, 73)))]
    bars = BarAxis(4)
    assert bars.tickStrings([0, 4, 8], 1, 4) == ["1", "2", "3"]
    major = bars.tickValues(0, 64, 800)[0]
    assert major[1][:3] == [0, 4, 8]
    crowded = bars.tickValues(0, 400, 300)[0]  # 100 bars in 300 px: labels thinned to powers of two
    assert crowded[0] >= 16 and all(v % crowded[0] == 0 for v in crowded[1])


def test_view_opens_on_the_notes(roll):
    roll.set_notes(MELODY, CHORDS)
    (x0, x1), (y0, y1) = roll.view.viewRange()
    assert x0 <= 0 and x1 >= 12
    assert y0 <= 48 and y1 >= 79
    long_piece = [(60 + i % 12, i, 1.0) for i in range(40 * 4)]
    roll.set_notes(long_piece)
    x0, x1 = roll.visible_beats()
    assert x1 == pytest.approx(16 * 4)  # opens on the first 16 bars, the rest is a scroll away
    assert roll.scrollbar.isEnabled() and roll.scrollbar.maximum() > 0


def test_zoom_and_scroll(roll, qtbot):
    roll.set_notes([(60 + i % 12, i, 1.0) for i in range(32 * 4)])
    x0, x1 = roll.visible_beats()
    roll.zoom_in_button.click()
    assert roll.visible_beats()[1] - roll.visible_beats()[0] == pytest.approx((x1 - x0) / 2)
    # the scroll bar moves the view, and the view moves the scroll bar
    roll.scrollbar.setValue(roll.scrollbar.maximum())
    assert roll.visible_beats()[1] == pytest.approx(roll.total_beats + 0.5, abs=0.1)
    roll.scroll_to_beat(8.0)
    assert roll.scrollbar.value() == 8 * 16
    roll.setFocus()
    qtbot.keyClick(roll, Qt.Key.Key_Right)
    assert roll.visible_beats()[0] == pytest.approx(12.0)
    qtbot.keyClick(roll, Qt.Key.Key_Minus)
    roll.fit_button.click()
    x0, x1 = roll.visible_beats()
    assert x0 <= 0 and x1 == pytest.approx(roll.total_beats)
    assert not roll.scrollbar.isEnabled() or roll.scrollbar.maximum() <= 8


def test_playhead_follows_playback(roll):
    roll.set_notes([(60 + i % 12, i, 1.0) for i in range(32 * 4)])
    assert not roll.playhead.isVisible()
    roll.set_playhead(100.0)  # off screen: the view jumps to it
    assert roll.playhead.isVisible() and roll.playhead.value() == 100.0
    x0, x1 = roll.visible_beats()
    assert x0 <= 100.0 <= x1
    roll.set_playhead(None)
    assert not roll.playhead.isVisible()


def test_empty_roll_is_calm(roll):
    roll.clear_notes()
    assert roll.empty_label.isVisible()
    assert len(roll._melody_bars.opts["x0"]) == 0
    roll.set_notes(MELODY)
    assert not roll.empty_label.isVisible()
    image = roll.grab().toImage()
    assert image.width() > 0


def test_stagger_names_one_row_when_they_fit_else_two():
    assert stagger_names([0, 50, 100], [30, 30, 30], right=200) == [(0, 44), (0, 44), (0, 100)]  # gap 6
    # the second name would run into the third: names alternate between two rows, each with twice the room
    assert stagger_names([0, 50, 100, 150], [30, 50, 30, 30], right=200) == [
        (0, 94),
        (1, 94),
        (0, 100),
        (1, 50),
    ]
    assert stagger_names([], [], right=100) == []


def _boxes(roll):
    """Each placed name as (row, left, right) in pixels, drawn text only."""
    strip = roll.chord_strip
    return [(row, x, x + strip._metrics.horizontalAdvance(shown)) for _, x, row, shown in strip.placed]


@pytest.mark.parametrize("width", [560, 700, 900, 1200])
def test_chord_names_never_overlap_and_follow_the_bars(qtbot, width):
    names = ["Bbmaj7", "Gm7", "Cm7", "F7", "Ebmaj7", "Am7b5", "D7b9", "Gm", "C#dim7", "F#m7b5", "Bbm9", "Eb7#11",
             "Abmaj7", "Dbmaj7/C", "Gm7", "C7"]  # fmt: skip
    roll = PianoRoll()
    qtbot.addWidget(roll)
    roll.resize(width, 300)
    roll.show()
    qtbot.waitExposed(roll)
    roll.set_notes(
        [(60 + i % 12, i * 0.5, 0.5) for i in range(16 * 8)],
        chord_labels=[(4.0 * i, n) for i, n in enumerate(names)],
    )
    qtbot.wait(20)
    strip = roll.chord_strip
    boxes = _boxes(roll)
    assert len(boxes) == len(names)
    for row in (0, 1):
        mine = sorted((a, b) for r, a, b in boxes if r == row)
        assert all(b1 <= a2 for (_, b1), (a2, _) in zip(mine, mine[1:], strict=False))  # no two names touch
    left, right = strip._view_pixels()
    for (_, x, _, shown), beat in zip(strip.placed, range(0, 64, 4), strict=True):
        assert x == pytest.approx(roll.beat_to_x(beat) - strip.x(), abs=1)  # each name over its bar
        assert left - 1 <= x and x + strip._metrics.horizontalAdvance(shown) <= right + 1
    full = [shown == text for text, _, _, shown in strip.placed]
    if width >= 900:
        assert all(full)  # 16 bars at this width: every name whole, on one or two lines
    assert strip.height() in (strip._line + 2, 2 * strip._line + 2)


def test_the_chord_at_the_left_edge_stays_named(roll):
    roll.set_notes([(60, i, 1.0) for i in range(64)], chord_labels=[(0.0, "F7"), (16.0, "Bb7"), (48.0, "C7")])
    roll.zoom(0.25)  # four bars in view
    roll.scroll_to_beat(20.0)  # inside the Bb7 stretch
    placed = roll.chord_strip.placed
    assert [text for text, *_ in placed] == ["Bb7"]
    left, _ = roll.chord_strip._view_pixels()
    assert placed[0][1] == pytest.approx(left)
    assert roll.chord_strip.name_at(left + 3, 5) == "Bb7"


def test_melody_notes_coloured_by_class_with_a_key_and_a_hover_tooltip(roll, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QToolTip

    from gui.piano_roll import CLASS_COLOURS

    assert roll.class_key.isHidden()
    classes = [("C", "Cmaj7"), ("S", "Cmaj7"), ("A", "Dm7"), ("X", "G7")]
    roll.set_notes(MELODY, CHORDS, classes=classes)
    assert roll.class_key.isVisible()
    for word in ("chord tone", "scale/colour tone", "approach tone", "other"):
        assert word in roll.class_key.text()
    brushes = roll._melody_bars.opts["brushes"]
    assert [QColor(b).rgb() for b in brushes] == [QColor(CLASS_COLOURS[c]).rgb() for c, _ in classes]
    assert roll.melody_note_at(1.7, 76.2) == 2 and roll.melody_note_at(4.5, 76) is None
    assert roll.describe_note(2) == "E5 over Dm7: approach tone"
    # the mouse over the E5 note: the tooltip says what it is
    roll.zoom(0.5)
    scene = roll.view.mapViewToScene(QPointF(2.0, 76.0))
    qtbot.mouseMove(roll.plot.viewport(), roll.plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: QToolTip.text() == "E5 over Dm7: approach tone", timeout=2000)
    with pytest.raises(ValueError):
        roll.set_notes(MELODY, CHORDS, classes=classes[:2])
    roll.set_notes(MELODY, CHORDS)
    assert roll.class_key.isHidden() and roll.describe_note(0) == "C5"


def test_pitch_axis_and_hover_tooltip_are_spelt_in_the_key(roll, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QToolTip

    melody = [(65, 0.0, 1.0), (70, 1.0, 1.0), (66, 4.0, 2.0), (66, 8.0, 2.0)]
    classes = [("C", "F"), ("S", "F"), ("C", "D7"), ("A", "Gm7")]
    roll.set_notes(melody, CHORDS, classes=classes, key="F")
    assert roll.pitch_axis.tickStrings([60, 61, 66, 70], 1, 1) == ["C4", "D♭4", "G♭4", "B♭4"]
    # what the axis paints for the rows on screen: B-flat, never A-sharp
    from PySide6.QtGui import QImage, QPainter

    roll.view.setYRange(59.5, 72.5, padding=0)
    image = QImage(100, 400, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _, _, texts = roll.pitch_axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    shown = [text for *_, text in texts]
    assert "B♭4" in shown and "E♭4" in shown and not any("♯" in t or "#" in t for t in shown)
    assert roll.describe_note(1) == "B♭4 over F: scale/colour tone"
    assert roll.describe_note(2) == "F♯4 over D7: chord tone"  # D7's third, spelt from its root
    assert roll.describe_note(3) == "G♭4 over Gm7: approach tone"  # outside the chord: the key's flat
    roll.zoom(0.5)
    scene = roll.view.mapViewToScene(QPointF(1.5, 70.0))
    qtbot.mouseMove(roll.plot.viewport(), roll.plot.mapFromScene(scene))
    qtbot.waitUntil(lambda: QToolTip.text() == "B♭4 over F: scale/colour tone", timeout=2000)
    roll.set_notes(melody, CHORDS, key="E")  # the same pitches in a sharp key
    assert roll.pitch_axis.tickStrings([61, 66, 70], 1, 1) == ["C♯4", "F♯4", "A♯4"]
    assert roll.describe_note(1) == "A♯4"
    roll.set_notes(melody, CHORDS)  # no key: the neutral spelling
    assert roll.pitch_axis.tickStrings([61, 63, 66, 68, 70], 1, 1) == ["C♯4", "E♭4", "F♯4", "A♭4", "B♭4"]
