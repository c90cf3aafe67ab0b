"""An emergency contact's code: shown by a person who holds a Carnet dossier so that a patient
can name them as emergency contact (a standing grant on the emergency summary). It carries the
contact's public keys, checked in person: the server is not trusted for them.

    text = "HTTPS://CRNT.FR/K/" | base45(0x01 | dossier id (16) | Ed25519 pk (32) | X25519 pk (32))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from consent import base45
from consent.errors import ConsentError

PREFIX: Final = "HTTPS://CRNT.FR/K/"
VERSION: Final = 0x01
SIZE: Final = 1 + 16 + 32 + 32


class NotAContact(ConsentError, ValueError):
    code = "not_a_contact_code"
    status = 400
    default_detail = "not a Carnet emergency-contact code"


@dataclass(frozen=True, slots=True)
class Contact:
    dossier_id: str
    sign_public: bytes
    box_public: bytes

    @property
    def recipient_id(self) -> str:
        return f"contact:{self.dossier_id}"


def encode(c: Contact) -> str:
    return PREFIX + base45.encode(bytes([VERSION]) + bytes.fromhex(c.dossier_id)
                                  + c.sign_public + c.box_public)


def decode(text: str) -> Contact:
    if not isinstance(text, str) or text.strip()[:len(PREFIX)].upper() != PREFIX:
        raise NotAContact()
    try:
        raw = base45.decode(text.strip()[len(PREFIX):])
    except ValueError:
        raise NotAContact() from None
    if len(raw) != SIZE or raw[0] != VERSION:
        raise NotAContact()
    return Contact(dossier_id=raw[1:17].hex(), sign_public=raw[17:49], box_public=raw[49:81])
