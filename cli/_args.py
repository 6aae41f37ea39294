"""What every subcommand shares: argument types that explain themselves, and one way to fail."""

from __future__ import annotations

import argparse
import math
import sys

EXIT_BAD_INPUT = 2


def whole(low: int = 0):
    """An argparse type: a whole number of at least ``low``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        return value

    return parse


def number(text: str) -> float:
    """An argparse type: a finite number."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def fail(message: str) -> int:
    """Say what went wrong in one line on stderr; the exit status for bad input."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
