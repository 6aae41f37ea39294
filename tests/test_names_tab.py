"""The Names tab, driven through its real widgets in the real window (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication, QMessageBox

from engine.names.io import load_model

SYLLABLES = ["ka", "ro", "sau", "rus", "ti", "don", "ba", "lo", "mi", "tor", "ce", "ra", "ps"]


@pytest.fixture
def corpus_file(tmp_path):
    rng = np.random.default_rng(0)
    names = {"".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))).capitalize() for _ in range(300)}
    path = tmp_path / "made-up names.txt"
    path.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def fresh_settings():
    """Forget what earlier tests' windows remembered (their corpus, their settings)."""
    from gui.settings import app_settings

    settings = app_settings()
    settings.remove("names")
    settings.sync()


@pytest.fixture
def tab(fresh_settings, main_window):
    main_window.select_tab("names")
    return main_window.tabs.currentWidget()


@pytest.fixture
def warnings(monkeypatch):
    """Messages the tab would show in a QMessageBox, recorded instead of blocking."""
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append((title, text)))
    return shown


def test_bundled_corpus_is_preselected(tab):
    from engine.resources import resource_path

    if not resource_path("names", "dinosaurs.txt").exists():
        pytest.skip("bundled corpus not present")
    assert tab.corpus is not None and "dinosaurs" in tab.corpus.source
    assert "names" in tab.stats_label.text()
    assert len(tab.hist_bars.opts["height"]) > 5


def test_train_through_the_tab_then_sample_save_and_export(main_window, tab, qtbot, corpus_file, tmp_path, warnings):
    main_window.open_in_current_tab(str(corpus_file))  # what File > Open and a drop onto the window do
    assert tab.corpus.source == str(corpus_file)
    assert tab.corpus_label.full_text() == "made-up names.txt"
    assert tab.corpus.names[0] == tab.corpus.names[0].lower()

    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("fast"))
    tab.hidden_spin.setValue(24)
    tab.steps_spin.setValue(600)
    progress = []
    tab.worker.progress.connect(progress.append)
    qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)
    assert tab.train_button.text() == "Stop"
    assert not tab.hidden_spin.isEnabled()  # settings are locked while training
    with qtbot.waitSignal(tab.worker.finished, timeout=90_000) as finished:
        pass
    result = finished.args[0]
    assert result.steps <= 600 and result.val_loss is not None

    # the live plot and the names sampled while training were updated
    steps, losses = tab.train_curve.getData()
    assert steps is not None and len(steps) >= 2 and np.all(np.isfinite(losses))
    val_steps, val_losses = tab.val_curve.getData()
    assert len(val_steps) >= 2 and val_losses.min() < val_losses[0]
    assert any("val_loss" in e.metrics for e in progress)
    assert any(e.payload and e.payload.get("samples") for e in progress)
    assert tab.training_samples.count() >= 8  # a header and seven names
    assert tab.train_button.text() == "Train" and tab.hidden_spin.isEnabled()
    assert "validation" in tab.model_label.text()

    # finishing generates names; new ones and known ones are told apart
    qtbot.waitUntil(lambda: tab.sample_list.count() == tab.count_spin.value(), timeout=20_000)
    known = tab.saved.known_names
    for i in range(tab.sample_list.count()):
        item = tab.sample_list.item(i)
        name = item.data(Qt.ItemDataRole.UserRole)
        assert item.font().italic() == (name in known)
    assert "new" in tab.sample_summary.text()

    # a prefix primes every name
    tab.prefix_edit.setText("Ka")
    tab.count_spin.setValue(12)
    with qtbot.waitSignal(tab.sampler.finished, timeout=20_000):
        qtbot.mouseClick(tab.generate_button, Qt.MouseButton.LeftButton)
    names = tab.sampled_names()
    assert len(names) == 12 and all(n.startswith("ka") for n in names)

    # copy and export
    tab.copy_names()
    assert QApplication.clipboard().text().splitlines() == names
    out = tmp_path / "invented.txt"
    assert tab.export_names_to(str(out))
    assert out.read_text(encoding="utf-8").splitlines() == names

    # save, then load back through the tab
    model_path = tmp_path / "model"
    assert tab.save_model_to(str(model_path))
    saved = load_model(tmp_path / "model.npz")
    np.testing.assert_array_equal(saved.model.flat, tab.saved.model.flat)
    assert saved.known_names == tab.saved.known_names
    main_window.open_in_current_tab(str(tmp_path / "model.npz"))
    assert tab.saved.model is not result.model
    np.testing.assert_array_equal(tab.saved.model.flat, result.model.flat)
    assert warnings == []


