"""A cursor over a versioned byte format: running short or leaving bytes behind raises the
caller's own error (so each format keeps one error type)."""

from __future__ import annotations

from collections.abc import Callable


class Reader:
    __slots__ = ("_data", "_error", "_pos", "_what")

    def __init__(self, data: bytes, error: Callable[[str], Exception], what: str) -> None:
        self._data = data
        self._pos = 0
        self._error = error
        self._what = what

    def take(self, n: int) -> bytes:
        end = self._pos + n
        if end > len(self._data):
            raise self._error(f"the {self._what} is truncated")
        chunk = self._data[self._pos:end]
        self._pos = end
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u32(self) -> int:
        return int.from_bytes(self.take(4), "big")

    def u64(self) -> int:
        return int.from_bytes(self.take(8), "big")

    def p(self) -> bytes:
        """A u16-length-prefixed field."""
        return self.take(self.u16())

    def end(self) -> None:
        if self._pos != len(self._data):
            raise self._error(f"trailing bytes after the {self._what}")
