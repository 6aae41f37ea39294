"""One small worker that runs any engine job on a QThread.

A job is a generator of :class:`engine.jobs.Progress` events (see
:mod:`engine.jobs`). :class:`JobWorker` steps it on a background thread and
re-emits everything as Qt signals, which Qt delivers in the GUI thread:

- ``progress(Progress)`` for every event, in order;
- then exactly one of ``finished(result)``, ``failed(message, traceback)``
  or ``cancelled()``.

``cancel()`` asks the thread to close the generator at its next ``yield``.
``shutdown()`` cancels and waits; the main window calls it on every worker
when it closes, so no thread outlives its window.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.jobs import Job

__all__ = ["JobWorker"]


class _JobThread(QThread):
    progress = Signal(object)
    succeeded = Signal(object)
    errored = Signal(str, str)
    stopped = Signal()

    def __init__(self, make_job: Callable[[], Job], parent: QObject | None = None):
        super().__init__(parent)
        self._make_job = make_job
        self.cancel_requested = threading.Event()

    def run(self) -> None:
        job = None
        try:
            job = self._make_job()
            while not self.cancel_requested.is_set():
                try:
                    event = next(job)
                except StopIteration as stop:
                    self.succeeded.emit(stop.value)
                    return
                self.progress.emit(event)
            job.close()
            self.stopped.emit()
        except Exception as exc:  # a failing job must never take the window down
            message = str(exc) or type(exc).__name__
            self.errored.emit(message, traceback.format_exc())
        finally:
            if job is not None:
                job.close()


class JobWorker(QObject):
    """Runs one job at a time off the GUI thread; reusable for job after job."""

    progress = Signal(object)
    finished = Signal(object)
    failed = Signal(str, str)
    cancelled = Signal()
    running_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._thread: _JobThread | None = None
        app = QCoreApplication.instance()
        if app is not None:  # however the app ends, no job thread may outlive it
            app.aboutToQuit.connect(self.shutdown)

    def is_running(self) -> bool:
        return self._thread is not None

    def start(self, make_job: Callable[[], Job]) -> None:
        """Run ``make_job()`` on a new thread. ``make_job`` builds the generator there."""
        if self._thread is not None:
            raise RuntimeError("a job is already running; cancel it first")
        thread = _JobThread(make_job)
        # Slots of this object run in the GUI thread (queued connections).
        thread.progress.connect(self._on_progress)
        thread.succeeded.connect(self._on_succeeded)
        thread.errored.connect(self._on_errored)
        thread.stopped.connect(self._on_stopped)
        self._thread = thread
        self.running_changed.emit(True)
        thread.start()

    def cancel(self) -> None:
        """Ask the running job to stop at its next yield; ``cancelled`` follows."""
        if self._thread is not None:
            self._thread.cancel_requested.set()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and wait for the thread to end. True when it ended in time."""
        thread = self._thread
        if thread is None:
            return True
        thread.cancel_requested.set()
        ended = thread.wait(timeout_ms)
        self._release(thread)
        return ended

    # Every slot first checks that its sender is the current thread: after a
    # shutdown, late queued signals of the released thread are dropped.
    @Slot(object)
    def _on_progress(self, event) -> None:
        if self.sender() is self._thread:
            self.progress.emit(event)

    @Slot(object)
    def _on_succeeded(self, result) -> None:
        self._end(self.finished, result)

    @Slot(str, str)
    def _on_errored(self, message: str, trace: str) -> None:
        self._end(self.failed, message, trace)

    @Slot()
    def _on_stopped(self) -> None:
        self._end(self.cancelled)

    def _end(self, signal, *args) -> None:
        thread = self._thread
        if thread is None or self.sender() is not thread:
            return
        thread.wait()  # run() returns right after its last emit
        self._release(thread)
        signal.emit(*args)

    def _release(self, thread: _JobThread) -> None:
        if thread is self._thread:
            self._thread = None
            thread.deleteLater()
            self.running_changed.emit(False)
