"""The audit hash chain (P6): a correct log verifies; a dropped, reordered, rewritten or
shrunk log, or a head signed by another key, is detected with the right reason."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import fields, replace
from typing import Any

import nacl.signing
import pytest
from hypothesis import given
from hypothesis import strategies as st

from consent import audit as a
from consent.audit import (
    KINDS,
    ChainHead,
    Event,
    SignedHead,
    append,
    decode_event,
    encode_event,
    sign_head,
    verify_chain,
    verify_head,
)
from consent.errors import REASONS, AuditError, ChainBroken, ConsentError, MalformedAudit
from consent.request import request_detail, request_message, sign_request
from tests.support import DeterministicRandom

DOSSIER = "0123456789abcdef0123456789abcdef"
T0 = 1_790_000_000
rng = DeterministicRandom(b"audit tests")
SERVER = nacl.signing.SigningKey(rng(32))
SERVER_PUBLIC = SERVER.verify_key.encode()
PS = nacl.signing.SigningKey(rng(32))
PS_ACTOR = "ps:810001234567"


def signed_event(seq: int, at: int, kind: str, method: str, path: str, body: bytes,
                 **extra: str | int) -> Event:
    nonce = rng(16)
    return Event(seq=seq, at=at, kind=kind, actor=PS_ACTOR,
                 detail={**request_detail(method, path, body, nonce, at - 1), **extra},
                 request_signature=sign_request(method, path, body, nonce, at - 1, PS),
                 actor_public=PS.verify_key.encode())


def make_events(n: int = 20) -> list[Event]:
    plain: list[tuple[str, str, dict[str, str | int]]] = [
        ("login", "patient", {}),
        ("grant_issued", "patient", {"grant_id": "aa" * 16, "sections": "allergies"}),
        ("mask_changed", "patient", {"item_id": "bb" * 16, "masked": 1}),
        ("export", "patient", {}),
        ("card_issued", "patient", {"card_id": "cc" * 16}),
        ("emergency_access", "emergency:samu-75", {"sections": "allergies,blood_group"}),
        ("grant_revoked", "patient", {"grant_id": "aa" * 16}),
    ]
    events: list[Event] = []
    for seq in range(n):
        at = T0 + 10 * seq
        if seq % 3 == 2:
            events.append(signed_event(seq, at, "section_read", "GET",
                                       f"/api/dossiers/{DOSSIER}/items?section=allergies",
                                       b"", grant_id="aa" * 16))
        elif seq % 5 == 4:
            events.append(signed_event(seq, at, "item_deposited", "POST",
                                       f"/api/dossiers/{DOSSIER}/items",
                                       b"\x01opaque ciphertext" * 3, item_id=f"{seq:032x}"))
        else:
            kind, actor, detail = plain[seq % len(plain)]
            events.append(Event(seq=seq, at=at, kind=kind, actor=actor, detail=dict(detail)))
    return events


def heads(events: Sequence[Event]) -> list[ChainHead]:
    out: list[ChainHead] = []
    head: ChainHead | None = None
    for event in events:
        head = append(head, event)
        out.append(head)
    return out


def signed(events: Sequence[Event], key: nacl.signing.SigningKey = SERVER,
           dossier: str = DOSSIER) -> SignedHead:
    return sign_head(dossier, heads(events)[-1], events[-1].at + 5, key)


def renumber(events: Sequence[Event]) -> list[Event]:
    """What a hostile server does after tampering: fix the seqs (and re-sign the head)."""
    return [replace(e, seq=i) for i, e in enumerate(events)]


def reason(events: Sequence[Event], head: SignedHead,
           last_seen: ChainHead | None = None) -> str:
    with pytest.raises(ChainBroken) as info:
        verify_chain(events, head, SERVER_PUBLIC, last_seen=last_seen)
    return info.value.reason


EVENTS = make_events()
HEADS = heads(EVENTS)
HEAD = signed(EVENTS)


# --- a good log -----------------------------------------------------------------------------


def test_good_chain_verifies() -> None:
    assert len(EVENTS) == 20
    assert sum(e.signed_request for e in EVENTS) >= 6
    assert verify_chain(EVENTS, HEAD, SERVER_PUBLIC, last_seen=None) == HEADS[-1]
    for seen in HEADS:
        assert verify_chain(EVENTS, HEAD, SERVER_PUBLIC, last_seen=seen,
                            dossier_id=DOSSIER) == HEADS[-1]


def test_growing_log_verifies_against_what_was_seen() -> None:
    seen: ChainHead | None = None
    for n in range(1, len(EVENTS) + 1):
        seen = verify_chain(EVENTS[:n], signed(EVENTS[:n]), SERVER_PUBLIC, last_seen=seen)
        assert seen == HEADS[n - 1]


def test_chain_hash_definition() -> None:
    import hashlib

    h = bytes(32)
    for event, head in zip(EVENTS, HEADS, strict=True):
        h = hashlib.blake2b(h + encode_event(event), digest_size=32,
                            person=b"carnet.audit").digest()
        assert head.hash == h


# --- dropped --------------------------------------------------------------------------------


@pytest.mark.parametrize("i", range(20))
def test_deleting_any_entry_is_detected(i: int) -> None:
    shorter = EVENTS[:i] + EVENTS[i + 1:]
    assert reason(shorter, HEAD) == "dropped"
    if i < len(EVENTS) - 1:
        # The server renumbers and re-signs: caught if the client had seen past the entry.
        forged = renumber(shorter)
        assert reason(forged, signed(forged), last_seen=HEADS[-1]) == "shrunk"
        # ... or padded back to the old length: the prefix the client saw changed.
        padded = [*forged, replace(EVENTS[-1], seq=19, at=EVENTS[-1].at + 1)]
        assert reason(padded, signed(padded), last_seen=HEADS[i]) == "rewritten"


def test_missing_tail_against_the_old_head() -> None:
    assert reason(EVENTS[:15], HEAD) == "dropped"
    assert reason([], HEAD) == "dropped"


# --- reordered ------------------------------------------------------------------------------


@pytest.mark.parametrize(("i", "j"), [(0, 1), (3, 4), (0, 19), (7, 12), (18, 19)])
def test_swapping_two_entries_is_detected(i: int, j: int) -> None:
    swapped = list(EVENTS)
    swapped[i], swapped[j] = swapped[j], swapped[i]
    assert reason(swapped, HEAD) == "reordered"
    # Renumbered and re-signed by the server: time goes backwards.
    forged = renumber(swapped)
    assert reason(forged, signed(forged)) == "reordered"
    # And the client that had seen them remembers another history.
    assert reason(forged, signed(forged), last_seen=HEADS[j]) == "rewritten"


# --- rewritten ------------------------------------------------------------------------------


def _edits(e: Event) -> dict[str, Event]:
    edits = {
        "at": replace(e, at=e.at + 1),
        "kind": replace(e, kind="export" if e.kind != "export" else "login"),
        "actor": replace(e, actor=e.actor + "x"),
        "detail+": replace(e, detail={**e.detail, "extra": 1}),
    }
    if e.detail:
        key = sorted(e.detail)[0]
        value = e.detail[key]
        edits["detail="] = replace(e, detail={
            **e.detail, key: value + 1 if isinstance(value, int) else value + "x"})
        edits["detail-"] = replace(e, detail={k: v for k, v in e.detail.items()
                                                     if k != key or e.signed_request})
    if e.signed_request:
        sig = bytearray(e.request_signature)
        sig[0] ^= 1
        edits["request_signature"] = replace(e, request_signature=bytes(sig))
        edits["actor_public"] = replace(e, actor_public=nacl.signing.SigningKey(
            bytes(32)).verify_key.encode())
    return edits


@pytest.mark.parametrize("i", range(20))
def test_editing_any_field_of_any_entry_is_detected(i: int) -> None:
    covered: set[str] = set()
    for name, edited in _edits(EVENTS[i]).items():
        if edited == EVENTS[i]:
            continue
        log = list(EVENTS)
        log[i] = edited
        assert reason(log, HEAD) == "rewritten", name
        # Re-signed by the server: caught if the client had seen that entry already.
        assert reason(log, signed(log), last_seen=HEADS[i]) == "rewritten", name
        covered.add(name.rstrip("+=-"))
    seq_edit = list(EVENTS)
    seq_edit[i] = replace(EVENTS[i], seq=EVENTS[i].seq + 100)
    assert reason(seq_edit, HEAD) == "rewritten"
    dup = list(EVENTS)
    dup[i] = replace(EVENTS[i], seq=(i + 1) % 20)
    assert reason(dup, HEAD) == "rewritten"
    assert {"at", "kind", "actor", "detail"} <= covered
    names = {f.name for f in fields(Event)} - {"seq"}
    if EVENTS[i].signed_request:
        assert names == covered


def test_server_cannot_forge_a_professional_request() -> None:
    """Beyond what the client saw, a re-signed head covers an edit; the professional's own
    request signature does not."""
    i = next(k for k, e in enumerate(EVENTS) if e.signed_request and k > 10)
    log = list(EVENTS)
    log[i] = replace(EVENTS[i], detail={**EVENTS[i].detail, "path": "/api/elsewhere"})
    assert reason(log, signed(log), last_seen=HEADS[5]) == "bad_signature"
    log[i] = replace(EVENTS[i], actor="ps:810009999999")  # blame someone else: the key
    # still says who signed; the caller checks actor_public against the directory.
    assert verify_chain(log, signed(log), SERVER_PUBLIC, last_seen=HEADS[5]) == heads(log)[-1]
    invented = Event(seq=20, at=EVENTS[-1].at + 1, kind="section_read", actor=PS_ACTOR,
                     detail=request_detail("GET", "/x", b"", bytes(16), T0),
                     request_signature=bytes(64), actor_public=PS.verify_key.encode())
    log = [*EVENTS, invented]
    assert reason(log, signed(log), last_seen=HEADS[-1]) == "bad_signature"


# --- shrunk ---------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 5, 10, 19])
def test_truncated_log_is_detected(n: int) -> None:
    short = EVENTS[:n]
    head = signed(short)  # the server re-signs the shorter log
    assert verify_chain(short, head, SERVER_PUBLIC, last_seen=None) == HEADS[n - 1]
    assert reason(short, head, last_seen=HEADS[-1]) == "shrunk"
    assert reason(short, head, last_seen=HEADS[n]) == "shrunk"
    verify_chain(short, head, SERVER_PUBLIC, last_seen=HEADS[n - 1])


def test_rewritten_prefix_is_detected() -> None:
    other = [replace(e, at=e.at + 1) for e in EVENTS]
    assert reason(other, signed(other), last_seen=HEADS[3]) == "rewritten"
    assert reason(other, signed(other), last_seen=ChainHead(3, bytes(32))) == "rewritten"


# --- signatures -----------------------------------------------------------------------------


def test_head_signed_by_another_key() -> None:
    rogue = nacl.signing.SigningKey(rng(32))
    assert reason(EVENTS, signed(EVENTS, rogue)) == "bad_signature"
    with pytest.raises(ChainBroken) as info:
        verify_head(HEAD, rogue.verify_key.encode())
    assert info.value.reason == "bad_signature"
    with pytest.raises(ChainBroken):
        verify_head(HEAD, b"garbage")


@pytest.mark.parametrize("change", ["seq", "hash", "at", "dossier_id", "signature"])
def test_tampered_head(change: str) -> None:
    values: dict[str, Any] = {"seq": HEAD.seq - 1, "hash": bytes(32), "at": HEAD.at + 1,
              "dossier_id": "f" * 32, "signature": bytes(64)}
    assert reason(EVENTS, replace(HEAD, **{change: values[change]})) == "bad_signature"


def test_head_of_another_dossier() -> None:
    head = signed(EVENTS, dossier="f" * 32)
    verify_chain(EVENTS, head, SERVER_PUBLIC, last_seen=None)
    with pytest.raises(ChainBroken) as info:
        verify_chain(EVENTS, head, SERVER_PUBLIC, last_seen=None, dossier_id=DOSSIER)
    assert info.value.reason == "rewritten"


def test_signed_head_codec() -> None:
    data = HEAD.encode()
    assert len(data) == a.HEAD_SIZE == 129
    assert SignedHead.decode(data) == HEAD
    for bad in (data[:-1], b"\x02" + data[1:], data + b"\x00", b""):
        with pytest.raises(MalformedAudit):
            SignedHead.decode(bad)


# --- append and requests --------------------------------------------------------------------


def test_append_refuses_a_wrong_seq() -> None:
    with pytest.raises(ChainBroken) as info:
        append(HEADS[3], EVENTS[5])
    assert info.value.reason == "dropped"
    with pytest.raises(ChainBroken) as info:
        append(HEADS[3], EVENTS[2])
    assert info.value.reason == "reordered"
    with pytest.raises(ChainBroken):
        append(None, EVENTS[1])


def test_request_message_layout() -> None:
    msg = request_message("POST", "/p", b"body", b"n" * 16, 7)
    import hashlib

    assert msg == (b"CARNET-REQUEST\x01" + b"\x00\x04POST" + b"\x00\x02/p"
                   + hashlib.sha256(b"body").digest() + b"\x00\x10" + b"n" * 16
                   + (7).to_bytes(8, "big"))
    for bad in [("get", "/p"), ("POST", "p"), ("", "/p"), ("POST", "/p\n")]:
        with pytest.raises(MalformedAudit):
            request_message(bad[0], bad[1], b"", b"n" * 16, 7)
    with pytest.raises(MalformedAudit):
        request_message("GET", "/p", b"", b"short", 7)


def test_event_validation() -> None:
    good = EVENTS[0]
    for bad in [
        {"kind": "reboot"}, {"actor": ""}, {"actor": "a\x00b"}, {"seq": -1}, {"at": 2**64},
        {"detail": {"x": 1.5}}, {"detail": {"x": True}}, {"detail": {"x": -1}},
        {"detail": {"": "v"}}, {"detail": {f"k{i}": i for i in range(40)}},
        {"detail": {"x": "y" * 3000}},
        {"request_signature": bytes(64)},  # signature without key nor request fields
        {"request_signature": bytes(64), "actor_public": bytes(32)},  # no request fields
        {"actor_public": bytes(31)},
    ]:
        with pytest.raises(MalformedAudit):
            replace(good, **bad)  # type: ignore[arg-type]
    assert {"grant_issued", "section_read", "card_used", "closure"} <= KINDS
    assert len(KINDS) == 27
    assert a.DECLARED_KINDS <= a.PATIENT_KINDS <= KINDS
    assert a.SIGNED_KINDS <= KINDS and not a.SIGNED_KINDS & a.PATIENT_KINDS


def test_error_tree() -> None:
    assert issubclass(ChainBroken, AuditError) and issubclass(MalformedAudit, AuditError)
    assert issubclass(AuditError, ConsentError)
    err = ChainBroken("shrunk")
    assert err.code == "audit_chain_broken" and "shrunk" in str(err)
    assert err.reason == "shrunk" and err.reason in REASONS
    with pytest.raises(ValueError, match="unknown reason"):
        ChainBroken("nope")  # type: ignore[arg-type]


# --- codec ----------------------------------------------------------------------------------

u64 = st.integers(0, 2**64 - 1)
texts = st.text(alphabet=st.characters(min_codepoint=32, blacklist_categories=["Cs"],
                                       blacklist_characters="\x7f"), max_size=40)
keys = texts.filter(lambda k: 1 <= len(k.encode()) <= 64)


@st.composite
def events(draw: st.DrawFn) -> Event:
    detail = draw(st.dictionaries(keys, texts | u64, max_size=8))
    if draw(st.booleans()):
        nonce = draw(st.binary(min_size=16, max_size=64))
        detail.update(request_detail("PUT", "/" + draw(texts), draw(st.binary(max_size=50)),
                                     nonce, draw(u64)))
        sig, pub = draw(st.binary(min_size=64, max_size=64)), draw(
            st.binary(min_size=32, max_size=32))
    else:
        sig, pub = b"", b""
    return Event(seq=draw(u64), at=draw(u64), kind=draw(st.sampled_from(sorted(KINDS))),
                 actor=draw(texts.filter(bool)), detail=detail, request_signature=sig,
                 actor_public=pub)


@given(events())
def test_encode_event_round_trip(event: Event) -> None:
    data = encode_event(event)
    back = decode_event(data)
    assert back == event
    assert encode_event(back) == data
    # Key order in the map does not change the bytes.
    reordered = replace(event, detail=dict(reversed(list(event.detail.items()))))
    assert encode_event(reordered) == data


@given(st.binary(max_size=300))
def test_event_garbage_raises_only_audit_errors(data: bytes) -> None:
    with contextlib.suppress(MalformedAudit):
        decode_event(data)
    with contextlib.suppress(MalformedAudit):
        decode_event(b"\x01" + data)


@given(events(), st.data())
def test_event_bit_flips(event: Event, data: st.DataObject) -> None:
    raw = encode_event(event)
    i = data.draw(st.integers(0, len(raw) - 1))
    broken = bytearray(raw)
    broken[i] ^= 1 << data.draw(st.integers(0, 7))
    try:
        back = decode_event(bytes(broken))
    except MalformedAudit:
        return
    assert back != event
    assert encode_event(back) == bytes(broken)  # canonical: one event, one encoding


# --- who signed (verify_actors, verify_history) ---------------------------------------------

OTHER = nacl.signing.SigningKey(rng(32))  # a key no directory gives for PS_ACTOR
KEYS = {PS_ACTOR: frozenset({PS.verify_key.encode()})}


def professional_log() -> list[Event]:
    """A log whose professional events are all PS's own signed requests."""
    return [e for e in EVENTS if e.actor != "emergency:samu-75"]


