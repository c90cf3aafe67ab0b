"""The patient's record of emergency access in the keyring, for ``vault.dossier.Dossier``.

Private: ``Dossier`` inherits ``EmergencyRecords``; ``keep_emergency`` is documented and
called as a ``Dossier`` method. The record itself is ``vault.keyring.EmergencyRecord``; what
it is for (re-sealing cards and break-glass after a rotation, only as the patient made them)
is ``web.client.emergency_sync``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from vault.keyring import EmergencyRecord, Keyring

T = TypeVar("T")


class EmergencyRecords:
    _ring: Keyring

    if TYPE_CHECKING:
        async def _save_ring(self, ring: Keyring) -> None: ...
        async def _retrying(self, change: Callable[[], Awaitable[T]]) -> T: ...

    async def keep_emergency(self, change: Callable[[EmergencyRecord | None], EmergencyRecord]
                             ) -> EmergencyRecord:
        """Apply ``change`` to the keyring's emergency record (None: a keyring from before the
        record) and save it in one keyring compare-and-swap; when another device changed the
        keyring meanwhile, reload it and apply ``change`` again to what it holds then (P16)."""

        async def step() -> EmergencyRecord:
            record = change(self._ring.emergency)
            if record != self._ring.emergency:
                await self._save_ring(self._ring.with_emergency(record))
            return record

        return await self._retrying(step)
