"""How many threads the BLAS behind numpy may use for the products of a recurrence."""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import numpy as np

__all__ = ["blas_threads"]


@cache
def _openblas_thread_setter():
    """OpenBLAS's ``openblas_set_num_threads_local`` (thread-local), or None when numpy uses another BLAS."""
    folder = os.path.join(os.path.dirname(np.__file__), os.pardir, "numpy.libs")
    candidates = sorted(glob.glob(os.path.join(folder, "*openblas*")))
    for path in [*candidates, None]:
        try:
            setter = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


@contextmanager
def blas_threads(n: int = 1) -> Iterator[None]:
    """Limit the BLAS threads of the calling thread to ``n`` inside the block.

    The products of a recurrence are small (tens of rows): splitting them over
    threads gains little on an idle machine, and on a busy one the threads wait
    for each other and a step can become ten times slower. The limit is
    thread-local (other threads keep theirs) and is restored on exit; with a
    BLAS other than numpy's OpenBLAS this does nothing.
    """
    setter = _openblas_thread_setter()
    previous = setter(n) if setter is not None else None
    try:
        yield
    finally:
        if setter is not None and previous is not None:
            setter(previous)
