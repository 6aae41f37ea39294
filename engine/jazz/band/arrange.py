"""A rhythm section under a lead: the melody plus walking bass, comping and drums, as named tracks.

Reads any *lead* object with the agreed attributes -- ``melody``, ``changes``
(or ``chords``, one per measure), ``time_signature``, ``tempo``, ``key``,
``swing``, ``seed`` -- an :class:`engine.jazz.generate.Improvisation` or an
:class:`engine.jazz.leadsheet.Lead`. The same lead, style and seed always
give the same notes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from engine.jazz.band.bass import walking_bass
from engine.jazz.band.comping import comping_part
from engine.jazz.band.drums import drum_part
from engine.jazz.band.styles import STYLE_NAMES, style_named
from engine.jazz.band.timeline import chord_spans
from engine.jazz.errors import JazzError
from engine.jazz.gm import DRUM_CHANNEL
from engine.jazz.harmony import Chord, voicing
from engine.jazz.midi_read import Note

__all__ = ["TRACK_NAMES", "Track", "Arrangement", "arrange", "lead_changes", "parse_tracks"]

TRACK_NAMES = ("melody", "bass", "comping", "drums")
CHANNELS = {"melody": 0, "comping": 1, "bass": 2, "drums": DRUM_CHANNEL}
TITLES = {"melody": "Melody", "bass": "Bass", "comping": "Comping", "drums": "Drums"}
MELODY_PROGRAM = 26  # Electric Guitar (jazz)
BLOCK_VELOCITY = 64


@dataclass(frozen=True)
class Track:
    """One instrument: ``role`` is one of TRACK_NAMES; ``title`` the track name a DAW shows."""

    role: str
    title: str
    program: int
    channel: int
    notes: tuple[Note, ...]

    @property
    def is_drums(self) -> bool:
        return self.channel == DRUM_CHANNEL


@dataclass(frozen=True)
class Arrangement:
    tracks: tuple[Track, ...]
    time_signature: tuple[int, int]
    tempo: float
    key: str | None
    measures: int
    style: str
    swing: float

    @property
    def measure_length(self) -> float:
        num, den = self.time_signature
        return num * 4.0 / den

    @property
    def length(self) -> float:
        return self.measures * self.measure_length

    def track(self, role: str) -> Track | None:
        return next((t for t in self.tracks if t.role == role), None)


def lead_changes(lead) -> tuple[tuple[Chord, ...], ...]:
    """The lead's changes per measure: ``.changes`` when it has them, else its one chord per measure."""
    changes = getattr(lead, "changes", None)
    if changes:
        return tuple(tuple(bar) for bar in changes)
    return tuple((chord,) for chord in lead.chords)


def parse_tracks(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """"melody,bass" or a sequence of names -> the names in the standard order; None = all four."""
    if value is None:
        return TRACK_NAMES
    names = [v.strip().lower() for v in (value.split(",") if isinstance(value, str) else value) if v.strip()]
    unknown = [n for n in names if n not in TRACK_NAMES]
    if unknown or not names:
        raise JazzError(f"Tracks are chosen from {', '.join(TRACK_NAMES)} (comma-separated); "
                        f"{'got ' + ', '.join(unknown) if unknown else 'none was given'}.")
    return tuple(n for n in TRACK_NAMES if n in names)


def _measures(lead, changes, measure_length: float) -> int:
    end = max((n.end for n in lead.melody), default=0.0)
    return max(len(changes), math.ceil(end / measure_length - 1e-9))


def _swing(style, lead, swing: float | None) -> float:
    if style.swing == 1.0:
        return 1.0  # straight styles stay straight
    if swing is not None:
        return float(swing)
    lead_swing = getattr(lead, "swing", None)
    return float(lead_swing) if lead_swing and lead_swing > 1.0 else style.swing


def _block_chords(spans) -> list[Note]:
    """style "none": each chord held as a close voicing for as long as it lasts (the studio's old chord track)."""
    return [Note(s.start, s.end, p, BLOCK_VELOCITY) for s in spans for p in voicing(s.chord, 48)]


def arrange(lead, style: str = "swing", tracks: str | Iterable[str] | None = None, seed: int | None = None,
            swing: float | None = None) -> Arrangement:
    """The lead's melody and a rhythm section in ``style`` (one of STYLE_NAMES), keeping ``tracks``.

    seed  -- None = the lead's own seed, so an improvisation always gets the same band
    swing -- long/short eighth ratio for a swinging style; None = the lead's, else the style's
    style "none" has no rhythm section: the chords are held as blocks in the comping track ("Chords").
    """
    roles = parse_tracks(tracks)
    if style not in STYLE_NAMES:
        style_named(style)  # raises the one-line message
    changes = lead_changes(lead)
    num, den = lead.time_signature
    measure_length = num * 4.0 / den
    if not changes:
        raise JazzError("There are no chords to accompany.")
    measures = _measures(lead, changes, measure_length)
    rng = np.random.default_rng([int(seed if seed is not None else getattr(lead, "seed", 0) or 0), 11])
    built: list[Track] = []
    if style == "none":
        spans = chord_spans(changes, measure_length, len(changes))
        parts = {"melody": list(lead.melody), "comping": _block_chords(spans)}
        programs = {"melody": MELODY_PROGRAM, "comping": 0}
        ratio = 1.0
        titles = {**TITLES, "comping": "Chords"}
    else:
        chosen = style_named(style)
        ratio = _swing(chosen, lead, swing)
        spans = chord_spans(changes, measure_length, measures)
        # each part draws from its own stream, so dropping one never changes the others
        streams = {role: np.random.default_rng(rng.integers(2**63)) for role in ("bass", "comping", "drums")}
        parts = {
            "melody": list(lead.melody),
            "bass": walking_bass(spans, chosen, measure_length, streams["bass"]),
            "comping": comping_part(spans, chosen, measure_length, measures, ratio, streams["comping"]),
            "drums": drum_part(measure_length, measures, chosen, ratio, streams["drums"]),
        }
        programs = {"melody": MELODY_PROGRAM, "bass": chosen.bass_program, "comping": chosen.comp_program,
                    "drums": 0}
        titles = TITLES
    for role in roles:
        if role in parts:
            built.append(Track(role, titles[role], programs[role], CHANNELS[role], tuple(parts[role])))
    key = getattr(lead, "key", None)
    return Arrangement(tuple(built), (num, den), float(lead.tempo), key, measures, style, ratio)
