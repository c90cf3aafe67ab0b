"""Professional writes, deposits and blocks on the client side.

- A professional with a read+write consent adds an item: encrypted here under the grant's
  current key for the section, sent with the token and a signed request.
- A professional deposits an item for a patient known by NIR: sealed here to the patient's
  public key and signed with the professional's own key; nothing is read.
- The patient files deposits (each checked against the depositor's countersigned directory
  entry), and blocks or unblocks professionals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from consent import deposit as deposit_format
from consent import grant
from consent.errors import ConsentError
from vault import (
    Author,
    Dossier,
    FormatError,
    InvalidInput,
    Item,
    KeyLookup,
    NotAllowed,
    NotFound,
    items,
    seal_item,
)
from vault.crypto import Random, system_random
from vault.records import ChunkRecord, DossierRecord, ItemRecord
from vault.sections import Section
from web import schemas
from web.client.api import Api, ApiError
from web.client.consent import present, request_signer
from web.client.directory import trusted_entry
from web.client.professional import ProfessionalIdentity
from web.client.rotation import sync_grants

STALE_KEY: Final = "stale_key"  # the server's code for a write under a replaced key


# ------------------------------------------------------------------------------ grant writes
@dataclass(frozen=True, slots=True)
class OpenedGrant:
    """A consent token checked and opened by its recipient: the patient's dossier, what the
    grant allows, and its keys."""

    text: str
    dossier: DossierRecord
    write: bool
    expires_at: int
    keys: grant.GrantKeys

    @property
    def sections(self) -> frozenset[Section]:
        return frozenset(self.keys.current)


async def open_grant(api: Api, identity: ProfessionalIdentity, text: str, *,
                     now: int, rng: Random = system_random) -> OpenedGrant:
    """Present the token (a scan, in the history), with every check ``scan`` makes, and keep
    the grant's keys for writing."""
    p = await present(api, identity, text, now=now, rng=rng)
    return OpenedGrant(text=text, dossier=p.dossier, write=p.core.write,
                       expires_at=p.expires_at, keys=p.keys)


def seal_for_grant(opened: OpenedGrant, d: items.Draft, *, created_at: int,
                   rng: Random = system_random) -> ItemRecord:
    """A new item (revision 1) wrapped under the grant's current key for its section."""
    ref = opened.keys.current.get(d.section)
    key = None if ref is None else opened.keys.get(ref)
    if ref is None or key is None:
        raise NotAllowed(f"this consent does not open the section {d.section.value}")
    return seal_item(items.encode(d, created_at=created_at), dossier_id=opened.dossier.dossier_id,
                     item_id=rng(16).hex(), revision=1, created_at=created_at,
                     wrapping=KeyLookup(ref, key, d.section), section=d.section, rng=rng)


async def send_item(api: Api, identity: ProfessionalIdentity, text: str, record: ItemRecord,
                    *, now: int, chunks: Sequence[ChunkRecord] = (),
                    rng: Random = system_random) -> schemas.WrittenBody:
    """POST /consent/items: the token, the sealed record and a signed request."""
    body = schemas.WriteRequest(token=text, item=schemas.ItemBody.of(record), chunks=[
        schemas.ChunkBody(attachment_id=c.attachment_id, index=c.index, blob=c.blob)
        for c in chunks])
    return await api.send("POST", "/consent/items", body, schemas.WrittenBody,
                          signer=request_signer(identity, now, rng))


async def write_item(api: Api, identity: ProfessionalIdentity, text: str, section: object,
                     item_type: object, title: object, date: object, body: object = None, *,
                     name: str | None = None, now: int, opened: OpenedGrant | None = None,
                     rng: Random = system_random) -> tuple[OpenedGrant, Item]:
    """Add an item, authored by this professional, through a read+write consent (opened
    now unless ``opened`` is given). Returns the opened grant and the item as written.

    If the server answers ``stale_key`` (the patient rotated the section's key after an
    expiry, a revocation or a masking, and re-sealed the grant to us), the grant is opened
    again (its new keys checked as at any scan) and the item sealed and sent once more."""
    d = items.draft(section, item_type, title, date, body,
                    Author.professional(identity.ps_id, name))
    if opened is None:
        opened = await open_grant(api, identity, text, now=now, rng=rng)
    record = seal_for_grant(opened, d, created_at=now, rng=rng)
    try:
        await send_item(api, identity, text, record, now=now, rng=rng)
    except ApiError as exc:
        if exc.code != STALE_KEY:
            raise
        opened = await open_grant(api, identity, text, now=now, rng=rng)
        record = seal_for_grant(opened, d, created_at=now, rng=rng)
        await send_item(api, identity, text, record, now=now, rng=rng)
    return opened, Item(item_id=record.item_id, revision=1, section=d.section,
                        item_type=d.item_type, title=d.title, date=d.date, body=d.body,
                        author=d.author, created_at=now)


# ------------------------------------------------------------------------------ deposits
@dataclass(frozen=True, slots=True)
class Deposited:
    deposit_id: str
    dossier_id: str
    at: int


