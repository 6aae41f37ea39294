"""The Gradients tab, driven through its real widgets with pytest-qt."""

import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPalette

from engine import rnn
from engine.gradient_lab import LabConfig
from gui.gradients import COL_NUMERIC, COL_TF, COLUMNS, VERDICT_COLOURS, GradientsTab
from gui.settings import app_settings

REPO = Path(__file__).resolve().parent.parent
SMALL = LabConfig(cell="both", n_x=2, n_a=3, n_y=2, m=2, T_x=5, seed=4, use_tf=False)


@pytest.fixture
def tab(qtbot):
    from gui.app import create_application

    create_application()
    widget = GradientsTab(auto_run=False)
    qtbot.addWidget(widget)
    widget.resize(1000, 760)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.worker.shutdown()


def run_and_wait(qtbot, tab, config, timeout=30_000):
    tab.set_config(config)
    with qtbot.waitSignal(tab.worker.finished, timeout=timeout):
        qtbot.mouseClick(tab.job.button, Qt.MouseButton.LeftButton)
    return tab.result


def background(tab, row, column):
    return tab.check.table.item(row, column).background().color()


def test_run_fills_table_plot_and_heatmap(qtbot, tab):
    result = run_and_wait(qtbot, tab, SMALL)
    assert result.config == SMALL and result.tf_status == "skipped"
    assert tab.check.table.rowCount() == 7 + 12
    assert [tab.check.table.item(r, 1).text() for r in range(7)] == ["dWax", "dWaa", "dba", "dWya", "dby", "dx", "da0"]
    assert tab.check.table.item(7, 0).text() == "LSTM" and tab.check.table.item(8, 1).text() == "dbf"
    assert tab.check.table.item(5, COLUMNS.index("Shape")).text() == "2×2×5"
    for row in range(tab.check.table.rowCount()):
        assert background(tab, row, COL_NUMERIC) == QColor(VERDICT_COLOURS["good"])
        assert tab.check.table.item(row, COL_NUMERIC).text().endswith("good")
        assert tab.check.table.item(row, COL_TF).text() == "off"  # the box is unticked: says so, not a bare dash
    assert "19 good" in tab.check.summary_label.text()
    assert "press Run" in tab.check.tf_note.text() or "tick" in tab.check.tf_note.text()

    # Gradient flow: one curve per cell, T_x points, the same numbers as the result.
    assert set(tab.flow.curves) == {"rnn", "lstm"}
    for report in result.cells:
        x, y = tab.flow.curves[report.cell].getOriginalDataset()
        np.testing.assert_array_equal(x, np.arange(1, 6))
        np.testing.assert_allclose(y, report.flow)
    assert tab.flow.widget.getPlotItem().getAxis("left").logMode

    # Heatmap: hidden states of one sequence first, then any gradient.
    assert tab.heatmap.combo.count() == 2 * 2 + 7 + 12
    assert tab.heatmap.image.image.shape == (3, 5)
    np.testing.assert_array_equal(tab.heatmap.image.image, result.cells[0].activations[:, 0, :])
    tab.heatmap.sample_spin.setValue(2)
    np.testing.assert_array_equal(tab.heatmap.image.image, result.cells[0].activations[:, 1, :])
    tab.heatmap.combo.setCurrentIndex(tab.heatmap.combo.findData("lstm:dWf"))
    assert tab.heatmap.image.image.shape == (3, 3 + 2)
    assert tab.heatmap.split.isVisible()  # the line between the a<t-1> and x<t> columns
    low, high = tab.heatmap.colour_bar.levels()
    assert low == pytest.approx(-high) and high == pytest.approx(np.abs(result.cells[1].gradients["dWf"]).max())


