"""The training corpus: melodies as grammar tokens, their shared vocabulary, phrases and one-hot windows.

One or several pieces (MIDI files) make one corpus: each piece's melody is
tokenised over its own chords and the token sequences are laid end to end
over one vocabulary. The course's model reads windows of ``T_x`` consecutive
tokens, one-hot encoded, and learns to predict each next token:

    X  shape (m, T_x, n_values)   X[i, t] = one_hot(token[s_i + t])
    Y  shape (T_x, m, n_values)   Y[t, i] = one_hot(token[s_i + t + 1])

(the course's Y is time-major because its model has one output per step).
Windows start every ``stride`` tokens and never cross from one piece into
the next. Unlike the course, every window is taken from ``T_x + 1`` real
tokens, so the last step has a real target too.

The corpus also knows its musical structure: where each barline falls in the
token sequence (``bar_starts``), each piece's token range (``pieces``), and
its *phrases* -- runs of a few whole measures split where the melody breathes
-- so that a held-out split can keep whole phrases apart.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine.jazz.errors import CorpusError
from engine.jazz.grammar import Token, encode
from engine.jazz.harmony import Chord, measure_chords, melody_chords, parse_chord_symbols
from engine.jazz.melody import STEPS, describe_grid, melody_line, melody_part, played_grid
from engine.jazz.meter import measure_spans
from engine.jazz.midi_read import Note, Song
from engine.jazz.source_info import Changes, SourceInfo
from engine.jazz.swing import swing_of, swing_ratio

__all__ = ["Measure", "Piece", "SourceInfo", "Corpus", "build_corpus", "one_hot", "Changes"]

DEFAULT_T_X = 30
PLAYABLE = (40, 96)  # the generated melody never leaves E2..C7, whatever the source does
PHRASE_BARS = (2, 8)  # a phrase is at least two measures and at most eight
BREATH = 1.0  # a rest this long (quarter notes) at a barline, or a silent measure, ends a phrase

_HARMONY_WORDS = {"accompaniment": "from the accompaniment", "melody": "inferred from the melody", "typed": "typed"}


@dataclass(frozen=True)
class Measure:
    """One measure of a source: where it is, its chord(s), the melody notes and their tokens.

    chord  -- the measure's (first) chord
    chords -- all its chords, splitting it evenly (one for most measures)
    piece  -- which piece of the corpus it comes from (0 for the first)
    """

    number: int  # 1-based measure number in the source file
    start: float
    length: float
    chord: Chord
    notes: tuple[Note, ...]
    tokens: tuple[Token, ...]
    piece: int = 0
    chords: tuple[Chord, ...] = ()


@dataclass(frozen=True)
class Piece:
    """One source file of a corpus.

    start, end       -- its token range [start, end) in :attr:`Corpus.indices`
    measures         -- how many measures of it are learnt
    swing            -- its melody's swing ratio (None: too few eighth pairs to tell)
    grid             -- positions inside a beat (twelfths) its melody plays: (0, 3, 6, 9) sixteenths,
                        (0, 4, 6, 8) triplets and eighths...
    triplet_share    -- share of its melody's notes that start on a triplet position (1/3, 2/3 of a beat)
    harmony_from     -- "accompaniment", "melody" (inferred from the melody alone) or "typed"
    """

    name: str
    melody_index: int
    melody_name: str
    start: int
    end: int
    measures: int
    swing: float | None
    grid: tuple[int, ...]
    triplet_share: float
    harmony_from: str

    @property
    def token_count(self) -> int:
        return self.end - self.start

    @property
    def chords_inferred(self) -> bool:
        return self.harmony_from == "melody"


def one_hot(indices: np.ndarray, n_values: int) -> np.ndarray:
    """One-hot rows: shape indices.shape + (n_values,), float32."""
    out = np.zeros(indices.shape + (n_values,), dtype=np.float32)
    np.put_along_axis(out, indices[..., None], 1.0, axis=-1)
    return out


# ---- the corpus ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Corpus:
    """Melodies as one token sequence over a shared vocabulary, ready to train on.

    songs         -- the source pieces, in order (``song`` is the first)
    pieces        -- per piece: name, melody part, token range, measures, swing, grid, harmony
    bar_starts    -- token index of every barline in ``indices`` (the first token of each measure)
    phrases       -- token ranges [start, end) of musical phrases: whole measures inside one piece,
                     a few bars long, split where the melody rests; they cover every piece end to end
    swing         -- the swing ratio of all the melodies together (None: too few eighth pairs)
    chords_inferred -- True when some piece's chords were guessed from its melody (see ``warnings``)
    """

    songs: tuple[Song, ...]
    measures: tuple[Measure, ...]
    vocabulary: tuple[str, ...]
    indices: np.ndarray  # shape (n_tokens,), int: the token sequence as vocabulary indices
    time_signature: tuple[int, int]
    pitch_range: tuple[int, int]
    pieces: tuple[Piece, ...]
    bar_starts: tuple[int, ...]
    phrases: tuple[tuple[int, int], ...]
    swing: float | None
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def song(self) -> Song:
        return self.songs[0]

    @property
    def melody_index(self) -> int:
        """The melody part of the first piece (see ``pieces`` for the others)."""
        return self.pieces[0].melody_index

    @property
    def chords_inferred(self) -> bool:
        return any(p.chords_inferred for p in self.pieces)

    @property
    def harmony_from(self) -> str:
        """Where the first piece's chords come from: "accompaniment", "melody" or "typed"."""
        return self.pieces[0].harmony_from

    @property
    def changes(self) -> Changes:
        return tuple(m.chords for m in self.measures)

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
        """The melody lines the tokens were made from (on the grid, monophonic), piece after piece."""
        return [n for m in self.measures for n in m.notes]

    @property
    def triplet_share(self) -> float:
        """Share of melody notes that start on a triplet position (1/3 or 2/3 of a beat)."""
        return _triplet_share(self.melody_notes)

    def window_starts(
        self,
        t_x: int = DEFAULT_T_X,
        stride: int = 1,
        limit: int | None = None,
        seed: int = 0,
        ranges: Sequence[tuple[int, int]] | None = None,
    ) -> np.ndarray:
        """Start index of every training window (or of ``limit`` of them drawn at random with ``seed``).

        ranges -- token ranges [start, end) the windows must lie inside (default: each piece), e.g.
                  the training phrases of a held-out split; a window (T_x + 1 tokens) never crosses
                  the end of its range, so never a piece boundary
        """
        if t_x < 1 or stride < 1:
            raise CorpusError("The window length and the stride must be at least 1.")
        if ranges is None:
            ranges = [(p.start, p.end) for p in self.pieces]
        starts = np.concatenate([np.arange(s, e - t_x, stride) for s, e in ranges] or [np.zeros(0)]).astype(np.int64)
        if starts.size == 0:
            longest = max((e - s for s, e in ranges), default=0)
            raise CorpusError(
                f"The melody has only {longest} tokens in one piece; training windows of T_x = {t_x} need at "
                f"least {t_x + 1}. Choose a longer melody or a shorter window."
            )
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

    @property
    def tempo(self) -> float:
        """The median tempo over the playing time of all the pieces (one tempo: the improvisation's)."""
        from engine.jazz.tempo_map import median_tempo

        median = median_tempo(segment for song in self.songs for segment in song.tempo_segments)
        return self.song.tempo if median is None else median

    def source_info(self) -> SourceInfo:
        first = self.pieces[0]
        name = first.name if len(self.pieces) == 1 else " + ".join(p.name for p in self.pieces)
        return SourceInfo(
            name=name,
            melody_index=first.melody_index,
            melody_name=first.melody_name,
            tempo=round(min(max(self.tempo, 10.0), 400.0), 3),
            time_signature=self.time_signature,
            key=self.song.key,
            pitch_range=self.pitch_range,
            chords=tuple(m.chord for m in self.measures),
            token_indices=tuple(int(i) for i in self.indices),
            bar_starts=self.bar_starts,
            piece_bounds=tuple((p.start, p.end) for p in self.pieces),
            swing=None if self.swing is None else min(max(self.swing, 0.5), 4.0),
            chords_inferred=self.chords_inferred,
            changes=self.changes,
        )

    def describe(self) -> list[str]:
        """What `jazz parts` and the tab show about the corpus, one line per fact."""
        from engine.jazz.swing import describe_swing

        num, den = self.time_signature
        lines = [
            f"{len(self.pieces)} piece(s), {len(self.measures)} measures of {num}/{den}, "
            f"{self.token_count} tokens, vocabulary {self.vocab_size}, {len(self.phrases)} phrases",
            f"swing: {describe_swing(self.swing)}; triplet-position notes: {self.triplet_share:.0%}",
        ]
        for p in self.pieces:
            lines.append(
                f"{p.name}: melody part {p.melody_index} '{p.melody_name}', {p.measures} measures, "
                f"{p.token_count} tokens, rhythm in {describe_grid(p.grid)} ({p.triplet_share:.0%} of notes on "
                f"triplets), {describe_swing(p.swing)}, chords {_HARMONY_WORDS[p.harmony_from]}"
            )
        return lines


