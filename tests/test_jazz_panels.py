"""The Jazz tab's newer panels, driven through their widgets: several files, swing, chords, held-out curves."""

from __future__ import annotations

import pytest
from jazz_helpers import swing_melody, two_part_file, write_midi

TRAIN_TIMEOUT = 120_000


@pytest.fixture
def tab(jazz_tab):
    return jazz_tab


def _idle(tab, qtbot):
    qtbot.waitUntil(lambda: not tab.session.busy(), timeout=30_000)


def test_several_files_each_with_its_melody(tab, qtbot, tmp_path):
    piece = tab.piece
    assert piece.files.isHidden()  # one file: its melody is the ★ row of the parts table
    assert piece.add_paths([str(two_part_file(tmp_path / "second.mid"))])
    _idle(tab, qtbot)
    session = tab.session
    assert len(session.pieces) == 2 and len(session.corpus.pieces) == 2
    assert piece.files.isVisible() and piece.files.count() == 2 and piece.file_label.text() == "2 files"
    rows = [piece.files.item(k).text() for k in range(2)]
    assert rows[0].startswith("studio_blues.mid — melody: ") and rows[1] == "second.mid — melody: Sax (auto)"
    # the added file is shown: its parts, its melody starred
    assert session.song.name == "second.mid" and tab.parts.table.rowCount() == 2
    assert tab.parts.table.item(0, 1).text().startswith("★ Sax")
    # learn its other part instead: only that file's melody changes
    first_melody = session.corpus.pieces[0].melody_index
    tab.parts.part_clicked(1)
    _idle(tab, qtbot)
    assert [p.melody_index for p in session.corpus.pieces] == [first_melody, 1]
    assert piece.files.item(1).text() == "second.mid — melody: Comping"
    # back to the first file, then remove the second
    piece.files.setCurrentRow(0)
    assert session.song.name == "studio_blues.mid" and tab.source.title.text().startswith("studio_blues.mid")
    piece.files.setCurrentRow(1)
    assert piece.remove_selected()
    _idle(tab, qtbot)
    assert len(session.pieces) == 1 and piece.files.isHidden() and piece.file_label.text() == "studio_blues.mid"


def test_the_measured_swing_is_named_and_offered(tab):
    assert f"swing {tab.session.swing:.2g}:1" in tab.piece.piece_info.text()  # the bundled tune swings 2:1
    assert "medium" in tab.piece.piece_info.toolTip()
    assert tab.improvise.swing_combo.itemText(0) == f"source {tab.session.swing:.2g}:1"
    assert tab.improvise.swing_combo.itemData(0) is None  # None: the generator keeps the source's swing
    ratios = [tab.improvise.swing_combo.itemData(k) for k in range(1, tab.improvise.swing_combo.count())]
    assert ratios == sorted(ratios) and ratios[0] == 1.0


def test_a_melody_only_file_warns_that_its_chords_were_guessed(tab, qtbot, tmp_path):
    assert tab.improvise.chords_warning.isHidden()
    alone = write_midi(tmp_path / "alone.mid", [{"name": "Sax", "channel": 0, "program": 65,
                                                  "notes": swing_melody(16)}])
    tab.open_path(str(alone))
    qtbot.waitUntil(lambda: tab.session.song is not None and tab.session.song.name == "alone.mid", timeout=30_000)
    _idle(tab, qtbot)
    assert tab.session.corpus.chords_inferred
    warning = tab.improvise.chords_warning
    assert warning.isVisible() and "guessed" in warning.text() and "type the real changes" in warning.text()
    tab.piece.open_bundled()
    _idle(tab, qtbot)
    assert warning.isHidden()


@pytest.mark.tf
def test_held_out_curves_kept_epoch_swing_max_copy_and_own_seeds(tab, qtbot):
    training = tab.training
    training.epochs_spin.setValue(3)
    training.units_spin.setValue(16)
    training.held_out_spin.setValue(20)
    training.panel.button.click()
    qtbot.waitUntil(lambda: tab.session.model is not None and not tab.session.training(), timeout=TRAIN_TIMEOUT)
    model = tab.session.model
    curves = training.curves
    assert list(curves.curves["val_loss"].getData()[1]) == pytest.approx(model.history["val_loss"])
    assert len(curves.curves["val_accuracy"].getData()[0]) == model.epochs_trained == 3
    assert curves.best_line.isVisible() and curves.best_line.value() == model.best_epoch
    assert f"kept epoch {model.best_epoch}" in training.panel.status_line.text().lower()
    assert curves.key.isVisible()

    improvise = tab.improvise
    improvise.swing_combo.setCurrentIndex(improvise.swing_combo.findData(2.5))  # hard swing
    improvise.max_copy_slider.setValue(4)
    improvise.variations_spin.setValue(3)
    improvise.measures_spin.setValue(4)
    assert improvise.options()["swing"] == 2.5 and improvise.options()["max_copy"] == 4
    improvise.generate_button.click()
    qtbot.waitUntil(lambda: len(tab.variations.views) == 3, timeout=30_000)
    _idle(tab, qtbot)
    improvs = tab.session.variations
    assert all(v.swing == 2.5 for v in improvs)
    assert len({v.seed for v in improvs}) == 3  # each its own seed, shown in its title with its originality
    for view, improv in zip(tab.variations.views, improvs, strict=True):
        assert f"seed {improv.seed} · {improv.originality:.0%} original" in view.title.text()
        assert len(view.roll.classes) == len(improv.melody) and not view.roll.class_key.isHidden()
