"""The patient's unlocked dossier: add, edit, delete, list, mask, export and close.

This runs on the patient's side (the Python client, later the browser). It encrypts every
item before it reaches the store and decrypts after; the store (piccolo on the server,
memory in tests, HTTP in the client) only ever sees ``vault.records``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Final, TypeVar

from vault import attachments, items, keyring, keys, recovery, tombstone
from vault._archiving import Archiving, NewAttachment
from vault._keeping import KeyringKeeping, check_floor
from vault._masking import Masking
from vault.crypto import (
    KEY_BYTES,
    MEMLIMIT_FLOOR,
    OPSLIMIT_FLOOR,
    KdfParams,
    Random,
    derive,
    system_random,
)
from vault.errors import (
    InvalidInput,
    ItemGone,
    NotAllowed,
    NotFound,
    StaleRevision,
)
from vault.itembox import open_record, open_records, seal_item
from vault.items import AttachmentRef, Author, Draft, Item
from vault.keyring import EmergencyRecord, KeyLookup, Keyring
from vault.records import (
    SLOT_PASSPHRASE,
    SLOT_RECOVERY,
    ChunkRecord,
    DossierRecord,
    ItemRecord,
    TombstoneRecord,
)
from vault.sections import Section
from vault.store import DossierStore, all_items

Clock = Callable[[], int]
T = TypeVar("T")
ATTACHMENT_MAX_BYTES: Final = 25 * 1024 * 1024
_KEEP: Final = object()


class Dossier(Masking, Archiving, KeyringKeeping):
    """An unlocked dossier. Build with :meth:`create`, :meth:`unlock` or :meth:`recover`.
    Masking (``mask``, ``unmask``, ``mask_section``, ``unmask_section``, ``finish_rotations``)
    is from ``vault._masking``; the keyring's updates (``refresh``, ``keep_emergency``) from
    ``vault._keeping``."""

    def __init__(self, store: DossierStore, dossier_id: str, master: bytes, ring: Keyring,
                 ring_version: int, *, clock: Clock, rng: Random = system_random) -> None:
        self._store = store
        self.dossier_id = dossier_id
        self._master = master
        self._ring = ring
        self._ring_version = ring_version
        self._clock = clock
        self._rng = rng
        self._closed = False
        self.unreadable: list[str] = []  # ids the last list() could not open
        # Run before every write (add, edit, import): the client checks there for grants
        # that ended since, so the write uses a key no ex-grantee holds (P5).
        self.before_write: Callable[[], Awaitable[None]] | None = None
        # Run after an operation that rotated a key: the client re-seals cards, break-glass.
        self.after_rotation: Callable[[], Awaitable[None]] | None = None

    # ----------------------------------------------------------------- lifecycle
    @classmethod
    async def create(cls, store: DossierStore, passphrase: str, *, clock: Clock,
                     rng: Random = system_random, opslimit: int = OPSLIMIT_FLOOR,
                     memlimit: int = MEMLIMIT_FLOOR) -> tuple[Dossier, str]:
        """A new dossier; returns it with the recovery code (to show once, never stored)."""
        dossier_id = rng(16).hex()
        master = rng(KEY_BYTES)
        ring = Keyring.new(rng).with_emergency(EmergencyRecord())  # tracked from the start
        code = recovery.generate(rng)
        slots = [
            keys.make_slot(SLOT_PASSPHRASE, passphrase, master, dossier_id,
                           KdfParams.new(rng, opslimit, memlimit), rng),
            keys.make_slot(SLOT_RECOVERY, code, master, dossier_id,
                           KdfParams.new(rng, opslimit, memlimit), rng),
        ]
        record = DossierRecord(dossier_id=dossier_id, created_at=clock(),
                               sign_public=ring.signing_key.verify_key.encode(),
                               box_public=ring.box_key.public_key.encode())
        await store.create(record, slots, keyring.seal(ring, master, dossier_id, 1, rng))
        return cls(store, dossier_id, master, ring, 1, clock=clock, rng=rng), code

    @classmethod
    async def unlock(cls, store: DossierStore, dossier_id: str, passphrase: str, *,
                     clock: Clock, rng: Random = system_random) -> Dossier:
        slot = await store.slot(items.check_id(dossier_id, "dossier id"), SLOT_PASSPHRASE)
        master = keys.open_slot(slot, passphrase, dossier_id)
        return await cls.open_with_master(store, dossier_id, master, clock=clock, rng=rng)

    @classmethod
    async def open_with_master(cls, store: DossierStore, dossier_id: str, master: bytes, *,
                               clock: Clock, rng: Random = system_random,
                               floor: int = 0) -> Dossier:
        """``floor``: the keyring version this client saw last (``ring_version``); an older
        one is refused (``RolledBack``, ``vault._keeping``)."""
        record = await store.keyring(dossier_id)
        check_floor(record.version, floor)
        ring = keyring.open_(record.blob, master, dossier_id, record.version)
        return cls(store, dossier_id, master, ring, record.version, clock=clock, rng=rng)

    @classmethod
    async def recover(cls, store: DossierStore, dossier_id: str, code: str, new_passphrase: str,
                      *, clock: Clock, rng: Random = system_random) -> Dossier:
        """Open with the recovery code and set a new passphrase (only the top is rewrapped)."""
        slot = await store.slot(items.check_id(dossier_id, "dossier id"), SLOT_RECOVERY)
        master = keys.open_slot(slot, code, dossier_id)
        dossier = await cls.open_with_master(store, dossier_id, master, clock=clock, rng=rng)
        await dossier.change_passphrase(new_passphrase)
        return dossier

    async def change_passphrase(self, new_passphrase: str) -> None:
        """Rewrap the master key under a new passphrase (fresh salt, parameters not lowered)."""
        self._check_open()
        old = await self._store.slot(self.dossier_id, SLOT_PASSPHRASE)
        params = KdfParams.new(self._rng, max(old.opslimit, OPSLIMIT_FLOOR),
                               max(old.memlimit, MEMLIMIT_FLOOR))
        slot = keys.make_slot(SLOT_PASSPHRASE, new_passphrase, self._master, self.dossier_id,
                              params, self._rng)
        await self._store.put_slots(self.dossier_id, [slot])

    async def new_recovery_code(self) -> str:
        """Replace the recovery code; the old one stops working. Returns the new one."""
        self._check_open()
        old = await self._store.slot(self.dossier_id, SLOT_RECOVERY)
        code = recovery.generate(self._rng)
        params = KdfParams.new(self._rng, max(old.opslimit, OPSLIMIT_FLOOR),
                               max(old.memlimit, MEMLIMIT_FLOOR))
        slot = keys.make_slot(SLOT_RECOVERY, code, self._master, self.dossier_id, params,
                              self._rng)
        await self._store.put_slots(self.dossier_id, [slot])
        return code

    def now(self) -> int:
        """The dossier's clock (what the client compares grant expiries with)."""
        return self._clock()

    @property
    def ring(self) -> Keyring:
        """The unlocked keyring (client side only; later layers seal grants from it)."""
        return self._ring

    def subkey(self, purpose: str) -> bytes:
        """A key derived from the master key for one client-side purpose (``consent.card``'s
        card keys), stable for the dossier's life; the master key never leaves this object."""
        return derive(self._master, purpose)

    # ----------------------------------------------------------------- keyring: vault._keeping
    async def _write_key(self, section: Section, masked: bool = False) -> keyring.KeyLookup:
        """The key new items of ``section`` are wrapped under: the mask key if the section (or
        the item: ``masked``) is masked; otherwise the section's current key, rotated first if
        a revocation asked for it (an ex-grantee must not read what is written after)."""
        if masked or section in self._ring.masked_sections:
            return self._ring.lookup(self._ring.mask_ref)
        if section in self._ring.rotate_pending:
            await self._save_ring(self._ring.rotate(section, self._rng))
        return self._ring.current(section)

    # ----------------------------------------------------------------- items
    async def add(self, section: object, item_type: object, title: object, date: object,
                  body: object = None, *, attachment: NewAttachment | None = None,
                  author: Author | None = None) -> Item:
        """Encrypt and store a new item (revision 1). Validation happens before any write."""
        self._check_open()
        d = items.draft(section, item_type, title, date, body, author)
        item_id = self._rng(16).hex()
        return await self._retrying(lambda: self._write(d, item_id, 1, attachment))

    async def _write(self, d: Draft, item_id: str, revision: int,
                     attachment: NewAttachment | AttachmentRef | None,
                     masked: bool = False) -> Item:
        """Seal and store revision ``revision`` (based on ``revision - 1``, none for 1) under
        the keyring as it is now: masked if asked, if the patient masked the item on its own
        or its section. The store refuses it if the keyring or the item moved meanwhile."""
        if self.before_write is not None:
            await self.before_write()
        created_at = self._clock()
        ref: AttachmentRef | None = None
        chunk_records: list[ChunkRecord] = []
        if isinstance(attachment, NewAttachment):
            ref, chunk_records = self._seal_attachment(item_id, attachment)
        elif isinstance(attachment, AttachmentRef):
            ref = attachment  # kept from the previous revision: same chunks, same key
        plaintext = items.encode(d, created_at=created_at, attachment=ref)  # checks size
        wrapping = await self._write_key(d.section,
                                         masked or item_id in self._ring.masked_items)
        record = seal_item(plaintext, dossier_id=self.dossier_id, item_id=item_id,
                           revision=revision, created_at=created_at, wrapping=wrapping,
                           section=d.section, rng=self._rng)
        await self._store.put_item(record, chunk_records, keyring_version=self._ring_version,
                                   base_revision=revision - 1 if revision > 1 else None)
        return Item(item_id=item_id, revision=revision, section=d.section,
                    item_type=d.item_type, title=d.title, date=d.date, body=d.body,
                    author=d.author, created_at=created_at, attachment=ref,
                    masked=wrapping.is_mask)

    def _seal_attachment(self, item_id: str,
                         new: NewAttachment) -> tuple[AttachmentRef, list[ChunkRecord]]:
        if not isinstance(new.data, bytes):
            raise InvalidInput("attachment data must be bytes")
        name = items.check_attachment_meta(new.name, new.media_type, len(new.data),
                                           ATTACHMENT_MAX_BYTES)
        attachment_id = self._rng(16).hex()
        ref, blobs = attachments.seal(new.data, dossier_id=self.dossier_id,
                                      attachment_id=attachment_id, name=name,
                                      media_type=new.media_type, rng=self._rng)
        return ref, [ChunkRecord(self.dossier_id, item_id, attachment_id, i, b)
                     for i, b in enumerate(blobs)]

    async def edit(self, item_id: str, *, title: object = _KEEP, date: object = _KEEP,
                   body: object = _KEEP, item_type: object = _KEEP,
                   attachment: NewAttachment | object | None = _KEEP,
                   base_revision: int | None = None) -> Item:
        """Write a new revision of one of the patient's own items; older ones are kept.

        The edit is based on ``base_revision`` (the one the patient saw; else the latest
        when it starts). If the item changed on another device since, StaleRevision; if it
        was deleted there, ItemGone: nothing is merged, the patient shows it again and
        redoes the edit. A keyring changed meanwhile is reloaded and the edit applied again
        from it (masked if the item or its section was masked meanwhile: P16)."""
        self._check_open()
        based_on = base_revision

        async def change() -> Item:
            nonlocal based_on
            try:
                current = await self.get(item_id)
            except NotFound:
                if based_on is not None:
                    raise ItemGone() from None
                raise
            if based_on is None:
                based_on = current.revision
            elif current.revision != based_on:
                raise StaleRevision()
            return await self._edit(current, title, date, body, item_type, attachment)
        return await self._retrying(change)

    async def _edit(self, current: Item, title: object, date: object, body: object,
                    item_type: object, attachment: NewAttachment | object | None) -> Item:
        if not current.own:
            raise NotAllowed("only items you wrote can be edited; you can mask or delete others")
        d = items.draft(current.section,
                        current.item_type if item_type is _KEEP else item_type,
                        current.title if title is _KEEP else title,
                        current.date if date is _KEEP else date,
                        current.body if body is _KEEP else body, current.author)
        keep: NewAttachment | AttachmentRef | None
        if attachment is _KEEP:
            keep = current.attachment
        elif attachment is None or isinstance(attachment, NewAttachment):
            keep = attachment
        else:
            raise InvalidInput("attachment must be a file or None")
        # A masked item's new revision goes straight under the mask key: its key is never
        # wrapped by a section key, not even for a moment.
        return await self._write(d, current.item_id, current.revision + 1, keep,
                                 masked=current.masked)

    async def delete(self, item_id: str, *, base_revision: int | None = None) -> None:
        """Delete an item, every revision and its attachments. Based on ``base_revision``
        (else the latest when it starts): StaleRevision if the item changed on another
        device since, ItemGone if it was deleted there."""
        self._check_open()
        item_id = items.check_id(item_id, "item id")
        based_on = base_revision

        async def change() -> None:
            nonlocal based_on
            try:
                latest = (await self._store.revisions(self.dossier_id, item_id))[-1].revision
            except NotFound:
                if based_on is not None:
                    raise ItemGone() from None
                raise
            if based_on is None:
                based_on = latest
            elif latest != based_on:
                raise StaleRevision()
            await self._store.delete_item(self.dossier_id, item_id,
                                          keyring_version=self._ring_version,
                                          base_revision=latest)
        await self._retrying(change)

    def _open(self, record: ItemRecord) -> Item:
        return open_record(record, self._ring.lookup(record.key_ref))

    def _resolve(self, ref: str) -> KeyLookup | None:
        try:
            return self._ring.lookup(ref)
        except NotFound:
            return None

    async def get(self, item_id: str, revision: int | None = None) -> Item:
        """One item (its latest revision unless ``revision`` is given), decrypted."""
        self._check_open()
        revs = await self._store.revisions(self.dossier_id, items.check_id(item_id, "item id"))
        if revision is None:
            return self._open(revs[-1])
        for r in revs:
            if r.revision == revision:
                return self._open(r)
        raise InvalidInput("no such revision")

    async def history(self, item_id: str) -> list[Item]:
        """Every revision of an item, oldest first."""
        self._check_open()
        revs = await self._store.revisions(self.dossier_id, items.check_id(item_id, "item id"))
        return [self._open(r) for r in revs]

    async def _records(self, key_refs: Sequence[str] | None = None) -> list[ItemRecord]:
        return await all_items(self._store, self.dossier_id, key_refs)

    async def list(self, section: object = None) -> list[Item]:
        """Latest revision of every item (of one section if given), newest date first."""
        self._check_open()
        wanted = None if section is None else Section.parse(section)
        # One bad item (written by a faulty or hostile client) must not hide the rest.
        found, self.unreadable = open_records(await self._records(), self._resolve,
                                              unknown_unreadable=True)
        if wanted is not None:
            found = [i for i in found if i.section == wanted]
        return sorted(found, key=lambda i: (i.date, i.created_at), reverse=True)

    async def attachment(self, item: Item) -> bytes:
        """The decrypted bytes of an item's attachment."""
        self._check_open()
        if item.attachment is None:
            raise InvalidInput("this item has no attachment")
        blobs = await self._store.chunks(self.dossier_id, item.attachment.id)
        return attachments.open_(item.attachment, blobs, dossier_id=self.dossier_id)

    # ----------------------------------------------------------------- masking: vault._masking
    # ----------------------------------------------------------------- export, close
    async def close(self) -> tombstone.Tombstone:
        """Crypto-shred the dossier: every key, item and chunk is deleted, a signed tombstone
        stays, and this id can never be reused. Export first if you want a copy."""
        self._check_open()
        stone = tombstone.sign(self.dossier_id, self._clock(), self._ring.signing_key)
        await self._store.close(TombstoneRecord(self.dossier_id, stone.closed_at,
                                                tombstone.encode(stone)))
        self._closed = True
        self._master = b"\x00" * KEY_BYTES
        return stone

    def _check_open(self) -> None:
        if self._closed:
            raise NotAllowed("this dossier is closed")