# ---- building it --------------------------------------------------------------------------------------------


def _triplet_share(notes: Sequence[Note]) -> float:
    """Share of ``notes`` starting on a triplet position: 1/3 or 2/3 of a beat (4 or 8 twelfths)."""
    if not notes:
        return 0.0
    return sum(round(n.start * STEPS) % STEPS in (4, 8) for n in notes) / len(notes)


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


def _typed_changes(chords) -> list[tuple[Chord, ...]]:
    """Typed chords as changes per measure: lead-sheet text, or a list of Chords or tuples of Chords."""
    from engine.jazz import harmony

    if isinstance(chords, str):
        parse = getattr(harmony, "parse_changes", None)  # bars with several chords, where available
        parsed = parse(chords) if parse is not None else parse_chord_symbols(chords)
        return [tuple(m) if not isinstance(m, Chord) else (m,) for m in parsed]
    return [(c,) if isinstance(c, Chord) else tuple(c) for c in chords]


def _grid_spans(song: Song) -> tuple[list[tuple[float, float]], list[tuple[int, int]]]:
    """Measures (start, length) with barlines on the twelfth grid, and the time signature of each.

    A barline that falls between two twelfths (a 1/32 bar is a twelfth and a half) is rounded;
    a measure rounded away to nothing joins the next.
    """
    signatures = song.time_signatures
    sig_starts = [ts.start for ts in signatures]
    spans, meters = [], []
    for start, length in measure_spans(signatures, song.length):
        a, b = round(start * STEPS), round((start + length) * STEPS)
        if b <= a:
            continue
        if spans and round(spans[-1][0] * STEPS + spans[-1][1] * STEPS) != a:  # a measure was dropped before
            a = round((spans[-1][0] + spans[-1][1]) * STEPS)
        ts = signatures[max(0, bisect_right(sig_starts, start + 1e-9) - 1)]
        spans.append((a / STEPS, (b - a) / STEPS))
        meters.append((ts.numerator, ts.denominator))
    return spans, meters


