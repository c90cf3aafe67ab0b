"""Helpers for the in-process API tests: a harness around one app, fake patients, NIRs, and
a plausible request for every operation of the API.

The harness drives the litestar app in the test's own event loop through
``httpx.ASGITransport`` (which runs no lifespan: ``services.start()``/``stop()`` are called by
the fixture). Patients are "fake" on the client side only: their keys are random and their
login keys are plain Ed25519 keys rather than Argon2id outputs, which the server cannot tell
apart (it only stores and verifies public keys), so tests stay fast. The real client
(``web.client``) runs the journey once, in ``test_api_journey.py``.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import re
import secrets
import warnings
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
import msgspec
import nacl.public
import nacl.signing
import pytest
from litestar import Litestar
from piccolo.table import Table

from consent.request import login_message
from tests.support import Clock
from vault import tombstone
from vault.crypto import MEMLIMIT_FLOOR, OPSLIMIT_FLOOR
from vault.storage import tables as vault_tables
from web import schemas
from web.server.app import create_app
from web.server.container import Services, build_services
from web.server.services.mail import Message
from web.server.settings import Settings
from web.server.storage import tables as web_tables

APP_BACKENDS: Final = ("sqlite", pytest.param("postgres", marks=pytest.mark.db))
BASE_URL: Final = "http://carnet.test"
OPERATOR_TOKEN: Final = "operator-" + "t" * 32
SECRET_KEY: Final = "secret-key-" + "s" * 32
ALL_TABLES: Final[tuple[type[Table], ...]] = (*vault_tables.ALL_TABLES,
                                                *web_tables.ALL_TABLES)
CODE_PATTERN: Final = re.compile(r"\b([0-9A-Z]{5}-[0-9A-Z]{5})\b")

# Operations anyone may call and get a 2xx from (P15: none of them returns key material).
# The audit key and the directory (authority key, approved professionals) are public.
PUBLIC_OPERATIONS: Final = frozenset({
    ("GET", "/health"),
    ("GET", "/health/ready"),
    ("GET", "/links"),
    ("GET", "/clinical/index"),  # the interaction index's address (public data, no patient's)
    ("GET", "/audit/key"),
    ("GET", "/directory"),
    ("GET", "/directory/authority"),
    ("GET", "/emergency/service-key"),
    ("POST", "/auth/params"),
    ("POST", "/auth/challenge"),
    ("POST", "/activation/request"),
    ("POST", "/professionals"),
    ("GET", "/professionals/{ps_id}"),
    ("GET", "/dossiers/{dossier_id}/tombstone"),
})


# ------------------------------------------------------------------------------ identities
_serial = itertools.count(1)


def valid_nir(birth: dt.date, *, sex: int = 1, department: str = "75") -> str:
    """A fresh valid NIR (right key) for someone born on ``birth``; unique in this process."""
    n = next(_serial)
    body = (f"{sex}{birth.year % 100:02d}{birth.month:02d}{department}"
            f"{1 + n // 999:03d}{1 + n % 999:03d}")
    key = 97 - int(body) % 97
    return f"{body}{key:02d}"


def wrong_key(nir: str) -> str:
    """``nir`` with a key that does not match its body."""
    key = int(nir[13:])
    return f"{nir[:13]}{key % 97 + 1:02d}"


@dataclass(frozen=True, slots=True)
class Person:
    """A beneficiary of the simulated insurance registry."""

    nir: str
    birth_date: str
    email: str
    first_name: str = "Camille"
    last_name: str = "Martin"

    def csv_line(self) -> str:
        return (f'{self.nir},{self.last_name},{self.first_name},{self.birth_date},'
                f'"1 rue de la Paix, 75002 Paris",{self.email}')


def new_person(*, email: bool = True, birth: dt.date = dt.date(1985, 5, 1)) -> Person:
    nir = valid_nir(birth)
    address = f"p{nir[-6:]}.{secrets.token_hex(3)}@example.org" if email else ""
    return Person(nir=nir, birth_date=birth.isoformat(), email=address)


def new_id() -> str:
    return secrets.token_hex(16)


@dataclass(slots=True)
class FakePatient:
    """A patient's client side with random keys (the server only ever sees public keys,
    wraps and ciphertext, so it cannot tell these from real ones)."""

    person: Person
    dossier_id: str = field(default_factory=new_id)
    sign_key: nacl.signing.SigningKey = field(default_factory=nacl.signing.SigningKey.generate)
    passphrase_key: nacl.signing.SigningKey = field(
        default_factory=nacl.signing.SigningKey.generate)
    recovery_key: nacl.signing.SigningKey = field(
        default_factory=nacl.signing.SigningKey.generate)
    box_public: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    salts: dict[str, bytes] = field(default_factory=lambda: {
        "passphrase": secrets.token_bytes(16), "recovery": secrets.token_bytes(16)})
    wrapped: dict[str, bytes] = field(default_factory=lambda: {
        "passphrase": secrets.token_bytes(72), "recovery": secrets.token_bytes(72)})
    keyring: bytes = field(default_factory=lambda: secrets.token_bytes(200))
    session: str = ""

    def login_key(self, slot: str) -> nacl.signing.SigningKey:
        return self.passphrase_key if slot == "passphrase" else self.recovery_key

    def slot(self, name: str) -> schemas.SlotBody:
        return schemas.SlotBody(name=name,  # type: ignore[arg-type]
                             salt=self.salts[name], opslimit=OPSLIMIT_FLOOR,
                             memlimit=MEMLIMIT_FLOOR, wrapped=self.wrapped[name],
                             login_public=self.login_key(name).verify_key.encode())

    def create_body(self, created_at: int) -> schemas.CreateDossierBody:
        return schemas.CreateDossierBody(
            dossier=schemas.DossierBody(dossier_id=self.dossier_id, created_at=created_at,
                                     sign_public=self.sign_key.verify_key.encode(),
                                     box_public=self.box_public),
            slots=[self.slot("passphrase"), self.slot("recovery")], keyring=self.keyring)

    def activate_body(self, code: str, created_at: int) -> schemas.ActivateBody:
        return schemas.ActivateBody(nir=self.person.nir, code=code,
                                 create=self.create_body(created_at))

    def tombstone(self, closed_at: int) -> bytes:
        return tombstone.encode(tombstone.sign(self.dossier_id, closed_at, self.sign_key))

    def secrets_on_server(self) -> list[bytes]:
        """Every blob of this dossier a thief would want."""
        return [self.wrapped["passphrase"], self.wrapped["recovery"], self.keyring]


@dataclass(slots=True)
class Professional:
    """A professional's side: their idNat_PS, signing key and current session."""

    ps_id: str
    key: nacl.signing.SigningKey
    session: str = ""


