"""A professional (or an emergency contact) checks a consent token without opening the dossier
(``POST /consent/check``): does it hold now, for me, and what does it open?

The server makes every check of a scan and reads nothing of the dossier; the client then checks
the answer against the token it holds: the patient's signature on the token by the key the
server gives, whose fingerprint the token itself carries (P4), and the grant id, sections,
flags and expiry the token says. A server that answers for another token or patient fails
here.
"""

from __future__ import annotations

from dataclasses import dataclass

from consent import token
from consent.errors import InvalidToken
from vault import Section
from vault.crypto import Random, system_random
from web import schemas
from web.client.api import Api
from web.client.consent import Presenter, request_signer


@dataclass(frozen=True, slots=True)
class Checked:
    """A consent token the server found valid for us now, checked against the token."""

    dossier_id: str
    grant_id: str
    sections: frozenset[Section]
    write: bool
    emergency: bool
    expires_at: int


async def check(api: Api, me: Presenter, text: str, *, now: int,
                rng: Random = system_random) -> Checked:
    """POST the token with a signed request and check the answer against the token."""
    tok = token.decode(token.from_text(text))
    body = await api.send("POST", "/consent/check", schemas.ScanRequest(token=text),
                          schemas.CheckBody, signer=request_signer(me, now, rng))
    tok.verify(body.patient_public)  # the fingerprint in the token, then the signature
    claims = tok.claims
    try:
        sections = frozenset(Section(s) for s in body.sections)
    except ValueError:
        raise InvalidToken() from None
    if (body.grant_id != claims.grant_id.hex() or sections != claims.sections
            or body.write != claims.write or body.emergency != claims.emergency
            or body.expires_at != claims.expires_at):
        raise InvalidToken()
    return Checked(dossier_id=body.dossier_id, grant_id=body.grant_id, sections=sections,
                   write=body.write, emergency=body.emergency, expires_at=body.expires_at)
