"""Time in a piece: beats and seconds, excerpts, and where the chord names go.

Times in the jazz engine are in quarter notes (beats) from the start of the
piece; a player or a synthesizer wants seconds. These are the few conversions
every front end needs, kept in one place::

    beats_to_seconds(8, tempo=120)            -> 4.0
    excerpt(notes, 32, 64)                    # the notes sounding in beats [32, 64), moved to start at 0
    preview_span(length=192, measure_length=4, first_beat=33, max_bars=32) -> (32.0, 160.0)
    chord_labels(changes, measure_length=4)   # [(0.0, "Dm7"), (2.0, "G7"), (4.0, "Cmaj7")]: a name where
                                              #  the harmony changes, as a lead sheet writes it
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from engine.jazz.midi_read import Note

__all__ = ["seconds_per_beat", "beats_to_seconds", "seconds_to_beats", "excerpt", "preview_span",
           "chord_labels", "measure_count"]


def seconds_per_beat(tempo: float) -> float:
    """Length of one quarter note at ``tempo`` beats per minute."""
    if not tempo or tempo <= 0 or not math.isfinite(tempo):
        raise ValueError("The tempo must be a positive number of beats per minute.")
    return 60.0 / tempo


def beats_to_seconds(beats: float, tempo: float) -> float:
    return beats * seconds_per_beat(tempo)


def seconds_to_beats(seconds: float, tempo: float) -> float:
    return seconds / seconds_per_beat(tempo)


def excerpt(notes: Iterable[Note], start: float, end: float) -> list[Note]:
    """Notes sounding in [start, end) beats, cut to that stretch and moved to begin at 0.

    A note held into the stretch starts at 0; one held past its end stops there.
    """
    return [
        Note(max(n.start, start) - start, min(n.end, end) - start, n.pitch, n.velocity)
        for n in notes
        if n.end > start and n.start < end
    ]


def measure_count(length: float, measure_length: float) -> int:
    """Whole measures needed to hold ``length`` beats (a last partial measure counts)."""
    return max(1, math.ceil(length / measure_length - 1e-9))


def preview_span(length: float, measure_length: float, first_beat: float, max_bars: int) -> tuple[float, float]:
    """The stretch a preview plays, in beats: from the barline nearest ``first_beat``, at most ``max_bars`` bars.

    It never starts past the last measure, and never runs past the end of the piece
    (``length`` beats, rounded up to a whole measure).
    """
    end_of_piece = measure_count(length, measure_length) * measure_length
    start = round(first_beat / measure_length) * measure_length
    start = min(max(0.0, start), max(0.0, end_of_piece - measure_length))
    return float(start), float(min(end_of_piece, start + max_bars * measure_length))


def _as_measure(chords) -> tuple:
    """One measure's chords as a tuple: a single chord (the old one-per-measure lists) or several."""
    if isinstance(chords, (tuple, list)):
        return tuple(chords)
    return (chords,)


def chord_labels(changes: Sequence, measure_length: float, starts: Sequence[float] | None = None,
                 ) -> list[tuple[float, str]]:
    """``(beat, symbol)`` wherever the harmony changes, as a lead sheet names it.

    ``changes`` holds each measure's chords: one chord, or a tuple of chords that
    split the measure evenly (the contract's ``Changes``). A chord that repeats the
    one before it is not named again. Measure k starts at ``starts[k]`` (default
    ``k * measure_length``: measures back to back from beat 0).
    """
    labels: list[tuple[float, str]] = []
    last = None
    for k, measure in enumerate(changes):
        chords = _as_measure(measure)
        begin = starts[k] if starts is not None else k * measure_length
        for j, chord in enumerate(chords):
            symbol = chord.symbol
            if symbol != last:
                labels.append((begin + j / len(chords) * measure_length, symbol))
            last = symbol
    return labels
