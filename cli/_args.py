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


MAX_WINDOW_SIDE = 8192  # pixels; larger pictures take seconds and hundreds of MB to render


def window_size(text: str) -> tuple[int, int]:
    """An argparse type: ``WIDTHxHEIGHT`` in pixels, e.g. ``1024x640``."""
    width, sep, height = text.lower().replace("\u00d7", "x").partition("x")
    if not sep or not width.strip().isdigit() or not height.strip().isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a size such as 1024x640")
    size = int(width), int(height)
    if not all(1 <= side <= MAX_WINDOW_SIDE for side in size):
        raise argparse.ArgumentTypeError(f"{text!r}: each side must be 1 to {MAX_WINDOW_SIDE} pixels")
    return size


def fail(message: str) -> int:
    """Say what went wrong in one line on stderr; the exit status for bad input."""
    print(f"error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT
