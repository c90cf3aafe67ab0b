"""Domain values as HTTP bodies, for the mappings more than one route module needs (route
modules never import one another)."""

from __future__ import annotations

from web import schemas
from web.server.services.auth import OpenedSession
from web.server.storage.ports import Professional


def session_body(s: OpenedSession) -> schemas.SessionBody:
    """A new session, with its bearer token."""
    return schemas.SessionBody(session=s.session, expires_at=s.expires_at,
                               kind=s.kind,  # type: ignore[arg-type]
                               subject=s.subject, roles=list(s.roles))


def professional_body(p: Professional) -> schemas.ProfessionalBody:
    """A professional's directory entry (public keys, status, roles, countersignature)."""
    return schemas.ProfessionalBody(ps_id=p.ps_id, name=p.name, profession=p.profession,
                                    specialty=p.specialty, city=p.city,
                                    status=p.status,  # type: ignore[arg-type]
                                    roles=list(p.roles), box_public=p.box_public,
                                    sign_public=p.sign_public,
                                    countersignature=p.countersignature)
