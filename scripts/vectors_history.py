"""Known-answer vectors of the patient's history (``tests/vectors/history.json``): one genuine
audit chain (``consent.audit``) with the server-signed head, the keys the patient's client
would look up for each professional, the readable detail (sealed notes opened) and the
sentences ``web.client.history_text`` says for it in French and English; then tampered
copies (dropped, reordered, rewritten, forged, replayed, shrunk...) with the reason the
verifier must give. Both clients check the same file: ``tests/consent/test_history_vectors.py``
(Python) and ``web/browser/test/history.test.ts`` (the browser).

Every key and nonce comes from a fixed seed, so ``build`` reproduces the committed file
byte for byte. Regenerate (only when a format or a sentence changes) with
``python -m scripts.vectors_history``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import nacl.signing

from consent import audit, note
from consent.request import request_detail, sign_request
from tests.support import DeterministicRandom
from vault.keyring import Keyring
from web.client.history import DECLARED_NOTE
from web.client.history_text import Person, lines
from web.dates import moment_text, zone

PATH = Path(__file__).resolve().parents[1] / "tests" / "vectors" / "history.json"
DOSSIER = "00112233445566778899aabbccddeeff"
DOCTOR = "810000000091"
LAB = "810000000092"
ITEM = "0f" * 16
WRITTEN = "1e" * 16
GRANT = "ab" * 16
DEPOSIT = "cd" * 16
CARD = "9a" * 16
T0 = 1_790_000_000  # 2026-09-21T14:13:20Z
TZ = "Europe/Paris"
# Dates as people write them (web.dates): the 1st of a month, on the hour, midnight, both
# sides of the summer-time changes, New Year's Eve in UTC that is already January in Paris.
MOMENTS = (1_796_130_000, 1_796_137_200, 1_774_746_000, 1_774_749_600, 1_792_890_000,
           1_792_893_600, 1_798_757_999, 1_798_758_000, 1_788_220_800, 0)


class _Log:
    """Builds the genuine chain event by event, signing professionals' requests."""

    def __init__(self, r: DeterministicRandom) -> None:
        self.r = r
        self.events: list[audit.Event] = []

    def add(self, kind: str, actor: str, detail: dict[str, str | int], *,
            key: nacl.signing.SigningKey | None = None, path: str = "/consent/scan",
            at: int | None = None) -> audit.Event:
        seq = len(self.events)
        when = at if at is not None else T0 + 600 * seq
        if key is None:
            event = audit.Event(seq=seq, at=when, kind=kind, actor=actor, detail=detail)
        else:
            event = signed(self.r, seq, when, kind, actor, detail, key, path)
        self.events.append(event)
        return event


def signed(r: DeterministicRandom, seq: int, at: int, kind: str, actor: str,
           detail: dict[str, str | int], key: nacl.signing.SigningKey,
           path: str = "/consent/scan") -> audit.Event:
    """An event recording ``key``'s signed request (``POST path``)."""
    nonce, body = r(16), b'{"token":"HTTPS://CRNT.FR/C/VECTOR"}'
    request = request_detail("POST", path, body, nonce, at - 1)
    return audit.Event(seq=seq, at=at, kind=kind, actor=actor, detail={**request, **detail},
                       request_signature=sign_request("POST", path, body, nonce, at - 1, key),
                       actor_public=key.verify_key.encode())


def _head(events: list[audit.Event], server: nacl.signing.SigningKey,
          dossier: str = DOSSIER) -> bytes:
    """The server's signed head over ``events`` (at the last event's time + 1)."""
    return audit.sign_head(dossier, _raw_head(events), events[-1].at + 1, server).encode()


def _raw_head(events: list[audit.Event]) -> audit.ChainHead:
    """The chain hash over ``events`` as given, whatever their sequence numbers."""
    current = audit.GENESIS
    for e in events:
        current = audit.chain_hash(current, e)
    return audit.ChainHead(events[-1].seq, current)


def _case(name: str, events: list[bytes], head: bytes, reason: str,
          last_seen: audit.ChainHead | None = None) -> dict[str, Any]:
    return {"name": name, "events": [e.hex() for e in events], "head": head.hex(),
            "last_seen": None if last_seen is None else {"seq": last_seen.seq,
                                                         "hash": last_seen.hash.hex()},
            "reason": reason}


