"""A patient with the real client (``web.client``) and professionals with real identities,
against the in-process app (SQLite and PostgreSQL), for the key tests of issue 8 (masking
residue, rotation after expiry and revocation). The app's clock is the test's."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from consent import grant
from tests.web.server.routes.api_support import BASE_URL, OPERATOR_TOKEN, Harness, new_ps_id
from vault import Dossier, Item, Section, envelope
from vault.errors import DecryptionFailed
from vault.itembox import item_ad
from vault.records import ItemRecord
from vault.storage.tables import ItemRow
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import Issued, decrypt_items, issue_grant
from web.client.directory import approve
from web.client.writes import OpenedGrant, open_grant

PASSPHRASE = "une phrase secrète assez longue"


@dataclass
class Pro:
    identity: ProfessionalIdentity
    api: Api

    @property
    def ps_id(self) -> str:
        return self.identity.ps_id


async def professional(app: Harness, name: str = "Dr Anne Leroy",
                       profession: str = "médecin") -> Pro:
    """A registered, countersigned, approved and signed-in professional (real keys)."""
    identity = ProfessionalIdentity.new(new_ps_id())
    api = Api(BASE_URL, transport=app.transport)
    await identity.register(api, name=name, profession=profession)
    async with Api(BASE_URL, transport=app.transport, session=OPERATOR_TOKEN) as operator:
        await approve(operator, identity.ps_id, [], app.authority)
    await identity.login(api)
    return Pro(identity, api)


async def patient(app: Harness) -> tuple[Dossier, Api]:
    """An activated patient (real client: Argon2id slots, encrypted keyring and items)."""
    person = await app.beneficiary()
    code = await app.pharmacy_code(person)
    api = Api(BASE_URL, transport=app.transport)
    dossier, _ = await activate(api, person.nir, code, PASSPHRASE, clock=app.clock)
    return dossier, api


async def give(app: Harness, dossier: Dossier, api: Api, pro: Pro, sections: list[str], *,
               write: bool = False, seconds: int = 3600) -> Issued:
    return await issue_grant(dossier, api, pro.ps_id, sections, seconds=seconds, write=write,
                             now=app.clock.now, authority_public=app.authority.verify_key.encode())


async def open_as(app: Harness, pro: Pro, issued: Issued) -> OpenedGrant:
    """The professional scans the token (every client check) and keeps the grant's keys."""
    return await open_grant(pro.api, pro.identity, issued.text, now=app.clock.now)


async def rows(dossier_id: str, item_id: str | None = None) -> list[ItemRecord]:
    """Every stored revision (straight from the database), as an attacker with it sees."""
    query = ItemRow.select().where(ItemRow.dossier_id == dossier_id)
    if item_id is not None:
        query = query.where(ItemRow.item_id == item_id)
    return [ItemRecord(r["dossier_id"], r["item_id"], int(r["revision"]), r["key_ref"],
                       bytes(r["wrapped_key"]), bytes(r["ciphertext"]), int(r["created_at"]))
            for r in await query]


def all_keys(keys: grant.GrantKeys) -> list[bytes]:
    return [k for ks in keys.keys.values() for k in ks.values()]


def opens(record: ItemRecord, candidates: Iterable[bytes]) -> bool:
    """True if any candidate key, used as a section key (any purpose, any section) or as the
    item key itself, opens ``record``'s wrap or ciphertext: the attacker tries everything,
    ignoring key references."""
    for key in candidates:
        for section in Section:
            for purpose in ("item-key", "item-key-masked"):
                try:
                    envelope.open_(key, record.wrapped_key, item_ad(
                        purpose, record.dossier_id, section, record.item_id, record.revision))
                except DecryptionFailed:
                    continue
                return True  # a wrap that opens gives the item key away
            if opens_ciphertext(record, [key], sections=[section]):
                return True
    return False


def opens_ciphertext(record: ItemRecord, item_keys: Iterable[bytes],
                     sections: Iterable[Section] = tuple(Section)) -> bool:
    for item_key in item_keys:
        for section in sections:
            try:
                envelope.open_(item_key, record.ciphertext, item_ad(
                    "item", record.dossier_id, section, record.item_id, record.revision))
            except DecryptionFailed:
                continue
            return True
    return False


def item_key_with(record: ItemRecord, keys: Mapping[str, bytes], section: Section) -> bytes:
    """The item key of ``record`` unwrapped with the key its ref names (must succeed)."""
    return envelope.open_(keys[record.key_ref], record.wrapped_key, item_ad(
        "item-key", record.dossier_id, section, record.item_id, record.revision))


def readable(opened: OpenedGrant, bodies: Iterable[ItemRecord]) -> list[Item]:
    """What these grant keys decrypt among ``bodies`` (the client's own rule)."""
    return decrypt_items(opened.dossier.dossier_id, [schemas.ItemBody.of(r) for r in bodies],
                         opened.keys.keys)


async def close_all(*apis: Api) -> None:
    for api in apis:
        await api.aclose()
