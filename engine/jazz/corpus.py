"""The training corpus: a melody as grammar tokens, its vocabulary, and one-hot training windows.

The course's model reads windows of ``T_x`` consecutive tokens, one-hot
encoded, and learns to predict each next token:

    X  shape (m, T_x, n_values)   X[i, t] = one_hot(token[s_i + t])
    Y  shape (T_x, m, n_values)   Y[t, i] = one_hot(token[s_i + t + 1])

(the course's Y is time-major because its model has one output per step).
Windows start every ``stride`` tokens. Unlike the course, every window is
taken from ``T_x + 1`` real tokens, so the last step has a real target too.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.jazz.errors import CorpusError
from engine.jazz.grammar import Token, encode
from engine.jazz.harmony import Chord, measure_chords
from engine.jazz.melody import GRID, melody_line, melody_part
from engine.jazz.meter import measure_spans
from engine.jazz.midi_read import Note, Song

__all__ = ["Measure", "SourceInfo", "Corpus", "build_corpus", "one_hot"]

DEFAULT_T_X = 30
PLAYABLE = (40, 96)  # the generated melody never leaves E2..C7, whatever the source does


@dataclass(frozen=True)
class Measure:
    """One measure of the source: where it is, its chord, the melody notes and their tokens."""

    number: int  # 1-based measure number in the source file
    start: float
    length: float
    chord: Chord
    notes: tuple[Note, ...]
    tokens: tuple[Token, ...]


@dataclass(frozen=True)
class SourceInfo:
    """What a trained model remembers of the piece it learnt from (saved with the model).

    chords        -- the chord of each training measure, to improvise over "the source's changes"
    token_indices -- the training sequence, as vocabulary indices (primer windows are drawn from it)
    pitch_range   -- (low, high) MIDI range the generated melody keeps to
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
        }

    @classmethod
    def from_json(cls, data: dict) -> SourceInfo:
        num, den = (int(v) for v in data["time_signature"])
        low, high = (int(v) for v in data["pitch_range"])
        return cls(
            name=str(data["name"]),
            melody_index=int(data["melody_index"]),
            melody_name=str(data["melody_name"]),
            tempo=float(data["tempo"]),
            time_signature=(num, den),
            key=None if data.get("key") is None else str(data["key"]),
            pitch_range=(low, high),
            chords=tuple(Chord.from_json(c) for c in data["chords"]),
            token_indices=tuple(int(i) for i in data["token_indices"]),
        )


def one_hot(indices: np.ndarray, n_values: int) -> np.ndarray:
    """One-hot rows: shape indices.shape + (n_values,), float32."""
    out = np.zeros(indices.shape + (n_values,), dtype=np.float32)
    np.put_along_axis(out, indices[..., None], 1.0, axis=-1)
    return out


