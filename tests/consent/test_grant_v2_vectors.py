"""The committed grant version-2 vectors still hold and open as documented."""

from __future__ import annotations

import json

from consent import grant
from tests.consent import grant_v2_vectors as vectors


def test_grant_v2_vectors_regenerate_byte_identical() -> None:
    assert vectors.dumps(vectors.build()) == vectors.PATH.read_text()


def test_grant_v2_vectors_verify_and_open() -> None:
    v = json.loads(vectors.PATH.read_text())
    patient = bytes.fromhex(v["patient_sign_public"])
    first = grant.SignedGrant.decode(bytes.fromhex(v["v1"]["bytes"]))
    again = grant.SignedGrant.decode(bytes.fromhex(v["v2"]["bytes"]))
    for signed in (first, again):
        grant.verify(signed, patient)
    assert again.core.version == grant.VERSION_RESEALED == 2
    assert bytes.fromhex(v["v2"]["bytes"])[0] == 0x02
    assert grant.signed_message(again.core).hex() == v["v2"]["signed_message"]
    assert again.core.same_grant(first.core) and again.core.generation == v["v2"]["generation"]
    keys = grant.open_keys(again, bytes.fromhex(v["recipient_box_secret"]))
    assert sorted(keys.current.values()) == v["v2"]["current_refs"]
    assert list(keys.refs) == v["v2"]["key_refs"]
    assert not set(v["v2"]["current_refs"]) <= set(first.core.key_refs)  # a new version
