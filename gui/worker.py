"""One small worker that runs any engine job on a QThread.

A job is a generator of :class:`engine.jobs.Progress` events (see
:mod:`engine.jobs`). :class:`JobWorker` steps it on a background thread and
re-emits everything as Qt signals, which Qt delivers in the GUI thread:

- ``progress(Progress)`` for every event, in order;
- then exactly one of ``finished(result)``, ``failed(message, traceback)``
  or ``cancelled()``.

Two ways to stop early, the same two as :mod:`engine.jobs`:

- ``finish()`` -- "stop now and keep what you have": at its next ``yield`` the
  job is sent :data:`engine.jobs.FINISH` and returns its result so far, which
  arrives through ``finished(result)`` like any other result. A job that does
  not honour FINISH is cancelled instead (``cancelled()``). This is what every
  tab's Stop button does.
- ``cancel()`` -- "throw it away": the generator is closed at its next
  ``yield`` and ``cancelled()`` follows.

``shutdown(timeout_ms)`` cancels and waits at most that long. A job stuck in one
long call (importing TensorFlow takes seconds and cannot be interrupted) is then
left to end on its own: the window does not wait for it. When the application
quits (``aboutToQuit``), it gives such jobs :data:`EXIT_BUDGET_S` in all, then
ends the process without them -- so closing the window always takes well under
a second. A process that ends without an event loop (a screenshot run) waits
for them at exit instead: a thread destroyed while it runs would abort.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot

from engine.jobs import FINISH, FINISH_GRACE_EVENTS, Job

__all__ = ["JobWorker", "EXIT_BUDGET_S", "abandoned_jobs"]

log = logging.getLogger(__name__)

EXIT_BUDGET_S = 0.8  # what quitting may spend waiting for jobs, in all

_abandoned: set[_JobThread] = set()  # threads left running by a timed-out shutdown
_workers: weakref.WeakSet[JobWorker] = weakref.WeakSet()
_exit_hook_installed = False


class _JobThread(QThread):
    progress = Signal(object)
    succeeded = Signal(object)
    errored = Signal(str, str)
    stopped = Signal()

    def __init__(self, make_job: Callable[[], Job], parent: QObject | None = None):
        super().__init__(parent)
        self._make_job = make_job
        self.cancel_requested = threading.Event()
        self.finish_requested = threading.Event()

    def run(self) -> None:
        job = None
        try:
            job = self._make_job()
            started = False  # FINISH can only be sent into a paused yield
            while not self.cancel_requested.is_set():
                if started and self.finish_requested.is_set():
                    self._finish(job)
                    return
                if self.finish_requested.is_set():
                    break  # not begun: nothing to keep
                try:
                    event = next(job)
                except StopIteration as stop:
                    self.succeeded.emit(stop.value)
                    return
                started = True
                self.progress.emit(event)
            job.close()
            self.stopped.emit()
        except Exception as exc:  # a failing job must never take the window down
            message = str(exc) or type(exc).__name__
            self.errored.emit(message, traceback.format_exc())
        finally:
            if job is not None:
                job.close()

    def _finish(self, job: Job) -> None:
        """Send FINISH; the events it still yields are real progress and are passed on (see finish_job)."""
        for _ in range(FINISH_GRACE_EVENTS):
            try:
                event = job.send(FINISH)
            except StopIteration as stop:
                self.succeeded.emit(stop.value)
                return
            self.progress.emit(event)
        job.close()
        self.stopped.emit()


def abandoned_jobs() -> int:
    """How many job threads a timed-out shutdown left running (they end on their own)."""
    for thread in list(_abandoned):
        if thread.isFinished():
            _abandoned.discard(thread)
    return len(_abandoned)


def _wait_at_exit() -> None:
    """At interpreter exit without an event loop: let left-over jobs end (each stops at its next step)."""
    for thread in list(_abandoned):
        thread.cancel_requested.set()
        thread.wait(60_000)


def _on_quit() -> None:
    """The application is quitting: wait a little for left-over jobs, then leave without them.

    A job the window already waited for when it closed gets no second wait, so
    closing and quitting together stay within one budget. A thread still inside
    a long native call (the TensorFlow import) cannot be stopped; waiting for it
    would keep a window-less process alive for seconds, and destroying it while
    it runs aborts. So the process ends here, after the
    logs and the standard streams are flushed.
    """
    deadline = time.monotonic() + EXIT_BUDGET_S
    waited_for = set(_abandoned)  # closing the window already gave these their time: budgets must not add up
    for worker in list(_workers):
        try:
            worker.shutdown(0)  # cancels; a busy thread joins the abandoned ones
        except RuntimeError:  # its C++ side is already gone
            pass
    for worker_thread in list(_abandoned):
        worker_thread.cancel_requested.set()
        if worker_thread in waited_for:
            continue
        worker_thread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
    if abandoned_jobs():
        log.info("quitting while %d job(s) still wind up; not waiting for them", len(_abandoned))
        logging.shutdown()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(0)


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
        _workers.add(self)
        app = QCoreApplication.instance()
        global _exit_hook_installed
        if app is not None and not _exit_hook_installed:  # however the app ends, no job may hold it up
            _exit_hook_installed = True
            app.aboutToQuit.connect(_on_quit)

    def is_running(self) -> bool:
        return self._thread is not None

    def is_stopping(self) -> bool:
        """True between a ``finish()`` or ``cancel()`` and the signal that ends the job."""
        thread = self._thread
        return thread is not None and (thread.finish_requested.is_set() or thread.cancel_requested.is_set())

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

    def finish(self) -> None:
        """Ask the running job to return what it has at its next yield; ``finished(result)`` follows."""
        if self._thread is not None:
            self._thread.finish_requested.set()

    def cancel(self) -> None:
        """Ask the running job to stop at its next yield and keep nothing; ``cancelled`` follows."""
        if self._thread is not None:
            self._thread.cancel_requested.set()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel and wait at most ``timeout_ms`` for the thread to end. True when it ended in time.

        A thread that is still busy afterwards is left to end on its own (see
        the module docstring); this worker is free for a new job either way.
        """
        thread = self._thread
        if thread is None:
            return True
        thread.cancel_requested.set()
        ended = thread.wait(max(0, int(timeout_ms)))
        if not ended:
            log.info("a job is still busy in a long call; it will stop at its next step")
            if not _abandoned:
                atexit.register(_wait_at_exit)
            _abandoned.add(thread)
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
            if thread not in _abandoned:
                thread.deleteLater()
            self.running_changed.emit(False)