def test_log_heatmap_and_table_selection(qtbot, tab):
    result = run_and_wait(qtbot, tab, SMALL)
    tab.check.table.selectRow(1)  # RNN dWaa
    assert tab.heatmap.combo.currentData() == "rnn:dWaa"
    assert tab.heatmap.image.image.shape == (3, 3)
    assert tab.heatmap.colour_bar_label() == "value"
    tab.heatmap.log_check.setChecked(True)
    assert tab.heatmap.colour_bar_label() == "log₁₀|value|"
    np.testing.assert_allclose(tab.heatmap.image.image, np.log10(np.abs(result.cells[0].gradients["dWaa"])))
    tab.heatmap.combo.setCurrentIndex(tab.heatmap.combo.findData("rnn:flow"))
    assert tab.heatmap.image.image.shape == (3, 5)


def click_row(qtbot, tab, row):
    centre = tab.check.table.visualRect(tab.check.table.model().index(row, 1)).center()
    qtbot.mouseClick(tab.check.table.viewport(), Qt.MouseButton.LeftButton, pos=centre)


def test_clicking_a_row_shows_that_gradient_and_the_heatmap_choice_selects_its_row(qtbot, tab):
    result = run_and_wait(qtbot, tab, SMALL)
    click_row(qtbot, tab, 8)  # LSTM dbf
    assert tab.heatmap.combo.currentData() == "lstm:dbf"
    np.testing.assert_array_equal(tab.heatmap.image.image, result.cells[1].gradients["dbf"])

    # Showing something else and clicking the same (still selected) row again brings it back.
    tab.heatmap.combo.setCurrentIndex(tab.heatmap.combo.findData("rnn:a"))
    assert tab.check.table.selectedItems() == []  # hidden states have no row
    click_row(qtbot, tab, 8)
    assert tab.heatmap.combo.currentData() == "lstm:dbf"

    # Choosing a gradient in the combo selects its row, so the outline says what the heatmap shows.
    tab.heatmap.combo.setCurrentIndex(tab.heatmap.combo.findData("rnn:dx"))
    assert {item.row() for item in tab.check.table.selectedItems()} == {5}
    np.testing.assert_array_equal(tab.heatmap.image.image, result.cells[0].gradients["dx"][:, 0, :])

    # The keyboard moves through the rows too.
    tab.check.table.setFocus()
    qtbot.keyClick(tab.check.table, Qt.Key.Key_Down)
    assert tab.heatmap.combo.currentData() == "rnn:da0"


def test_a_selected_row_keeps_its_verdict_colours(qtbot, tab, monkeypatch):
    correct = rnn.rnn_backward

    def drops_the_recurrent_gradient(da, caches):
        gradients = correct(da, caches)
        gradients["dWaa"] = np.zeros_like(gradients["dWaa"])
        return gradients

    monkeypatch.setattr(rnn, "rnn_backward", drops_the_recurrent_gradient)
    run_and_wait(qtbot, tab, LabConfig(**{**SMALL.__dict__, "cell": "rnn"}))
    click_row(qtbot, tab, 1)  # the wrong one
    assert tab.heatmap.combo.currentData() == "rnn:dWaa"
    image = tab.check.table.viewport().grab().toImage()
    highlight = tab.check.table.palette().color(QPalette.ColorRole.Highlight)

    def background_of(row, column):
        """The commonest colour inside the cell (its background: text covers less than half)."""
        rect = tab.check.table.visualRect(tab.check.table.model().index(row, column)).adjusted(0, 3, 0, -3)
        xs, ys = range(rect.left(), rect.right()), range(rect.top(), rect.bottom())
        colours = Counter(image.pixel(x, y) for x in xs for y in ys)
        return QColor.fromRgb(colours.most_common(1)[0][0])

    def top_edge(row, column):
        rect = tab.check.table.visualRect(tab.check.table.model().index(row, column))
        return image.pixelColor(rect.center().x(), rect.top())

    assert background_of(1, COL_NUMERIC) == QColor(VERDICT_COLOURS["wrong"])  # not hidden by the highlight
    assert background_of(0, COL_NUMERIC) == QColor(VERDICT_COLOURS["good"])
    assert top_edge(1, COL_NUMERIC) == highlight  # the selection shows as an outline
    assert top_edge(0, COL_NUMERIC) != highlight
    plain = background_of(1, COLUMNS.index("Shape"))  # cells without a verdict: a light tint, not a fill
    assert plain != highlight and plain.lightness() > 200


