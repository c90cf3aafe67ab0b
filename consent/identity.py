"""A professional's identity QR: idNat_PS + the fingerprint of their signing key, shown at the
desk so the patient's client grants to exactly the key in front of them.

    text = "HTTPS://CRNT.FR/P/" | base45(0x01 | u8 len | idNat_PS (ASCII digits) | fpr (16))
"""

from __future__ import annotations

import re
from typing import Final

from consent import base45
from consent.errors import ConsentError

PREFIX: Final = "HTTPS://CRNT.FR/P/"
VERSION: Final = 0x01
_PS_ID: Final = re.compile(r"^(8\d{11}|0\d{9})$")


class NotAnIdentity(ConsentError, ValueError):
    code = "not_an_identity_qr"
    status = 400
    default_detail = "not a Carnet professional identity code"


class IdentityMismatch(ConsentError):
    code = "identity_mismatch"
    status = 403
    default_detail = ("the directory's key for this professional is not the one their "
                      "identity code shows: refusing")


def encode(ps_id: str, fingerprint: bytes) -> str:
    if not _PS_ID.match(ps_id) or len(fingerprint) != 16:
        raise ValueError("an identity needs an idNat_PS and a 16-byte fingerprint")
    raw = bytes([VERSION, len(ps_id)]) + ps_id.encode("ascii") + fingerprint
    return PREFIX + base45.encode(raw)


def decode(text: str) -> tuple[str, bytes]:
    """(idNat_PS, fingerprint); NotAnIdentity for anything else."""
    if not isinstance(text, str) or text.strip()[:len(PREFIX)].upper() != PREFIX:
        raise NotAnIdentity()
    try:
        raw = base45.decode(text.strip()[len(PREFIX):])
    except ValueError:
        raise NotAnIdentity() from None
    if len(raw) < 2 or raw[0] != VERSION or len(raw) != 2 + raw[1] + 16:
        raise NotAnIdentity()
    ps_id = raw[2:2 + raw[1]].decode("ascii", "replace")
    if not _PS_ID.match(ps_id):
        raise NotAnIdentity()
    return ps_id, raw[2 + raw[1]:]
