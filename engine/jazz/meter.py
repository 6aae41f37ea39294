"""Measures from the time-signature map (never a hard-wired 4/4)."""

from __future__ import annotations

from collections.abc import Sequence

from engine.jazz.midi_read import TimeSignature

__all__ = ["measure_spans"]


def measure_spans(time_signatures: Sequence[TimeSignature], length: float) -> list[tuple[float, float]]:
    """(start, length) of every measure, in quarter notes, covering ``[0, length)``.

    Each time signature rules from its own start until the next one; a measure
    cut short by a change of signature keeps its shortened length (as it is in
    the file). ``time_signatures`` must be sorted and start at 0.
    """
    spans: list[tuple[float, float]] = []
    for k, sig in enumerate(time_signatures):
        stop = time_signatures[k + 1].start if k + 1 < len(time_signatures) else max(length, sig.start)
        start = sig.start
        while start < stop - 1e-9:
            size = min(sig.measure_length, stop - start) if k + 1 < len(time_signatures) else sig.measure_length
            spans.append((start, size))
            start += size
    return spans
