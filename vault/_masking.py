"""Masking for ``vault.dossier.Dossier`` (P2, ``docs/architecture.md`` "Masking").

Private: ``Dossier`` inherits ``Masking`` and is the only user; the methods are documented
and called as ``Dossier`` methods (``mask``, ``unmask``, ``mask_section``, ``unmask_section``,
``finish_rotations``). Pure: the store, keyring and randomness come from the dossier.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from vault import items, rewraps
from vault.errors import DecryptionFailed, FormatError, NotAllowed
from vault.sections import Section

if TYPE_CHECKING:
    from vault.crypto import Random
    from vault.items import Item
    from vault.keyring import Keyring
    from vault.records import ItemRecord, Rewrap
    from vault.store import DossierStore


class Masking:
    """The masking half of ``Dossier``: what it needs from the dossier is declared here."""

    _store: DossierStore
    _ring: Keyring
    _rng: Random
    dossier_id: str

    if TYPE_CHECKING:
        def _check_open(self) -> None: ...
        async def _save_ring(self, ring: Keyring) -> None: ...
        async def _records(self, key_refs: Sequence[str] | None = None
                           ) -> list[ItemRecord]: ...
        def _open(self, record: ItemRecord) -> Item: ...
        async def get(self, item_id: str, revision: int | None = None) -> Item: ...

    # Masking (P2, docs/architecture.md "Masking"): every revision is re-encrypted under a
    # fresh item key wrapped by the mask key, and the section is rotated with every older
    # version retired, so that no key a later grant carries opens any ciphertext or wrap the
    # item ever had (old wraps may survive in a WAL or a dead row). Order, crash-safe: one
    # keyring CAS (rotate + retire), then idempotent store calls (re-encrypt the item, then
    # rewrap the section's unmasked items off retired versions; ``finish_rotations`` redoes
    # what an interruption left).
    async def _apply(self, changes: Sequence[Rewrap]) -> bool:
        if changes:
            await self._store.rewrap(self.dossier_id, changes)
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
        retired = [ref for s in Section for ref in self._ring.retired(s)]
        count = 0
        for record in await self._records(key_refs=retired) if retired else []:
            revs = await self._store.revisions(self.dossier_id, record.item_id)
            count += await self._rewrap_retired(revs)
        return count

    async def _retire(self, sections: frozenset[Section], masked: bool | None = None) -> None:
        """One keyring CAS: rotate ``sections`` retiring every older version (and set the
        section's masked flag if ``masked`` is given)."""
        ring = self._ring
        for section in sorted(sections):
            if masked is not None:
                ring = ring.with_masked(section, masked)
            ring = ring.rotate(section, self._rng, retire=True)
        await self._save_ring(ring)

    async def _rewrap_section_off_retired(self, section: Section) -> None:
        for record in await self._records(key_refs=list(self._ring.all_section_keys(section))):
            revs = await self._store.revisions(self.dossier_id, record.item_id)
            await self._rewrap_retired(revs)

    async def mask(self, item_id: str) -> None:
        """Hide an item from every professional, now and for every grant issued later: it is
        re-encrypted under a key wrapped by the mask key (which no grant carries) and its
        section's key is rotated, older versions retired. Masking a masked item does nothing."""
        self._check_open()
        revs = await self._store.revisions(self.dossier_id, items.check_id(item_id, "item id"))
        pending = [r for r in revs if not self._ring.lookup(r.key_ref).is_mask]
        if not pending:
            return
        section = self._open(revs[-1]).section
        await self._retire(frozenset({section}))
        await self._mask_revisions(revs)
        await self._rewrap_section_off_retired(section)

    async def unmask(self, item_id: str) -> None:
        self._check_open()
        item = await self.get(item_id)
        if item.section in self._ring.masked_sections:
            raise NotAllowed("the whole section is masked; unmask the section instead")
        await self._unmask_revisions(await self._store.revisions(self.dossier_id, item_id))

    async def mask_section(self, section: object) -> int:
        """Mask a section: its items now and every item added to it later. Returns the count.
        The flag and the rotation are one keyring write (concurrent writes land masked);
        re-running finishes a partial run."""
        self._check_open()
        sec = Section.parse(section)
        if sec not in self._ring.masked_sections:
            await self._retire(frozenset({sec}), masked=True)
        count = 0
        for record in await self._records(key_refs=list(self._ring.all_section_keys(sec))):
            await self._mask_revisions(await self._store.revisions(self.dossier_id,
                                                                   record.item_id))
            count += 1
        return count

    async def unmask_section(self, section: object) -> int:
        self._check_open()
        sec = Section.parse(section)
        if sec in self._ring.masked_sections:
            await self._save_ring(self._ring.with_masked(sec, False))
        count = 0
        for record in await self._records(key_refs=[self._ring.mask_ref]):
            # Only masked items need opening to know whether they belong to this section.
            try:
                home = self._open(record).section
            except (DecryptionFailed, FormatError):
                continue  # an unreadable item stays masked; it hides no other
            if home == sec:
                await self._unmask_revisions(await self._store.revisions(self.dossier_id,
                                                                         record.item_id))
                count += 1
        return count
