"""Durations as people read them: ``0:42``, ``2:20``, ``1:05:00``.

One place for the time-left and elapsed-time texts of every front end (the
command line's progress lines, the tabs' progress bars).
"""

from __future__ import annotations

import math

__all__ = ["format_duration", "format_eta"]


def format_duration(seconds: float) -> str:
    """``m:ss`` below an hour, ``h:mm:ss`` above; negative or unknown times read ``0:00``."""
    if not math.isfinite(seconds) or seconds < 0:
        seconds = 0.0
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{secs:02d}"
    return f"{minutes}:{secs:02d}"


def format_eta(seconds: float | None, *, at_most: bool = False) -> str:
    """The time left as ``2:20 left``; ``≤ 2:20 left`` when it is only a bound (early stopping
    may end the run sooner); an empty string when unknown."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    return f"{'≤ ' if at_most else ''}{format_duration(seconds)} left"
