"""The Names tab, driven through its real widgets in the real window (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetricsF
from PySide6.QtWidgets import QApplication

from engine.names.io import load_model

SYLLABLES = ["ka", "ro", "sau", "rus", "ti", "don", "ba", "lo", "mi", "tor", "ce", "ra", "ps"]


@pytest.fixture
def corpus_file(tmp_path):
    path = tmp_path / "made-up names.txt"
    path.write_text("\n".join(made_up_names()) + "\n", encoding="utf-8")
    return path


def made_up_names(seed: int = 0, count: int = 300) -> list[str]:
    rng = np.random.default_rng(seed)
    names = {"".join(rng.choice(SYLLABLES, size=rng.integers(2, 5))).capitalize() for _ in range(count)}
    return sorted(names)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    """A small model trained headless on the made-up names and saved (about a second)."""
    from engine.jobs import run_job
    from engine.names.corpus import split_names
    from engine.names.io import save_model
    from engine.names.train import preset_config, train_job

    names = [n.lower() for n in made_up_names()]
    config = preset_config("fast", hidden=16, steps=300)
    train, val = split_names(names, config.val_split, config.seed)
    result = run_job(train_job(train, val, config))
    path = tmp_path_factory.mktemp("model") / "syllables.npz"
    save_model(path, result.model, result.vocab, lowercase=True, known_names=train, config=config,
               extra={"val_loss": result.val_loss, "steps": result.steps})
    return path


@pytest.fixture
def fresh_settings():
    """Forget what earlier tests' windows remembered (their corpus, their settings)."""
    from gui.settings import app_settings

    settings = app_settings()
    settings.remove("names")
    settings.sync()


@pytest.fixture
def tab(fresh_settings, main_window, qtbot):
    main_window.select_tab("names")
    widget = main_window.tabs.currentWidget()
    settle(qtbot, widget)  # the remembered (or bundled) corpus is read on a worker
    return widget


def settle(qtbot, tab) -> None:
    """Wait until the files the tab reads and writes on its workers are done."""
    qtbot.waitUntil(lambda: not tab.files_busy(), timeout=20_000)


@pytest.fixture
def warnings(monkeypatch):
    """Messages the tab would show in a message box (gui.messages logs them offscreen), recorded."""
    from gui import messages

    shown = []
    monkeypatch.setattr(messages, "_box", lambda parent, icon, title, text: shown.append((title, text)))
    monkeypatch.setattr(messages, "interactive", lambda: True)
    return shown


def test_bundled_corpus_is_preselected(tab, qtbot, corpus_file):
    from engine.resources import resource_path

    if not resource_path("names", "dinosaurs.txt").exists():
        pytest.skip("bundled corpus not present")
    assert tab.corpus is not None and "dinosaurs" in tab.corpus.source
    assert "names" in tab.corpus_panel.stats_label.text()
    assert len(tab.corpus_panel.hist_bars.opts["height"]) > 5
    assert tab.corpus_panel.corpus_label.full_text() == "Dinosaurs (bundled)"
    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    qtbot.mouseClick(tab.corpus_panel.bundled_button, Qt.MouseButton.LeftButton)  # back to the dinosaurs
    settle(qtbot, tab)
    assert "dinosaurs" in tab.corpus.source and tab.corpus_panel.corpus_label.full_text() == "Dinosaurs (bundled)"