def test_the_tab_fits_an_800_pixel_wide_window(qtbot, tab):
    run_and_wait(qtbot, tab, SMALL)
    assert tab.minimumSizeHint().width() <= 820
    tab.resize(800 - 12, 560)  # the tab inside an 800 px window
    qtbot.waitUntil(lambda: tab.width() == 788)
    controls = tab.splitter.widget(0)
    assert controls.widget().width() <= controls.viewport().width()  # no control cut off at the right
    assert controls.width() < 300  # the controls gave way first
    for widget in (tab.check.table, tab.flow.widget, tab.heatmap.widget, tab.equations):
        assert widget.width() >= 200, widget
    # The verdict columns are in view without scrolling sideways.
    right = tab.check.table.columnViewportPosition(COL_TF) + tab.check.table.columnWidth(COL_TF)
    assert right <= tab.check.table.viewport().width()
    # Wide again: the controls get their width back.
    tab.resize(1268, 760)
    qtbot.waitUntil(lambda: tab.splitter.sizes()[0] >= 300)


@pytest.mark.parametrize("width", [788, 1268])
@pytest.mark.parametrize("scale", [0.5, 3.0])
def test_the_flow_legend_hides_no_point(qtbot, tab, width, scale):
    """Vanishing (scale 0.5) and wild RNN gradients (3.0), in a narrow and a wide tab."""
    tab.resize(width, 620)
    run_and_wait(qtbot, tab, LabConfig(cell="both", n_a=4, T_x=30, scale=scale, loss="last", use_tf=False))
    view = tab.flow.widget.getViewBox()

    def hidden_points():
        legend = tab.flow.legend.sceneBoundingRect()
        data = [zip(*curve.getData(), strict=True) for curve in tab.flow.curves.values()]  # y: log10
        points = [view.mapViewToScene(QPointF(x, y)) for pairs in data for x, y in pairs]
        return [p for p in points if legend.contains(p)]

    qtbot.wait(50)  # the legend settles once laid out
    assert hidden_points() == []
    assert view.sceneBoundingRect().contains(tab.flow.legend.sceneBoundingRect())


def test_a_wrong_gradient_is_shown_in_red(qtbot, tab, monkeypatch):
    correct = rnn.rnn_backward

    def drops_the_recurrent_gradient(da, caches):
        gradients = correct(da, caches)
        gradients["dWaa"] = np.zeros_like(gradients["dWaa"])
        return gradients

    monkeypatch.setattr(rnn, "rnn_backward", drops_the_recurrent_gradient)
    run_and_wait(qtbot, tab, LabConfig(**{**SMALL.__dict__, "cell": "rnn"}))
    assert tab.check.table.rowCount() == 7
    assert tab.check.table.item(1, 1).text() == "dWaa"
    assert background(tab, 1, COL_NUMERIC) == QColor(VERDICT_COLOURS["wrong"])
    assert background(tab, 0, COL_NUMERIC) == QColor(VERDICT_COLOURS["good"])
    assert "1 wrong" in tab.check.summary_label.text()


def test_run_becomes_stop_and_stop_ends_the_check(qtbot, tab):
    tab.set_config(LabConfig(cell="lstm", n_x=8, n_a=24, n_y=4, m=16, T_x=60, use_tf=False))
    with qtbot.waitSignal(tab.worker.progress, timeout=10_000):
        qtbot.mouseClick(tab.job.button, Qt.MouseButton.LeftButton)
    assert tab.job.button.text() == "Stop" and tab.worker.is_running()
    started = time.perf_counter()
    with qtbot.waitSignal(tab.worker.finished, timeout=5_000) as finished:  # Stop finishes: keeps whole cells
        qtbot.mouseClick(tab.job.button, Qt.MouseButton.LeftButton)
    assert finished.args[0] is None  # the one cell was not done
    assert time.perf_counter() - started < 1.0  # promised 200 ms; slack for a busy machine
    assert tab.job.button.text() == "Run" and not tab.worker.is_running()
    assert tab.job.bar.format() == "Stopped"
    assert tab.result is None  # nothing half-finished is shown


