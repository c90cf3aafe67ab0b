"""Masking for ``vault.dossier.Dossier`` (P2, ``docs/architecture.md`` "Masking").

Private: ``Dossier`` inherits ``Masking`` and is the only user; the methods are documented
and called as ``Dossier`` methods (``mask``, ``unmask``, ``mask_section``, ``unmask_section``,
``finish_rotations``) and the rotations after a grant ends (``rotate_on_next_write``,
``rotate_now``). Pure: the store, keyring and randomness come from the dossier.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from vault import items, rewraps
from vault.errors import DecryptionFailed, FormatError, NotAllowed
from vault.sections import Section

if TYPE_CHECKING:
    from vault.crypto import Random
    from vault.items import Item
    from vault.keyring import Keyring
    from vault.records import ItemRecord, Rewrap
    from vault.store import DossierStore

T = TypeVar("T")


class Masking:
    """The masking half of ``Dossier``: what it needs from the dossier is declared here."""

    _store: DossierStore
    _ring: Keyring
    _ring_version: int
    _rng: Random
    dossier_id: str

    if TYPE_CHECKING:
        def _check_open(self) -> None: ...
        async def _save_ring(self, ring: Keyring) -> None: ...
        async def _records(self, key_refs: Sequence[str] | None = None
                           ) -> list[ItemRecord]: ...
        def _open(self, record: ItemRecord) -> Item: ...
        async def get(self, item_id: str, revision: int | None = None) -> Item: ...
        async def _retrying(self, change: Callable[[], Awaitable[T]]) -> T: ...

    # Masking (P2, docs/architecture.md "Masking"): every revision is re-encrypted under a
    # fresh item key wrapped by the mask key, and the section is rotated with every older
    # version retired, so that no key a later grant carries opens any ciphertext or wrap the
    # item ever had (old wraps may survive in a WAL or a dead row). Order, crash-safe: one
    # keyring CAS (record the mask, rotate + retire), then idempotent store calls
    # (re-encrypt the item, then rewrap the section's unmasked items off retired versions;
    # ``finish_rotations`` redoes what an interruption left).
    #
    # Two devices (P16): every rewrap names the keyring version it was computed from, and the
    # store refuses it after another device's keyring write; each operation then reloads the
    # keyring and runs again (``Dossier._retrying``), from the store's state at that time.
    # Item masks and section masks are independent (issue 10): the keyring records the items
    # masked one by one (``Keyring.masked_items``), which a section's unmasking leaves masked.
    async def _apply(self, changes: Sequence[Rewrap]) -> bool:
        if changes:
            await self._store.rewrap(self.dossier_id, changes,
                                     keyring_version=self._ring_version)
        return bool(changes)

    async def _mask_revisions(self, revs: Sequence[ItemRecord]) -> None:
        """Re-encrypt every revision not yet under the mask key, all in one store call."""
        await self._apply(rewraps.to_mask(self._ring, revs, self._rng))

    async def _unmask_revisions(self, revs: Sequence[ItemRecord]) -> None:
        """Rewrap every masked revision under its section's current key (same item key)."""
        await self._apply(rewraps.to_current(self._ring, revs, self._rng, masked=True))

    async def _rewrap_retired(self, revs: Sequence[ItemRecord]) -> bool:
        """Rewrap the revisions under a retired version under the current one. True if any."""
        return await self._apply(rewraps.to_current(self._ring, revs, self._rng, masked=False))

    async def finish_rotations(self) -> int:
        """Rewrap every item whose latest revision is still under a retired key version (an
        interrupted masking, or a professional's write under a version masking retired).
        Idempotent; returns how many items were rewrapped."""
        self._check_open()
        return await self._retrying(self._finish_rotations)

    async def _finish_rotations(self) -> int:
        retired = [ref for s in Section for ref in self._ring.retired(s)]
        count = 0
        for record in await self._records(key_refs=retired) if retired else []:
            revs = await self._store.revisions(self.dossier_id, record.item_id)
            section = self._ring.lookup(record.key_ref).section
            if record.item_id in self._ring.masked_items or section in self._ring.masked_sections:
                # An interrupted mask or mask_section (the keyring write was done): finish
                # masking it. Never under the section's current key, which grants carry (P2).
                await self._mask_revisions(revs)
                count += 1
                continue
            count += await self._rewrap_retired(revs)
        return count

    async def _rewrap_section_off_retired(self, section: Section) -> None:
        for record in await self._records(key_refs=list(self._ring.all_section_keys(section))):
            revs = await self._store.revisions(self.dossier_id, record.item_id)
            await self._rewrap_retired(revs)

    async def _masked_in(self, section: Section) -> frozenset[str]:
        """The items of ``section`` under the mask key (opened to learn their section)."""
        found = set()
        for record in await self._records(key_refs=[self._ring.mask_ref]):
            try:
                home = self._open(record).section
            except (DecryptionFailed, FormatError):
                continue  # an unreadable item stays masked; it hides no other
            if home == section:
                found.add(record.item_id)
        return frozenset(found)

    async def mask(self, item_id: str) -> None:
        """Hide an item from every professional, now and for every grant issued later: it is
        re-encrypted under a key wrapped by the mask key (which no grant carries) and its
        section's key is rotated, older versions retired. The keyring records the mask, so it
        outlives its section's unmasking and another device writes the item masked from then
        on. Masking a masked item does nothing."""
        self._check_open()
        await self._retrying(lambda: self._mask(items.check_id(item_id, "item id")))

    async def _mask(self, item_id: str) -> None:
        revs = await self._store.revisions(self.dossier_id, item_id)
        pending = [r for r in revs if not self._ring.lookup(r.key_ref).is_mask]
        recorded = item_id in self._ring.masked_items
        if not pending and recorded:
            return
        section = self._open(revs[-1]).section
        if not recorded:
            ring = self._ring.with_items_masked(frozenset({item_id}), True)
            if pending:  # under a section key until now: rotate, retiring what wrapped it
                ring = ring.rotate(section, self._rng, retire=True)
            await self._save_ring(ring)
            # Read again after the keyring write: a revision another device wrote before it
            # is here; one written after it is refused, or written masked.
            revs = await self._store.revisions(self.dossier_id, item_id)
        await self._mask_revisions(revs)
        await self._rewrap_section_off_retired(section)

    async def unmask(self, item_id: str) -> None:
        """Undo ``mask``. Refused while the item's whole section is masked."""
        self._check_open()
        await self._retrying(lambda: self._unmask(items.check_id(item_id, "item id")))

    async def _unmask(self, item_id: str) -> None:
        item = await self.get(item_id)
        if item.section in self._ring.masked_sections:
            raise NotAllowed("the whole section is masked; unmask the section instead")
        if item_id in self._ring.masked_items:
            await self._save_ring(self._ring.with_items_masked(frozenset({item_id}), False))
        await self._unmask_revisions(await self._store.revisions(self.dossier_id, item_id))

    async def mask_section(self, section: object) -> int:
        """Mask a section: its items now and every item added to it later. Returns the count.
        The flag and the rotation are one keyring write (concurrent writes land masked);
        re-running finishes a partial run. The items of the section already masked on their
        own are recorded as such in the same write (older keyrings did not record them), so
        that unmasking the section leaves them masked."""
        self._check_open()
        sec = Section.parse(section)
        return await self._retrying(lambda: self._mask_section(sec))

    async def _mask_section(self, sec: Section) -> int:
        if sec not in self._ring.masked_sections:
            own = await self._masked_in(sec)  # the section is not masked: masked on their own
            ring = self._ring.with_items_masked(own, True).with_masked(sec, True)
            await self._save_ring(ring.rotate(sec, self._rng, retire=True))
        count = 0
        for record in await self._records(key_refs=list(self._ring.all_section_keys(sec))):
            await self._mask_revisions(await self._store.revisions(self.dossier_id,
                                                                   record.item_id))
            count += 1
        return count

    async def unmask_section(self, section: object) -> int:
        """Unmask a section: its items are unmasked except those the patient masked on their
        own (before or while the section was masked), which stay masked. Returns the count
        of items unmasked."""
        self._check_open()
        sec = Section.parse(section)
        return await self._retrying(lambda: self._unmask_section(sec))

    async def _unmask_section(self, sec: Section) -> int:
        if sec in self._ring.masked_sections:
            await self._save_ring(self._ring.with_masked(sec, False))
        count = 0
        for item_id in await self._masked_in(sec) - self._ring.masked_items:
            await self._unmask_revisions(await self._store.revisions(self.dossier_id, item_id))
            count += 1
        return count

    # Rotation after a grant ends (P5): the same keyring CAS, retried like the rest.
    async def rotate_on_next_write(self, sections: frozenset[Section]) -> None:
        """After a revocation: the next write to each of ``sections`` rotates its key first,
        so an ex-grantee cannot read what is written afterwards (P5)."""
        self._check_open()

        async def change() -> None:
            if not sections <= self._ring.rotate_pending:
                await self._save_ring(self._ring.with_rotation_pending(sections))
        await self._retrying(change)

    async def rotate_now(self, sections: frozenset[Section]) -> None:
        """A new current key for each of ``sections`` at once, in one keyring write (after an
        expiry or a revocation, before the client re-seals it to the grantees that remain)."""
        self._check_open()
        # Against a keyring another device changed meanwhile: rotate only the sections whose
        # current key is still the one the caller saw (the other device rotated the rest).
        seen = {s: self._ring.current(s).ref for s in sections}

        async def change() -> None:
            todo = [s for s in sorted(sections) if self._ring.current(s).ref == seen[s]]
            ring = self._ring
            for section in todo:
                ring = ring.rotate(section, self._rng)
            if todo:
                await self._save_ring(ring)
        await self._retrying(change)
