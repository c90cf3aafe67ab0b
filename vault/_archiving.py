"""Export and import of archives for ``vault.dossier.Dossier`` (``docs/formats.md``,
"Export archive").

Private: ``Dossier`` inherits ``Archiving`` and is the only user; the methods are documented
and called as ``Dossier`` methods (``export_archive``, ``import_archive``). Pure: the store,
keyring, clock and randomness come from the dossier. ``NewAttachment`` lives here because
importing writes attachments back (``vault.NewAttachment`` is its public name).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vault import archive as archive_format
from vault import items
from vault.errors import DecryptionFailed, FormatError
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY

if TYPE_CHECKING:
    from vault.crypto import Random
    from vault.items import Draft, Item
    from vault.keyring import Keyring
    from vault.records import ItemRecord
    from vault.store import DossierStore


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """A file to attach to an item (plaintext, client side only)."""

    name: str
    media_type: str
    data: bytes


class Archiving:
    """The archive half of ``Dossier``: what it needs from the dossier is declared here."""

    _store: DossierStore
    _ring: Keyring
    _rng: Random
    _master: bytes
    _clock: Callable[[], int]
    dossier_id: str

    if TYPE_CHECKING:
        def _check_open(self) -> None: ...
        def _open(self, record: ItemRecord) -> Item: ...
        async def _records(self, key_refs: Sequence[str] | None = None
                           ) -> list[ItemRecord]: ...
        async def attachment(self, item: Item) -> bytes: ...
        async def mask_section(self, section: object) -> int: ...
        async def _write(self, d: Draft, item_id: str, revision: int,
                         attachment: NewAttachment | None, masked: bool = False) -> Item: ...

    async def export_archive(self) -> bytes:
        """An archive of every item and revision, openable offline with the passphrase or
        the recovery code, even after the dossier is closed. A revision that does not open
        (``list`` shows its item as unreadable) is left out: it hides no other."""
        self._check_open()
        entries = []
        for record in await self._records():
            for rev in await self._store.revisions(self.dossier_id, record.item_id):
                try:
                    item = self._open(rev)
                except (DecryptionFailed, FormatError):
                    continue
                data = await self.attachment(item) if item.attachment else None
                entries.append(archive_format.Entry(item=item, attachment=data))
        slots = [await self._store.slot(self.dossier_id, n) for n in (SLOT_PASSPHRASE,
                                                                      SLOT_RECOVERY)]
        return archive_format.write(self.dossier_id, self._master, slots, entries,
                                    exported_at=self._clock(), rng=self._rng,
                                    masked_sections=self._ring.masked_sections)

    async def import_archive(self, contents: archive_format.Contents, *,
                             on_skip: Callable[[str, int], None] | None = None) -> int:
        """Re-encrypt an archive's items into this dossier (new ids, same history and masks);
        returns the number of revisions written. Into the dossier it came from, a revision
        still present (same item id and revision) is skipped (``on_skip(item_id,
        revision)`` is called) and the masks are left as they are now: importing adds only
        what was deleted since the export (under a new id)."""
        self._check_open()
        own = contents.dossier_id == self.dossier_id
        if not own:
            for section in contents.masked_sections:
                await self.mask_section(section)
        present: dict[str, set[int]] = {}
        new_ids: dict[str, str] = {}
        count = 0
        for entry in contents.entries:
            it = entry.item
            if own and it.item_id not in present:
                try:
                    revs = await self._store.revisions(self.dossier_id, it.item_id)
                except LookupError:
                    revs = []
                present[it.item_id] = {r.revision for r in revs}
            if own and it.revision in present[it.item_id]:
                if on_skip is not None:
                    on_skip(it.item_id, it.revision)
                continue
            d = items.draft(it.section, it.item_type, it.title, it.date, it.body, it.author)
            new_id = new_ids.setdefault(it.item_id, self._rng(16).hex())
            current = await self._latest_revision(new_id)
            att = (NewAttachment(it.attachment.name, it.attachment.media_type, entry.attachment)
                   if it.attachment is not None and entry.attachment is not None else None)
            # A masked item goes straight under the mask key (never a section key's wrap).
            await self._write(d, new_id, current + 1, att, masked=it.masked)
            count += 1
        return count

    async def _latest_revision(self, item_id: str) -> int:
        try:
            return (await self._store.revisions(self.dossier_id, item_id))[-1].revision
        except LookupError:
            return 0
