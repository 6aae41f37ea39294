"""Learning from several files at once: the MIDI files named (or found in a folder) as one corpus.

More solos give the model more to generalise from and less to copy. Each file
stays a piece of its own: training windows and held-out phrases never cross
from one piece into the next (see :mod:`engine.jazz.split`).
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.jazz.corpus import Corpus, build_corpus
from engine.jazz.errors import CorpusError, MidiReadError
from engine.jazz.midi_read import Song

__all__ = ["MIDI_SUFFIXES", "MAX_FILES", "midi_files", "corpus_of"]

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
MAX_FILES = 200


def midi_files(paths: Sequence[str | os.PathLike]) -> list[Path]:
    """The MIDI files named in ``paths``, a folder standing for the MIDI files directly inside it."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in MIDI_SUFFIXES and p.is_file())
            if not found:
                raise MidiReadError(f"The folder {path} holds no MIDI files (.mid, .midi).")
            out.extend(found)
        else:
            out.append(path)
    if len(out) > MAX_FILES:
        raise MidiReadError(f"{len(out)} MIDI files is too many to learn from at once; choose at most {MAX_FILES}.")
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class _SeveralPieces(Corpus):
    """A corpus made of several pieces laid end to end (``pieces``: token range of each)."""

    pieces: tuple[dict, ...] = ()


def _takes_several() -> bool:
    return "songs" in inspect.signature(build_corpus).parameters


def corpus_of(songs: Sequence[Song], melodies: Sequence[int | None] | None = None) -> Corpus:
    """One corpus of every song's melody (``melodies``: one part index or None per song)."""
    songs = list(songs)
    if not songs:
        raise CorpusError("There is no music to learn from.")
    melodies = list(melodies) if melodies is not None else [None] * len(songs)
    if len(melodies) != len(songs):
        raise CorpusError(f"Give one melody part per file: {len(songs)} files, {len(melodies)} parts.")
    if len(songs) == 1 and not _takes_several():
        return build_corpus(songs[0], melodies[0])
    if _takes_several():
        return build_corpus(songs, melody=melodies)
    corpora = [build_corpus(song, melody) for song, melody in zip(songs, melodies, strict=True)]
    return _merge(corpora)


def _merge(corpora: list[Corpus]) -> Corpus:
    """Several single-piece corpora as one: a common vocabulary, the token sequences end to end."""
    first = corpora[0]
    vocabulary = tuple(sorted({t for c in corpora for t in c.vocabulary}))
    lookup = {t: i for i, t in enumerate(vocabulary)}
    parts, pieces, at = [], [], 0
    for c in corpora:
        remap = np.array([lookup[t] for t in c.vocabulary], dtype=np.int64)
        parts.append(remap[c.indices])
        pieces.append({"name": c.song.name, "tokens": (at, at + c.token_count), "measures": len(c.measures)})
        at += c.token_count
    warnings = [f"{c.song.name}: {w}" for c in corpora for w in c.warnings]
    signatures = {c.time_signature for c in corpora}
    if len(signatures) > 1:
        warnings.append(
            "The files are in different meters (" + ", ".join(f"{n}/{d}" for n, d in sorted(signatures)) + "); "
            f"the model improvises in {first.time_signature[0]}/{first.time_signature[1]}."
        )
    return _SeveralPieces(
        song=first.song,
        melody_index=first.melody_index,
        measures=tuple(m for c in corpora for m in c.measures),
        vocabulary=vocabulary,
        indices=np.concatenate(parts),
        time_signature=first.time_signature,
        pitch_range=(min(c.pitch_range[0] for c in corpora), max(c.pitch_range[1] for c in corpora)),
        harmony_from="melody" if any(c.harmony_from == "melody" for c in corpora) else "accompaniment",
        warnings=tuple(warnings),
        pieces=tuple(pieces),
    )
