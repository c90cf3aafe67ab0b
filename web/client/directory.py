"""The directory as a client sees it: entries checked against the pinned authority key."""

from __future__ import annotations

from collections.abc import Sequence

import nacl.signing

from consent import directory
from consent.errors import UntrustedEntry
from web import schemas
from web.client.api import Api


def entry_of(body: schemas.ProfessionalBody, roles: Sequence[str] | None = None) -> directory.Entry:
    return directory.Entry(ps_id=body.ps_id, name=body.name, profession=body.profession,
                           specialty=body.specialty, city=body.city,
                           roles=tuple(body.roles if roles is None else roles),
                           sign_public=body.sign_public, box_public=body.box_public)


async def trusted_entry(api: Api, ps_id: str, authority_public: bytes) -> schemas.ProfessionalBody:
    """A professional's entry, refused (UntrustedEntry) unless the authority countersigned it:
    the server cannot slip its own keys in."""
    body = await api.get(f"/professionals/{ps_id}", schemas.ProfessionalBody, auth=False)
    if body.ps_id != ps_id:  # another professional's genuine entry is not this one's
        raise UntrustedEntry()
    directory.verify(entry_of(body), body.countersignature, authority_public)
    return body


async def approve(api: Api, ps_id: str, roles: Sequence[str],
                  authority: nacl.signing.SigningKey) -> schemas.ProfessionalBody:
    """As the operator: countersign the entry (with these roles) and approve it."""
    body = await api.get(f"/operator/professionals/{ps_id}", schemas.ProfessionalBody)
    unique = list(dict.fromkeys(roles))
    signature = directory.countersign(entry_of(body, unique), authority)
    return await api.send("POST", f"/operator/professionals/{ps_id}/approve",
                          schemas.ApproveBody(countersignature=signature,
                                           roles=unique),  # type: ignore[arg-type]
                          schemas.ProfessionalBody)


async def authority_key(api: Api) -> bytes:
    body = await api.get("/directory/authority", schemas.AuthorityBody, auth=False)
    return body.authority_public
