"""What a patient is shown of their grants, decided from what the server returned; and the
countersigned directory names a reader's view gives the professional authors
(``web.client.reading``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consent import ConsentError
from consent import grant as grant_format
from vault import EMERGENCY_SUMMARY, Dossier, InvalidInput, Item, Section, VaultError
from vault import attachments as attachment_format
from vault.crypto import Random, system_random
from web import schemas
from web.client.api import Api, ApiError
from web.client.consent import Presenter, request_signer
from web.client.directory import trusted_entry
from web.client.reading import Kind, Professional, ReadingView, build_view, mask_warning

__all__ = ["GrantView", "author_directory", "grant_views", "granted_attachment",
           "masking_warning", "reader_view"]


@dataclass(frozen=True, slots=True)
class GrantView:
    grant_id: str
    recipient: str
    sections: list[str]  # sorted section names
    write: bool
    issued_at: int
    expires_at: int
    state: str  # active, expired or revoked


def grant_views(grants: Iterable[schemas.GrantInfo], *, now: int) -> list[GrantView]:
    """Each grant with its sections (read from the signed grant) and its state at ``now``."""
    out = []
    for g in grants:
        core = grant_format.SignedGrant.decode(g.grant).core
        state = "revoked" if g.revoked_at else "expired" if g.expires_at <= now else "active"
        out.append(GrantView(grant_id=g.grant_id, recipient=g.recipient_id,
                             sections=sorted(x.value for x in core.sections), write=g.write,
                             issued_at=g.issued_at, expires_at=g.expires_at, state=state))
    return out


async def author_directory(api: Api, items: Iterable[Item],
                           authority_public: bytes) -> dict[str, Professional]:
    """Name and profession of every professional author of ``items``, from the directory
    entries the pinned authority countersigned. An author whose entry is missing or not
    countersigned is left out (the view says so): the name an item carries was written by
    whoever wrote the item, and is not shown as the truth."""
    ps_ids = sorted({i.author.id for i in items if i.author.kind == "professional"
                     and i.author.id})
    found: dict[str, Professional] = {}
    for ps_id in ps_ids:
        try:
            body = await trusted_entry(api, ps_id, authority_public)
        except (ApiError, ConsentError, VaultError):  # unknown (404 is NotFound), untrusted
            continue
        found[ps_id] = Professional(name=body.name, profession=body.profession)
    return found


async def granted_attachment(api: Api, me: Presenter, text: str, item: Item, *, now: int,
                             dossier_id: str | None = None,
                             rng: Random = system_random) -> bytes:
    """The decrypted attachment of an item a consent token opens: the server checks the
    token again (every check of a scan) and that the item is one the grant opens, and
    returns its encrypted chunks; they are opened here with the key the item holds."""
    if item.attachment is None:
        raise InvalidInput("this item has no attachment")
    body = await api.send("POST", "/consent/attachment",
                          schemas.AttachmentRequest(token=text, item_id=item.item_id,
                                                    attachment_id=item.attachment.id),
                          schemas.AttachmentBody, signer=request_signer(me, now, rng))
    return attachment_format.open_(item.attachment, body.chunks,
                                   dossier_id=dossier_id or body.dossier_id)


async def reader_view(api: Api, items: Iterable[Item], *, kind: Kind, authority_public: bytes,
                      carried: Iterable[Section] = EMERGENCY_SUMMARY,
                      dossier_id: str | None = None, write: bool = False,
                      expires_at: int | None = None,
                      unreadable: Iterable[str] = ()) -> ReadingView:
    """``web.client.reading.build_view`` with the professional authors named from the
    countersigned directory. ``carried`` defaults to the emergency summary (what a card, a
    break-glass package and a contact's grant carry)."""
    found = list(items)
    names = await author_directory(api, found, authority_public)
    return build_view(found, kind=kind, carried=carried, dossier_id=dossier_id, write=write,
                      expires_at=expires_at, unreadable=unreadable, directory=names)


async def masking_warning(dossier: Dossier, *, item_id: str | None = None,
                          section: Section | str | None = None) -> str | None:
    """What to tell the patient who masks ``item_id`` or the whole ``section``
    (``web.client.reading.mask_warning``): a warning for the emergency summary, else None."""
    if section is not None:
        return mask_warning(Section.parse(section), whole_section=True)
    if item_id is None:
        return None
    item = await dossier.get(item_id)
    return mask_warning(item.section, item_type=item.item_type)