def test_stop_ends_training_and_keeps_the_model(tab, qtbot, corpus_file):
    tab.open_path(str(corpus_file))
    tab.hidden_spin.setValue(16)
    tab.steps_spin.setValue(5_000_000)
    with qtbot.waitSignal(tab.worker.progress, timeout=20_000):
        qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(tab.worker.finished, timeout=5_000) as finished:
        qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)  # Stop
        assert tab.train_button.text() == "Stopping…"
    assert finished.args[0].reason == "stopped"
    assert tab.saved is not None and tab.save_button.isEnabled()
    assert tab.train_button.text() == "Train"


def test_bad_files_are_refused_with_a_message(tab, tmp_path, warnings):
    before = tab.corpus
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 4)
    tab.open_path(str(binary))
    assert warnings and "binary" in warnings[-1][1]
    assert tab.corpus is before
    tiny = tmp_path / "three.txt"
    tiny.write_text("a\nb\nc\n")
    tab.open_path(str(tiny))
    assert "at least 10" in warnings[-1][1]
    fake_model = tmp_path / "model.npz"
    fake_model.write_text("not a model")
    tab.open_path(str(fake_model))
    assert "not a valid .npz" in warnings[-1][1]
    assert tab.saved is None and not tab.generate_button.isEnabled()


def test_settings_are_remembered(tab, corpus_file, qtbot):
    from gui.names_tab import NamesTab

    tab.open_path(str(corpus_file))
    tab.preset_combo.setCurrentIndex(tab.preset_combo.findData("course"))
    tab.hidden_spin.setValue(33)
    tab.temp_slider.setValue(70)
    tab.save_state()
    again = NamesTab()
    qtbot.addWidget(again)
    assert again.preset_combo.currentData() == "course"
    assert again.hidden_spin.value() == 33 and again.cell_combo.currentData() == "rnn"
    assert again.temp_slider.value() == 70
    assert again.corpus.source == str(corpus_file)


def train_briefly(qtbot, tab, steps: int = 300, hidden: int = 16):
    """A short run through the Train button; returns its result once the names are generated too."""
    tab.hidden_spin.setValue(hidden)
    tab.steps_spin.setValue(steps)
    with qtbot.waitSignal(tab.worker.finished, timeout=60_000) as finished:
        qtbot.mouseClick(tab.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.sampler.is_running() and tab.sample_list.count() > 0, timeout=20_000)
    return finished.args[0]


def names_are_whole(view) -> bool:
    """Every name in a list view is drawn in full: its cell is at least as wide as its text."""
    for i in range(view.count()):
        item = view.item(i)
        metrics = QFontMetricsF(item.font())
        if metrics.horizontalAdvance(item.text()) > view.visualItemRect(item).width():
            return False
    return True


def test_the_tab_fits_an_800_pixel_wide_window(main_window, tab, qtbot, tmp_path):
    assert tab.minimumSizeHint().width() <= 820
    # Content that could widen the controls: a long file name, a large alphabet, a long stats line.
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèàçöüß"
    rng = np.random.default_rng(1)
    names = {"".join(rng.choice(list(letters), size=rng.integers(4, 12))) for _ in range(200)}
    path = tmp_path / ("a-rather-long-file-name-for-a-list-of-names-gathered-from-many-places" + ".txt")
    path.write_text("\n".join(sorted(names)) + "\n", encoding="utf-8")
    tab.lowercase_check.setChecked(False)
    tab.open_path(str(path))
    assert len(tab.corpus.alphabet) > 50
    train_briefly(qtbot, tab)
    assert tab.minimumSizeHint().width() <= 820

    main_window.resize(800, 640)
    qtbot.waitUntil(lambda: main_window.width() == 800 and tab.width() <= 800)
    qtbot.waitUntil(lambda: tab.sampling_row.wrapped and tab.legend_names() == ["training", "validation"])
    controls = tab.controls
    column = controls.widget()
    assert column.width() <= controls.viewport().width()  # no control cut off at the right
    assert column.width() >= column.minimumSizeHint().width()
    assert controls.width() < 300  # the controls gave way first
    assert tab.loss_plot.width() >= 220 and tab.training_samples.width() >= 140
    assert tab.sample_list.width() >= 400
    # The sampling controls wrap onto two lines, all in view; names and the legend fit.
    row = tab.sampling_row.rect()
    for widget in (tab.generate_button, tab.unique_check, tab.count_spin, tab.temp_label):
        corner = widget.mapTo(tab.sampling_row, widget.rect().bottomRight())
        assert row.contains(corner), widget
    assert names_are_whole(tab.sample_list)
    assert tab.corpus_label.text() != tab.corpus_label.full_text() and "…" in tab.corpus_label.text()

    # Wide again: the controls get their width back, the row unwraps, the legend says more.
    main_window.resize(1280, 820)
    qtbot.waitUntil(lambda: tab.splitter.sizes()[0] >= 320 and not tab.sampling_row.wrapped)
    qtbot.waitUntil(lambda: tab.legend_names() == ["training (running mean)", "validation (held-out names)"])
    assert names_are_whole(tab.sample_list)