def test_progress_bar_moves_and_settings_change_is_noticed(qtbot, tab):
    tab.set_config(LabConfig(cell="both", n_a=6, T_x=14, use_tf=False))
    values = []
    tab.worker.progress.connect(lambda e: values.append(tab.job.bar.value()))
    with qtbot.waitSignal(tab.worker.finished, timeout=30_000):
        tab.run()
    assert values and values == sorted(values)
    assert tab.job.bar.value() == tab.job.bar.maximum()
    assert "Settings changed" not in tab.check.summary_label.text()
    tab.settings.spins["seed"].setValue(tab.settings.spins["seed"].value() + 1)
    assert "Settings changed" in tab.check.summary_label.text()


def test_first_show_runs_a_quick_check_without_tensorflow(qtbot):
    from gui.app import create_application

    create_application()
    widget = GradientsTab()
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.worker.finished, timeout=30_000):
        widget.show()
    assert widget.result.tf_status == "skipped" and widget.settings.tf_check.isChecked()
    assert "press Run" in widget.check.tf_note.text()
    assert widget.check.table.item(0, COL_TF).text() == "press Run"  # ticked at launch: the column says why it is empty
    assert widget.check.table.rowCount() == 19
    widget.worker.shutdown()


def test_settings_are_remembered(qtbot, tab):
    config = LabConfig(cell="lstm", n_x=4, n_a=6, n_y=3, m=5, T_x=9, seed=11, scale=0.5, loss="last", use_tf=False)
    tab.set_config(config)
    tab.save_state()
    try:
        again = GradientsTab(auto_run=False)
        qtbot.addWidget(again)
        assert again.config() == config
    finally:
        app_settings().remove("gradients")  # leave the defaults for the windows of other tests


@pytest.mark.tf
def test_tensorflow_column(qtbot, tab):
    pytest.importorskip("tensorflow")
    result = run_and_wait(qtbot, tab, LabConfig(**{**SMALL.__dict__, "use_tf": True}), timeout=120_000)
    assert result.tf_status == "checked"
    for row in range(tab.check.table.rowCount()):
        assert background(tab, row, COL_TF) == QColor(VERDICT_COLOURS["good"])
    assert "TensorFlow autodiff" in tab.check.tf_note.text()


