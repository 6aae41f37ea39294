"""What the Jazz tab has open, shared by its panels, and the worker that runs its short tasks.

The panels never talk to one another: they read and change the session, and
listen to its signals --

- ``piece_changed``: a piece was opened or another melody chosen (``song``, ``corpus``);
- ``model_changed``: a model was trained, stopped with what it learnt, or loaded;
- ``variations_changed``: new improvisations;
- ``busy_changed``: one of the workers started or ended (panels enable what makes sense);
- ``task_ended``: a task's result (or error) has been handled: the worker is free;
- ``status(str)``: a line for the window's status bar.

Short tasks (reading a file, building the corpus, generating, saving, loading,
exporting) run one at a time on :attr:`tasks` through :meth:`run_task`, each with
its own error handler. Training has its own worker (:attr:`trainer`) so Stop can
finish it while nothing else waits.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from engine.jobs import Job, Progress
from gui import messages
from gui.worker import JobWorker

__all__ = ["JazzSession", "Piece", "Task"]

log = logging.getLogger(__name__)

Task = Callable[[], Job]


@dataclass(frozen=True)
class Piece:
    """One file learnt from: the song, the part learnt as its melody, and the engine's own pick."""

    song: object  # engine.jazz.Song
    melody: int | None
    auto: int | None


class JazzSession(QObject):
    """The open piece, its corpus, the model, the variations; one worker for tasks, one for training."""

    status = Signal(str)
    piece_changed = Signal()
    model_changed = Signal()
    variations_changed = Signal()
    busy_changed = Signal()
    task_ended = Signal()

    def __init__(self, parent: QWidget):
        super().__init__(parent)
        self.widget = parent  # where message boxes belong
        self.pieces: list[Piece] = []  # the files learnt from, each with its melody part
        self.current = 0  # the piece shown (its parts, its piano roll)
        self.corpus = None  # engine.jazz.Corpus of every piece, None when a melody could not be learnt
        self.corpus_error = ""  # why, then
        self.swing: float | None = None  # long:short eighths measured over the melodies
        self.model = None  # engine.jazz.TrainedModel
        self.variations: list = []  # engine.jazz.Improvisation
        self.last_message = ""  # the last error shown (tests read it)
        self._done: Callable[[Any], None] | None = None
        self._on_error: Callable[[str], None] | None = None
        self._title = ""
        self._temp: tempfile.TemporaryDirectory | None = None

        self.tasks = JobWorker(self)
        self.trainer = JobWorker(self)
        self.tasks.progress.connect(self._on_task_progress)
        self.tasks.finished.connect(self._on_task_finished)
        self.tasks.failed.connect(self._on_task_failed)
        self.tasks.cancelled.connect(self._on_task_cancelled)
        for worker in (self.tasks, self.trainer):
            worker.running_changed.connect(lambda _running: self.busy_changed.emit())

    # -- state -----------------------------------------------------------------
    @property
    def song(self):
        """The piece shown (engine.jazz.Song), or None before the first is open."""
        return self.pieces[self.current].song if self.pieces else None

    @property
    def auto_melody(self) -> int | None:
        """The part the engine picked as the shown piece's melody."""
        return self.pieces[self.current].auto if self.pieces else None

    def melody_index(self) -> int | None:
        """The part of the shown piece learnt as its melody."""
        return self.pieces[self.current].melody if self.pieces else None

    def measure_length(self) -> float:
        """Beats per measure of the open piece (4 when nothing says otherwise)."""
        song = self.song
        return song.time_signatures[0].measure_length if song is not None and song.time_signatures else 4.0

    def busy(self) -> bool:
        return self.tasks.is_running()

    def training(self) -> bool:
        return self.trainer.is_running()

    def temp_folder(self) -> Path:
        """A private folder for previews and dragged files, removed when the app exits."""
        if self._temp is None:
            self._temp = tempfile.TemporaryDirectory(prefix="sequence-studio-jazz-")
        return Path(self._temp.name)

    # -- messages ----------------------------------------------------------------
    def report(self, text: str) -> None:
        self.status.emit(text)

    def error(self, title: str, message: str) -> None:
        """Say what went wrong: the status bar, and a box that does not block (a log line offscreen)."""
        self.last_message = message
        self.report(message)
        messages.show_error(self.widget, title, message)

    def ask_replace(self, path: Path) -> bool:
        return messages.ask(self.widget, "Replace?",
                            f"{path.name} already exists in {path.parent}.\nDo you want to replace it?")

    # -- tasks -------------------------------------------------------------------
    def run_task(self, title: str, make_job: Task, done: Callable[[Any], None],
                 on_error: Callable[[str], None] | None = None) -> bool:
        """Run ``make_job`` on the task worker; ``done(result)`` in the GUI thread afterwards.

        A failure is shown under ``title``; ``on_error(message)`` runs first, for
        whatever the caller must undo. False (and a status line) when busy.
        """
        if self.tasks.is_running():
            self.report("Busy — wait for the current step to finish.")
            return False
        self._title, self._done, self._on_error = title, done, on_error
        self.tasks.start(make_job)
        return True

    def _on_task_progress(self, event: Progress) -> None:
        if event.message:
            self.report(event.message)

    def _on_task_finished(self, result) -> None:
        done, self._done, self._on_error = self._done, None, None
        if done is not None:
            done(result)
        self.task_ended.emit()

    def _on_task_cancelled(self) -> None:
        self._done = self._on_error = None
        self.report("Cancelled.")
        self.task_ended.emit()

    def _on_task_failed(self, message: str, trace: str) -> None:
        on_error, self._done, self._on_error = self._on_error, None, None
        log.warning("%s failed: %s\n%s", self._title, message, trace)
        if on_error is not None:
            on_error(message)
        self.error(self._title, message)
        self.task_ended.emit()
