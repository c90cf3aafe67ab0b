"""Database rows (piccolo dicts) -> the frozen rows of :mod:`web.server.storage.ports`."""

from __future__ import annotations

from typing import Any

from web.server.storage.ports import (
    Beneficiary,
    Professional,
    StoredCard,
    StoredDeposit,
    StoredGrant,
)

Row = dict[str, Any]


def refs(text: str) -> tuple[str, ...]:
    """A comma-joined column (roles, key refs) -> its parts."""
    return tuple(r for r in text.split(",") if r)


def beneficiary(row: Row) -> Beneficiary:
    return Beneficiary(nir_hash=row["nir_hash"], last_name=row["last_name"],
                       first_name=row["first_name"], birth_date=row["birth_date"],
                       address=row["address"], email=row["email"],
                       dossier_id=row["dossier_id"])


def professional(row: Row) -> Professional:
    return Professional(ps_id=row["ps_id"], name=row["name"], profession=row["profession"],
                        specialty=row["specialty"], city=row["city"], email=row["email"],
                        box_public=bytes(row["box_public"]),
                        sign_public=bytes(row["sign_public"]), status=row["status"],
                        roles=refs(row["roles"]), created_at=row["created_at"],
                        countersignature=bytes(row["countersignature"] or b""))


def grant(row: Row) -> StoredGrant:
    return StoredGrant(grant_id=row["grant_id"], dossier_id=row["dossier_id"],
                       recipient_id=row["recipient_id"], recipient_fpr=row["recipient_fpr"],
                       key_refs=refs(row["key_refs"]), write=bool(row["write"]),
                       issued_at=row["issued_at"], expires_at=row["expires_at"],
                       revoked_at=row["revoked_at"], blob=bytes(row["blob"]))


def deposit(row: Row) -> StoredDeposit:
    return StoredDeposit(deposit_id=row["deposit_id"], dossier_id=row["dossier_id"],
                         ps_id=row["ps_id"], at=row["at"], blob=bytes(row["blob"]),
                         signature=bytes(row["signature"]))


def card(row: Row) -> StoredCard:
    return StoredCard(card_id=row["card_id"], dossier_id=row["dossier_id"],
                      server_share=bytes(row["server_share"]),
                      passcode_hash=bytes(row["passcode_hash"]), package=bytes(row["package"]),
                      key_refs=refs(row["key_refs"]), attempts=row["attempts"],
                      created_at=row["created_at"], expires_at=row["expires_at"],
                      revoked_at=row["revoked_at"])
