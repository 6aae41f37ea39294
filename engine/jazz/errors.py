"""The one family of exceptions the jazz engine raises for bad input.

Every message is a whole sentence a musician can act on; front ends show it
as is (a message box in the window, ``error: ...`` on the command line).
"""

from __future__ import annotations

__all__ = [
    "JazzError",
    "MidiReadError",
    "NoMelodyError",
    "CorpusError",
    "ChordSymbolError",
    "ModelFileError",
]


class JazzError(Exception):
    """Base class: a problem with the user's input, never a bug."""


class MidiReadError(JazzError):
    """The file is missing, too big, not MIDI, damaged, or has nothing usable in it."""


class NoMelodyError(JazzError):
    """No part of the file can serve as the melody (drums only, a single chord part...)."""


class CorpusError(JazzError):
    """The melody is too short (or otherwise unsuitable) to make training windows from."""


class ChordSymbolError(JazzError):
    """A typed chord symbol could not be read."""


class ModelFileError(JazzError):
    """A saved model is missing, damaged, or does not belong with its settings file."""
