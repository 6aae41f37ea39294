"""Checks on the files a user hands us, before any work is done with them.

Every reader and writer in the studio goes through these, so that a folder, a
FIFO, a device, an empty or a huge file, or an output nobody can write gets the
same kind of one-line answer everywhere -- and never a hang: a FIFO is refused
by its type before anything opens it.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

__all__ = ["FileCheckError", "describe_kind", "check_input_file", "read_input_bytes", "check_output_path"]


class FileCheckError(ValueError):
    """A file that cannot be used; the message is one sentence for the user."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def describe_kind(path: str | os.PathLike) -> str:
    """What ``path`` is, in words ("a folder", "a pipe (FIFO)", "a device"...), without opening it."""
    try:
        mode = Path(path).stat().st_mode
    except OSError:
        return "missing"
    return "a regular file" if stat.S_ISREG(mode) else _kind(mode)


def check_input_file(path: str | os.PathLike, what: str = "file", max_bytes: int | None = None) -> int:
    """The size of ``path`` if it is a regular, non-empty file no larger than ``max_bytes``.

    what -- how to name it in messages ("MIDI file", "model file", ...)
    Raises :class:`FileCheckError` naming the problem otherwise.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileCheckError(f"No such {what}: {path}") from None
    except OSError as exc:
        raise FileCheckError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise FileCheckError(f"{path} is {_kind(info.st_mode)}, not a {what}.")
    if info.st_size == 0:
        raise FileCheckError(f"{path.name} is empty: it is not a {what}.")
    if max_bytes is not None and info.st_size > max_bytes:
        raise FileCheckError(
            f"{path.name} is {info.st_size / 2**20:.1f} MB; a {what} over {max_bytes / 2**20:.0f} MB is refused."
        )
    return info.st_size


def read_input_bytes(path: str | os.PathLike, what: str = "file", max_bytes: int | None = None) -> bytes:
    """The bytes of a regular file checked by :func:`check_input_file`, never more than ``max_bytes``."""
    check_input_file(path, what, max_bytes)
    try:
        # O_NONBLOCK: if the path was swapped for a FIFO since the check, open() must not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
                raise FileCheckError(f"{path} is not a regular file.")
            data = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        raise FileCheckError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    if max_bytes is not None and len(data) > max_bytes:
        raise FileCheckError(f"{Path(path).name} grew past {max_bytes / 2**20:.0f} MB while being read.")
    return data


def check_output_path(path: str | os.PathLike, what: str = "file", folder: bool = False) -> Path:
    """``path`` as given, if a save there can succeed; else :class:`FileCheckError`.

    Call it before long work, so an unwritable output is found before training,
    not after. folder -- True when the output is a folder (a model folder).
    The path is checked exactly as given: no suffix is added here.
    """
    path = Path(path)
    if path.exists() or path.is_symlink():
        mode = path.stat().st_mode if path.exists() else 0
        if folder and not stat.S_ISDIR(mode):
            raise FileCheckError(f"{path} exists and is not a folder; choose another place for the {what}.")
        if not folder and not stat.S_ISREG(mode):
            raise FileCheckError(f"{path} is {_kind(mode)}; choose a file name for the {what}.")
    parent = path.parent
    while not parent.exists():  # the save creates missing folders: the nearest existing one must be writable
        if parent == parent.parent:
            break
        parent = parent.parent
    if not parent.is_dir():
        raise FileCheckError(f"Cannot save the {what} to {path}: {parent} is not a folder.")
    try:  # as root, access() says yes to /proc and read-only mounts: only a real file tells
        fd, probe = tempfile.mkstemp(prefix=".write-check.", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        if parent != path.parent:  # the folder named does not exist and cannot be made here
            raise FileCheckError(
                f"Cannot save the {what} to {path}: the folder {path.parent} does not exist "
                f"and cannot be created in {parent} ({exc.strerror})."
            ) from None
        raise FileCheckError(f"Cannot save the {what} to {path}: {parent} is not writable ({exc.strerror}).") from None
    return path
