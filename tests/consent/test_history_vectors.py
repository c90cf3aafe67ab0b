"""The history vectors (``tests/vectors/history.json``, ``scripts/vectors_history.py``) as the
Python client reads them: the genuine chain verifies to the recorded head and reads as the
recorded sentences; every tampered copy is refused with its recorded reason. The browser's
tests (``web/browser/test/history.test.ts``) check the same file."""

from __future__ import annotations

import json
from typing import Any

import pytest

from consent import audit
from consent.errors import ChainBroken, MalformedAudit
from scripts.vectors_history import PATH, build, dump, readable
from web.client.history_text import Person, lines
from web.dates import zone

DATA: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
KEYS = {a: frozenset(bytes.fromhex(k) for k in ks) for a, ks in DATA["actor_keys"].items()}
SERVER = bytes.fromhex(DATA["server_public"])


def _verify(case: dict[str, Any]) -> audit.ChainHead:
    events = [audit.decode_event(bytes.fromhex(e)) for e in case["events"]]
    seen = case.get("last_seen")
    last_seen = None if seen is None else audit.ChainHead(seen["seq"], bytes.fromhex(seen["hash"]))
    return audit.verify_history(events, audit.SignedHead.decode(bytes.fromhex(case["head"])),
                                SERVER, last_seen=last_seen, dossier_id=DATA["dossier_id"],
                                actor_keys=KEYS)


def test_the_file_is_what_the_script_builds() -> None:
    assert PATH.read_text(encoding="utf-8") == dump(build())


def test_the_genuine_chain_verifies_and_reads_as_recorded() -> None:
    good = DATA["good"]
    head = _verify(good)
    assert (head.seq, head.hash.hex()) == (good["verified"]["seq"], good["verified"]["hash"])
    events = [audit.decode_event(bytes.fromhex(e)) for e in good["events"]]
    box = bytes.fromhex(DATA["patient_box_secret"])
    details = [readable(e, box) for e in events]
    assert details == good["details"]
    people = {a: Person(**p) for a, p in DATA["people"].items()}
    for lang in ("fr", "en"):
        said = lines(events, details, people=people, titles=DATA["titles"], lang=lang,
                     tz=zone(DATA["time_zone"]))
        assert said == good["lines"][lang]
    assert any("Dr Camille Durand (médecin, Lyon) a ouvert votre dossier" in x
               for x in good["lines"]["fr"])


def test_without_the_professionals_keys_the_genuine_chain_is_refused() -> None:
    good = DATA["good"]
    events = [audit.decode_event(bytes.fromhex(e)) for e in good["events"]]
    with pytest.raises(ChainBroken) as info:
        audit.verify_history(events, audit.SignedHead.decode(bytes.fromhex(good["head"])),
                             SERVER, last_seen=None, dossier_id=DATA["dossier_id"],
                             actor_keys={})
    assert info.value.reason == "unknown_actor"


@pytest.mark.parametrize("case", DATA["tampered"], ids=lambda c: c["name"])
def test_every_tampered_copy_is_refused_with_its_reason(case: dict[str, Any]) -> None:
    if case["reason"] == "malformed":
        with pytest.raises(MalformedAudit):
            _verify(case)
        return
    with pytest.raises(ChainBroken) as info:
        _verify(case)
    assert info.value.reason == case["reason"], str(info.value)


def test_the_tampered_cases_cover_every_reason() -> None:
    reasons = {c["reason"] for c in DATA["tampered"]}
    assert reasons == {"dropped", "reordered", "rewritten", "shrunk", "bad_signature",
                       "unknown_actor", "replayed", "malformed"}
