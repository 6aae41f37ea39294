"""The job protocol: long computations as plain generators.

A *job* is a generator that yields :class:`Progress` events and returns its
result::

    def count_to(n):
        for i in range(n):
            yield Progress(step=i + 1, total=n, message=f"counted {i + 1}")
        return n

Whoever drives a job may stop it between two events by calling
``job.close()``: Python raises ``GeneratorExit`` at the paused ``yield``, so a
job cleans up with ordinary ``try``/``finally`` and needs no flag of its own.
A job that wants to be cancellable within a time budget simply yields often
enough (the window promises a stop within 200 ms for jobs that yield at least
every 50 ms).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Progress", "Job", "run_job", "Throttle"]


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


Job = Generator[Progress, None, Any]


def run_job(job: Job, on_progress: Callable[[Progress], None] | None = None) -> Any:
    """Drive ``job`` to the end in this thread and return its result.

    Used by the command line and by tests; the window uses a worker thread
    instead. ``KeyboardInterrupt`` closes the job cleanly before propagating.
    """
    try:
        while True:
            event = next(job)
            if on_progress is not None:
                on_progress(event)
    except StopIteration as stop:
        return stop.value
    finally:
        job.close()


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
