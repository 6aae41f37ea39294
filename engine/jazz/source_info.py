"""What a trained model remembers of its source, and the checks that make a saved one safe to load.

A model file is user input like any other: a JSON edited by hand, damaged, or
written by another program must give one clear sentence, never a traceback, a
hang (a 100000/1 time signature) or a silent absurdity (a negative tempo, a
reversed pitch range). :meth:`SourceInfo.from_json` checks every field's type
and range and raises :class:`ModelFileError` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.jazz.errors import ModelFileError
from engine.jazz.harmony import Chord

__all__ = ["Changes", "SourceInfo"]

Changes = tuple[tuple[Chord, ...], ...]  # per measure, the chords that split it evenly


def _fail(field_name: str, value, expected: str):
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise ModelFileError(f"The model's source description has {field_name} = {shown}; {expected}.")


def _int(data: dict, key: str, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        _fail(key, value, f"it must be a whole number from {low} to {high}")
    return value


def _int_list(value, key: str, low: int, high: int, length: int | None = None) -> tuple[int, ...]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        _fail(key, value, "it must be a list" + (f" of {length} whole numbers" if length else " of whole numbers"))
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            _fail(key, value, f"every entry must be a whole number from {low} to {high}")
    return tuple(value)


def _chord(value, key: str) -> Chord:
    if not isinstance(value, dict) or not isinstance(value.get("symbol"), str) or len(value["symbol"]) > 40:
        _fail(key, value, "each chord must have a symbol")
    _int(value, "root", 0, 11)
    pcs = _int_list(value.get("pitch_classes"), key + " pitch classes", 0, 11)
    if not pcs:
        _fail(key, value, "a chord needs at least one pitch class")
    return Chord.from_json(value)


def _text(data: dict, key: str, optional: bool = False) -> str | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or len(value) > 1000:
        _fail(key, value, "it must be a short text")
    return value


@dataclass(frozen=True)
class SourceInfo:
    """What a trained model remembers of the piece(s) it learnt from (saved with the model).

    chords          -- the first chord of each training measure, to improvise over "the source's changes"
    changes         -- every chord of each training measure (several split a measure evenly)
    token_indices   -- the training sequence, as vocabulary indices (primer windows are drawn from it)
    pitch_range     -- (low, high) MIDI range the generated melody keeps to
    bar_starts      -- the token index of every barline in ``token_indices`` (primers start on one)
    piece_bounds    -- the token range [start, end) of each source piece
    swing           -- the swing ratio detected in the source (None: not measurable)
    chords_inferred -- True when the chords were guessed from the melody itself
    tempo           -- BPM improvisations are played and exported at: the source's, or when it changes, the
                       median over the sources' playing time (:mod:`engine.jazz.tempo_map`)
    """

    name: str
    melody_index: int
    melody_name: str
    tempo: float
    time_signature: tuple[int, int]
    key: str | None
    pitch_range: tuple[int, int]
    chords: tuple[Chord, ...]
    token_indices: tuple[int, ...]
    bar_starts: tuple[int, ...] = ()
    piece_bounds: tuple[tuple[int, int], ...] = ()
    swing: float | None = None
    chords_inferred: bool = False
    changes: Changes = ()

    @property
    def measure_length(self) -> float:
        num, den = self.time_signature
        return num * 4.0 / den

    def to_json(self) -> dict:
        return {
            "name": self.name,
            "melody_index": self.melody_index,
            "melody_name": self.melody_name,
            "tempo": self.tempo,
            "time_signature": list(self.time_signature),
            "key": self.key,
            "pitch_range": list(self.pitch_range),
            "chords": [c.to_json() for c in self.chords],
            "token_indices": list(self.token_indices),
            "bar_starts": list(self.bar_starts),
            "piece_bounds": [list(b) for b in self.piece_bounds],
            "swing": self.swing,
            "chords_inferred": self.chords_inferred,
            "changes": [[c.to_json() for c in measure] for measure in self.changes],
        }

    @classmethod
    def from_json(cls, data: dict, vocabulary_size: int | None = None) -> SourceInfo:
        """Read and check what :meth:`to_json` wrote: every field typed and in range.

        vocabulary_size -- when given, every token index must be below it
        Raises :class:`ModelFileError` with one sentence for anything missing or absurd.
        Files written before bar_starts/piece_bounds/swing/changes existed read with defaults.
        """
        if not isinstance(data, dict):
            _fail("source", data, "it must be a JSON object")
        name = _text(data, "name")
        melody_name = _text(data, "melody_name")
        key = _text(data, "key", optional=True)
        melody_index = _int(data, "melody_index", 0, 10_000)
        tempo = data.get("tempo")
        if isinstance(tempo, bool) or not isinstance(tempo, (int, float)) or not 10.0 <= tempo <= 400.0:
            _fail("tempo", tempo, "it must be between 10 and 400 beats per minute")
        num, den = _int_list(data.get("time_signature"), "time_signature", 1, 32, length=2)
        if den & (den - 1):
            _fail("time_signature", data.get("time_signature"), "the denominator must be 1, 2, 4, 8, 16 or 32")
        low, high = _int_list(data.get("pitch_range"), "pitch_range", 0, 127, length=2)
        if not low < high:
            _fail("pitch_range", [low, high], "the lowest pitch must be below the highest")
        raw_chords = data.get("chords")
        if not isinstance(raw_chords, list) or not raw_chords:
            _fail("chords", raw_chords, "it must be a non-empty list of chords")
        chords = tuple(_chord(c, "chords") for c in raw_chords)
        top = (vocabulary_size - 1) if vocabulary_size is not None else 2**31
        indices = _int_list(data.get("token_indices"), "token_indices", 0, top)
        if not indices:
            _fail("token_indices", [], "the training sequence must not be empty")
        n = len(indices)
        bar_starts = _int_list(data.get("bar_starts", []), "bar_starts", 0, n - 1)
        if any(b <= a for a, b in zip(bar_starts, bar_starts[1:], strict=False)):
            _fail("bar_starts", list(bar_starts), "barlines must be in increasing order")
        raw_bounds = data.get("piece_bounds", [[0, n]])
        if not isinstance(raw_bounds, list) or not raw_bounds:
            _fail("piece_bounds", raw_bounds, "it must be a list of [start, end] token ranges")
        bounds = tuple(_int_list(b, "piece_bounds", 0, n, length=2) for b in raw_bounds)
        if bounds[0][0] != 0 or bounds[-1][1] != n or any(
            s >= e or (k and bounds[k - 1][1] != s) for k, (s, e) in enumerate(bounds)
        ):
            _fail("piece_bounds", raw_bounds, "the pieces must cover the training sequence end to end")
        swing = data.get("swing")
        if swing is not None and (
            isinstance(swing, bool) or not isinstance(swing, (int, float)) or not 0.5 <= swing <= 4.0
        ):
            _fail("swing", swing, "it must be a ratio between 0.5 and 4 or null")
        inferred = data.get("chords_inferred", False)
        if not isinstance(inferred, bool):
            _fail("chords_inferred", inferred, "it must be true or false")
        raw_changes = data.get("changes")
        if raw_changes is None:
            changes = tuple((c,) for c in chords)
        else:
            if not isinstance(raw_changes, list) or len(raw_changes) != len(chords):
                _fail("changes", raw_changes, f"it must list the chords of all {len(chords)} measures")
            for measure in raw_changes:
                if not isinstance(measure, list) or not 1 <= len(measure) <= 16:
                    _fail("changes", measure, "each measure must have from 1 to 16 chords")
            changes = tuple(tuple(_chord(c, "changes") for c in measure) for measure in raw_changes)
        return cls(
            name=name,
            melody_index=melody_index,
            melody_name=melody_name,
            tempo=float(tempo),
            time_signature=(num, den),
            key=key,
            pitch_range=(low, high),
            chords=chords,
            token_indices=indices,
            bar_starts=bar_starts,
            piece_bounds=bounds,
            swing=None if swing is None else float(swing),
            chords_inferred=inferred,
            changes=changes,
        )
