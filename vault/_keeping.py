"""The keyring's updates for ``vault.dossier.Dossier``: one compare-and-swap per change, the
stale-keyring retry (P16), the emergency record, and a floor against a keyring rolled back.

Private: ``Dossier`` inherits ``KeyringKeeping``; ``refresh``, ``keep_emergency`` and
``ring_version`` are documented and used as ``Dossier`` members.

Rollback: the keyring's version is bound into its associated data, so a server can answer
only a blob the patient once wrote, but it may answer an older one (a restored backup, or an
operator who wants a revoked card back in the emergency record, or a retired key unretired).
A dossier never goes below the version it has seen (``refresh``), nor below the ``floor`` a
client kept from an earlier session (``open_with_master``): ``RolledBack``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Final, TypeVar

from vault import keyring
from vault.errors import Conflict, RolledBack, StaleKeyring
from vault.sections import Section

if TYPE_CHECKING:
    from vault.crypto import Random
    from vault.keyring import EmergencyRecord, Keyring
    from vault.store import DossierStore

T = TypeVar("T")
# Attempts of one change whose write the store refused as based on a stale keyring (another
# device changed it meanwhile): reload the keyring and apply the change again (P16).
STALE_ATTEMPTS: Final = 3


def check_floor(version: int, floor: int) -> None:
    """``RolledBack`` when the server answered a keyring older than one already seen."""
    if version < floor:
        raise RolledBack()


class KeyringKeeping:
    _store: DossierStore
    _master: bytes
    _ring: Keyring
    _ring_version: int
    _rng: Random
    dossier_id: str
    after_rotation: Callable[[], Awaitable[None]] | None

    @property
    def ring_version(self) -> int:
        """The keyring version this dossier holds (a client keeps it as the next session's
        floor: ``Dossier.open_with_master(..., floor=)``)."""
        return self._ring_version

    async def _save_ring(self, ring: Keyring) -> None:
        version = self._ring_version + 1
        blob = keyring.seal(ring, self._master, self.dossier_id, version, self._rng)
        new_version = await self._store.put_keyring(self.dossier_id, blob, self._ring_version)
        if new_version != version:
            raise Conflict("the keyring version moved unexpectedly")
        self._ring, self._ring_version = ring, version

    async def refresh(self) -> None:
        """Reload the keyring (after another device changed it); never an older one."""
        record = await self._store.keyring(self.dossier_id)
        check_floor(record.version, self._ring_version)
        self._ring = keyring.open_(record.blob, self._master, self.dossier_id, record.version)
        self._ring_version = record.version

    async def _retrying(self, change: Callable[[], Awaitable[T]]) -> T:
        """Run ``change``; when the store refuses one of its writes as based on a stale
        keyring (another device masked, rotated or unmasked meanwhile), reload the keyring
        and run it again (``STALE_ATTEMPTS`` in all). ``change`` derives everything from the
        keyring and the store as they are when it runs, so the write it applies again is
        masked, or under the new key, as the other device's change requires (P16). A stale
        revision or a deleted item is never retried: nothing is merged."""
        before = self._current_refs()
        for attempt in range(1, STALE_ATTEMPTS + 1):
            try:
                done = await change()
            except StaleKeyring:
                if attempt == STALE_ATTEMPTS:
                    raise
                await self.refresh()
                continue
            if self.after_rotation is not None and self._current_refs() != before:
                await self.after_rotation()
            return done
        raise AssertionError("unreachable")  # pragma: no cover

    def _current_refs(self) -> tuple[str, ...]:
        return tuple(self._ring.current(s).ref for s in Section)

    async def keep_emergency(self, change: Callable[[EmergencyRecord | None], EmergencyRecord],
                             *, rotate: frozenset[Section] = frozenset()) -> EmergencyRecord:
        """Apply ``change`` to the keyring's emergency record (None: a keyring from before the
        record) and save it in one keyring compare-and-swap; when another device changed the
        keyring meanwhile, reload it and apply ``change`` again to what it holds then (P16).

        ``rotate``: sections marked to rotate in the same CAS (a card revoked, or break-glass
        turned off: what was sealed to it must open nothing written afterwards, as after a
        grant ends, P5); the client's next grant sync rotates them, else their next write."""

        async def step() -> EmergencyRecord:
            record = change(self._ring.emergency)
            pending = not rotate <= self._ring.rotate_pending
            if record != self._ring.emergency or pending:
                await self._save_ring(self._ring.with_emergency(record)
                                      .with_rotation_pending(rotate))
            return record

        return await self._retrying(step)
