"""Small journeys about one's own account and assets, each one request: a patient asks for
an activation code, a pharmacist prints one for the patient in front of them, a professional
reads their directory status, a patient revokes one of their emergency cards."""

from __future__ import annotations

from vault.dossier import Dossier
from vault.errors import NotFound
from web import schemas
from web.client.api import Api, ApiError
from web.client.emergency_sync import recorded
from web.client.rotation import rotated_after_withdrawal

__all__ = ["NOT_APPROVED", "UNREACHABLE", "CodePending", "directory_status", "pharmacy_code",
           "request_code", "revoke_card"]

UNREACHABLE = "unreachable"
NOT_APPROVED = "not approved (pending or blocked)"


async def request_code(api: Api, nir: str, birth_date: str) -> str:
    """Ask for an activation code by e-mail or post; the server's answer (its ``detail``) is
    the same whether the NIR exists or not."""
    body = await api.send("POST", "/activation/request",
                          schemas.ActivationRequest(nir=nir, birth_date=birth_date),
                          schemas.AcceptedBody, auth=False)
    return body.detail


class CodePending(ValueError):
    """The patient's code sent earlier is still valid: it was kept, nothing was issued
    (``detail`` says how and when it was sent); ask again with ``resend`` to replace it."""

    code = "code_pending"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


async def pharmacy_code(api: Api, nir: str, birth_date: str, *,
                        resend: bool = False) -> schemas.PharmacyCodeBody:
    """As a signed-in pharmacist: a code for the patient present. :class:`CodePending` if
    their code sent earlier is still valid, unless ``resend``: then the new code replaces it
    (``replaced`` says which) and the earlier one stops working."""
    try:
        return await api.send("POST", "/activation/pharmacy",
                              schemas.PharmacyActivationRequest(nir=nir, birth_date=birth_date,
                                                                resend=resend),
                              schemas.PharmacyCodeBody)
    except ApiError as exc:
        if exc.code == "code_pending":
            raise CodePending(exc.detail) from None
        raise


async def directory_status(api: Api, ps_id: str) -> tuple[str, list[str]]:
    """A professional's public status and roles: the entry's (``approved``), else
    :data:`NOT_APPROVED` (no public entry) or :data:`UNREACHABLE` (no answer); never raises
    for a refusal, so it works offline."""
    try:
        entry = await api.get(f"/professionals/{ps_id}", schemas.ProfessionalBody, auth=False)
    except (NotFound, ApiError) as exc:
        return (UNREACHABLE if getattr(exc, "code", "") == "unreachable" else NOT_APPROVED), []
    return entry.status, entry.roles


async def revoke_card(dossier: Dossier, api: Api, card_id: str) -> bool:
    """Revoke one of the dossier's emergency cards (its passcode no longer opens it). Struck
    from the keyring's record first: never re-sealed again, whatever the server lists; then
    the summary's keys rotate (grants re-sealed), so its package (which a dishonest server
    could keep) opens nothing written afterwards. True once rotated; False if the rotation
    could not finish (the card is revoked all the same: the next sign-in or write rotates)."""
    await recorded(dossier, api, lambda r: r.without_cards(frozenset({card_id})),
                   withdrawn=True)
    await api.call("DELETE", f"/dossiers/{dossier.dossier_id}/cards/{card_id}")
    return await rotated_after_withdrawal(dossier, api)
