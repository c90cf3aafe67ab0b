"""Small journeys about one's own account and assets, each one request: a patient asks for
an activation code, a professional reads their directory status, a patient revokes one of
their emergency cards."""

from __future__ import annotations

from vault.dossier import Dossier
from vault.errors import NotFound
from web import schemas
from web.client.api import Api, ApiError

__all__ = ["NOT_APPROVED", "UNREACHABLE", "directory_status", "request_code", "revoke_card"]

UNREACHABLE = "unreachable"
NOT_APPROVED = "not approved (pending or blocked)"


async def request_code(api: Api, nir: str, birth_date: str) -> str:
    """Ask for an activation code by e-mail or post; the server's answer (its ``detail``) is
    the same whether the NIR exists or not."""
    body = await api.send("POST", "/activation/request",
                          schemas.ActivationRequest(nir=nir, birth_date=birth_date),
                          schemas.AcceptedBody, auth=False)
    return body.detail


async def directory_status(api: Api, ps_id: str) -> tuple[str, list[str]]:
    """A professional's public status and roles: the entry's (``approved``), else
    :data:`NOT_APPROVED` (no public entry) or :data:`UNREACHABLE` (no answer); never raises
    for a refusal, so it works offline."""
    try:
        entry = await api.get(f"/professionals/{ps_id}", schemas.ProfessionalBody, auth=False)
    except (NotFound, ApiError) as exc:
        return (UNREACHABLE if getattr(exc, "code", "") == "unreachable" else NOT_APPROVED), []
    return entry.status, entry.roles


async def revoke_card(dossier: Dossier, api: Api, card_id: str) -> None:
    """Revoke one of the dossier's emergency cards (its passcode no longer opens it)."""
    await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/cards/{card_id}")
