"""Atomic file writes: a reader sees the old file or the new one, never half of one.

A new file gets the mode the user's umask gives any new file (``mkstemp``
alone would leave it 0600); a replaced file keeps the mode it had. Temporary
files are named ``.<target>.part.<random><suffix>`` beside the target; ones
left behind by a killed process are removed by the next save to that target.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "atomic_path", "atomic_folder", "restore_interrupted_swap", "write_bytes_atomic", "write_text_atomic",
    "STALE_SECONDS",
]

STALE_SECONDS = 600.0  # a temporary of ours this old belongs to a save that died
_PART = ".part."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _mode_for(target: Path, default: int) -> int:
    """The mode the finished file should have: the old file's, or ``default`` under the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return default & ~_umask()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    False where the system or the file system cannot, and nothing moved: the
    caller then falls back to two renames.
    """
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EPERM):
        return False
    raise OSError(code, os.strerror(code), str(b))


def restore_interrupted_swap(target: str | os.PathLike) -> None:
    """A save killed between its two renames left ``target`` missing and the old folder aside: restore it.

    Saves call it; a loader may too, before it reports a missing folder.
    """
    target = Path(target)
    if target.exists() or target.is_symlink():
        return
    for aside in sorted(target.parent.glob(f".{target.name}{_PART}old.*/old")):
        try:
            os.replace(aside, target)
            shutil.rmtree(aside.parent, ignore_errors=True)
            return
        except OSError:
            pass


def _remove_stale(target: Path) -> None:
    """Delete our own temporaries for ``target`` that a killed save left behind."""
    restore_interrupted_swap(target)
    now = time.time()
    for old in target.parent.glob(f".{target.name}{_PART}*"):
        try:
            if now - old.lstat().st_mtime > STALE_SECONDS:
                shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
        except OSError:
            pass  # someone else's, or already gone


@contextmanager
def atomic_path(target: str | os.PathLike, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success move it into place.

    The temporary file lives in the same folder so the final ``os.replace`` is
    a rename on one file system, which is atomic. On any error the temporary
    file is removed and ``target`` is left untouched.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}{_PART}", suffix=suffix or ".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    mode = _mode_for(target, 0o666)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextmanager
def atomic_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a new empty folder beside ``target``; on success it takes ``target``'s place whole.

    For saves made of several files: a reader finds the old folder or the new
    one, never a mix. An existing ``target`` is swapped with the new folder in
    one step where the system can (Linux), and only then the old one deleted.
    Elsewhere the old folder is renamed aside and the new one renamed in; if
    that fails half-way the old folder is put back, and if the process is
    killed between the two renames the next save puts it back.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale(target)
    tmp_path = Path(tempfile.mkdtemp(prefix=f".{target.name}{_PART}", dir=target.parent))
    mode = _mode_for(target, 0o777)
    try:
        yield tmp_path
        os.chmod(tmp_path, mode)
        if target.is_dir() and not target.is_symlink() and _exchange(tmp_path, target):
            shutil.rmtree(tmp_path, ignore_errors=True)  # it now holds the old folder
        elif target.is_dir() and not target.is_symlink():  # no atomic swap here: two renames, undone on failure
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}{_PART}old.", dir=target.parent))
            os.replace(target, aside / "old")
            try:
                os.replace(tmp_path, target)
            except OSError:
                os.replace(aside / "old", target)
                raise
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            shutil.rmtree(tmp_path, ignore_errors=True)


def _write(target: str | os.PathLike, write: Callable[[Path], None]) -> None:
    with atomic_path(target) as tmp:
        write(tmp)


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> None:
    _write(target, lambda p: p.write_bytes(data))


def write_text_atomic(target: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    _write(target, lambda p: p.write_text(text, encoding=encoding))
