"""The Names tab's training settings, read as one TrainConfig, and the job panel that runs them.

The progress bar says more than the shared panel's default: steps with
thousands separators, and the time left as a bound ("≤ 1:20 left") whenever
early stopping or a time limit may end the run sooner -- the note line says which.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLabel, QSpinBox, QWidget

from engine.jobs import Progress
from engine.names.presets import BEST_MEMBER_SIZES, PRESETS, TrainConfig, preset_config
from engine.names.train import TrainResult
from engine.timefmt import format_duration, format_eta
from gui.job_panel import JobPanel
from gui.names.widgets import combo, select
from gui.settings import bind
from gui.worker import JobWorker

__all__ = ["TrainingPanel", "PRESET_LABELS"]

PRESET_LABELS = {"fast": "Fast (tuned)", "best": "Best (ensemble)", "course": "Course (the notebook)"}
OPTIMIZER_LABELS = {"adam": "Adam", "sgd": "SGD"}
CLIP_LABELS = {"norm": "Global norm", "value": "Element-wise", "none": "None"}
ENDINGS = {
    "steps": "Done: {steps} steps in {took}",
    "early stopping": "Stopped early: {steps} steps in {took}",
    "stopped": "Stopped at step {steps} ({took})",
    "time limit": "Time limit: {steps} steps in {took}",
}


# Every Qt call that lets go of the GIL costs the GUI thread up to a switch interval to get it back from the
# training thread: the bar and the note change a few times a second, not at every event.
BAR_EVERY_S = 0.2
NOTE_EVERY_S = 0.5  # a new note also re-lays out the column


class _TrainingJobPanel(JobPanel):
    """The shared panel, whose bar and note the training panel writes itself (see the module docstring).

    Stop finishes the job (``worker.finish()``) and keeps its model. Before the job's first event the
    worker has nothing it could send FINISH into and would cancel; then ``before_first_event`` (the
    run's TrainControl.request_stop: the same request, heard by the engine after its first step) is
    called instead, so even a Stop pressed at once keeps a model.
    """

    def __init__(self, worker: JobWorker, **options):
        super().__init__(worker, **options)
        self.before_first_event: Callable[[], None] | None = None
        self._heard = False  # an event of the running job has arrived

    def _on_progress(self, event: Progress) -> None:  # noqa: ARG002 (the training panel shows progress)
        self._heard = True

    def _on_running_changed(self, running: bool) -> None:
        self._heard = False
        super()._on_running_changed(running)

    def _on_clicked(self) -> None:
        if self.worker.is_running() and not self._heard and self.before_first_event is not None:
            self.button.setEnabled(False)
            self.button.setText("Stopping…")
            self.before_first_event()
            return
        super()._on_clicked()


def _int_spin(low: int, high: int, tip: str) -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setGroupSeparatorShown(True)
    spin.setToolTip(tip)
    return spin


class TrainingPanel(QGroupBox):
    """The training box: preset, cell, sizes, optimiser, clipping, split, time limit, and Train/Stop."""

    held_out_changed = Signal(float)  # the share of names held out, 0..0.5

    def __init__(self, worker: JobWorker):
        super().__init__("Training")
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.preset_combo = combo(
            PRESET_LABELS,
            "Fast: tuned for the best held-out loss per second (LSTM, Adam, dropout, weight averaging).\n"
            "Best: several Fast models of different sizes within the time limit, their predictions averaged.\n"
            "Course: the notebook's procedure, step for step (RNN, 50 units, one name per step, SGD).",
        )
        self.cell_combo = combo({"lstm": "LSTM", "rnn": "RNN"}, "The recurrent cell.")
        self.hidden_spin = _int_spin(1, 1024, "Hidden units n_a.")
        self.hidden_spin.setSuffix(" units")
        self.batch_spin = _int_spin(1, 1024, "Names per training step (padded to the longest, masked).")
        self.batch_spin.valueChanged.connect(lambda v: self.batch_spin.setSuffix(" name" if v == 1 else " names"))
        self.steps_spin = _int_spin(1, 10_000_000, "Training steps (at most: early stopping may end sooner).")
        self.steps_spin.setSingleStep(1000)
        self.lr_spin = QDoubleSpinBox()
        self.lr_spin.setDecimals(4)
        self.lr_spin.setRange(0.0001, 1.0)
        self.lr_spin.setSingleStep(0.001)
        self.lr_spin.setPrefix("lr ")
        self.lr_spin.setToolTip("Learning rate.")
        self.optimizer_combo = combo(OPTIMIZER_LABELS, "Adam adapts each weight's step; SGD is the course's.")
        self.clip_combo = combo(
            CLIP_LABELS,
            "Gradient clipping. Global norm rescales the whole gradient (keeps its direction);\n"
            "element-wise clips every entry into [−limit, limit], as the course does.",
        )
        self.clip_spin = QDoubleSpinBox()
        self.clip_spin.setRange(0.1, 100.0)
        self.clip_spin.setDecimals(1)
        self.clip_spin.setToolTip("Clipping limit.")
        self.clip_combo.currentIndexChanged.connect(self._enable_clip_limit)
        self.seed_spin = _int_spin(0, 99_999, "Seed of the weights, the order of the names and the split.")
        self.seed_spin.setGroupSeparatorShown(False)  # a seed is a label, not a quantity
        self.val_spin = QSpinBox()
        self.val_spin.setRange(0, 50)
        self.val_spin.setSingleStep(5)
        self.val_spin.setValue(10)
        self.val_spin.setSuffix(" %")
        self.val_spin.setToolTip("Share of the names held out to measure the validation loss\n"
                                 "(never trained on; early stopping watches them).")
        self.val_spin.valueChanged.connect(lambda v: self.held_out_changed.emit(v / 100))
        self.time_spin = _int_spin(0, 3600, "Stop training after this long (0: no limit).")
        self.time_spin.setSuffix(" s")
        self.time_spin.setSpecialValueText("no limit")

        form.addRow("Preset", self.preset_combo)
        form.addRow("Cell", self._row(self.cell_combo, self.hidden_spin))
        form.addRow("Batch", self.batch_spin)
        form.addRow("Steps", self.steps_spin)
        form.addRow("Time limit", self.time_spin)
        form.addRow("Optimizer", self._row(self.optimizer_combo, self.lr_spin))
        form.addRow("Clipping", self._row(self.clip_combo, self.clip_spin, stretch=False))
        form.addRow("Held out", self._row(self.val_spin, QLabel("seed"), self.seed_spin))

        self.job = _TrainingJobPanel(worker, run_text="Train", unit="step", stop="finish", idle_text="Not trained yet")
        self._note_at = 0.0  # when the note last changed (time.monotonic)
        self._bar_at = 0.0  # ... and the bar
        self.job.button.setDefault(True)
        self.job.lock_while_running(
            self.preset_combo, self.cell_combo, self.hidden_spin, self.batch_spin, self.steps_spin, self.lr_spin,
            self.optimizer_combo, self.clip_combo, self.clip_spin, self.seed_spin, self.val_spin, self.time_spin,
        )
        worker.running_changed.connect(self._enable_clip_limit)
        form.addRow(self.job)
        self.preset_combo.currentIndexChanged.connect(self.apply_preset)

    @staticmethod
    def _row(*widgets: QWidget, stretch: bool = True) -> QHBoxLayout:
        row = QHBoxLayout()
        for i, widget in enumerate(widgets):
            row.addWidget(widget, 1 if stretch or i == 0 else 0)
        return row

    def _enable_clip_limit(self, *_args) -> None:
        running = self.job.worker.is_running()
        self.clip_spin.setEnabled(not running and self.clip_combo.currentData() != "none")

    # -- settings ----------------------------------------------------------------------
    def bind_settings(self) -> None:
        """The remembered preset first (it fills in every field), then each remembered field."""
        bind(self.preset_combo, "names/preset", "fast")
        self.apply_preset()
        for widget, key in ((self.cell_combo, "cell"), (self.hidden_spin, "hidden"), (self.batch_spin, "batch"),
                            (self.steps_spin, "steps"), (self.lr_spin, "lr"), (self.optimizer_combo, "optimizer"),
                            (self.clip_combo, "clip_mode"), (self.clip_spin, "clip"), (self.seed_spin, "seed"),
                            (self.val_spin, "held_out_percent"), (self.time_spin, "time_limit")):
            bind(widget, f"names/training/{key}")

    def apply_preset(self) -> None:
        config = PRESETS[self.preset_combo.currentData()]
        select(self.cell_combo, config.cell)
        self.hidden_spin.setValue(config.hidden)
        self.batch_spin.setValue(config.batch)
        self.steps_spin.setValue(config.steps)
        self.lr_spin.setValue(config.lr)
        select(self.optimizer_combo, config.optimizer)
        select(self.clip_combo, config.clip_mode)
        self.clip_spin.setValue(config.clip)
        self.time_spin.setValue(int(config.time_limit or 0))
        best = config.preset == "best"
        self.hidden_spin.setToolTip(
            f"Best mixes members of {', '.join(map(str, BEST_MEMBER_SIZES))} units; a value here gives them all one size."
            if best else "Hidden units n_a."
        )

    def training_config(self) -> TrainConfig:
        """The settings shown, as a TrainConfig (the preset plus the values in the controls)."""
        preset = self.preset_combo.currentData()
        hidden = self.hidden_spin.value()
        if preset == "best" and hidden == PRESETS["best"].hidden:
            hidden = None  # the preset's mix of sizes
        return preset_config(
            preset, cell=self.cell_combo.currentData(), hidden=hidden, batch=self.batch_spin.value(),
            steps=self.steps_spin.value(), lr=self.lr_spin.value(), optimizer=self.optimizer_combo.currentData(),
            clip_mode=self.clip_combo.currentData(), clip=self.clip_spin.value(), seed=self.seed_spin.value(),
            val_split=self.val_spin.value() / 100, time_limit=float(self.time_spin.value()) or None,
        )

    def held_out_share(self) -> float:
        return self.val_spin.value() / 100

    # -- progress ----------------------------------------------------------------------
    def show_progress(self, event: Progress, config: TrainConfig, elapsed: float) -> None:
        """The bar: step, total and time left (a bound when the run may end sooner); the note a few times a second."""
        if not event.total:
            return
        metrics = event.metrics
        left = metrics.get("time_left")
        bound = bool(config.time_limit) or bool(metrics.get("may_stop_early"))
        eta = format_eta(left, at_most=bound) if left is not None and event.step > 0 else ""
        now = time.monotonic()
        if now - self._bar_at < BAR_EVERY_S and event.step < event.total:
            return
        self._bar_at = now
        bar = self.job.bar
        if bar.maximum() != event.total:
            bar.setRange(0, event.total)
        bar.setValue(min(event.step, event.total))
        bar.setFormat(f"step {event.step:,} of {event.total:,}" + (f" · {eta}" if eta else ""))
        if now - self._note_at < NOTE_EVERY_S and "val_loss" not in metrics:
            return
        self._note_at = now
        details = []
        if "members" in metrics:
            details.append(f"member {int(metrics['member']) + 1} of {int(metrics['members'])}")
        if "train_loss" in metrics:
            details.append(f"train {metrics['train_loss']:.3f}")
        if "best_val_loss" in metrics:
            details.append(f"best val {metrics['best_val_loss']:.3f} nats/\u2060char")
        if "smooth_loss" in metrics and config.preset == "course":
            details.append(f"smoothed loss {metrics['smooth_loss']:.2f}")
        why = _why_bound(config, bool(metrics.get("may_stop_early")))
        if details:
            self.job.set_note(" · ".join(details) + f" · {format_duration(elapsed)}" + (f"\n{why}" if why else ""))
        elif event.message:
            self.job.set_note(event.message)

    def show_finished(self, result: TrainResult) -> None:
        took = format_duration(result.seconds)
        text = ENDINGS.get(result.reason, ENDINGS["steps"]).format(steps=f"{result.steps:,}", took=took)
        lines = []
        if result.val_loss is None:
            lines.append("No names held out: nothing to validate on.")
        elif result.members:
            lines.append(f"{len(result.members)} members, together: validation {result.val_loss:.3f} nats/\u2060char")
        elif result.best_step != result.steps:
            lines.append(f"Kept step {result.best_step:,}, the best: validation {result.val_loss:.3f} nats/\u2060char")
        else:
            lines.append(f"Validation {result.val_loss:.3f} nats per character")
        if result.config.preset == "course" and result.history.get("smooth_loss"):
            lines.append(f"The course's smoothed loss: {result.history['smooth_loss'][-1]:.2f}")
        # a run stopped by hand shows how far it got
        self.job.show_result(text, "\n".join(lines), full=result.reason != "stopped")
        if result.reason == "stopped":
            self.job.bar.setRange(0, max(result.config.steps * max(result.config.ensemble, 1), 1))
            self.job.bar.setValue(min(result.steps, self.job.bar.maximum() - 1))


def _why_bound(config: TrainConfig, may_stop_early: bool) -> str:
    """Why the time left is only a bound, in a few words (empty when it is an estimate)."""
    reasons = []
    if may_stop_early:
        reasons.append("early stopping")
    if config.time_limit:
        reasons.append(f"the {format_duration(config.time_limit)} time limit")
    return ("≤: " + " or ".join(reasons) + " may end it sooner") if reasons else ""