_ps_serial = itertools.count(1)


def new_ps_id() -> str:
    return f"8{secrets.randbelow(10**5):05d}{next(_ps_serial):06d}"


# ------------------------------------------------------------------------------ harness
class CollectingMailer:
    """The mail port, keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def send(self, message: Message) -> None:
        self.messages.append(message)

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m.to == address]

    def code_for(self, address: str) -> str:
        found = self.to(address)
        assert found, f"no e-mail to {address}"
        match = CODE_PATTERN.search(found[-1].body)
        assert match, "no activation code in the e-mail"
        return match.group(1)


def auth_headers(token: str | None) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"} if token else {}


def encode(body: Any) -> bytes:
    return msgspec.json.encode(body)


@dataclass(slots=True)
class Harness:
    """One app on one database, its services, fake clock, collected mail and an HTTP client."""

    backend: str
    settings: Settings
    app: Litestar
    services: Services
    clock: Clock
    mailer: CollectingMailer
    http: httpx.AsyncClient
    transport: httpx.ASGITransport  # for the Python client (web.client.Api)
    authority: nacl.signing.SigningKey  # the directory authority's key (the operator's)

    # -- raw HTTP -------------------------------------------------------------------------
    async def call(self, method: str, path: str, *, json: Any = None, content: bytes | None = None,
                   token: str | None = None, params: Mapping[str, Any] | None = None,
                   headers: Mapping[str, str] | None = None) -> httpx.Response:
        sent = {**auth_headers(token), **(headers or {})}
        if json is not None:
            content = encode(json)
        if content is not None:
            sent.setdefault("content-type", "application/json")
        return await self.http.request(method, path, content=content, headers=sent,
                                       params=params)

    async def operator(self, method: str, path: str, json: Any = None) -> httpx.Response:
        return await self.call(method, path, json=json, token=OPERATOR_TOKEN)

    async def row_counts(self) -> dict[str, int]:
        return {t._meta.tablename: int(await t.count()) for t in ALL_TABLES}

    async def dump(self) -> str:
        """Every row of every table as text (bytes as hex and as latin-1), for leak checks."""
        parts: list[str] = []
        for table in ALL_TABLES:
            for row in await table.select():
                for value in row.values():
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        raw = bytes(value)
                        parts += [raw.hex(), raw.decode("latin-1")]
                    else:
                        parts.append(str(value))
        return "\n".join(parts)

    # -- registry and professionals -----------------------------------------------------
    async def register(self, *people: Person) -> None:
        csv = "nir,last_name,first_name,birth_date,address,email\n" + "\n".join(
            p.csv_line() for p in people) + "\n"
        r = await self.operator("POST", "/operator/registry", schemas.RegistryLoadBody(csv=csv))
        assert r.status_code == 200, r.text
        assert r.json()["rejected"] == [], r.text

    async def beneficiary(self, *, email: bool = True,
                          birth: dt.date = dt.date(1985, 5, 1)) -> Person:
        person = new_person(email=email, birth=birth)
        await self.register(person)
        return person

    async def professional(self, roles: list[str] | None = None) -> Professional:
        """A registered, approved, signed-in professional (a pharmacist by default)."""
        pro = Professional(ps_id=new_ps_id(), key=nacl.signing.SigningKey.generate())
        r = await self.call("POST", "/professionals", json=schemas.ProfessionalRegistration(
            ps_id=pro.ps_id, name="Pharmacie du Centre", profession="pharmacien",
            box_public=secrets.token_bytes(32), sign_public=pro.key.verify_key.encode()))
        assert r.status_code == 201, r.text
        roles = ["pharmacist"] if roles is None else roles
        r = await self.operator("POST", f"/operator/professionals/{pro.ps_id}/approve",
                                self.approval(r.json(), roles))
        assert r.status_code == 200, r.text
        pro.session = await self.login_professional(pro)
        return pro

    def approval(self, entry: dict[str, Any], roles: list[str]) -> dict[str, Any]:
        """The approve body; countersigned by the directory authority where the API asks."""
        body: dict[str, Any] = {"roles": roles}
        if "countersignature" in schemas.ApproveBody.__struct_fields__:
            from consent import directory  # the directory authority (when present)

            body["countersignature"] = directory.countersign(directory.Entry(
                ps_id=entry["ps_id"], name=entry["name"], profession=entry["profession"],
                specialty=entry["specialty"], city=entry["city"], roles=tuple(roles),
                sign_public=base64.b64decode(entry["sign_public"]),
                box_public=base64.b64decode(entry["box_public"])), self.authority)
        return body

    async def login_professional(self, pro: Professional) -> str:
        r = await self.call("POST", "/auth/challenge",
                            json={"login": pro.ps_id, "kind": "professional"})
        assert r.status_code == 200, r.text
        challenge = r.json()["challenge"]
        signature = pro.key.sign(login_message(challenge)).signature
        r = await self.call("POST", "/auth/login",
                            json=schemas.LoginRequest(challenge=challenge, signature=signature))
        assert r.status_code == 200, r.text
        return str(r.json()["session"])

    # -- codes and activation ------------------------------------------------------------
    async def pharmacy_code(self, person: Person, pro: Professional | None = None, *,
                            resend: bool = False) -> str:
        pro = pro or await self.professional()
        r = await self.call("POST", "/activation/pharmacy", token=pro.session,
                            json=schemas.PharmacyActivationRequest(
                                nir=person.nir, birth_date=person.birth_date, resend=resend))
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    async def email_code(self, person: Person, *, resend: bool = False) -> str:
        r = await self.operator("POST", "/operator/codes",
                                schemas.SendCodesBody(channel="email", nirs=[person.nir],
                                                      resend=resend))
        assert r.status_code == 200, r.text
        assert (r.json()["sent"], r.json()["skipped"]) == (1, 0), r.text
        return self.mailer.code_for(person.email)

    async def activate(self, patient: FakePatient, code: str) -> httpx.Response:
        return await self.call("POST", "/activation/complete",
                               json=patient.activate_body(code, self.clock.now))

    async def patient(self, *, items: int = 1) -> FakePatient:
        """An activated, signed-in fake patient with ``items`` items (one with an attachment)."""
        patient = FakePatient(await self.beneficiary())
        r = await self.activate(patient, await self.email_code(patient.person))
        assert r.status_code == 201, r.text
        patient.session = str(r.json()["session"])
        for i in range(items):
            body = put_item_body(with_chunk=(i == 0))
            r = await self.call("POST", f"/dossiers/{patient.dossier_id}/items", json=body,
                                token=patient.session)
            assert r.status_code == 201, r.text
        return patient

    async def challenge(self, login: str, *, kind: str = "patient",
                        slot: str = "passphrase") -> str:
        r = await self.call("POST", "/auth/challenge",
                            json={"login": login, "kind": kind, "slot": slot})
        assert r.status_code == 200, r.text
        return str(r.json()["challenge"])

    async def login(self, patient: FakePatient, slot: str = "passphrase") -> str:
        challenge = await self.challenge(patient.person.nir, slot=slot)
        signature = patient.login_key(slot).sign(login_message(challenge)).signature
        r = await self.call("POST", "/auth/login",
                            json=schemas.LoginRequest(challenge=challenge, signature=signature))
        assert r.status_code == 200, r.text
        return str(r.json()["session"])


@asynccontextmanager
async def open_harness(backend: str, database_url: str, data_dir: Path,
                       **overrides: Any) -> AsyncIterator[Harness]:
    """An app on ``database_url`` with its own services, clock, mailer and limiter."""
    authority = nacl.signing.SigningKey.generate()
    overrides.setdefault("authority_public", authority.verify_key.encode())
    overrides.setdefault("emergency_public", nacl.public.PrivateKey.generate().public_key.encode())
    settings = Settings(database_url=database_url, secret_key=SECRET_KEY,
                        operator_token=OPERATOR_TOKEN, data_dir=data_dir, **overrides)
    clock = Clock()
    mailer = CollectingMailer()
    services = build_services(settings, clock=clock, mailer=mailer)
    with warnings.catch_warnings():  # litestar 2.x's notices about 3.0, once per app built
        warnings.simplefilter("ignore", DeprecationWarning)
        app = create_app(settings, services)
    await services.start()  # ASGITransport runs no lifespan
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    try:
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            yield Harness(backend=backend, settings=settings, app=app, services=services,
                          clock=clock, mailer=mailer, http=http, transport=transport,
                          authority=authority)
    finally:
        await services.stop()


def same_in_both(as_json: httpx.Response, as_msgpack: httpx.Response,
                 expect: type[msgspec.Struct]) -> Any:
    """The two answers of one route, JSON (the browser's) and MessagePack (the Python
    client's): both 200 with ``vary: accept`` and their own content type, the same body."""
    assert as_json.status_code == as_msgpack.status_code == 200, as_json.text
    assert as_json.headers["content-type"].startswith("application/json")
    assert as_msgpack.headers["content-type"].startswith(schemas.MSGPACK)
    assert as_json.headers["vary"].lower() == as_msgpack.headers["vary"].lower() == "accept"
    body = msgspec.msgpack.decode(as_msgpack.content, type=expect)
    assert body == msgspec.json.decode(as_json.content, type=expect)
    return body


def assert_error(response: httpx.Response, status: int, code: str,
                 detail: str | None = None) -> dict[str, str]:
    """``response`` is ``status`` with exactly ``{"code": code, "detail": ...}``."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"code", "detail"}, body
    assert body["code"] == code, body
    assert isinstance(body["detail"], str) and body["detail"], body
    if detail is not None:
        assert body["detail"] == detail, body
    return body


# ------------------------------------------------------------------------------ bodies
def put_item_body(*, item_id: str | None = None, with_chunk: bool = False,
                  revision: int = 1, keyring_version: int = 1) -> schemas.PatientItemBody:
    item_id = item_id or new_id()
    chunks = [schemas.ChunkBody(attachment_id=new_id(), index=0,
                             blob=secrets.token_bytes(100))] if with_chunk else []
    return schemas.PatientItemBody(item=schemas.ItemBody(
        item_id=item_id, revision=revision, key_ref=new_id(),
        wrapped_key=secrets.token_bytes(72), ciphertext=secrets.token_bytes(300),
        created_at=1_790_000_000), chunks=chunks, keyring_version=keyring_version,
        base_revision=revision - 1 if revision > 1 else None)


@dataclass(frozen=True, slots=True)
class Planned:
    """One request: method, concrete path, JSON body (or None), query parameters."""

    method: str
    path: str
    body: Any = None
    params: Mapping[str, Any] | None = None
    credential: str = "none"  # which credential this route needs: none|patient|pro|operator

    def json(self) -> Any:
        """The body as plain JSON data (dicts, lists, strings, numbers)."""
        return None if self.body is None else msgspec.json.decode(encode(self.body))


@dataclass(slots=True)
class World:
    """What plausible requests point at: a live dossier with an item and an attachment, a
    closed dossier, an approved professional (pharmacist and emergency roles, the credential
    of every professional route), a registered person."""

    patient: FakePatient
    item_id: str
    attachment_id: str
    closed_dossier_id: str
    pro: Professional
    person: Person
    blobs: list[bytes]  # every secret-bearing blob of the live dossier

    @classmethod
    async def build(cls, h: Harness) -> World:
        patient = await h.patient(items=0)
        body = put_item_body(with_chunk=True)
        r = await h.call("POST", f"/dossiers/{patient.dossier_id}/items", json=body,
                         token=patient.session)
        assert r.status_code == 201, r.text
        closed = await h.patient(items=0)
        r = await h.call("POST", f"/dossiers/{closed.dossier_id}/close", token=closed.session,
                         json=schemas.TombstoneBody(blob=closed.tombstone(h.clock.now)))
        assert r.status_code == 204, r.text
        return cls(patient=patient, item_id=body.item.item_id,
                   attachment_id=body.chunks[0].attachment_id,
                   closed_dossier_id=closed.dossier_id,
                   pro=await h.professional(roles=["pharmacist", "emergency"]),
                   person=await h.beneficiary(),
                   blobs=[*patient.secrets_on_server(), body.item.ciphertext,
                          body.item.wrapped_key, body.chunks[0].blob])


def plausible_requests(h: Harness, w: World) -> dict[tuple[str, str], Planned]:
    """A well-formed request for every operation of the API, keyed by (METHOD, template).
    (It may name a few operations the served document does not have yet: tests iterate over
    the document's operations and require each to be here.)"""
    d = w.patient.dossier_id
    nir = w.person.nir
    request = schemas.ActivationRequest(nir=nir, birth_date=w.person.birth_date)
    stranger = FakePatient(w.person)
    registration = schemas.ProfessionalRegistration(
        ps_id=new_ps_id(), name="Dr Durand", profession="médecin",
        box_public=secrets.token_bytes(32), sign_public=secrets.token_bytes(32))
    return {
        ("GET", "/health"): Planned("GET", "/health"),
        ("GET", "/health/ready"): Planned("GET", "/health/ready"),
        ("GET", "/links"): Planned("GET", "/links"),
        ("GET", "/clinical/index"): Planned("GET", "/clinical/index"),
        ("POST", "/auth/params"): Planned("POST", "/auth/params",
                                          schemas.ParamsRequest(login=w.patient.person.nir)),
        ("POST", "/auth/challenge"): Planned("POST", "/auth/challenge",
                                             schemas.ChallengeRequest(login=w.patient.person.nir)),
        # a challenge-shaped string signed by nobody: refused
        ("POST", "/auth/login"): Planned("POST", "/auth/login", schemas.LoginRequest(
            challenge="eyJuIjoiMDAifQ.aaaa.bbbb", signature=bytes(64))),
        ("POST", "/auth/logout"): Planned("POST", "/auth/logout", credential="patient"),
        ("GET", "/auth/session"): Planned("GET", "/auth/session", credential="patient"),
        ("GET", "/dossiers/{dossier_id}"): Planned("GET", f"/dossiers/{d}",
                                                   credential="patient"),
        ("GET", "/dossiers/{dossier_id}/slots/{name}"): Planned(
            "GET", f"/dossiers/{d}/slots/passphrase", credential="patient"),
        ("PUT", "/dossiers/{dossier_id}/slots"): Planned(
            "PUT", f"/dossiers/{d}/slots", schemas.SlotsBody(slots=[stranger.slot("passphrase")]),
            credential="patient"),
        ("GET", "/dossiers/{dossier_id}/keyring"): Planned("GET", f"/dossiers/{d}/keyring",
                                                           credential="patient"),
        ("PUT", "/dossiers/{dossier_id}/keyring"): Planned(
            "PUT", f"/dossiers/{d}/keyring",
            schemas.PutKeyringBody(blob=secrets.token_bytes(64), expected_version=1),
            credential="patient"),
        ("GET", "/dossiers/{dossier_id}/items"): Planned(
            "GET", f"/dossiers/{d}/items", params={"limit": 10}, credential="patient"),
        ("POST", "/dossiers/{dossier_id}/items"): Planned(
            "POST", f"/dossiers/{d}/items", put_item_body(), credential="patient"),
        ("GET", "/dossiers/{dossier_id}/items/{item_id}/revisions"): Planned(
            "GET", f"/dossiers/{d}/items/{w.item_id}/revisions", credential="patient"),
        ("DELETE", "/dossiers/{dossier_id}/items/{item_id}"): Planned(
            "DELETE", f"/dossiers/{d}/items/{w.item_id}",
            params={"keyring_version": 1, "base_revision": 1}, credential="patient"),
        ("POST", "/dossiers/{dossier_id}/rewrap"): Planned(
            "POST", f"/dossiers/{d}/rewrap", schemas.RewrapsBody(changes=[schemas.RewrapBody(
                item_id=w.item_id, revision=1, key_ref=new_id(),
                wrapped_key=secrets.token_bytes(72))], keyring_version=1),
            credential="patient"),
        ("GET", "/dossiers/{dossier_id}/attachments/{attachment_id}"): Planned(
            "GET", f"/dossiers/{d}/attachments/{w.attachment_id}", credential="patient"),
        ("POST", "/dossiers/{dossier_id}/close"): Planned(
            "POST", f"/dossiers/{d}/close",
            schemas.TombstoneBody(blob=w.patient.tombstone(h.clock.now)), credential="patient"),
        ("GET", "/dossiers/{dossier_id}/tombstone"): Planned(
            "GET", f"/dossiers/{w.closed_dossier_id}/tombstone"),
        ("POST", "/activation/request"): Planned("POST", "/activation/request", request),
        ("POST", "/activation/pharmacy"): Planned("POST", "/activation/pharmacy", request,
                                                  credential="pro"),
        ("POST", "/activation/complete"): Planned(
            "POST", "/activation/complete", stranger.activate_body("ABCDE-FGHJK", h.clock.now)),
        ("POST", "/operator/registry"): Planned(
            "POST", "/operator/registry", schemas.RegistryLoadBody(
                csv="nir,last_name,first_name,birth_date,address,email\n"
                    + new_person().csv_line() + "\n"), credential="operator"),
        ("POST", "/operator/codes"): Planned(
            "POST", "/operator/codes", schemas.SendCodesBody(channel="email", nirs=[nir]),
            credential="operator"),
        ("GET", "/operator/professionals"): Planned(
            "GET", "/operator/professionals", params={"status": "approved"},
            credential="operator"),
        ("POST", "/operator/professionals/{ps_id}/approve"): Planned(
            "POST", f"/operator/professionals/{w.pro.ps_id}/approve",
            {"roles": ["pharmacist", "emergency"], "countersignature": bytes(64)}
            if "countersignature" in schemas.ApproveBody.__struct_fields__
            else {"roles": ["pharmacist", "emergency"]}, credential="operator"),
        ("GET", "/operator/professionals/{ps_id}"): Planned(
            "GET", f"/operator/professionals/{w.pro.ps_id}", credential="operator"),
        ("POST", "/operator/professionals/{ps_id}/block"): Planned(
            "POST", f"/operator/professionals/{w.pro.ps_id}/block", credential="operator"),
        ("POST", "/professionals"): Planned("POST", "/professionals", registration),
        ("GET", "/professionals/{ps_id}"): Planned("GET", f"/professionals/{w.pro.ps_id}"),
        ("GET", "/directory"): Planned("GET", "/directory", params={"q": "Pharmacie"}),
        ("GET", "/directory/authority"): Planned("GET", "/directory/authority"),
        # consent (grants are opaque to these tests: a random one is refused, a plausible
        # request is enough to reach the credential check)
        ("POST", "/dossiers/{dossier_id}/grants"): Planned(
            "POST", f"/dossiers/{d}/grants", schemas.GrantUpload(grant=secrets.token_bytes(300)),
            credential="patient"),
        ("GET", "/dossiers/{dossier_id}/grants"): Planned("GET", f"/dossiers/{d}/grants",
                                                          credential="patient"),
        ("POST", "/dossiers/{dossier_id}/grants/{grant_id}/revoke"): Planned(
            "POST", f"/dossiers/{d}/grants/{new_id()}/revoke", credential="patient"),
        ("GET", "/dossiers/{dossier_id}/history"): Planned("GET", f"/dossiers/{d}/history",
                                                           credential="patient"),
        ("GET", "/audit/key"): Planned("GET", "/audit/key"),
        # emergency access (cards and break-glass)
        ("POST", "/dossiers/{dossier_id}/cards"): Planned(
            "POST", f"/dossiers/{d}/cards",
            {"card_id": new_id(), "server_share": secrets.token_bytes(32), "passcode": "482913",
             "package": secrets.token_bytes(200), "key_refs": [new_id()], "days": 30},
            credential="patient"),
        ("GET", "/dossiers/{dossier_id}/cards"): Planned("GET", f"/dossiers/{d}/cards",
                                                         credential="patient"),
        ("DELETE", "/dossiers/{dossier_id}/cards/{card_id}"): Planned(
            "DELETE", f"/dossiers/{d}/cards/{new_id()}", credential="patient"),
        ("PUT", "/dossiers/{dossier_id}/cards/{card_id}/package"): Planned(
            "PUT", f"/dossiers/{d}/cards/{new_id()}/package",
            {"package": secrets.token_bytes(200), "key_refs": [new_id()]}, credential="patient"),
        ("PUT", "/dossiers/{dossier_id}/break-glass"): Planned(
            "PUT", f"/dossiers/{d}/break-glass",
            {"package": secrets.token_bytes(200), "key_refs": [new_id()]}, credential="patient"),
        ("GET", "/dossiers/{dossier_id}/break-glass"): Planned(
            "GET", f"/dossiers/{d}/break-glass", credential="patient"),
        ("DELETE", "/dossiers/{dossier_id}/break-glass"): Planned(
            "DELETE", f"/dossiers/{d}/break-glass", credential="patient"),
        # a card nobody registered, with a passcode: refused (needs no session)
        ("POST", "/emergency/cards/{card_id}/open"): Planned(
            "POST", f"/emergency/cards/{new_id()}/open", {"passcode": "000000", "who": "SAMU"}),
        ("GET", "/emergency/cards/{card_id}/recipient"): Planned(
            "GET", f"/emergency/cards/{new_id()}/recipient"),
        ("POST", "/emergency/break-glass"): Planned(
            "POST", "/emergency/break-glass", {"nir": nir, "reason": "inconscient, urgences"},
            credential="pro"),
        ("GET", "/emergency/service-key"): Planned("GET", "/emergency/service-key"),
        # blocks, professional writes and deposits
        ("POST", "/dossiers/{dossier_id}/blocks"): Planned(
            "POST", f"/dossiers/{d}/blocks", {"ps_id": w.pro.ps_id}, credential="patient"),
        ("GET", "/dossiers/{dossier_id}/blocks"): Planned("GET", f"/dossiers/{d}/blocks",
                                                          credential="patient"),
        ("DELETE", "/dossiers/{dossier_id}/blocks/{ps_id}"): Planned(
            "DELETE", f"/dossiers/{d}/blocks/{w.pro.ps_id}", credential="patient"),
        ("POST", "/consent/items"): Planned(
            "POST", "/consent/items", {"token": "C1:" + "A" * 40, "item": put_item_body().item},
            credential="pro"),
        ("POST", "/deposits/recipient"): Planned("POST", "/deposits/recipient", {"nir": nir},
                                                 credential="pro"),
        ("POST", "/deposits"): Planned(
            "POST", "/deposits", {"dossier_id": d, "deposit_id": new_id(),
                                  "sealed": secrets.token_bytes(200), "signature": bytes(64)},
            credential="pro"),
        ("GET", "/dossiers/{dossier_id}/deposits"): Planned(
            "GET", f"/dossiers/{d}/deposits", params={"limit": 5}, credential="patient"),
        ("DELETE", "/dossiers/{dossier_id}/deposits/{deposit_id}"): Planned(
            "DELETE", f"/dossiers/{d}/deposits/{new_id()}", credential="patient"),
        # an action only the patient's device sees, declared (issue 10)
        ("POST", "/dossiers/{dossier_id}/history/events"): Planned(
            "POST", f"/dossiers/{d}/history/events", {"kind": "export", "count": 3},
            credential="patient"),
        ("POST", "/consent/scan"): Planned("POST", "/consent/scan",
                                           schemas.ScanRequest(token="C1:" + "A" * 40),
                                           credential="pro"),
        ("POST", "/consent/check"): Planned("POST", "/consent/check",
                                            schemas.ScanRequest(token="C1:" + "A" * 40),
                                            credential="pro"),
        ("POST", "/consent/attachment"): Planned(
            "POST", "/consent/attachment",
            schemas.AttachmentRequest(token="C1:" + "A" * 40, item_id=new_id(),
                                      attachment_id=new_id()), credential="pro"),
    }


def credential_for(planned: Planned, w: World) -> str | None:
    return {"none": None, "patient": w.patient.session, "pro": w.pro.session,
            "operator": OPERATOR_TOKEN}[planned.credential]


async def openapi_document(h: Harness) -> dict[str, Any]:
    r = await h.call("GET", "/schema/openapi.json")
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


async def openapi_operations(h: Harness) -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of the served OpenAPI document, keyed by (METHOD, path template)."""
    doc = await openapi_document(h)
    return {(method.upper(), path): op for path, ops in doc["paths"].items()
            for method, op in ops.items()}


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with a top-level ``$ref`` (``#/components/schemas/X``) followed."""
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema
