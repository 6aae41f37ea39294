"""The Run/Stop button, progress bar and status line every tab uses for its long job.

::

    panel = JobPanel(worker, run_text="Train", unit="Epoch")
    panel.run_requested.connect(self.start_training)   # the tab starts the job: worker.start(...)
    panel.lock_while_running(self.epochs_spin, self.units_spin)
    worker.finished.connect(lambda model: panel.show_result("Done: 100 epochs", "loss 0.41"))

The panel follows its :class:`gui.worker.JobWorker`:

- idle: the button reads ``run_text`` and is enabled when :meth:`set_ready` says
  so; the bar shows the last result (or ``idle_text``);
- running: the button reads "Stop"; the locked widgets are disabled; until the
  first step is done the bar is a busy indicator and the status line says what
  the job is doing (e.g. "Loading TensorFlow..."); then "Epoch 3/100 · ETA 0:42";
- Stop (``stopped`` turns True) asks the job to *finish* (``worker.finish()``: it returns what it has, through
  ``finished``), or to cancel when the panel was made with ``stop="cancel"``; the
  button reads "Stopping…" until the job ends.

The ETA is measured from the end of the first step, so a slow first step
(compiling a graph, warming caches) does not skew it; see :mod:`engine.timefmt`.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from engine.jobs import Progress
from engine.timefmt import eta_text
from gui.worker import JobWorker

__all__ = ["JobPanel"]


class JobPanel(QWidget):
    """Run/Stop, progress with ETA and a status line, bound to one :class:`JobWorker`."""

    run_requested = Signal()

    def __init__(self, worker: JobWorker, run_text: str = "Run", unit: str = "Step", stop: str = "finish",
                 idle_text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        if stop not in ("finish", "cancel"):
            raise ValueError("stop must be 'finish' or 'cancel'")
        self.worker, self.run_text, self.unit, self.stop_mode = worker, run_text, unit, stop
        self._ready = True
        self.stopped = False  # the user pressed Stop during the current (or last) job
        self._locked: list[QWidget] = []
        self._first_step: int | None = None  # the step the job reported first
        self._clock: tuple[float, int] | None = None  # (time, step) when the first step ended

        self.button = QPushButton(run_text)
        self.button.setMinimumHeight(30)
        self.button.setMinimumWidth(86)
        self.button.clicked.connect(self._on_clicked)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.bar.setTextVisible(True)
        self.bar.setFormat(idle_text)
        self.status_line = QLabel("")
        self.status_line.setWordWrap(True)
        self.status_line.setStyleSheet("color: #555; font-size: 9pt;")
        self.status_line.hide()

        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(8)
        row.addWidget(self.button)
        row.addWidget(self.bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        layout.addLayout(row)
        layout.addWidget(self.status_line)

        worker.running_changed.connect(self._on_running_changed)
        worker.progress.connect(self._on_progress)

    # -- what the tab tells the panel ------------------------------------------
    def lock_while_running(self, *widgets: QWidget) -> None:
        """Disable ``widgets`` while the job runs (the settings it was started with)."""
        self._locked.extend(widgets)
        if self.worker.is_running():
            for w in widgets:
                w.setEnabled(False)

    def set_ready(self, ready: bool) -> None:
        """Whether Run can be pressed now (e.g. there is something to train on)."""
        self._ready = ready
        if not self.worker.is_running():
            self.button.setEnabled(ready)

    def set_note(self, text: str) -> None:
        """The line under the bar (hidden when empty)."""
        self.status_line.setText(text)
        self.status_line.setVisible(bool(text))

    def show_result(self, text: str, note: str | None = None, full: bool = True) -> None:
        """After a job: the bar reads ``text`` (full, or empty with ``full=False``); ``note`` below it."""
        self.bar.setRange(0, 1)
        self.bar.setValue(1 if full else 0)
        self.bar.setFormat(text)
        if note is not None:
            self.set_note(note)

    # -- following the worker ----------------------------------------------------
    def _on_clicked(self) -> None:
        if not self.worker.is_running():
            self.run_requested.emit()
            return
        self.stopped = True
        self.button.setEnabled(False)
        self.button.setText("Stopping…")
        if self.stop_mode == "finish":
            self.worker.finish()
        else:
            self.worker.cancel()

    def _on_running_changed(self, running: bool) -> None:
        for w in self._locked:
            w.setEnabled(not running)
        if running:
            self._first_step, self._clock, self.stopped = None, None, False
            self.button.setText("Stop")
            self.button.setEnabled(True)
            self.bar.setRange(0, 0)  # busy until the first step is done
            self.bar.setFormat("Starting…")
        else:
            self.button.setText(self.run_text)
            self.button.setEnabled(self._ready)
            if self.bar.maximum() == 0:
                self.bar.setRange(0, 1)

    def _on_progress(self, event: Progress) -> None:
        if event.message:
            self.set_note(event.message)
        if self._first_step is None:
            self._first_step = event.step
        if not event.total:
            return
        if event.step <= self._first_step:
            return  # still the busy indicator: nothing measurable done yet
        now = time.perf_counter()
        if self._clock is None:
            self._clock = (now, event.step)
        self.bar.setRange(0, event.total)
        self.bar.setValue(min(event.step, event.total))
        text = f"{self.unit} {event.step}/{event.total}"
        since, step0 = self._clock
        estimate = eta_text(now - since, event.step - step0, event.total - step0)
        self.bar.setFormat(f"{text} · {estimate}" if estimate else text)

    def clock_started(self) -> bool:
        """True once the first step has ended (from then on the bar shows an ETA)."""
        return self._clock is not None
