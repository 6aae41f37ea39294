"""A corpus of names: reading it safely, its vocabulary, and a train/validation split.

A corpus is a UTF-8 text file with one name per line (dinosaurs, cities, first
names...). Lines are stripped of surrounding white space; blank lines are
ignored; lines longer than :data:`MAX_NAME_LENGTH` characters are skipped and
counted. Names are lower-cased by default, as in the course.

The vocabulary is every character that occurs, plus the end-of-name token
``"\\n"`` at index 0. For the course's lower-case dinosaurs that is exactly the
notebook's ``char_to_ix``: ``"\\n"`` -> 0, ``"a"`` -> 1 ... ``"z"`` -> 26.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.files import FileCheckError, read_input_bytes

__all__ = [
    "CorpusError",
    "Corpus",
    "Vocabulary",
    "END",
    "MAX_FILE_BYTES",
    "MAX_NAME_LENGTH",
    "MIN_NAMES",
    "load_corpus",
    "parse_corpus",
    "split_names",
]

END = "\n"  # the end-of-name token; a line can never contain it
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NAME_LENGTH = 200
MIN_NAMES = 10


class CorpusError(ValueError):
    """A corpus that cannot be used, with a sentence saying why."""


@dataclass(frozen=True)
class Corpus:
    """The names of one file, ready for training.

    names        -- every usable name, in file order (duplicates kept: they carry frequency)
    source       -- where they came from (a path, or a short description)
    lowercase    -- whether names were lower-cased
    skipped_long -- lines skipped for being longer than MAX_NAME_LENGTH
    blank_lines  -- empty lines ignored
    """

    names: tuple[str, ...]
    source: str = ""
    lowercase: bool = True
    skipped_long: int = 0
    blank_lines: int = 0
    vocabulary: Vocabulary = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "vocabulary", Vocabulary.from_names(self.names))

    @property
    def alphabet(self) -> str:
        """The characters names use, sorted (without the end token)."""
        return "".join(self.vocabulary.chars[1:])

    @property
    def unique_names(self) -> int:
        return len(set(self.names))

    def length_histogram(self) -> dict[int, int]:
        """{name length: how many names have it}, sorted by length."""
        return dict(sorted(Counter(len(n) for n in self.names).items()))

    def char_count(self) -> int:
        """Characters the model predicts: every letter plus one end token per name."""
        return sum(len(n) + 1 for n in self.names)

    def describe(self) -> str:
        lengths = [len(n) for n in self.names]
        text = (
            f"{len(self.names):,} names ({self.unique_names:,} distinct), {len(self.alphabet)} characters, "
            f"lengths {min(lengths)}-{max(lengths)} (mean {np.mean(lengths):.1f})"
        )
        if self.skipped_long:
            text += f"; {self.skipped_long:,} lines over {MAX_NAME_LENGTH} characters skipped"
        return text


@dataclass(frozen=True)
class Vocabulary:
    """Characters <-> integer ids; id 0 is the end-of-name token."""

    chars: tuple[str, ...]

    @classmethod
    def from_names(cls, names) -> Vocabulary:
        letters = sorted(set("".join(names)) - {END})
        return cls((END, *letters))

    @property
    def size(self) -> int:
        return len(self.chars)

    @property
    def end(self) -> int:
        return 0

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.chars)}

    def encode(self, name: str) -> np.ndarray:
        """The ids of ``name``'s characters (no end token); KeyError names an unknown character."""
        index = self.index()
        return np.fromiter((index[c] for c in name), dtype=np.int64, count=len(name))

    def unknown_chars(self, text: str) -> set[str]:
        return set(text) - set(self.chars)

    def decode(self, ids) -> str:
        return "".join(self.chars[i] for i in ids if i != 0)


def _read(path: Path) -> bytes:
    """The bytes of a regular file of names (never a folder, FIFO or device such as /dev/zero)."""
    if not path.exists() and not path.is_symlink():
        raise CorpusError(f"The file {path} does not exist.")
    try:
        return read_input_bytes(path, "text file of names", MAX_FILE_BYTES)
    except FileCheckError as exc:
        if "is empty" in str(exc):
            raise CorpusError(f"The file {path.name} is empty: it needs one name per line.") from None
        raise CorpusError(str(exc)) from None


def _utf16(data: bytes) -> bool:
    """A byte-order mark of UTF-16, or text whose every other byte is NUL (UTF-16 without one)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    head = data[:2000]
    return len(head) >= 4 and (head[1::2].count(0) > 0.9 * len(head[1::2]) or
                               head[0::2].count(0) > 0.9 * len(head[0::2]))


def _decode(data: bytes, label: str) -> str:
    if _utf16(data):
        raise CorpusError(f"{label} is UTF-16 text: save it as UTF-8 and try again.")
    if b"\x00" in data[:1_000_000]:
        raise CorpusError(
            f"{label} looks like a binary file (it contains NUL bytes), not a UTF-8 text file of names."
        )
    try:
        return data.decode("utf-8-sig")  # tolerate a byte-order mark
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CorpusError(
            f"{label} is not valid UTF-8 text (bad byte 0x{data[exc.start]:02x} on line {line}). "
            "Save it as UTF-8 and try again."
        ) from None


def load_corpus(path: str | os.PathLike, lowercase: bool = True, min_names: int = MIN_NAMES) -> Corpus:
    """Read a UTF-8 file of names, one per line. Raises :class:`CorpusError` with a reason."""
    path = Path(path)
    return parse_corpus(_decode(_read(path), f"The file {path.name}"), lowercase, str(path), min_names)


def parse_corpus(text: str, lowercase: bool = True, source: str = "", min_names: int = MIN_NAMES) -> Corpus:
    """Names from the text of a corpus file (see the module docstring for the rules)."""
    names: list[str] = []
    skipped = blank = 0
    for line in text.splitlines():
        name = line.strip()
        if not name:
            blank += 1
            continue
        if len(name) > MAX_NAME_LENGTH:
            skipped += 1
            continue
        names.append(name.lower() if lowercase else name)
    label = Path(source).name if source else "The corpus"
    if len(names) < min_names:
        detail = f" ({skipped} lines over {MAX_NAME_LENGTH} characters were skipped)" if skipped else ""
        need = f"at least {min_names} are needed to learn anything" if min_names > 1 else "at least one is needed"
        raise CorpusError(f"{label} has {len(names)} usable name{'s' if len(names) != 1 else ''}{detail}; {need}.")
    return Corpus(tuple(names), source=source, lowercase=lowercase, skipped_long=skipped, blank_lines=blank)


def split_names(names, val_fraction: float = 0.1, seed: int = 0) -> tuple[list[str], list[str]]:
    """A deterministic split into (train, validation): the same names for the same seed.

    ``val_fraction`` of the names (rounded, at least one when the fraction is
    positive and at least one left for training) are held out, chosen by a
    permutation seeded with ``seed``; both parts keep file order.
    """
    if not 0.0 <= val_fraction < 1.0:
        raise ValueError(f"the validation fraction must be in [0, 1), got {val_fraction}")
    names = list(names)
    n_val = int(round(val_fraction * len(names)))
    if val_fraction > 0:
        n_val = min(max(n_val, 1), len(names) - 1)
    held = np.zeros(len(names), dtype=bool)
    held[np.random.default_rng(seed).permutation(len(names))[:n_val]] = True
    train = [n for n, h in zip(names, held, strict=True) if not h]
    val = [n for n, h in zip(names, held, strict=True) if h]
    return train, val
