"""The sampling defaults and limits the command line and the Names tab share (no numpy: cheap to import)."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SampleDefaults", "SAMPLE_DEFAULTS", "MAX_LENGTH", "MAX_LENGTH_LIMIT", "MAX_COUNT"]

MAX_LENGTH = 50  # the course stops a name at 50 characters
MAX_LENGTH_LIMIT = 1000  # the longest name anyone may ask for (the corpus reader skips lines over 200)
MAX_COUNT = 100_000  # names per request: seconds to draw, megabytes to hold


@dataclass(frozen=True)
class SampleDefaults:
    """One set of sampling defaults for the command line and the Names tab."""

    count: int = 10
    temperature: float = 1.0
    unique: bool = True  # "No repeats"
    min_length: int = 3  # one- and two-letter names are rarely wanted
    max_length: int = MAX_LENGTH


SAMPLE_DEFAULTS = SampleDefaults()
