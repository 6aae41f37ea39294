"""Learning from several files at once: the MIDI files named (or found in a folder) as one corpus.

More solos give the model more to generalise from and less to copy. Each file
stays a piece of its own in the corpus (:func:`engine.jazz.corpus.build_corpus`):
training windows and held-out phrases never cross from one piece into the next.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from engine.jazz.errors import MidiReadError

__all__ = ["MIDI_SUFFIXES", "MAX_FILES", "midi_files"]

MIDI_SUFFIXES = (".mid", ".midi", ".kar")
MAX_FILES = 200


def midi_files(paths: Sequence[str | os.PathLike], suffixes: Sequence[str] = MIDI_SUFFIXES) -> list[Path]:
    """The files named in ``paths``, a folder standing for the files directly inside it with ``suffixes``."""
    out: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix.lower() in suffixes and p.is_file())
            if not found:
                raise MidiReadError(f"The folder {path} holds no MIDI files ({', '.join(suffixes)}).")
            out.extend(found)
        else:
            out.append(path)
    if len(out) > MAX_FILES:
        raise MidiReadError(f"{len(out)} files is too many to learn from at once; choose at most {MAX_FILES}.")
    return list(dict.fromkeys(out))