def actors_reason(log: Sequence[Event], keys: Any = None) -> tuple[str, str]:
    with pytest.raises(ChainBroken) as info:
        a.verify_actors(log, KEYS if keys is None else keys)
    return info.value.reason, str(info.value)


def appended(log: Sequence[Event], event: Event) -> list[Event]:
    return [*log, replace(event, seq=len(log), at=log[-1].at + 1)]


def test_professional_events_by_the_directory_key_verify() -> None:
    log = renumber(professional_log())
    a.verify_actors(log, KEYS)
    assert a.signing_actors(log) == {PS_ACTOR}
    head = a.verify_history(log, signed(log), SERVER_PUBLIC, last_seen=None,
                            dossier_id=DOSSIER, actor_keys=KEYS)
    assert head == heads(log)[-1]
    # A second key for the same professional (a key history) is accepted too.
    a.verify_actors(log, {PS_ACTOR: {OTHER.verify_key.encode(), PS.verify_key.encode()}})


def test_unsigned_professional_event_is_refused_whatever_its_kind() -> None:
    log = renumber(professional_log())
    for kind in ("token_scanned", "grant_issued", "login"):
        forged = Event(seq=0, at=0, kind=kind, actor=PS_ACTOR, detail={"grant": "aa" * 16})
        got, text = actors_reason(appended(log, forged))
        assert got == "bad_signature" and "no request signature" in text