def test_train_through_the_tab_then_sample_save_and_export(main_window, tab, qtbot, corpus_file, tmp_path, warnings):
    main_window.open_in_current_tab(str(corpus_file))  # what File > Open and a drop onto the window do
    settle(qtbot, tab)
    assert tab.corpus.source == str(corpus_file)
    assert tab.corpus_panel.corpus_label.full_text() == "made-up names.txt"
    assert tab.corpus.names[0] == tab.corpus.names[0].lower()

    tab.training.preset_combo.setCurrentIndex(tab.training.preset_combo.findData("fast"))
    tab.training.hidden_spin.setValue(24)
    tab.training.steps_spin.setValue(600)
    progress = []
    tab.worker.progress.connect(progress.append)
    qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    assert tab.training.job.button.text() == "Stop"
    assert not tab.training.hidden_spin.isEnabled()  # settings are locked while training
    with qtbot.waitSignal(tab.worker.finished, timeout=90_000) as finished:
        pass
    result = finished.args[0]
    assert result.steps <= 600 and result.val_loss is not None

    # the live plot and the names sampled while training were updated
    steps, losses = tab.plot.train_curve.getData()
    assert steps is not None and len(steps) >= 2 and np.all(np.isfinite(losses))
    val_steps, val_losses = tab.plot.val_curve.getData()
    assert len(val_steps) >= 2 and val_losses.min() < val_losses[0]
    assert any("val_loss" in e.metrics for e in progress)
    assert any(e.payload and e.payload.get("samples") for e in progress)
    assert tab.samples.names.count() >= 8  # a header and seven names
    assert tab.training.job.button.text() == "Train" and tab.training.hidden_spin.isEnabled()
    assert "validation" in tab.model.model_label.text()

    # finishing generates names; new ones and known ones are told apart
    qtbot.waitUntil(lambda: tab.sampling.sample_list.count() == tab.sampling.count_spin.value(), timeout=20_000)
    known = tab.saved.known_names
    for i in range(tab.sampling.sample_list.count()):
        item = tab.sampling.sample_list.item(i)
        name = item.data(Qt.ItemDataRole.UserRole)
        assert item.font().italic() == (name in known)
    assert "new" in tab.sampling.sample_summary.text()

    # a prefix primes every name
    tab.sampling.prefix_edit.setText("Ka")
    tab.sampling.count_spin.setValue(12)
    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        qtbot.mouseClick(tab.sampling.generate_button, Qt.MouseButton.LeftButton)
    names = tab.sampling.sampled_names()
    assert len(names) == 12 and all(n.startswith("ka") for n in names)

    # copy and export
    tab.sampling.copy_names()
    assert QApplication.clipboard().text().splitlines() == names
    out = tmp_path / "invented.txt"
    tab.sampling.export_to(str(out))
    settle(qtbot, tab)
    assert out.read_text(encoding="utf-8").splitlines() == names

    # save, then load back through the tab
    model_path = tmp_path / "model"
    tab.model.save_to(str(model_path))
    settle(qtbot, tab)
    saved = load_model(tmp_path / "model.npz")
    np.testing.assert_array_equal(saved.model.flat, tab.saved.model.flat)
    assert saved.known_names == tab.saved.known_names
    main_window.open_in_current_tab(str(tmp_path / "model.npz"))
    settle(qtbot, tab)
    assert tab.saved.model is not result.model
    np.testing.assert_array_equal(tab.saved.model.flat, result.model.flat)
    assert warnings == []


def test_stop_ends_training_and_keeps_the_model(tab, qtbot, corpus_file):
    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    tab.training.hidden_spin.setValue(16)
    tab.training.steps_spin.setValue(5_000_000)
    with qtbot.waitSignal(tab.worker.progress, timeout=20_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(tab.worker.finished, timeout=5_000) as finished:
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)  # Stop
        assert tab.training.job.button.text() == "Stopping…"
    assert finished.args[0].reason == "stopped"
    assert tab.saved is not None and tab.model.save_button.isEnabled()
    assert tab.training.job.button.text() == "Train"


def test_bad_files_are_refused_with_a_message(tab, tmp_path, warnings, qtbot):
    before = tab.corpus
    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 4)
    tab.open_path(str(binary))
    settle(qtbot, tab)
    assert warnings and "binary" in warnings[-1][1]
    assert tab.corpus is before
    tiny = tmp_path / "three.txt"
    tiny.write_text("a\nb\nc\n")
    tab.open_path(str(tiny))
    settle(qtbot, tab)
    assert "at least 10" in warnings[-1][1]
    fake_model = tmp_path / "model.npz"
    fake_model.write_text("not a model")
    tab.open_path(str(fake_model))
    settle(qtbot, tab)
    assert "not a valid .npz" in warnings[-1][1]
    assert tab.saved is None and not tab.sampling.generate_button.isEnabled()