async def deposit(api: Api, identity: ProfessionalIdentity, nir: str, section: object,
                  item_type: object, title: object, date: object, body: object = None, *,
                  name: str | None = None, now: int,
                  rng: Random = system_random) -> Deposited:
    """Leave an item for the patient with this NIR, sealed to their public key and signed
    with ours. Nothing of the dossier is read."""
    d = items.draft(section, item_type, title, date, body,
                    Author.professional(identity.ps_id, name))
    plaintext = items.encode(d, created_at=now)
    where = await api.send("POST", "/deposits/recipient", schemas.RecipientRequest(nir=nir),
                           schemas.RecipientBody)
    sealed = deposit_format.seal(plaintext, where.box_public, rng)
    deposit_id = rng(16).hex()
    signature = deposit_format.sign(where.dossier_id, deposit_id, sealed, identity.signing_key)
    receipt = await api.send("POST", "/deposits", schemas.DepositUpload(
        dossier_id=where.dossier_id, deposit_id=deposit_id, sealed=sealed, signature=signature),
        schemas.DepositReceipt, signer=request_signer(identity, now, rng))
    return Deposited(deposit_id=receipt.deposit_id, dossier_id=where.dossier_id, at=receipt.at)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A deposit left in place because it does not verify (``reason`` says why)."""

    deposit_id: str
    ps_id: str
    at: int
    reason: str


@dataclass(frozen=True, slots=True)
class Filing:
    filed: list[tuple[str, Item]]  # (deposit id, the item as filed)
    rejected: list[Rejected]


async def pending_deposits(dossier: Dossier, api: Api) -> list[schemas.DepositBody]:
    found: list[schemas.DepositBody] = []
    params: dict[str, Any] = {"limit": 20}
    while True:
        page = await api.get(f"/dossiers/{dossier.dossier_id}/deposits", schemas.DepositPage,
                             params=params)
        found += page.deposits
        if page.next_after is None:
            return found
        params = {"limit": 20, "after": page.next_after}


async def _check(dossier: Dossier, api: Api, d: schemas.DepositBody, authority_public: bytes,
                 entries: dict[str, schemas.ProfessionalBody | None]) -> Item | str:
    """The deposit's item, or why it is refused."""
    if d.ps_id not in entries:
        try:
            entries[d.ps_id] = await trusted_entry(api, d.ps_id, authority_public)
        except (NotFound, ConsentError):
            entries[d.ps_id] = None
    entry = entries[d.ps_id]
    if entry is None:
        return "the depositor has no countersigned directory entry"
    try:
        deposit_format.verify(dossier.dossier_id, d.deposit_id, d.sealed, d.signature,
                              entry.sign_public)
    except ConsentError:
        return "the depositor's signature does not check"
    try:
        plaintext = deposit_format.open_(d.sealed, dossier.ring.box_secret)
        item = items.decode(plaintext, item_id=d.deposit_id, revision=1)
    except (ConsentError, FormatError):
        return "the sealed item does not open"
    if item.author.kind != "professional" or item.author.id != d.ps_id:
        return "the item's author is not the depositor"
    return item


async def file_deposits(dossier: Dossier, api: Api, *, authority_public: bytes) -> Filing:
    """File every deposit that verifies into its section (author kept) and remove it from
    the server; leave the others in place and report them."""
    filed: list[tuple[str, Item]] = []
    rejected: list[Rejected] = []
    entries: dict[str, schemas.ProfessionalBody | None] = {}
    for d in await pending_deposits(dossier, api):
        checked = await _check(dossier, api, d, authority_public, entries)
        if isinstance(checked, Item):
            try:
                item = await dossier.add(checked.section, checked.item_type, checked.title,
                                         checked.date, checked.body, author=checked.author)
            except InvalidInput as exc:  # LimitExceeded too
                checked = f"the item is not valid ({exc})"
            else:
                await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/deposits/"
                                         f"{d.deposit_id}")
                filed.append((d.deposit_id, item))
                continue
        rejected.append(Rejected(deposit_id=d.deposit_id, ps_id=d.ps_id, at=d.at,
                                 reason=checked))
    return Filing(filed=filed, rejected=rejected)


# ------------------------------------------------------------------------------ blocks
async def block(dossier: Dossier, api: Api, ps_id: str) -> schemas.BlockResult:
    """Block a professional: the server refuses their tokens and revokes their active
    grants; here the keys those grants carried are rotated at once and re-sealed to the
    grantees that remain (as ``revoke_grant`` does)."""
    result = await api.send("POST", f"/dossiers/{dossier.dossier_id}/blocks",
                            schemas.BlockRequest(ps_id=ps_id), schemas.BlockResult)
    if result.revoked:
        await sync_grants(dossier, api)
    return result


async def unblock(dossier: Dossier, api: Api, ps_id: str) -> None:
    await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/blocks/{ps_id}")


async def blocks(dossier: Dossier, api: Api) -> list[schemas.BlockInfo]:
    return (await api.get(f"/dossiers/{dossier.dossier_id}/blocks", schemas.BlockList)).blocks

