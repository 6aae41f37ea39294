"""Comping: rootless voicings of each chord, voice-led, played in the style's rhythmic figures.

A rootless voicing (as a pianist plays over a bassist) keeps the chord's
guide tones -- its 3rd and 7th, or 6th -- and adds colour (the 9th, the 5th,
the 13th of a dominant). Of the inversions of those four tones in the
comping register, the one nearest the previous voicing is played: the sum of
the voices' movements, the top voice counted twice (the ear follows it), plus
a pull towards the middle of the register so the hands do not drift.

The rhythm comes from the style's figures (Charleston, anticipations, half
notes...), one per cell, and each hit is held for its length, as a comper
sustains the harmony through the bar; when the chord changes under a held
voicing, the next chord's voicing takes over. An anticipation plays the *next*
chord half a beat early and is tied into it. Every chord is sounded at least once.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from engine.jazz.band.styles import Style
from engine.jazz.band.timeline import Span, cell_starts, swing_time
from engine.jazz.harmony import Chord
from engine.jazz.midi_read import Note

__all__ = ["guide_tones", "rootless_sets", "voicings", "lead_voicing", "comping_part", "LOW", "HIGH"]

LOW, HIGH = 48, 79  # the lowest voice from C3, the top voice up to G5
CENTRE = 62  # the middle of a comping hand: around D4
PUSH = 0.5  # an anticipation comes half a beat before the chord
GAP = 0.05


def guide_tones(chord: Chord) -> tuple[int, int]:
    """(3rd, 7th or 6th) as semitones above the root; a sus chord's 4th stands in for the 3rd.

    A triad gets the 6th (major) or the minor 7th (minor) a jazz pianist would add.
    """
    steps = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    third = 4 if 4 in steps else 3 if 3 in steps else 5 if 5 in steps else 2 if 2 in steps else 4
    if 11 in steps:
        seventh = 11
    elif 10 in steps:
        seventh = 10
    elif 9 in steps:
        seventh = 9
    else:
        seventh = 10 if third == 3 and 6 not in steps else 9
    return third, seventh


def rootless_sets(chord: Chord) -> list[frozenset[int]]:
    """Pitch-class sets of four (or three) tones to voice ``chord`` without its root."""
    steps = {(pc - chord.root) % 12 for pc in chord.pitch_classes}
    third, seventh = guide_tones(chord)
    fifth = 6 if 6 in steps and 7 not in steps else 8 if 8 in steps and 7 not in steps else 7
    if 1 in steps:
        ninth = 1
    elif 3 in steps and third == 4:
        ninth = 3  # the #9 of an altered dominant
    elif third == 3 and fifth == 6:
        ninth = 5  # half-diminished: the 11th, not the (clashing) 9th
    else:
        ninth = 2
    sets = [(third, fifth, seventh, ninth)]
    if third == 4 and seventh == 10 and fifth == 7:
        sets.append((third, 9, seventh, ninth))  # the dominant's 13th instead of its 5th
    if seventh == 9 and third == 3 and fifth == 6:  # diminished seventh: four minor thirds, root-free
        sets = [(3, 6, 9, 0)]
    return [frozenset((chord.root + s) % 12 for s in tones) for tones in sets]


@lru_cache(maxsize=1024)
def voicings(chord: Chord) -> list[tuple[int, ...]]:
    """Every close inversion of every rootless set whose notes lie in the comping register."""
    out = []
    for pcs in rootless_sets(chord):
        ordered = sorted(pcs)
        for bottom in ordered:
            rest = sorted(ordered, key=lambda pc: (pc - bottom) % 12)
            for low in range(LOW, HIGH + 1):
                if low % 12 != bottom:
                    continue
                pitches = tuple(low + (pc - bottom) % 12 for pc in rest)
                if pitches[-1] <= HIGH:
                    out.append(pitches)
    return out


def _movement(a: Sequence[int], b: Sequence[int]) -> float:
    """Voice-leading distance: the voices paired bottom to top (a shorter voicing's top doubles)."""
    n = max(len(a), len(b))
    a = list(a) + [a[-1]] * (n - len(a))
    b = list(b) + [b[-1]] * (n - len(b))
    return float(sum(abs(x - y) for x, y in zip(a, b, strict=True)))


@lru_cache(maxsize=8192)  # a tune repeats its progressions: each move is found once
def lead_voicing(chord: Chord, previous: tuple[int, ...] | None) -> tuple[int, ...]:
    """The voicing of ``chord`` that moves least from ``previous`` (the top voice counted twice)."""
    options = voicings(chord)
    if previous is None:
        return min(options, key=lambda v: (abs(sum(v) / len(v) - CENTRE), v))

    def cost(v: tuple[int, ...]) -> tuple[float, tuple[int, ...]]:
        return (_movement(previous, v) + abs(v[-1] - previous[-1]) + 0.5 * abs(sum(v) / len(v) - CENTRE), v)

    return min(options, key=cost)


def _harmony_end(spans: Sequence[Span], index: int) -> float:
    """Where the chord of span ``index`` stops sounding: the next span with another chord (bars of one chord run on)."""
    k = index
    while k + 1 < len(spans) and spans[k + 1].chord == spans[index].chord:
        k += 1
    return spans[k].end


def _hits(spans: Sequence[Span], style: Style, measure_length: float, measures: int,
          rng: np.random.Generator) -> list[tuple[float, float, int]]:
    """(start, length, span index) of each comping hit before swing, from the style's figures.

    A hit pushed by its figure -- or any off-beat hit half a beat before a chord change -- plays
    the coming chord (an anticipation) and is tied into it: the hit it anticipates is not played.
    """
    starts = np.array([s.start for s in spans])

    def span_at(t: float) -> int:
        return int(np.searchsorted(starts, t + 1e-9, side="right") - 1)

    weights = np.array(style.comp_weights) / sum(style.comp_weights)
    total = measures * measure_length
    figures: dict[float, int] = {}  # one figure per cell, drawn in time order (a long cell spans bars)
    hits: dict[float, tuple[float, int, bool]] = {}
    for m in range(measures):
        bar = m * measure_length
        for cell in cell_starts(bar, measure_length, style.comp_cell_beats):
            key = round(cell, 9)
            if key not in figures:
                figures[key] = int(rng.choice(len(weights), p=weights))
            for onset, length, push in style.comp_figures[figures[key]]:
                t = cell + onset
                if not bar - 1e-9 <= t < bar + measure_length - 1e-9:
                    continue
                ahead = t + PUSH < total - 1e-9
                off_beat = abs(t - round(t)) > 1e-9
                anticipates = ahead and (push or (off_beat and span_at(t + PUSH) != span_at(t)))
                hits[round(t, 9)] = (length, span_at(t + PUSH) if anticipates else span_at(t), anticipates)
    for t, (length, index, anticipates) in list(hits.items()):  # an anticipation is tied into the chord it
        if anticipates and t in hits:                               # anticipates, and held as long as that hit
            for u in [u for u in hits if t < u <= t + PUSH + 1e-9 and hits[u][1] == index]:
                length = max(length, u + hits.pop(u)[0] - t)
            hits[t] = (length, index, True)
    heard = {index for _, index, _ in hits.values()}
    for i, span in enumerate(spans):  # every chord is heard at least once
        if i not in heard:
            hits[round(span.start, 9)] = (span.end - span.start, i, False)
    return [(t, length, index) for t, (length, index, _) in sorted(hits.items())]


def comping_part(spans: Sequence[Span], style: Style, measure_length: float, measures: int, swing: float,
                 rng: np.random.Generator) -> list[Note]:
    """The comping notes: each hit a voicing held for its length, until the next hit, or until the chord
    changes under it -- then the next chord's voicing takes over for the rest of the length, as a pianist
    holding a chord moves with the harmony."""
    queue = _hits(spans, style, measure_length, measures, rng)
    total = measures * measure_length
    starts = np.array([s.start for s in spans])
    notes: list[Note] = []
    previous: tuple[int, ...] | None = None
    chord_voicing: dict[int, tuple[int, ...]] = {}
    k = 0
    while k < len(queue):
        t, length, index = queue[k]
        wanted = min(t + length, total)
        end = min(wanted, queue[k + 1][0] - GAP if k + 1 < len(queue) else total)
        change = _harmony_end(spans, index)
        if t < change < end - GAP:  # the harmony moves while the voicing is held
            following = int(np.searchsorted(starts, change + 1e-9, side="right") - 1)
            queue.insert(k + 1, (change, wanted - change, following))
            end = change - GAP
        if index not in chord_voicing:
            chord_voicing[index] = previous = lead_voicing(spans[index].chord, previous)
        start, stop = swing_time(t, swing), swing_time(end, swing)
        if stop - start > 1e-6:
            velocity = style.comp_velocity + int(rng.integers(-6, 7))
            notes.extend(Note(start, stop, p, velocity) for p in chord_voicing[index])
        k += 1
    return notes