def test_settings_are_remembered(tab, corpus_file, qtbot):
    from gui.names import NamesTab

    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    tab.training.preset_combo.setCurrentIndex(tab.training.preset_combo.findData("course"))
    tab.training.hidden_spin.setValue(33)
    tab.training.val_spin.setValue(20)
    tab.sampling.temp_slider.setValue(70)
    tab.save_state()
    again = NamesTab()
    qtbot.addWidget(again)
    assert again.training.preset_combo.currentData() == "course"
    assert again.training.hidden_spin.value() == 33 and again.training.cell_combo.currentData() == "rnn"
    assert again.sampling.temp_slider.value() == 70
    assert again.training.val_spin.value() == 20 and again.training_config().val_split == pytest.approx(0.2)
    settle(qtbot, again)
    assert again.corpus.source == str(corpus_file)


def train_briefly(qtbot, tab, steps: int = 300, hidden: int = 16):
    """A short run through the Train button; returns its result once the names are generated too."""
    tab.training.hidden_spin.setValue(hidden)
    tab.training.steps_spin.setValue(steps)
    with qtbot.waitSignal(tab.worker.finished, timeout=60_000) as finished:
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.sampling.sampler.is_running() and tab.sampling.sample_list.count() > 0, timeout=20_000)
    return finished.args[0]


def names_are_whole(view) -> bool:
    """Every name in a list view is drawn in full (its cell is as wide as its text), unless wider than the list."""
    room = view.viewport().width() - view.verticalScrollBar().sizeHint().width()
    for i in range(view.count()):
        item = view.item(i)
        width = QFontMetricsF(item.font()).horizontalAdvance(item.text())
        if min(width, room - 24) > view.visualItemRect(item).width():
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
    tab.corpus_panel.lowercase_check.setChecked(False)
    settle(qtbot, tab)
    tab.open_path(str(path))
    settle(qtbot, tab)
    assert len(tab.corpus.alphabet) > 50
    train_briefly(qtbot, tab)
    assert tab.minimumSizeHint().width() <= 820

    main_window.resize(800, 640)
    qtbot.waitUntil(lambda: main_window.width() == 800 and tab.width() <= 800)
    qtbot.waitUntil(lambda: tab.sampling.sampling_row.wrapped and tab.plot.legend_names() == ["training", "validation"])
    controls = tab.controls
    column = controls.widget()
    assert column.width() <= controls.viewport().width()  # no control cut off at the right
    assert column.width() >= column.minimumSizeHint().width()
    assert controls.width() < 300  # the controls gave way first
    assert tab.plot.widget.width() >= 220 and tab.samples.names.width() >= 140
    assert tab.sampling.sample_list.width() >= 400
    # The sampling controls wrap onto two lines, all in view; names and the legend fit.
    row = tab.sampling.sampling_row.rect()
    for widget in (tab.sampling.generate_button, tab.sampling.unique_check, tab.sampling.count_spin, tab.sampling.temp_label):
        corner = widget.mapTo(tab.sampling.sampling_row, widget.rect().bottomRight())
        assert row.contains(corner), widget
    assert names_are_whole(tab.sampling.sample_list)
    assert tab.corpus_panel.corpus_label.text() != tab.corpus_panel.corpus_label.full_text() and "…" in tab.corpus_panel.corpus_label.text()

    # Wide again: the controls get their width back, the row unwraps, the legend says more.
    main_window.resize(1280, 820)
    qtbot.waitUntil(lambda: tab.splitter.sizes()[0] >= 320 and not tab.sampling.sampling_row.wrapped)
    qtbot.waitUntil(lambda: tab.plot.legend_names() == ["training (running mean)", "validation (held-out names)"])
    assert names_are_whole(tab.sampling.sample_list)


