"""Durations as people read them, and the estimate of the time a job has left.

Both the window (progress bars) and the command line (progress lines) show
these, so they live here once::

    clock(75)                       -> "1:15"
    clock(3725)                     -> "1:02:05"
    eta(elapsed=30, done=3, total=10)  -> 70.0   (seconds left at the pace so far)
    format_eta(140, at_most=True)   -> "≤ 2:20 left"
"""

from __future__ import annotations

import math

__all__ = ["clock", "eta", "eta_text", "format_duration", "format_eta"]


def clock(seconds: float) -> str:
    """``seconds`` as m:ss (or h:mm:ss from an hour on), rounded to the second; negatives read 0:00."""
    if not math.isfinite(seconds):
        return "--:--"
    total = max(0, int(round(seconds)))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def eta(elapsed: float, done: float, total: float) -> float | None:
    """Seconds left if the remaining ``total - done`` units go at the pace of the ``done`` ones.

    None while nothing is done yet (no pace to go by) or when ``total`` is unknown.
    """
    if not total or done <= 0 or elapsed < 0:
        return None
    return max(0.0, elapsed / done * (total - done))


def eta_text(elapsed: float, done: float, total: float) -> str:
    """"ETA m:ss" -- or "" when :func:`eta` has no estimate yet."""
    left = eta(elapsed, done, total)
    return "" if left is None else f"ETA {clock(left)}"


def format_duration(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above; negative or unknown times read ``0:00``."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    return clock(seconds)


def format_eta(seconds: float | None, *, at_most: bool = False) -> str:
    """The time left as ``2:20 left``; ``≤ 2:20 left`` when it is only a bound (early stopping
    may end the run sooner); an empty string when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    return f"{'≤ ' if at_most else ''}{format_duration(seconds)} left"
