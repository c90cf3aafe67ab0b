"""An emergency contact's code: shown by a person who holds a Carnet dossier so that a patient
can name them as emergency contact (a standing grant on the emergency summary). It carries the
contact's public keys, checked in person: the server is not trusted for them.

    link = ORIGIN | "/K#" | decimal(0x01 | dossier id (16) | Ed25519 pk (32) | X25519 pk (32))
    text = "HTTPS://CRNT.FR/K/" | base45(the same 81 bytes)      (legacy, still read)

The texts are ``consent._qrtext``'s; the recipient id a grant to the contact carries is
``consent.recipient``'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from consent._qrtext import QrText
from consent.errors import NotAContact
from consent.recipient import contact_id

PREFIX: Final = "HTTPS://CRNT.FR/K/"
VERSION: Final = 0x01
SIZE: Final = 1 + 16 + 32 + 32
_TEXT: Final = QrText(PREFIX, VERSION, foreign=NotAContact, garbled=NotAContact)


@dataclass(frozen=True, slots=True)
class Contact:
    dossier_id: str
    sign_public: bytes
    box_public: bytes

    @property
    def recipient_id(self) -> str:
        return contact_id(self.dossier_id)


def _body(c: Contact) -> bytes:
    body = bytes.fromhex(c.dossier_id) + c.sign_public + c.box_public
    if len(body) != SIZE - 1:
        raise ValueError("a contact needs a 16-byte dossier id and two 32-byte keys")
    return body


def encode(c: Contact) -> str:
    """The legacy text (still read by ``decode``)."""
    return _TEXT.encode(_body(c))


def link(c: Contact, origin: str) -> str:
    """The contact's code as a link on the deployment at ``origin`` (what its QR carries)."""
    return _TEXT.link(_body(c), origin)


def decode(text: str) -> Contact:
    """The contact a code names; NotAContact for anything else."""
    body = _TEXT.decode(text)
    if len(body) != SIZE - 1:
        raise NotAContact()
    return Contact(dossier_id=body[:16].hex(), sign_public=body[16:48], box_public=body[48:80])