def test_the_progress_bar_tells_the_steps_the_time_left_and_how_training_ended(tab, qtbot, corpus_file):
    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    assert tab.training.job.bar.format() == "Not trained yet"
    shown = []
    tab.worker.progress.connect(lambda event: shown.append(tab.training.job.bar.format()))  # after the tab's slot
    result = train_briefly(qtbot, tab, steps=400)
    during = [text for text in shown if text.startswith("step ")]
    assert during and all(" of 400" in text for text in during)
    # Early stopping may end the run sooner, so the time left is an upper bound.
    assert any(text.endswith(" left") and "≤ " in text for text in during)
    done = {"steps": "Done: ", "early stopping": "Stopped early: "}[result.reason]
    assert tab.training.job.bar.format().startswith(done + f"{result.steps:,} steps in ")
    assert tab.training.job.bar.value() == tab.training.job.bar.maximum()

    # The course's procedure has no early stopping: the time left is an estimate, not a bound.
    tab.training.preset_combo.setCurrentIndex(tab.training.preset_combo.findData("course"))
    shown.clear()
    tab.training.steps_spin.setValue(3000)
    with qtbot.waitSignal(tab.worker.finished, timeout=60_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    during = [text for text in shown if text.startswith("step ")]
    assert any(text.endswith(" left") for text in during) and not any("≤" in text for text in during)
    assert tab.training.job.bar.format() == f"Done: 3,000 steps in {tab.training.job.bar.format().split(' in ')[1]}"
    assert "smoothed loss" in tab.training.job.status_line.text()


def test_stop_right_after_train_ends_at_once_and_says_so(tab, qtbot, corpus_file):
    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    tab.training.hidden_spin.setValue(16)
    tab.training.steps_spin.setValue(5_000_000)
    with qtbot.waitSignal(tab.worker.finished, timeout=10_000) as finished:
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)  # Stop, before any progress arrived
    result = finished.args[0]
    assert result.reason == "stopped" and result.steps < 5_000_000
    assert tab.training.job.bar.format().startswith(f"Stopped at step {result.steps:,} (")
    assert tab.training.job.bar.value() < tab.training.job.bar.maximum()  # shows how far it got
    assert tab.training.job.button.text() == "Train" and tab.saved is not None