def _phrases(measures: Sequence[Measure], bar_starts: Sequence[int], end: int) -> list[tuple[int, int]]:
    """Phrases of one piece as token ranges: runs of PHRASE_BARS measures, cut at a breath.

    A phrase ends at a barline where the melody rests at least BREATH quarter notes around it
    (or after a silent measure), once it has its minimum length; a phrase that reaches the
    maximum without such a breath is cut at the barline with the longest rest around it.
    """
    shortest, longest = PHRASE_BARS

    def rest_around(k: int) -> float:
        """Rest at the end of measure k - 1 plus at the start of measure k; a held note is no breath."""
        before, after = measures[k - 1].tokens, measures[k].tokens
        if after and after[0].tied:
            return 0.0
        rest = before[-1].duration if before and before[-1].is_rest else 0.0
        return rest + (after[0].duration if after and after[0].is_rest else 0.0)

    def breath(k: int) -> bool:
        silent_before = all(t.is_rest for t in measures[k - 1].tokens)
        silent_after = all(t.is_rest for t in measures[k].tokens)  # a silence ends the phrase before it
        return silent_before or (rest_around(k) >= BREATH and not silent_after)

    out, first, k = [], 0, 1
    while k < len(measures):
        bars = k - first
        if bars >= shortest and breath(k):
            cut = k
        elif bars >= longest:  # no breath in time: cut at the longest rest since the shortest phrase
            cut = max(range(first + shortest, k + 1), key=lambda b: (rest_around(b), b))
        else:
            k += 1
            continue
        out.append((bar_starts[first], bar_starts[cut]))
        first, k = cut, cut + 1
    if out and len(measures) - first < shortest:  # a short tail joins the phrase before
        first = bisect_left(bar_starts, out.pop()[0])
    out.append((bar_starts[first], end))
    return out


def _piece_measures(song: Song, melody: int | None, typed, number: int, warnings: list[str]):
    """The measures of one song, its melody line and facts (before the vocabulary is known)."""
    part = melody_part(song, melody)
    grid = played_grid([n.start for n in part.notes])
    line = melody_line(part, grid)
    spans, meters = _grid_spans(song)
    if typed is not None:
        changes = _typed_changes(typed)
        if not changes:
            raise CorpusError("There are no typed chords to learn over.")
        per_measure = [changes[k % len(changes)] for k in range(len(spans))]
        harmony_from = "typed"
    else:
        accompaniment = [p.notes for p in song.parts if not p.is_drums and p.index != part.index]
        chords = _fill_gaps(measure_chords(accompaniment, spans)) if accompaniment else None
        harmony_from = "accompaniment"
        if chords is None:
            chords = _fill_gaps(melody_chords(line, spans))
            harmony_from = "melody"
            warnings.append(
                f"{song.name} has no part playing chords under its melody, so the chords were inferred from the "
                "melody itself and may be wrong; type the chords (one per measure) to learn over the real changes."
            )
        assert chords is not None  # the melody has notes
        per_measure = [(c,) for c in chords]

    tokens = encode(line, spans, per_measure)
    onsets = [n.start for n in line]
    starts = np.array([s for s, _ in spans])
    busy = np.zeros(len(spans), dtype=bool)
    for note in line:  # a measure is busy when a note starts in it or is held into it
        first = int(np.searchsorted(starts, note.start, side="right")) - 1
        last = int(np.searchsorted(starts, note.end - 1e-9, side="right")) - 1
        busy[first : last + 1] = True
    first, last = int(np.argmax(busy)), len(busy) - 1 - int(np.argmax(busy[::-1]))
    measures: list[Measure] = []
    kept_meters: list[tuple[int, int]] = []
    for k in range(first, last + 1):
        if not busy[k] and k > 0 and not busy[k - 1]:
            continue  # the second and later measures of a silence
        start, length = spans[k]
        notes = tuple(line[bisect_left(onsets, start) : bisect_left(onsets, start + length)])
        chords = per_measure[k]
        measures.append(Measure(k + 1, start, length, chords[0], notes, tuple(tokens[k]), number, tuple(chords)))
        kept_meters.append(meters[k])
    facts = dict(
        name=song.name,
        melody_index=part.index,
        melody_name=part.name,
        swing=swing_ratio(part.notes),
        grid=grid,
        triplet_share=_triplet_share(line),
        harmony_from=harmony_from,
    )
    return measures, kept_meters, line, part.notes, facts


