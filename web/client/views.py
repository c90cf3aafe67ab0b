"""What a patient is shown of their grants, decided from what the server returned."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from consent import grant as grant_format
from web import schemas

__all__ = ["GrantView", "grant_views"]


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
