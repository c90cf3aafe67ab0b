"""Known-answer vectors for grant version 2 (a grant re-sealed after a rotation,
``docs/formats.md``, "Grants"): ``tests/vectors/grant_v2.json``, a NEW file (the version-1
vectors in ``consent.json`` stay byte-identical). Fixed seeds, so ``build`` reproduces the
committed file exactly; regenerate with ``python -m tests.consent.grant_v2_vectors`` only when
the format changes.

The story: a version-1 grant on allergies and current treatments; the patient rotates
allergies (another grantee's grant ended); the same grant re-sealed as version 2,
generation 1, with the new current ref.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nacl.signing

from consent import grant
from tests.support import DeterministicRandom
from vault.keyring import Keyring
from vault.sections import Section

PATH = Path(__file__).resolve().parents[1] / "vectors" / "grant_v2.json"
DOSSIER = "0123456789abcdef0123456789abcdef"


def build() -> dict[str, Any]:
    r = DeterministicRandom(b"grant v2 vectors")
    ring = Keyring.new(r)
    pro_sign = nacl.signing.SigningKey(r(32))
    pro_box = nacl.signing.SigningKey(r(32)).to_curve25519_private_key()
    first = grant.issue(ring=ring, dossier_id=DOSSIER, recipient_id="810001234567",
                        recipient_sign_public=pro_sign.verify_key.encode(),
                        recipient_box_public=pro_box.public_key.encode(),
                        sections={Section.ALLERGIES, Section.CURRENT_TREATMENTS}, write=True,
                        issued_at=1_790_000_000, expires_at=1_790_086_400, grant_id=r(16),
                        rng=r)
    rotated = ring.rotate(Section.ALLERGIES, r)
    again = grant.reseal(first.core, ring=rotated, rng=r)
    return {
        "_doc": "docs/formats.md (Grants, version 2); hex",
        "patient_sign_public": ring.signing_key.verify_key.encode().hex(),
        "recipient_box_secret": pro_box.encode().hex(),
        "v1": {"bytes": first.encode().hex()},
        "v2": {"bytes": again.encode().hex(),
               "signed_message": grant.signed_message(again.core).hex(),
               "generation": again.core.generation,
               "current_refs": list(again.core.current_refs),
               "key_refs": list(again.core.key_refs)},
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(dumps(build()))
