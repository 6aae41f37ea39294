"""The job protocol: long computations as plain generators.

A *job* is a generator that yields :class:`Progress` events and returns its
result::

    def count_to(n):
        for i in range(n):
            yield Progress(step=i + 1, total=n, message=f"counted {i + 1}")
        return n

Whoever drives a job has two ways to end it early, both between two events:

* **finish** -- "stop now and return what you have". The driver sends
  :data:`FINISH` into the paused ``yield``; the yield expression evaluates to
  it, and the job returns its best result so far (the model of the finished
  epochs, the names trained so far)::

      for step in range(steps):
          ...
          if (yield Progress(step + 1, steps)) is FINISH:
              break
      return result_so_far

  A job that does not look at what its yields return simply runs on; the
  driver then cancels it (:func:`finish_job` does this).
* **cancel** -- ``job.close()``: Python raises ``GeneratorExit`` at the paused
  ``yield``, the job cleans up with ordinary ``try``/``finally`` and returns
  nothing.

A job that wants to stop within a time budget simply yields often enough (the
window promises a stop within 200 ms for jobs that yield at least every 50 ms).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FINISH", "Progress", "Job", "run_job", "finish_job", "Interrupts", "Throttle"]


@dataclass(frozen=True)
class Progress:
    """One progress event of a running job.

    step     -- how far the job is (e.g. training steps done), counting from 1
    total    -- how far it will go, or None when unknown
    message  -- a short human-readable line
    metrics  -- named numbers for plots (e.g. {"loss": 2.31})
    payload  -- anything larger the front end may show (e.g. sampled names)
    """

    step: int
    total: int | None = None
    message: str = ""
    metrics: dict[str, float] = field(default_factory=dict)
    payload: Any = None

    @property
    def fraction(self) -> float | None:
        """Share of the work done, in [0, 1], or None when the total is unknown."""
        if not self.total:
            return None
        return min(1.0, max(0.0, self.step / self.total))


class _Finish:
    """The request "finish now and return what you have" (see the module docstring)."""

    def __repr__(self) -> str:
        return "FINISH"


FINISH = _Finish()

Job = Generator[Progress, Any, Any]

FINISH_GRACE_EVENTS = 3  # events a job may still yield after FINISH before it is cancelled


def finish_job(job: Job) -> tuple[bool, Any]:
    """Ask a paused ``job`` to finish; returns (True, its result) or (False, None) if it would not.

    The job gets :data:`FINISH` at its paused ``yield`` and a few more events to
    wind up; one that keeps going is closed (cancelled).
    """
    try:
        for _ in range(FINISH_GRACE_EVENTS):
            job.send(FINISH)
    except StopIteration as stop:
        return True, stop.value
    job.close()
    return False, None


def run_job(
    job: Job,
    on_progress: Callable[[Progress], None] | None = None,
    should_finish: Callable[[], bool] | None = None,
) -> Any:
    """Drive ``job`` to the end in this thread and return its result.

    Used by the command line and by tests; the window uses a worker thread
    instead. When ``should_finish()`` turns true between two events, the job is
    asked to finish and its result so far is returned (None if it would not
    finish). An exception closes the job cleanly before propagating.
    """
    try:
        while True:
            event = next(job)
            if on_progress is not None:
                on_progress(event)
            if should_finish is not None and should_finish():
                return finish_job(job)[1]
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()


class Interrupts:
    """Ctrl-C as a request to finish, for the command line::

        with Interrupts() as interrupts:
            result = run_job(job, report, should_finish=interrupts)
        if interrupts.count:
            print("Stopped: kept what was learnt.")

    Inside the block the first Ctrl-C only sets a flag (the job then finishes
    at its next event); a second one raises ``KeyboardInterrupt`` as usual.
    Outside the main thread it does nothing (Python delivers signals there only).
    """

    def __init__(self, notice: str | None = None) -> None:
        self.count = 0
        self.notice = notice  # said at once on the first Ctrl-C (the job may need a moment to finish)
        self._previous: Any = None
        self._installed = False

    def __call__(self) -> bool:
        return self.count > 0

    def _on_signal(self, signum, frame) -> None:  # noqa: ARG002 (the signal module's signature)
        self.count += 1
        if self.count == 1 and self.notice:
            print(self.notice, file=sys.stderr, flush=True)
        if self.count > 1:
            raise KeyboardInterrupt

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_signal)
            self._installed = True
        return self

    def __exit__(self, *exc) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)
            self._installed = False


class Throttle:
    """True at most once every ``seconds`` -- to decide when a loop should yield.

    Jobs whose inner loop is much faster than a useful refresh rate yield only
    when the throttle says so; this keeps both the event stream light and the
    cancel latency short.
    """

    def __init__(self, seconds: float = 0.05):
        self.seconds = seconds
        self._last = time.perf_counter()

    def __call__(self) -> bool:
        now = time.perf_counter()
        if now - self._last >= self.seconds:
            self._last = now
            return True
        return False
