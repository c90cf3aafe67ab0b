"""A professional's identity QR: idNat_PS + the fingerprint of their signing key, shown at the
desk so the patient's client grants to exactly the key in front of them.

    link = ORIGIN | "/P#" | decimal(0x01 | u8 len | idNat_PS (ASCII digits) | fpr (16))
    text = "HTTPS://CRNT.FR/P/" | base45(the same bytes)        (legacy, still read)

The texts are ``consent._qrtext``'s.
"""

from __future__ import annotations

import re
from typing import Final

from consent._qrtext import QrText
from consent.errors import NotAnIdentity

PREFIX: Final = "HTTPS://CRNT.FR/P/"
VERSION: Final = 0x01
_PS_ID: Final = re.compile(r"^(8\d{11}|0\d{9})$")
_TEXT: Final = QrText(PREFIX, VERSION, foreign=NotAnIdentity, garbled=NotAnIdentity)


def _body(ps_id: str, fingerprint: bytes) -> bytes:
    if not _PS_ID.match(ps_id) or len(fingerprint) != 16:
        raise ValueError("an identity needs an idNat_PS and a 16-byte fingerprint")
    return bytes([len(ps_id)]) + ps_id.encode("ascii") + fingerprint


def encode(ps_id: str, fingerprint: bytes) -> str:
    """The legacy text (still read by ``decode``)."""
    return _TEXT.encode(_body(ps_id, fingerprint))


def link(ps_id: str, fingerprint: bytes, origin: str) -> str:
    """The identity's link on the deployment at ``origin`` (what its QR code carries)."""
    return _TEXT.link(_body(ps_id, fingerprint), origin)


def decode(text: str) -> tuple[str, bytes]:
    """(idNat_PS, fingerprint); NotAnIdentity for anything else."""
    body = _TEXT.decode(text)
    if not body or len(body) != 1 + body[0] + 16:
        raise NotAnIdentity()
    ps_id = body[1:1 + body[0]].decode("ascii", "replace")
    if not _PS_ID.match(ps_id):
        raise NotAnIdentity()
    return ps_id, body[1 + body[0]:]