def test_signed_kind_claimed_by_a_non_professional_is_refused() -> None:
    log = renumber(professional_log())
    for actor in ("patient", "server", "emergency:samu-75", "ps:"):
        forged = Event(seq=0, at=0, kind="token_scanned", actor=actor, detail={})
        assert actors_reason(appended(log, forged))[0] == "unknown_actor"


def test_key_absent_from_the_directory_is_refused() -> None:
    log = renumber(professional_log())
    nonce = rng(16)
    forged = Event(seq=0, at=0, kind="token_scanned", actor=PS_ACTOR,
                   detail=request_detail("POST", "/consent/scan", b"{}", nonce, T0),
                   request_signature=sign_request("POST", "/consent/scan", b"{}", nonce, T0,
                                                  OTHER),
                   actor_public=OTHER.verify_key.encode())
    a.verify_request(forged)  # self-consistent: verify_chain alone would accept it
    got, text = actors_reason(appended(log, forged))
    assert got == "unknown_actor" and "countersigned directory" in text
    # Nobody vouches for an actor absent from the mapping.
    assert actors_reason(log, {})[0] == "unknown_actor"


def test_bad_request_signature_by_the_right_key_is_refused() -> None:
    log = renumber(professional_log())
    i = next(k for k, e in enumerate(log) if e.signed_request)
    log[i] = replace(log[i], request_signature=bytes(64))
    assert actors_reason(log)[0] == "bad_signature"


