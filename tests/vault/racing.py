"""A DossierStore wrapper that lets a test interleave two devices deterministically: ``race``
runs once, right before the first write this device sends (item, deletion, rewrap or
keyring), and every error the inner store raises is kept in ``refusals``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from vault.errors import VaultError

WRITES = frozenset({"put_item", "delete_item", "rewrap", "put_keyring"})


class RacingStore:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.race: Callable[[], Awaitable[object]] | None = None
        self.refusals: list[VaultError] = []

    def __getattr__(self, name: str) -> Any:
        target = getattr(self.inner, name)
        if name not in WRITES:
            return target

        async def write(*args: Any, **kwargs: Any) -> Any:
            race, self.race = self.race, None
            if race is not None:
                await race()  # the other device acts between this one's read and write
            try:
                return await target(*args, **kwargs)
            except VaultError as exc:
                self.refusals.append(exc)
                raise
        return write
