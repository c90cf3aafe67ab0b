"""Who presents a consent token (a professional, or an emergency contact with a dossier of
their own) and the signed request they present it with; ``web.server.services.consent``
checks both."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass

from consent.recipient import Recipient
from vault.records import DossierRecord
from web.server.services.errors import Unauthorized
from web.server.storage.ports import Professional


@dataclass(frozen=True, slots=True)
class Presenter:
    """Who presents a consent token: the recipient a grant must name, and the profession
    the patient's notification gives (with ``name`` and ``ps_id``, a ``messages.Actor``)."""

    recipient: Recipient
    profession: str

    @classmethod
    def professional(cls, pro: Professional) -> Presenter:
        """An approved professional, with their directory keys."""
        return cls(Recipient(id=pro.ps_id, sign_public=pro.sign_public,
                             box_public=pro.box_public, label=pro.name), pro.profession)

    @classmethod
    def contact(cls, dossier: DossierRecord) -> Presenter:
        """A signed-in patient presenting a contact grant: their dossier's own keys, never a
        directory entry."""
        return cls(Recipient.contact(dossier.dossier_id, dossier.sign_public,
                                     dossier.box_public, label="contact d'urgence"), "proche")

    @property
    def name(self) -> str:
        return self.recipient.label

    @property
    def ps_id(self) -> str:
        return self.recipient.id

    @property
    def sign_public(self) -> bytes:
        return self.recipient.sign_public


def presenter(who: Professional | Presenter) -> Presenter:
    return who if isinstance(who, Presenter) else Presenter.professional(who)


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """What a professional's client sends with a request: nonce, time, Ed25519 signature."""

    method: str
    path: str
    body: bytes
    nonce: bytes
    at: int
    signature: bytes

    @classmethod
    def from_headers(cls, method: str, path: str, body: bytes,
                     headers: Mapping[str, str]) -> SignedRequest:
        try:
            nonce = bytes.fromhex(headers["x-carnet-nonce"])
            at = int(headers["x-carnet-time"])
            signature = base64.b64decode(headers["x-carnet-signature"], validate=True)
        except (KeyError, ValueError):
            raise Unauthorized("this request must be signed (X-Carnet-Nonce, X-Carnet-Time, "
                               "X-Carnet-Signature)") from None
        if not 16 <= len(nonce) <= 64 or len(signature) != 64:
            raise Unauthorized("the request signature headers are malformed")
        return cls(method, path, body, nonce, at, signature)