@dataclass(frozen=True)
class Corpus:
    """A melody as a token sequence over a vocabulary, ready to train on."""

    song: Song
    melody_index: int
    measures: tuple[Measure, ...]
    vocabulary: tuple[str, ...]
    indices: np.ndarray  # shape (n_tokens,), int: the token sequence as vocabulary indices
    time_signature: tuple[int, int]
    pitch_range: tuple[int, int]
    harmony_from: str  # "accompaniment" or "melody" (when the file has no other pitched part)
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tokens(self) -> list[str]:
        return [self.vocabulary[i] for i in self.indices]

    @property
    def vocab_size(self) -> int:
        return len(self.vocabulary)

    @property
    def token_count(self) -> int:
        return int(self.indices.size)

    @property
    def melody_notes(self) -> list[Note]:
        """The melody line the tokens were made from (grid-snapped, monophonic)."""
        return [n for m in self.measures for n in m.notes]

    def window_starts(self, t_x: int = DEFAULT_T_X, stride: int = 1, limit: int | None = None, seed: int = 0) -> np.ndarray:
        """Start index of every training window (or of ``limit`` of them drawn at random with ``seed``)."""
        if t_x < 1 or stride < 1:
            raise CorpusError("The window length and the stride must be at least 1.")
        if self.token_count < t_x + 1:
            raise CorpusError(
                f"The melody has only {self.token_count} tokens; training windows of T_x = {t_x} need at "
                f"least {t_x + 1}. Choose a longer melody or a shorter window."
            )
        starts = np.arange(0, self.token_count - t_x, stride)
        if limit is not None and limit < starts.size:
            rng = np.random.default_rng(seed)
            starts = np.sort(rng.choice(starts, size=limit, replace=False))
        return starts

    def windows_batch(self, starts: np.ndarray, t_x: int) -> tuple[np.ndarray, np.ndarray]:
        """Batch-major one-hot windows: inputs and next-token targets, both (len(starts), T_x, n_values)."""
        grid = starts[:, None] + np.arange(t_x + 1)[None, :]
        seq = one_hot(self.indices[grid], self.vocab_size)
        return seq[:, :-1], seq[:, 1:]

    def windows(
        self, t_x: int = DEFAULT_T_X, stride: int = 1, limit: int | None = None, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """The course's training data: X (m, T_x, n_values) and Y (T_x, m, n_values)."""
        x, y = self.windows_batch(self.window_starts(t_x, stride, limit, seed), t_x)
        return x, np.swapaxes(y, 0, 1)

    def source_info(self) -> SourceInfo:
        melody = self.song.parts[self.melody_index]
        return SourceInfo(
            name=self.song.name,
            melody_index=self.melody_index,
            melody_name=melody.name,
            tempo=round(self.song.tempo, 3),
            time_signature=self.time_signature,
            key=self.song.key,
            pitch_range=self.pitch_range,
            chords=tuple(m.chord for m in self.measures),
            token_indices=tuple(int(i) for i in self.indices),
        )


def _fill_gaps(chords: Sequence[Chord | None]) -> list[Chord] | None:
    """Silent measures take the chord before them (or, at the start, the first chord heard)."""
    first = next((c for c in chords if c is not None), None)
    if first is None:
        return None
    out, last = [], first
    for c in chords:
        last = c if c is not None else last
        out.append(last)
    return out


def _playable_range(notes: Sequence[Note]) -> tuple[int, int]:
    """The source melody's range, widened to at least an octave and a half and kept playable."""
    low = min(n.pitch for n in notes)
    high = max(n.pitch for n in notes)
    while high - low < 18:
        low, high = low - 1, high + 1
    return max(PLAYABLE[0], low), min(PLAYABLE[1], high)


def build_corpus(song: Song, melody: int | None = None) -> Corpus:
    """Turn ``song`` into grammar tokens: melody ``melody`` (automatic pick when None) over the
    chords of the other pitched parts, measure by measure from the file's time signatures.

    Measures before the melody's first note and after its last are left out, and a long
    silence of the melody counts as one empty measure (a phrase break), so the model does
    not learn mostly rests.
    """
    part = melody_part(song, melody)
    line = melody_line(part)
    spans = measure_spans(song.time_signatures, song.length)
    # Snap barlines to the grid too, so that every token duration is a whole number of sixteenths.
    spans = [(round(s / GRID) * GRID, max(GRID, round(n / GRID) * GRID)) for s, n in spans]
    warnings = list(song.warnings)

    accompaniment = [p.notes for p in song.parts if not p.is_drums and p.index != part.index]
    chords = _fill_gaps(measure_chords(accompaniment, spans)) if accompaniment else None
    harmony_from = "accompaniment"
    if chords is None:
        chords = _fill_gaps(measure_chords([part.notes], spans))
        harmony_from = "melody"
        warnings.append("No other pitched part plays; the chords are taken from the melody itself.")
    assert chords is not None  # the melody has notes

    per_measure = encode(line, spans, chords)
    onsets = [n.start for n in line]
    starts = np.array([s for s, _ in spans])
    busy = np.zeros(len(spans), dtype=bool)
    for note in line:
        busy[int(np.searchsorted(starts, note.start, side="right")) - 1] = True
    first, last = int(np.argmax(busy)), len(busy) - 1 - int(np.argmax(busy[::-1]))

    measures: list[Measure] = []
    for k in range(first, last + 1):
        if not busy[k] and k > 0 and not busy[k - 1]:
            continue  # the second and later measures of a silence
        start, length = spans[k]
        notes = tuple(line[bisect_left(onsets, start) : bisect_left(onsets, start + length)])
        measures.append(Measure(k + 1, start, length, chords[k], notes, tuple(per_measure[k])))

    token_strings = [str(t) for m in measures for t in m.tokens]
    vocabulary = tuple(sorted(set(token_strings)))
    lookup = {tok: i for i, tok in enumerate(vocabulary)}
    indices = np.array([lookup[t] for t in token_strings], dtype=np.int64)

    lengths = Counter(m.length for m in measures)
    common = lengths.most_common(1)[0][0]
    signature = next(
        ((ts.numerator, ts.denominator) for ts in song.time_signatures if abs(ts.measure_length - common) < 1e-9),
        (int(round(common / 0.25)), 16) if common % 1 else (int(common), 4),
    )
    return Corpus(
        song=song,
        melody_index=part.index,
        measures=tuple(measures),
        vocabulary=vocabulary,
        indices=indices,
        time_signature=signature,
        pitch_range=_playable_range(line),
        harmony_from=harmony_from,
        warnings=tuple(warnings),
    )
