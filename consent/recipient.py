"""Who a grant is sealed to and who may present its token: a ``Recipient``.

A recipient is a professional (``id`` = their idNat_PS, keys from their countersigned
directory entry) or an emergency contact who holds a Carnet dossier of their own (``id`` =
``"contact:" + their dossier id``, keys = that dossier's own keys, checked in person through
their contact code). Both present a token the same way; only the id tells them apart, and the
``"contact:"`` prefix is spelled here only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

CONTACT_PREFIX: Final = "contact:"


def contact_id(dossier_id: str) -> str:
    """The recipient id of the emergency contact who holds dossier ``dossier_id``."""
    return CONTACT_PREFIX + dossier_id


def contact_dossier(recipient_id: str) -> str | None:
    """The dossier id of an emergency contact's recipient id; None for a professional."""
    if recipient_id.startswith(CONTACT_PREFIX):
        return recipient_id[len(CONTACT_PREFIX):]
    return None


@dataclass(frozen=True, slots=True)
class Recipient:
    """A grant's recipient, public side only: ``id`` as the grant names it, the Ed25519 key
    that signs their requests and the X25519 key grants are sealed to. ``label`` is how a
    notification or a screen names them (never part of a signed format)."""

    id: str
    sign_public: bytes
    box_public: bytes
    label: str

    @classmethod
    def contact(cls, dossier_id: str, sign_public: bytes, box_public: bytes,
                label: str) -> Recipient:
        """The holder of dossier ``dossier_id`` acting as someone's emergency contact."""
        return cls(id=contact_id(dossier_id), sign_public=sign_public, box_public=box_public,
                   label=label)

    @property
    def is_contact(self) -> bool:
        return contact_dossier(self.id) is not None

    @property
    def actor(self) -> str:
        """How the audit log names them: ``contact:<id>`` as is, ``ps:<idNat_PS>``."""
        return self.id if self.is_contact else f"ps:{self.id}"