def build_corpus(
    songs: Song | Sequence[Song],
    melody: int | None | Sequence[int | None] = None,
    chords=None,
) -> Corpus:
    """Turn one or several songs into grammar tokens over one shared vocabulary.

    songs  -- a Song, or several (each piece's tokens follow the previous piece's)
    melody -- the melody part: None for the automatic pick, an index, or one of these per song
    chords -- typed chords that replace the ones read from the file: lead-sheet text or a list with
              per measure a Chord or a tuple of Chords splitting it (looped over the piece); for several
              songs, text applies to all, or a list with one such entry (or None) per song
    Each melody is taken over the chords of its song's other pitched parts, measure by measure from
    the file's time signatures; with no other part, chords are inferred from the melody (with a
    warning). Measures before a melody's first note and after its last are left out, and a long
    silence counts as one empty measure (a phrase break), so the model does not learn mostly rests.
    """
    songs = (songs,) if isinstance(songs, Song) else tuple(songs)
    if not songs:
        raise CorpusError("No pieces were given to learn from.")
    melodies = list(melody) if isinstance(melody, (list, tuple)) else [melody] * len(songs)
    if len(melodies) != len(songs):
        raise CorpusError(f"{len(melodies)} melody choices were given for {len(songs)} pieces; give one per piece.")
    if len(songs) == 1 or isinstance(chords, str):
        typed = [chords] * len(songs)
    elif chords is None:
        typed = [None] * len(songs)
    else:
        typed = list(chords)
        if len(typed) != len(songs):
            raise CorpusError(f"Typed chords were given for {len(typed)} pieces out of {len(songs)}; give one per piece.")

    warnings: list[str] = []
    measures: list[Measure] = []
    meters: list[tuple[int, int]] = []
    facts, lines, played = [], [], []
    for number, (song, choice, changes) in enumerate(zip(songs, melodies, typed, strict=True)):
        warnings.extend(f"{song.name}: {w}" if len(songs) > 1 else w for w in song.warnings)
        piece_measures, piece_meters, line, raw, info = _piece_measures(song, choice, changes, number, warnings)
        measures.extend(piece_measures)
        meters.extend(piece_meters)
        facts.append((info, len(piece_measures)))
        lines.extend(line)
        played.append(raw)

    token_strings = [str(t) for m in measures for t in m.tokens]
    vocabulary = tuple(sorted(set(token_strings)))
    lookup = {tok: i for i, tok in enumerate(vocabulary)}
    indices = np.array([lookup[t] for t in token_strings], dtype=np.int64)
    bar_starts = tuple(int(x) for x in np.cumsum([0] + [len(m.tokens) for m in measures[:-1]]))

    pieces, phrases, first_measure = [], [], 0
    for info, count in facts:
        start = bar_starts[first_measure]
        end = bar_starts[first_measure + count] if first_measure + count < len(measures) else len(indices)
        pieces.append(Piece(start=start, end=end, measures=count, **info))
        own = bar_starts[first_measure : first_measure + count]
        phrases.extend(_phrases(measures[first_measure : first_measure + count], own, end))
        first_measure += count

    return Corpus(
        songs=songs,
        measures=tuple(measures),
        vocabulary=vocabulary,
        indices=indices,
        time_signature=Counter(meters).most_common(1)[0][0],
        pitch_range=_playable_range(lines),
        pieces=tuple(pieces),
        bar_starts=bar_starts,
        phrases=tuple(phrases),
        swing=swing_of(played),
        warnings=tuple(warnings),
    )
