"""The Gradients tab: RNN and LSTM cells forward and backward, checked and made visible.

Controls on the left choose a random problem; one job (engine.gradient_lab)
checks the course's backward functions against centred differences and
TensorFlow autodiff. The right side shows the verdict per gradient array
(:mod:`gui.gradients.check_table`), the gradient flow over time
(:mod:`gui.gradients.flow_plot`), a heatmap of any gradient or of the hidden
states (:mod:`gui.gradients.heatmap`) and the equations the engine implements
(:mod:`gui.gradients.equations`).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QSplitter, QTextBrowser, QVBoxLayout, QWidget

from engine.experiments import Experiment, run_experiment
from engine.gradient_lab import LabConfig, LabResult, gradient_lab_job
from engine.jobs import Progress
from engine.mistakes import MistakeCheck, iter_mistake_check
from gui.gradients.bug_lab import BugLabBox, describe_check, worst_array
from gui.gradients.check_table import CheckTable, verdict_summary
from gui.gradients.equations import EquationsView
from gui.gradients.experiments_panel import ExperimentsBox, describe_experiment, readable_powers
from gui.gradients.flow_plot import FlowPlot
from gui.gradients.heatmap import HeatmapPanel
from gui.gradients.settings_panel import SettingsPanel
from gui.job_panel import JobPanel
from gui.layout import ControlsSplitter
from gui.messages import show_error
from gui.settings import save_bound
from gui.worker import JobWorker

__all__ = ["GradientsTab"]

# Narrowest and widest the panes get (px): together they fit a window about 800 px wide.
CONTROLS_WIDTH = (220, 340)
RESULTS_ROOMY_WIDTH = 780  # below this the controls column narrows before the results do (a 1024 px window)


class GradientsTab(QWidget):
    """Checks and shows the gradients of the course's RNN and LSTM."""

    status = Signal(str)  # shown by the main window while this tab is current

    def __init__(self, parent: QWidget | None = None, auto_run: bool = True):
        super().__init__(parent)
        self.result: LabResult | None = None
        self._auto_run_pending = auto_run
        self._started_at = 0.0

        self.worker = JobWorker(self)
        self.worker.progress.connect(self._on_progress)
        self.worker.finished.connect(self._on_finished)
        self.worker.failed.connect(self._on_failed)
        self.worker.cancelled.connect(self._on_cancelled)

        self.settings = SettingsPanel(self)
        self.settings.changed.connect(self._update_summary)
        self.job = JobPanel(self.worker, run_text="Run", unit="Element", idle_text="Idle")
        self.job.button.setDefault(True)
        self.job.run_requested.connect(self.run)
        check = QGroupBox("Check")
        box = QVBoxLayout(check)
        box.addWidget(self.settings.tf_check)
        box.addWidget(self.job)

        self.experiments = ExperimentsBox()
        self.experiments.run_requested.connect(self.show_experiment)
        self.experiment_runner = JobWorker(self)  # experiments take milliseconds, but never on the GUI thread
        self.experiment_runner.finished.connect(self._on_experiment)
        self.experiment_runner.failed.connect(lambda message, _trace: show_error(self, "Experiment", message))
        self.bug_lab = BugLabBox()
        self.bug_lab.check_requested.connect(self.check_mistake)
        self.mistake_runner = JobWorker(self)
        self.mistake_runner.finished.connect(self._on_mistake_checked)
        self.mistake_runner.failed.connect(lambda message, _trace: show_error(self, "Bug lab", message))
        self.experiment_view = QTextBrowser()  # an experiment's or the bug lab's lesson
        self.experiment_view.setMinimumHeight(90)
        self.experiment_view.hide()  # until an experiment is shown
        self.check = CheckTable()
        self.flow = FlowPlot()
        self.heatmap = HeatmapPanel()
        self.equations = EquationsView()
        self.check.row_chosen.connect(self.heatmap.choose)
        self.heatmap.chosen.connect(self.check.select_key)
        self.settings.cell_changed.connect(self.equations.show_cell)

        groups = [self.settings.model_box, self.settings.problem_box, check, self.experiments, self.bug_lab]
        results, self.words = self._arrange_results()
        self.splitter = ControlsSplitter(groups, results, CONTROLS_WIDTH, CONTROLS_WIDTH[1] - 20, RESULTS_ROOMY_WIDTH)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.splitter)

        self.settings.bind_settings()
        self.equations.show_cell(self.settings.config().cell)

    def _arrange_results(self) -> tuple[QWidget, QSplitter]:
        """Words on the left (table, experiment, equations), pictures on the right (flow, heatmap)."""
        words = QSplitter(Qt.Orientation.Vertical)
        words.addWidget(self.check)
        words.addWidget(self.experiment_view)
        words.addWidget(self.equations)
        words.setSizes([540, 0, 240])
        pictures = QSplitter(Qt.Orientation.Vertical)
        pictures.addWidget(self.flow.widget)
        pictures.addWidget(self.heatmap)
        pictures.setSizes([380, 400])
        results = QSplitter(Qt.Orientation.Horizontal)
        results.addWidget(words)
        results.addWidget(pictures)
        results.setSizes([580, 400])
        for splitter in (words, pictures, results):
            splitter.setChildrenCollapsible(False)
        return results, words

    # -- settings ------------------------------------------------------------------
    def config(self, use_tf: bool | None = None) -> LabConfig:
        """The settings shown in the controls."""
        return self.settings.config(use_tf)

    def set_config(self, config: LabConfig) -> None:
        """Show ``config`` in the controls (does not run)."""
        self.settings.set_config(config)

    def save_state(self) -> None:
        """Remember the controls (called by the main window when it closes)."""
        save_bound(self)

    # -- running -------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._auto_run_pending:
            # A quick first check so the tab is never empty; TensorFlow waits for Run (it takes seconds to load).
            self._auto_run_pending = False
            self.run(self.config(use_tf=False))

    def run(self, config: LabConfig | None = None) -> None:
        """Start a check with ``config`` (default: the controls' settings)."""
        if self.worker.is_running():
            return
        config = config or self.config()
        try:
            config.validate()
        except ValueError as exc:
            show_error(self, "Gradient check", str(exc))
            return
        self._started_at = time.perf_counter()
        self.status.emit("Gradient check running…")
        self.job.set_note("Computing analytic gradients…")
        self.worker.start(lambda: gradient_lab_job(config))

    def stop(self) -> None:
        """Finish the check now, keeping the cells already checked."""
        self.worker.finish()

    def _on_progress(self, event: Progress) -> None:
        if isinstance(event.payload, LabResult):
            self._show_result(event.payload)

    def _on_finished(self, result: LabResult | None) -> None:
        seconds = time.perf_counter() - self._started_at
        if result is None:  # stopped before any cell was checked
            self.job.show_result("Stopped", "Stopped before a cell was checked.", full=False)
            self.status.emit("Gradient check stopped")
            return
        whole = len(result.cells) == len(result.config.cells)
        self.job.show_result("Done" if whole else "Stopped", f"Finished in {seconds:.2f} s", full=whole)
        self._show_result(result)
        done = "done" if whole else "stopped"
        self.status.emit(f"Gradient check {done} in {seconds:.2f} s. {verdict_summary(result)}")

    def _on_failed(self, message: str, _trace: str) -> None:
        self.job.show_result("Failed", " ", full=False)
        show_error(self, "Gradient check failed", message)

    def _on_cancelled(self) -> None:
        self.job.show_result("Stopped", " ", full=False)
        self.status.emit("Gradient check stopped")

    # -- experiments -----------------------------------------------------------------
    def show_experiment(self, name: str, settings: dict) -> None:
        """Run experiment ``name`` (engine.experiments) with ``settings`` and plot its gradient flow."""
        if self.experiment_runner.is_running():
            return

        def job():
            yield Progress(0, None, "Running the experiment…")
            return run_experiment(name, **settings)

        self.experiment_runner.start(job)

    def _on_experiment(self, experiment: Experiment) -> None:
        self.flow.show_experiment(experiment)
        self._show_lesson(describe_experiment(experiment))
        self.status.emit(readable_powers(experiment.summary))

    # -- the bug lab ---------------------------------------------------------------------
    def check_mistake(self, mistake: str, cells: tuple) -> None:
        """The gradient check with ``mistake`` in place ("" for the correct code), on the settings' cell
        when the mistake is in its code, else on the LSTM."""
        if self.mistake_runner.is_running():
            return
        config = self.config(use_tf=False)
        cell = config.cell if config.cell in cells else "lstm"
        sizes = {"n_x": config.n_x, "n_a": config.n_a, "n_y": config.n_y, "m": config.m, "seed": config.seed}
        self.status.emit("Bug lab: checking…")
        self.mistake_runner.start(lambda: iter_mistake_check(mistake or None, cell, **sizes))

    def _on_mistake_checked(self, check: MistakeCheck) -> None:
        worst = worst_array(check)
        self.equations.show_cell(check.cell, check.mistake.line if check.mistake else None)
        self.heatmap.show_difference(f"bug lab · d{worst}: analytic − numeric", check.heatmap(worst))
        self._show_lesson(describe_check(check))
        verdict = "caught" if check.caught else "every gradient agrees"
        self.status.emit(f"Bug lab: {verdict} (worst relative error {check.worst:.1e}, in d{worst}).")

    def _show_lesson(self, text: str) -> None:
        """An experiment's or the bug lab's words, between the table and the equations."""
        self.experiment_view.setHtml(text)
        if not self.experiment_view.isVisible():
            self.experiment_view.show()
            total = sum(self.words.sizes())
            self.words.setSizes([int(0.42 * total), int(0.38 * total), int(0.2 * total)])

    # -- showing results -----------------------------------------------------------
    def _show_result(self, result: LabResult) -> None:
        self.experiment_view.hide()  # the plot shows this check's flow again
        self.equations.show_cell(result.config.cell)  # without a bug lab's marks
        self.result = result
        self.check.show_result(result)
        self.flow.show_result(result)
        self.heatmap.show_result(result)
        self._update_summary()

    def _update_summary(self) -> None:
        result = self.result
        if result is not None:
            tf_ticked = self.settings.tf_check.isChecked()
            self.check.show_summary(result, self.config(use_tf=result.config.use_tf), tf_ticked)
