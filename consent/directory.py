"""Directory entries countersigned by the deployment's directory authority.

The authority key (Ed25519) is the operator's and can live offline: the operator's client
signs an entry when approving a professional. Every client pins the authority's public key and
checks entries before sealing anything to a professional's key, so the server cannot swap a
professional's keys for its own.

    message = "CARNET-DIRECTORY" | 0x01 | P(ps_id) | P(name) | P(profession) | P(specialty)
              | P(city) | P(roles, comma-separated, sorted) | sign_public (32) | box_public (32)
    P(x)    = u16 BE length | UTF-8 bytes
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import nacl.signing

from consent import _codec
from consent.errors import UntrustedEntry
from vault.crypto import verify_signature

CONTEXT: Final = b"CARNET-DIRECTORY"
VERSION: Final = 0x01


@dataclass(frozen=True, slots=True)
class Entry:
    ps_id: str
    name: str
    profession: str
    specialty: str
    city: str
    roles: tuple[str, ...]
    sign_public: bytes
    box_public: bytes


def message(e: Entry) -> bytes:
    """What the authority signs (see the module docstring); ``ValueError`` for keys that are
    not 32 bytes or a field over 65535 bytes."""
    if len(e.sign_public) != 32 or len(e.box_public) != 32:
        raise ValueError("directory keys are 32 bytes each")
    w = _codec.Writer().raw(CONTEXT).u8(VERSION)
    for text in (e.ps_id, e.name, e.profession, e.specialty, e.city, ",".join(sorted(e.roles))):
        w.p(text.encode("utf-8"))
    return w.raw(e.sign_public).raw(e.box_public).getvalue()


def countersign(e: Entry, authority: nacl.signing.SigningKey) -> bytes:
    return authority.sign(message(e)).signature


def verify(e: Entry, signature: bytes, authority_public: bytes) -> None:
    """UntrustedEntry unless ``signature`` is the authority's over this exact entry."""
    try:
        ok = verify_signature(authority_public, message(e), signature)
    except ValueError:
        ok = False
    if not ok:
        raise UntrustedEntry()