def test_the_window_stays_responsive_while_training(tab, qtbot, corpus_file):
    import time

    from PySide6.QtCore import QTimer

    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    tab.training.steps_spin.setValue(5_000_000)
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    with qtbot.waitSignal(tab.worker.progress, timeout=20_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    timer.start()
    qtbot.wait(1500)
    timer.stop()
    gaps = np.diff(ticks)
    assert len(ticks) > 30 and gaps.max() < 0.3  # the event loop never waits on the training thread
    started = time.monotonic()
    with qtbot.waitSignal(tab.worker.finished, timeout=5_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    assert time.monotonic() - started < 1.0


def test_a_100000_step_run_is_drawn_downsampled(tab, qtbot):
    """Progress of a long run, one point per step (far more than training sends): the plot shows a few thousand."""
    from engine.jobs import Progress
    from engine.names.train import preset_config

    tab._train_config = preset_config("fast")
    tab.plot.clear()
    steps = 100_000
    for step in range(1, steps + 1, 2):
        tab._on_progress(Progress(step, steps, "", {"train_loss": 2.0 + np.sin(step / 700.0)}))
    tab._on_progress(Progress(steps, steps, "", {"train_loss": 2.0, "val_loss": 1.9, "best_val_loss": 1.9}))
    tab.plot.redraw()
    qtbot.wait(10)
    x, y = tab.plot.train_curve.getData()  # what is drawn, after downsampling
    assert len(tab.plot.train_steps) == steps // 2 + 1
    assert 100 < len(x) < 10_000
    assert x.min() < 0.01 * steps and x.max() > 0.99 * steps  # the whole run, not a window of it
    assert tab.plot.best_line.isVisible() and tab.plot.best_line.value() == 1.9


def test_presets_fill_in_the_hyperparameters(tab, qtbot):
    tab.training.preset_combo.setCurrentIndex(tab.training.preset_combo.findData("course"))
    # The notebook's procedure, as the issue states it.
    assert tab.training.cell_combo.currentData() == "rnn" and tab.training.hidden_spin.value() == 50
    assert tab.training.batch_spin.value() == 1 and tab.training.batch_spin.text() == "1 name"
    assert tab.training.steps_spin.value() == 35_000
    assert tab.training.optimizer_combo.currentData() == "sgd" and tab.training.lr_spin.value() == pytest.approx(0.01)
    assert tab.training.clip_combo.currentData() == "value" and tab.training.clip_spin.value() == 5.0
    assert "Every 2,000 steps" in tab.samples.names.toolTip()
    tab.training.preset_combo.setCurrentIndex(tab.training.preset_combo.findData("fast"))
    assert tab.training.optimizer_combo.currentData() == "adam" and tab.training.batch_spin.value() > 1
    # What is shown is what trains.
    tab.training.hidden_spin.setValue(40)
    tab.training.val_spin.setValue(20)
    tab.training.seed_spin.setValue(7)
    tab.training.clip_combo.setCurrentIndex(tab.training.clip_combo.findData("none"))
    assert not tab.training.clip_spin.isEnabled()
    config = tab.training_config()
    assert (config.hidden, config.val_split, config.seed, config.clip_mode) == (40, 0.2, 7, "none")


def test_corpus_stats_and_length_histogram_match_the_file(tab, corpus_file, qtbot):
    from collections import Counter

    tab.open_path(str(corpus_file))
    settle(qtbot, tab)
    names = [line.strip().lower() for line in corpus_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    lengths = Counter(len(n) for n in names)
    opts = tab.corpus_panel.hist_bars.opts
    assert dict(zip(opts["x"], opts["height"], strict=True)) == dict(lengths)
    stats = tab.corpus_panel.stats_label.text().replace("\u200b", "")
    assert stats.startswith(f"{len(names):,} names, ")
    assert f"{len(set(''.join(names)))} characters: {''.join(sorted(set(''.join(names))))}" in stats
    assert f"length {min(lengths)}–{max(lengths)}" in stats
    tab.training.val_spin.setValue(20)
    assert f"{round(0.2 * len(names)):,} held out" in tab.corpus_panel.stats_label.text()
    # Lower-case off: the capitals are characters of their own.
    tab.corpus_panel.lowercase_check.setChecked(False)
    settle(qtbot, tab)
    assert tab.corpus.source == str(corpus_file) and not tab.corpus.lowercase
    as_written = set(corpus_file.read_text(encoding="utf-8").replace("\n", ""))
    assert len(as_written) > len(set("".join(names)))  # the capitals
    assert f"{len(as_written)} characters" in tab.corpus_panel.stats_label.text()


def test_sampled_while_training_says_the_draws_repeat(tab, qtbot):
    caption = tab.samples.caption.text()
    assert "same random draws" in caption.lower()
    tip = tab.samples.names.toolTip()
    assert "same seed" in tip and tab.samples.caption.toolTip() == tip


def test_the_buttons_open_load_save_and_export_through_their_dialogs(
    tab, qtbot, corpus_file, model_file, tmp_path, monkeypatch, warnings
):
    from PySide6.QtWidgets import QFileDialog

    from gui.settings import last_folder

    answers = {}
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (answers["open"], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (answers["save"], ""))

    answers["open"] = str(corpus_file)
    qtbot.mouseClick(tab.corpus_panel.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert tab.corpus.source == str(corpus_file)
    assert last_folder("names") == str(corpus_file.parent)

    answers["open"] = str(model_file)
    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):  # a loaded model invents names at once
        qtbot.mouseClick(tab.model.load_button, Qt.MouseButton.LeftButton)
    assert tab.saved.model.hidden == 16 and "16 units" in tab.model.model_label.text()
    assert tab.sampling.sample_list.count() == tab.sampling.count_spin.value()
    assert tab.model.save_button.isEnabled() and tab.sampling.copy_button.isEnabled() and tab.sampling.export_button.isEnabled()

    answers["save"] = str(tmp_path / "copy")  # the extension is added
    qtbot.mouseClick(tab.model.save_button, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    copy = load_model(tmp_path / "copy.npz")
    np.testing.assert_array_equal(copy.model.flat, tab.saved.model.flat)
    assert copy.known_names == tab.saved.known_names

    answers["save"] = str(tmp_path / "invented.txt")
    qtbot.mouseClick(tab.sampling.export_button, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    assert (tmp_path / "invented.txt").read_text(encoding="utf-8").splitlines() == tab.sampling.sampled_names()

    # Copy takes the selected names when there are some.
    tab.sampling.sample_list.item(0).setSelected(True)
    tab.sampling.sample_list.item(2).setSelected(True)
    qtbot.mouseClick(tab.sampling.copy_button, Qt.MouseButton.LeftButton)
    names = tab.sampling.sampled_names()
    assert QApplication.clipboard().text().splitlines() == [names[0], names[2]]

    # Cancelled dialogs change nothing.
    answers["open"] = answers["save"] = ""
    before = (tab.corpus, tab.saved)
    qtbot.mouseClick(tab.corpus_panel.open_button, Qt.MouseButton.LeftButton)
    settle(qtbot, tab)
    qtbot.mouseClick(tab.model.load_button, Qt.MouseButton.LeftButton)
    assert (tab.corpus, tab.saved) == before
    assert warnings == []


def drop(window, path) -> None:
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(400, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)


def test_names_and_models_dropped_on_the_window_open_in_the_tab(main_window, tab, qtbot, corpus_file, model_file):
    drop(main_window, corpus_file)
    settle(qtbot, tab)
    assert tab.corpus.source == str(corpus_file)
    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        drop(main_window, model_file)
    assert tab.saved is not None and tab.saved.model.hidden == 16

    # While training, a drop is refused as the Open and Load buttons are: the run is not disturbed.
    tab.training.hidden_spin.setValue(16)
    tab.training.steps_spin.setValue(5_000_000)
    with qtbot.waitSignal(tab.worker.progress, timeout=20_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)
    other = corpus_file.with_name("other.txt")
    other.write_text("\n".join(made_up_names(seed=5)) + "\n", encoding="utf-8")
    drop(main_window, other)
    settle(qtbot, tab)
    assert tab.corpus.source == str(corpus_file)
    assert "stop it before opening other.txt" in main_window.statusBar().currentMessage()
    with qtbot.waitSignal(tab.worker.finished, timeout=5_000):
        qtbot.mouseClick(tab.training.job.button, Qt.MouseButton.LeftButton)


def test_temperature_count_and_prefix_reach_the_sampler(tab, qtbot, model_file, monkeypatch, warnings):
    import gui.names.sampling_panel as names_tab

    calls = []
    real = names_tab.sample_names

    def recording(*args, **kwargs):
        calls.append(kwargs | {"n": args[2]})
        return real(*args, **kwargs)

    monkeypatch.setattr(names_tab, "sample_names", recording)
    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        tab.open_path(str(model_file))
        settle(qtbot, tab)

    def generate(temperature: int, count: int, unique: bool) -> list[str]:
        tab.sampling.temp_slider.setValue(temperature)
        tab.sampling.count_spin.setValue(count)
        tab.sampling.unique_check.setChecked(unique)
        with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
            qtbot.mouseClick(tab.sampling.generate_button, Qt.MouseButton.LeftButton)
        return tab.sampling.sampled_names()

    tab.sampling.temp_slider.setValue(35)
    assert tab.sampling.temp_label.text() == "0.35"
    names = generate(35, 50, unique=False)
    assert calls[-1]["temperature"] == pytest.approx(0.35) and calls[-1]["n"] == 50 and not calls[-1]["unique"]
    assert len(names) == 50
    # A cold model repeats its likeliest names; a hot one rarely repeats itself.
    cold = len(set(generate(10, 80, unique=False)))
    hot = len(set(generate(200, 80, unique=False)))
    assert cold < hot / 2
    names = generate(100, 25, unique=True)
    assert len(set(names)) == len(names) == 25

    tab.sampling.prefix_edit.setText("Zq!")
    with qtbot.waitSignal(tab.sampling.sampler.failed, timeout=20_000):
        qtbot.mouseClick(tab.sampling.generate_button, Qt.MouseButton.LeftButton)
    assert warnings and "never seen" in warnings[-1][1]


def test_the_summary_says_when_fewer_different_names_came_back(tab, qtbot):
    from engine.names.sample import SampledName

    tab.sampling._asked = 30
    tab.sampling._on_sampled([SampledName("karo", True), SampledName("tidon", False), SampledName("saurorapt", True, True)])
    summary = tab.sampling.sample_summary.text()
    assert "3 names" in summary and "<b>2 new</b>" in summary and "1 known" in summary
    assert "only 3 different of the 30 asked for" in summary
    assert tab.sampling.sample_list.item(2).text() == "saurorapt…" and tab.sampling.sampled_names()[2] == "saurorapt"
    assert "maximum length" in tab.sampling.sample_list.item(2).toolTip()


def test_inside_the_model_scores_a_name_and_shows_a_unit(tab, qtbot, model_file):
    from engine.names.inspect import score_name, training_surprise, unit_view

    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        tab.open_path(str(model_file))
    inside, saved = tab.inside, tab.saved
    inside.name_edit.setText("Karosaurus")
    with qtbot.waitSignal(inside.worker.finished, timeout=20_000) as done:
        qtbot.mouseClick(inside.score_button, Qt.MouseButton.LeftButton)
    score, _reference = done.args[0][1]
    expected = score_name(saved.model, saved.vocab, "Karosaurus", lowercase=True,
                          reference=training_surprise(saved.model, saved.vocab, saved.known_names))
    assert score.per_char == pytest.approx(expected.per_char) and score.better_than == expected.better_than
    assert f"{expected.per_char:.3f} nats per character" in inside.view.toPlainText()
    inside.unit_spin.setValue(3)
    with qtbot.waitSignal(inside.worker.finished, timeout=20_000) as done:
        qtbot.mouseClick(inside.unit_button, Qt.MouseButton.LeftButton)
    view = done.args[0][1]
    shown = [n for n in tab.sampling.sampled_names() if n][:14]
    again = unit_view(saved.model, saved.vocab, shown, 3, "hidden")
    assert view.unit == 3 and view.names == again.names  # the names invented last, unit 3
    np.testing.assert_allclose(np.concatenate(view.values), np.concatenate(again.values))
    assert "unit 3" in inside.view.toPlainText()


def test_an_ensemble_draws_each_members_validation_and_the_ensembles(tab, qtbot):
    from engine.jobs import Progress
    from engine.names.presets import preset_config

    tab._train_config = preset_config("best", time_limit=30)
    tab.plot.clear()
    for member in range(3):
        for k in range(1, 6):
            step = 100 * (5 * member + k)
            tab._on_progress(Progress(step, 1500, "", {
                "train_loss": 2.0, "val_loss": 2.0 - 0.05 * k, "member": member, "members": 3,
                "ensemble_val_loss": 1.9 - 0.02 * (5 * member + k)}))
    tab.plot.redraw()
    _x, y = tab.plot.val_curve.getOriginalDataset()
    assert int(np.isnan(y).sum()) == 2  # three members, three separate lines
    ex, ey = tab.plot.ensemble_curve.getOriginalDataset()
    assert len(ex) == 15 and ey[-1] == pytest.approx(1.9 - 0.02 * 15)
    assert tab.plot.best_line.value() == pytest.approx(ey[-1])
    assert "ensemble" in " ".join(tab.plot.legend_names())


def test_the_alphabet_wraps_into_even_parts():
    from gui.names.widgets import breakable

    parts = breakable("abcdefghijklmnopqrstuvwxyz").split("\u200b")
    assert parts == ["abcdefghijklm", "nopqrstuvwxyz"]  # never a lone "z" on the second line
    assert all(len(p) <= 14 for p in breakable("x" * 41).split("\u200b"))


def test_the_minimum_length_reaches_the_sampler(tab, qtbot, model_file, monkeypatch):
    import gui.names.sampling_panel as sampling_panel

    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        tab.open_path(str(model_file))
    assert tab.sampling.min_length_spin.value() == 3  # the shared default
    calls = []
    real = sampling_panel.sample_names
    monkeypatch.setattr(sampling_panel, "sample_names", lambda *a, **k: calls.append(k) or real(*a, **k))
    tab.sampling.min_length_spin.setValue(6)
    with qtbot.waitSignal(tab.sampling.sampler.finished, timeout=20_000):
        qtbot.mouseClick(tab.sampling.generate_button, Qt.MouseButton.LeftButton)
    assert calls[-1]["min_length"] == 6
    assert all(len(name) >= 6 for name in tab.sampling.sampled_names())