@pytest.mark.parametrize("upper", [False, True])
def test_replayed_request_is_refused(upper: bool) -> None:
    log = renumber(professional_log())
    genuine = next(e for e in log if e.signed_request)
    copy = genuine
    if upper:  # the same nonce spelled differently is still the same request
        copy = replace(genuine, detail={**genuine.detail,
                                        "nonce": str(genuine.detail["nonce"]).upper()})
    a.verify_request(copy)
    got, text = actors_reason(appended(log, copy))
    assert got == "replayed" and "twice" in text
    with pytest.raises(ChainBroken) as info:
        forged = appended(log, copy)
        a.verify_history(forged, signed(forged), SERVER_PUBLIC, last_seen=heads(log)[-1],
                         dossier_id=DOSSIER, actor_keys=KEYS)
    assert info.value.reason == "replayed"


def test_verify_history_checks_the_chain_first() -> None:
    log = renumber(professional_log())
    with pytest.raises(ChainBroken) as info:
        a.verify_history(log, signed(log, key=OTHER), SERVER_PUBLIC, last_seen=None,
                         dossier_id=DOSSIER, actor_keys=KEYS)
    assert info.value.reason == "bad_signature"


def test_new_reasons_are_stable_codes() -> None:
    assert {"unknown_actor", "replayed"} <= REASONS
    assert ChainBroken("replayed").code == "audit_chain_broken"
