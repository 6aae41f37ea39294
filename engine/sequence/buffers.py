"""A pool of work arrays, so steady training allocates nothing.

A layer needs arrays shaped by the batch size ``m`` and the number of steps
``T``. Training and validation batches differ in size, and names differ in
length, so the pool keeps the arrays of a few batch sizes and grows each one's
step capacity by doubling: after the first few batches every call finds arrays
big enough and only takes views of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, Protocol, TypeVar

__all__ = ["Buffers", "BufferPool"]


class Buffers(Protocol):
    """What the pool needs of a set of work arrays: the rows and steps they were made for."""

    m: int  # rows (sequences) per batch
    cap: int  # steps they can hold


B = TypeVar("B", bound=Buffers)


class BufferPool(Generic[B]):
    """``pool.get(T, m)``: work arrays for ``m`` rows and at least ``T`` steps, made by ``allocate(cap, m)``."""

    def __init__(self, allocate: Callable[[int, int], B], keep: int = 4):
        self._allocate = allocate
        self._keep = keep  # batch sizes kept at once
        self._by_rows: dict[int, B] = {}
        self.current: B | None = None  # the arrays of the latest get()

    def get(self, T: int, m: int) -> B:
        current = self.current
        if current is not None and current.m == m and T <= current.cap:
            return current  # the common case: same batch size as last time
        if T < 1 or m < 1:
            raise ValueError(f"need at least one step and one sequence, got T={T}, m={m}")
        buffers = self._by_rows.get(m)
        if buffers is None or buffers.cap < T:
            cap = T if buffers is None else max(T, 2 * buffers.cap)
            buffers = self._allocate(cap, m)
            self._by_rows.pop(m, None)
            while len(self._by_rows) >= self._keep:
                self._by_rows.pop(next(iter(self._by_rows)))  # forget the oldest batch size
            self._by_rows[m] = buffers
        self.current = buffers
        return buffers