def build() -> dict[str, Any]:
    r = DeterministicRandom(b"history vectors")
    ring = Keyring.new(r)
    box_public = ring.box_key.public_key.encode()
    server = nacl.signing.SigningKey(r(32))
    doctor = nacl.signing.SigningKey(r(32))
    lab = nacl.signing.SigningKey(r(32))
    stranger = nacl.signing.SigningKey(r(32))
    doc, biolab = f"ps:{DOCTOR}", f"ps:{LAB}"

    log = _Log(r)
    log.add("login", "patient", {})
    log.add("item_added", "patient", {"item": ITEM})
    log.add("grant_issued", "patient", {"grant": GRANT, "recipient": DOCTOR,
                                        "sections": "allergies,current_treatments",
                                        "write": 1, "expires_at": T0 + 86_400 * 30})
    log.add("token_scanned", doc, {"grant": GRANT, "items": 2,
                                   "sections": "allergies,current_treatments"}, key=doctor)
    log.add("item_written", doc, {"grant": GRANT, "item": WRITTEN}, key=doctor,
            path="/consent/write")
    log.add("item_deposited", biolab, {"deposit": DEPOSIT}, key=lab, path="/deposits")
    log.add("deposit_filed", "patient", {"deposit": DEPOSIT})
    what = note.note_text(note.seal_note(box_public, DECLARED_NOTE[1], "allergies", r))
    log.add("section_masked", "patient", {DECLARED_NOTE[0]: what})
    log.add("export", "patient", {"count": 3})
    log.add("break_glass_changed", "patient", {"break_glass": "on"})
    reason = note.note_text(note.seal_note(box_public, "break-glass-reason",
                                           "Patient inconscient, SAMU 69", r))
    log.add("emergency_access", doc, {"result": "opened", "reason_sealed": reason, "items": 4},
            key=doctor, path="/emergency/break-glass")
    log.add("card_issued", "patient", {"card": CARD, "expires_at": T0 + 86_400 * 365})
    by = note.note_text(note.seal_note(box_public, "card-who", "Pompiers de Lyon", r))
    log.add("card_used", f"card:{CARD}", {"result": "opened", "by_sealed": by, "items": 3})
    log.add("card_used", f"card:{CARD}", {"result": "wrong_passcode", "attempts_left": 2})
    log.add("grant_revoked", "patient", {"grant": GRANT})
    log.add("token_refused", doc, {"grant": GRANT, "result": "revoked"}, key=doctor)
    log.add("professional_blocked", "patient", {"professional": DOCTOR, "blocked": 1,
                                                "grants_revoked": 1})
    # After a key rotation the patient's client seals the packages again (issue 14's review).
    log.add("break_glass_changed", "patient", {"break_glass": "resealed"})
    log.add("card_issued", "patient", {"card": CARD, "resealed": 1})
    log.add("card_issued", "patient", {"card": CARD, "revoked": 1})
    events = log.events
    encoded = [audit.encode_event(e) for e in events]
    head = _head(events, server)
    signed_head = audit.SignedHead.decode(head)
    keys = {doc: frozenset({doctor.verify_key.encode()}),
            biolab: frozenset({lab.verify_key.encode()})}
    final = audit.verify_history(events, signed_head, server.verify_key.encode(), last_seen=None,
                                 dossier_id=DOSSIER, actor_keys=keys)
    people = {doc: Person("Dr Camille Durand", "médecin", "Lyon"),
              biolab: Person("Laboratoire Biolyon", "biologiste", "Villeurbanne")}
    titles = {ITEM: "Pénicilline"}
    details = [readable(e, ring.box_key.encode()) for e in events]
    said = {lang: lines(events, details, people=people, titles=titles, lang=lang,
                        tz=zone(TZ)) for lang in ("fr", "en")}

    last = events[-1]
    nxt = last.seq + 1

    def appended(event: audit.Event) -> tuple[list[bytes], bytes]:
        more = [*events, event]
        return [*encoded, audit.encode_event(event)], _head(more, server)

    rewritten = [*encoded]
    rewritten[3] = audit.encode_event(replace(events[3], detail={**events[3].detail,
                                                                 "sections": "allergies"}))
    swapped = [*encoded]
    swapped[7], swapped[8] = swapped[8], swapped[7]
    reordered_head = _head([events[i] for i in (*range(7), 8, 7, *range(9, len(events)))],
                           server)
    forged_head = audit.sign_head(DOSSIER, final, last.at + 1, stranger).encode()
    other = _head(events, server, dossier="ff" * 16)
    tampered_request = signed(r, nxt, last.at + 60, "token_scanned", doc,
                              {"grant": GRANT, "items": 1, "sections": "allergies"}, doctor)
    tampered_request = replace(tampered_request, detail={**tampered_request.detail,
                                                         "path": "/consent/attachment"})
    cases = [
        _case("detail_rewritten", rewritten, head, "rewritten"),
        _case("event_dropped", [*encoded[:5], *encoded[6:]], head, "dropped"),
        _case("events_swapped", swapped, reordered_head, "reordered"),
        _case("head_not_the_servers", encoded, forged_head, "bad_signature"),
        _case("head_of_another_dossier", encoded, other, "rewritten"),
        _case("log_shrunk", encoded, head, "shrunk",
              audit.ChainHead(final.seq + 3, bytes(32))),
        _case("prefix_changed", encoded, head, "rewritten", audit.ChainHead(2, bytes(32))),
        _case("unsigned_professional_event", *appended(audit.Event(
            seq=nxt, at=last.at + 60, kind="token_scanned", actor=doc,
            detail={"grant": GRANT, "items": 2, "sections": "allergies"})), "bad_signature"),
        _case("signed_by_a_stranger", *appended(signed(
            r, nxt, last.at + 60, "token_scanned", doc,
            {"grant": GRANT, "items": 2, "sections": "allergies"}, stranger)), "unknown_actor"),
        _case("request_replayed", *appended(replace(events[3], seq=nxt, at=last.at + 60)),
              "replayed"),
        _case("patient_claims_a_scan", *appended(audit.Event(
            seq=nxt, at=last.at + 60, kind="token_scanned", actor="patient")),
            "unknown_actor"),
        _case("request_signature_broken", *appended(tampered_request), "bad_signature"),
        _case("time_goes_back", *appended(audit.Event(seq=nxt, at=last.at - 3600, kind="login",
                                                      actor="patient")), "reordered"),
        _case("event_malformed", [*encoded[:-1], encoded[-1] + b"\x00"], head, "malformed"),
    ]
    return {
        "_doc": "scripts/vectors_history.py; hex unless said; consent/audit.py formats",
        "dossier_id": DOSSIER,
        "server_public": server.verify_key.encode().hex(),
        "patient_sign_public": ring.signing_key.verify_key.encode().hex(),
        "patient_box_secret": ring.box_key.encode().hex(),
        "actor_keys": {a: sorted(k.hex() for k in ks) for a, ks in sorted(keys.items())},
        "people": {a: {"name": p.name, "profession": p.profession, "city": p.city}
                   for a, p in sorted(people.items())},
        "titles": titles,
        "time_zone": TZ,
        "good": {"events": [e.hex() for e in encoded], "head": head.hex(),
                 "verified": {"seq": final.seq, "hash": final.hash.hex()},
                 "details": details, "lines": said},
        "tampered": cases,
        "moments": [{"at": at, "fr": moment_text(at, "fr", zone(TZ)),
                     "en": moment_text(at, "en", zone(TZ))} for at in MOMENTS],
    }


def readable(event: audit.Event, box_secret: bytes) -> dict[str, str | int]:
    """``web.client.history.shown_detail`` without a dossier: sealed notes opened."""
    shown = note.readable_detail(event, box_secret)
    sealed = shown.pop(DECLARED_NOTE[0], None)
    if isinstance(sealed, str):
        shown["what"] = note.open_note(sealed, DECLARED_NOTE[1], box_secret)
    return dict(sorted(shown.items()))


def dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


if __name__ == "__main__":
    PATH.write_text(dump(build()), encoding="utf-8")
    print(f"wrote {PATH}")