def test_main_window_shows_a_result_without_loading_tensorflow():
    """In a fresh process: the window starts, runs its quick check, and TensorFlow stays unloaded."""
    code = (
        "import sys\n"
        "from gui.app import create_application, wait_until_idle\n"
        "app = create_application()\n"
        "from gui.main_window import MainWindow\n"
        "w = MainWindow(); w.select_tab('gradients'); w.show()\n"
        "assert 'tensorflow' not in sys.modules, 'loaded at start-up'\n"
        "wait_until_idle(app, w, 60)\n"
        "tab = w.tabs.currentWidget()\n"
        "assert tab.result is not None and tab.check.table.rowCount() == len(tab.result.rows) > 0\n"
        "assert 'tensorflow' not in sys.modules, 'loaded by the first check'\n"
        "w.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert done.returncode == 0, done.stderr


def test_an_experiment_is_one_click_and_says_what_to_see(qtbot, tab):
    from engine.experiments import run_experiment

    tab.experiments.choose("vanishing", steps=50, forget_bias=3)
    with qtbot.waitSignal(tab.experiment_runner.finished, timeout=20_000) as done:
        qtbot.mouseClick(tab.experiments.show_button, Qt.MouseButton.LeftButton)
    shown = done.args[0]
    expected = run_experiment("vanishing", steps=50, forget_bias=3.0)
    assert [c.label for c in shown.curves] == [c.label for c in expected.curves]
    assert set(tab.flow.curves) == {"RNN", "LSTM, forget bias 0", "LSTM, forget bias 3"}
    x, y = tab.flow.curves["LSTM, forget bias 3"].getOriginalDataset()
    np.testing.assert_allclose(y, np.maximum(expected.curve("LSTM, forget bias 3").norms, 1e-300))
    assert len(x) == 50
    assert tab.experiment_view.isVisible() and "forget gate" in tab.experiment_view.toPlainText()
    from gui.gradients.experiments_panel import readable_powers

    assert "10^" in expected.summary  # the engine's plain text, for terminals ...
    assert readable_powers(expected.summary) in tab.experiment_view.toPlainText()  # ... printed as 10⁻¹⁰ here
    assert "^" not in tab.experiment_view.toPlainText()
    run_and_wait(qtbot, tab, SMALL)  # a check of the settings brings its own flow back
    assert not tab.experiment_view.isVisible() and set(tab.flow.curves) == {"rnn", "lstm"}


def test_the_bug_lab_turns_the_verdicts_red_and_shows_where(qtbot, tab):
    from engine.mistakes import mistake_check

    tab.set_config(SMALL)
    tab.bug_lab.choose("cell-gradient-drops-forget-gate")
    with qtbot.waitSignal(tab.mistake_runner.finished, timeout=30_000) as done:
        qtbot.mouseClick(tab.bug_lab.check_button, Qt.MouseButton.LeftButton)
    check = done.args[0]
    assert check.cell == "lstm" and check.caught  # the settings say both: the mistake is in the LSTM's code
    expected = mistake_check("cell-gradient-drops-forget-gate", "lstm", n_x=2, n_a=3, n_y=2, m=2, seed=4)
    assert check.rel_errors == pytest.approx(expected.rel_errors)
    text = tab.experiment_view.toPlainText()
    assert tab.experiment_view.isVisible() and "wrong" in text and "(the mistake)" in text
    worst = max(check.rel_errors, key=check.rel_errors.get)
    np.testing.assert_array_equal(tab.heatmap.image.image, check.heatmap(worst))
    tab.bug_lab.choose("")  # the correct code passes
    with qtbot.waitSignal(tab.mistake_runner.finished, timeout=30_000) as done:
        qtbot.mouseClick(tab.bug_lab.check_button, Qt.MouseButton.LeftButton)
    assert not done.args[0].caught and "every gradient agrees" in tab.experiment_view.toPlainText()


def test_heatmap_index_labels_never_run_together():
    from gui.gradients.heatmap import index_ticks

    class Axis:
        def setTicks(self, ticks):  # noqa: N802 (pyqtgraph's name)
            self.ticks = ticks

    axis = Axis()
    index_ticks(axis, 1, 5)
    assert [v for v, _ in axis.ticks[0]] == [1, 2, 3, 4, 5]  # a small heatmap: every index
    index_ticks(axis, 1, 12)
    assert [v for v, _ in axis.ticks[0]] == [2, 4, 6, 8, 10, 12]  # "9101112" no more
    index_ticks(axis, 0, 60)
    assert len(axis.ticks[0]) <= 8 and axis.ticks[0][1][0] - axis.ticks[0][0][0] == 10


@pytest.mark.parametrize("mistake", ["output-from-previous-state", "cell-gradient-drops-forget-gate",
                                     "backward-drops-next-hidden-gradient"])
def test_the_equations_mark_the_line_each_mistake_gets_wrong(mistake):
    from engine.mistakes import MISTAKES
    from gui.gradients.equations import equations_html

    line = MISTAKES[mistake].line
    assert equations_html("lstm", line).count("background:#f6cfbf'>") >= 1
    assert "background:#f6cfbf'>" not in equations_html("lstm")


def test_the_controls_fit_a_1280x820_window_and_the_colours_are_explained_under_the_table(qtbot, main_window):
    main_window.select_tab("gradients")
    main_window.resize(1280, 820)
    tab = main_window.tabs.currentWidget()
    qtbot.waitUntil(lambda: tab.result is not None, timeout=20_000)
    qtbot.wait(50)
    assert tab.splitter.controls.verticalScrollBar().maximum() == 0  # Model ... Bug lab, no scrolling
    legend = tab.check.legend
    assert legend.isVisible() and all(text.split(":")[0] in legend.text() for text in ("good", "wrong", "unresolved"))
    assert "‖analytic − reference‖" in legend.toolTip()
