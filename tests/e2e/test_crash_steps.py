"""A crash between any two requests of a multi-request change never breaks P2 or P5, and the
next session completes the change (issue 9, "Must show"), on SQLite and PostgreSQL.

Each case is one patient, set up on a clean server. Then a server armed with a deterministic
crash (``CARNET_TEST_FAULTS``, ``web/server/faults.py``: SIGKILL once the named request was
handled and committed, before its answer) runs the patient's operation until it dies there;
a clean server restarted on the same database and key directory then shows

- (a) in the crashed state, before the patient comes back: the revoked professional's keys
  open nothing written after the revocation, not even by another professional whose
  read+write grant predates the rotation (refused ``rotation_owed``, or written under a key
  the revoked one lacks); a masked item's stored revisions open with no grant's keys; an item
  of a section being masked opens with an older grant's keys only as the very ciphertext that
  grant already opened before the masking began;
- (b) the patient's next session (``login``: ``sync_grants``, ``finish_rotations``) completes
  it: keys rotated and re-sealed, items masked under no key any grant carries, the other
  items readable by a new grant, the history verifying.

The operations and their requests are listed in docs/operations.md, "Operations that take
more than one request"; random kill -9 trials: ``scripts/bench faults``.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest

from consent import grant
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.e2e.conftest import REPO, RecordingProxy, Server, free_port
from tests.e2e.test_consent import now
from tests.support import wait_healthy
from tests.web.server.routes.grant_world import all_keys, opens
from vault import Dossier, Section
from vault.records import ItemRecord
from vault.storage import migrate
from web import schemas
from web.client import Api, ApiError, ProfessionalIdentity, activate, login
from web.client.consent import Issued, issue_grant, list_grants, revoke_grant, scan
from web.client.directory import approve
from web.client.history import verified_history
from web.client.writes import OpenedGrant, open_grant, write_item
from web.nir import nir_key
from web.server.provision import provision, provision_dev_keys

PASSPHRASE: Final = "patient passphrase"  # tests.e2e.test_consent._world's
REVOKE: Final = "POST /dossiers/*/grants/*/revoke"
KEYRING: Final = "PUT /dossiers/*/keyring"
GRANTS: Final = "POST /dossiers/*/grants"
ITEMS: Final = "POST /dossiers/*/items"
REWRAP: Final = "POST /dossiers/*/rewrap"


# ----------------------------------------------------------------------------- servers
@dataclass
class Site:
    """One database and data directory; servers come and go on it."""

    engine: str
    database_url: str
    data_dir: Path
    dev_keys: Path
    secret: str
    cases: dict[str, Case] = field(default_factory=dict)
    crashed: set[str] = field(default_factory=set)
    stack: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    current: Server | None = None  # armed with the faults of the cases still to run

    def rule(self, name: str) -> str:
        """The case's fault, aimed at its own dossier only."""
        _, fault = CASES[name]
        return fault.replace("/dossiers/*/", f"/dossiers/{self.cases[name].dossier_id}/", 1)

    def restart(self) -> Server:
        """Stop the current server; start one armed with every case not yet crashed (each
        rule names its own dossier, so the others' requests never match it)."""
        self.stack.close()
        self.stack = contextlib.ExitStack()
        faults = "; ".join(self.rule(n) for n in self.cases if n not in self.crashed)
        self.current = self.stack.enter_context(serving(self, faults))
        return self.current


@contextlib.contextmanager
def serving(site: Site, faults: str = "") -> Iterator[Server]:
    """A server process on the site (armed with ``faults`` if given); SIGKILLed on exit if
    it is still running."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_DATABASE_URL=site.database_url, CARNET_DATA_DIR=str(site.data_dir),
               CARNET_SECRET_KEY=site.secret, CARNET_DEV_KEYS_DIR=str(site.dev_keys),
               CARNET_AUTH_ATTEMPTS_PER_ADDRESS="10000")  # many logins from one address
    if faults:
        env["CARNET_TEST_FAULTS"] = faults
    log_path = site.data_dir / f"server-{port}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "web.server", "serve", "--port", str(port)], cwd=REPO,
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    direct = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(direct, process, log_path)
        proxy = RecordingProxy(port)  # Server wants one; the tests talk to ``direct_url``
        try:
            yield Server(engine=site.engine, url=direct, direct_url=direct,
                         data_dir=site.data_dir, database_url=site.database_url,
                         log_path=log_path, operator_token_file=site.data_dir / "operator.token",
                         proxy=proxy, process=process, homes=site.data_dir,
                         dev_keys=site.dev_keys)
        finally:
            proxy.close()
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=15)


async def new_site(engine: str, root: Path) -> Site:
    url = (f"sqlite:///{root / 'carnet.sqlite'}" if engine == "sqlite"
           else await create_postgres_database())
    await migrate(url)
    data_dir, dev_keys = root / "data", root / "dev-keys"
    data_dir.mkdir()
    (data_dir / "operator.token").write_text(secrets.token_urlsafe(24))
    provision(data_dir)
    provision_dev_keys(dev_keys)
    return Site(engine, url, data_dir, dev_keys, secrets.token_urlsafe(32))


async def records(site: Site | Server, dossier_id: str,
                  item_id: str | None = None) -> list[ItemRecord]:
    """Every stored revision, straight from the database (what its holder sees)."""
    cols = "dossier_id, item_id, revision, key_ref, wrapped_key, ciphertext, created_at"
    if site.engine == "sqlite":
        import sqlite3

        with contextlib.closing(sqlite3.connect(site.database_url[len("sqlite:///"):])) as c:
            rows = c.execute(f"SELECT {cols} FROM carnet_item WHERE dossier_id = ?",
                             (dossier_id,)).fetchall()
    else:
        import asyncpg  # type: ignore[import-untyped]

        conn = await asyncpg.connect(dsn=site.database_url)
        try:
            rows = [tuple(r) for r in await conn.fetch(
                f"SELECT {cols} FROM carnet_item WHERE dossier_id = $1", dossier_id)]
        finally:
            await conn.close()
    found = [ItemRecord(r[0], r[1], int(r[2]), r[3], bytes(r[4]), bytes(r[5]), int(r[6]))
             for r in rows]
    return [r for r in found if item_id is None or r.item_id == item_id]


# ----------------------------------------------------------------------------- cases
@dataclass
class Case:
    """One patient, their professionals and grants as set up before the operation."""

    nir: str
    dossier_id: str
    pros: dict[str, ProfessionalIdentity]
    grants: dict[str, Issued] = field(default_factory=dict)
    opened: dict[str, OpenedGrant] = field(default_factory=dict)  # keys held before the op
    items: dict[str, str] = field(default_factory=dict)  # name -> item id
    before: dict[str, bytes] = field(default_factory=dict)  # item id:rev -> ciphertext
    history: Any = None  # (head, server key) the patient last saw


async def _open(server: Server, pro: ProfessionalIdentity, issued: Issued) -> OpenedGrant:
    async with Api(server.direct_url) as api:
        await pro.login(api)
        return await open_grant(api, pro, issued.text, now=now())


async def professionals(server: Server) -> dict[str, ProfessionalIdentity]:
    """A pharmacist (activations) and three doctors a, b, c, shared by every case (the
    server allows ten registrations a minute from one address)."""
    pros: dict[str, ProfessionalIdentity] = {}
    async with Api(server.direct_url,
                   session=server.operator_token_file.read_text().strip()) as operator:
        for n, (who, roles) in enumerate([("pharmacist", ["pharmacist"]), ("a", []),
                                          ("b", []), ("c", [])]):
            pro = ProfessionalIdentity.new(f"8{n + 1}0000000099")
            async with Api(server.direct_url) as api:
                await pro.register(api, name=f"Dr {who}", profession="médecin")
            await approve(operator, pro.ps_id, roles, server.authority())
            pros[who] = pro
    return pros


async def _patient_of(server: Server, pharmacist: ProfessionalIdentity,
                      n: int) -> tuple[str, Dossier, Api]:
    body = f"1700575{n:06d}"
    nir = body + nir_key(body)
    async with Api(server.direct_url,
                   session=server.operator_token_file.read_text().strip()) as operator:
        await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
            csv=f"nir,last_name,first_name,birth_date,address,email\n{nir},Roux,Léa,"
                "1970-05-01,1 place Bellecour,\n"), schemas.RegistryLoadResult)
    async with Api(server.direct_url) as api:
        await pharmacist.login(api)
        code = await pharmacist.start_activation(api, nir, "1970-05-01")
    patient_api = Api(server.direct_url)
    dossier, _ = await activate(patient_api, nir, code.code, PASSPHRASE, clock=now)
    return nir, dossier, patient_api


async def _setup(server: Server, pros: dict[str, ProfessionalIdentity], n: int,
                 kind: str) -> Case:
    nir, d, patient_api = await _patient_of(server, pros["pharmacist"], n)
    case = Case(nir=nir, dossier_id=d.dossier_id, pros=pros)
    authority = server.authority().verify_key.encode()

    async def give(who: str, sections: list[str], write: bool = False) -> None:
        case.grants[who] = await issue_grant(d, patient_api, case.pros[who].ps_id, sections,
                                             seconds=3600, write=write, now=now(),
                                             authority_public=authority)

    if kind == "revoke":
        case.items["x"] = (await d.add("allergies", "allergy", "Pénicilline", "2024-01-01")).item_id
        await give("a", ["allergies"])
        await give("b", ["allergies"], write=True)
        await give("c", ["allergies"])
    elif kind == "masked_edit":
        case.items["x"] = (await d.add("allergies", "allergy", "Latex", "2024-01-01")).item_id
        await d.mask(case.items["x"])
        await give("a", ["allergies"])
    else:  # section_mask, item_mask
        for name in ("x", "y", "z"):
            case.items[name] = (await d.add("allergies", "allergy", f"Allergie {name}",
                                            "2024-01-01")).item_id
        case.items["j"] = (await d.add("medical_history", "condition", "Asthme",
                                       "2010-01-01")).item_id
        await give("a", ["allergies", "medical_history"])
    for who, issued in case.grants.items():
        case.opened[who] = await _open(server, case.pros[who], issued)
    for r in await records(server, d.dossier_id):
        case.before[f"{r.item_id}:{r.revision}"] = r.ciphertext
    _, head, key = await verified_history(d, patient_api, server_public=None,
                                          last_seen=None, authority_public=authority)
    case.history = (head, key)
    await patient_api.aclose()
    return case


# Each case: (kind, the fault that crashes its operation).
CASES: Final = {
    "revoke/after-revoke": ("revoke", f"kill-after:{REVOKE}"),
    "revoke/after-rotation": ("revoke", f"kill-after:{KEYRING}"),
    "revoke/after-first-reseal": ("revoke", f"kill-after:{GRANTS}"),
    "masked-edit/after-write": ("masked_edit", f"kill-after:{ITEMS}"),
    "section-mask/after-keyring": ("section_mask", f"kill-after:{KEYRING}"),
    "section-mask/after-first-item": ("section_mask", f"kill-after:{REWRAP}"),
    "item-mask/after-keyring": ("item_mask", f"kill-after:{KEYRING}"),
    "item-mask/after-item": ("item_mask", f"kill-after:{REWRAP}"),
    "item-mask/after-first-other": ("item_mask", f"kill-after:{REWRAP}#2"),
}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.db)])
async def site(request: pytest.FixtureRequest,
               tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Site]:
    """One database per engine; every case's patient set up on one clean server."""
    engine = str(request.param)
    s = await new_site(engine, tmp_path_factory.mktemp(f"crash-steps-{engine}"))
    try:
        with serving(s) as server:
            pros = await professionals(server)
            for n, (name, (kind, _)) in enumerate(CASES.items(), start=40):
                s.cases[name] = await _setup(server, pros, n, kind)
        yield s
    finally:
        s.stack.close()
        if engine == "postgres":
            await drop_postgres_database(s.database_url)


async def _patient(server: Server, case: Case) -> tuple[Dossier, Api]:
    api = Api(server.direct_url)
    return await login(api, case.nir, PASSPHRASE, clock=now), api


async def operate(kind: str, case: Case, d: Dossier, api: Api) -> None:
    """The patient's operation, as the client runs it."""
    if kind == "revoke":
        await revoke_grant(d, api, case.grants["a"].grant_id)
    elif kind == "masked_edit":
        await d.edit(case.items["x"], title="Latex (édité)")
    elif kind == "section_mask":
        await d.mask_section("allergies")
    else:
        await d.mask(case.items["x"])


async def crash(site: Site, name: str) -> Server:
    """Run the case's operation on a server armed with its fault: it must die there. Returns
    the server restarted on the same database and key directory (armed for the cases that
    remain, none of which touches this dossier)."""
    kind, _ = CASES[name]
    case = site.cases[name]
    server = site.current or site.restart()
    d, api = await _patient(server, case)
    with pytest.raises(ApiError) as cut:
        await operate(kind, case, d, api)
    await api.aclose()
    assert cut.value.code == "unreachable"
    assert server.process.wait(timeout=15) == -signal.SIGKILL  # at the fault, not before
    site.crashed.add(name)
    return site.restart()


# ----------------------------------------------------------------------------- checks
def _held(opened: OpenedGrant) -> list[bytes]:
    return all_keys(opened.keys)


async def _writes_of_b(server: Server, case: Case) -> list[str]:
    """B (read+write grant made before the rotation) tries to write: the item ids it got in
    (its client retries a stale key once; rotation_owed is a refusal)."""
    async with Api(server.direct_url) as api:
        await case.pros["b"].login(api)
        try:
            _, item = await write_item(api, case.pros["b"], case.grants["b"].text, "allergies",
                                       "allergy", "Arachide", "2024-05-01", now=now(),
                                       opened=case.opened["b"])
        except ApiError as exc:
            assert (exc.status, exc.code) == (409, "rotation_owed"), exc
            return []
        return [item.item_id]


async def check_revoke(site: Site, case: Case, server: Server, completed: Dossier | None) -> None:
    a_keys = _held(case.opened["a"])
    async with Api(server.direct_url) as api:
        await case.pros["a"].login(api)
        with pytest.raises(ApiError) as refused:  # the revocation committed
            await scan(api, case.pros["a"], case.grants["a"].text, now=now())
        assert refused.value.status == 403
    written = await _writes_of_b(server, case)
    if completed is not None:
        assert written, "after the patient's session B writes again"
        await completed.add("allergies", "allergy", "Ajout du patient", "2024-06-01")
        ring = completed.ring
        current = ring.current(Section.ALLERGIES).ref
        assert current not in case.opened["a"].keys.refs
        infos = {g.grant_id: g for g in await list_grants(completed, completed_api(completed))}
        for who in ("b", "c"):  # re-sealed to the grantees that remain
            core = grant.SignedGrant.decode(infos[case.grants[who].grant_id].grant).core
            assert current in core.key_refs
    pre = {k.split(":")[0] for k in case.before}
    after = [r for r in await records(site, case.dossier_id) if r.item_id not in pre]
    if completed is not None:
        assert len({r.item_id for r in after}) >= 2
    for r in after:  # nothing written after the revocation opens with A's keys (P5)
        assert not opens(r, a_keys), r.item_id


def completed_api(d: Dossier) -> Api:
    store = d._store  # the HttpStore the session runs on
    api = getattr(store, "api", None)
    assert isinstance(api, Api)
    return api


async def check_masked(site: Site, case: Case, item: str, *, new_grants: list[OpenedGrant]
                       ) -> None:
    """No stored revision of the masked item opens with any grant's keys, held before the
    operation or given after it."""
    keys = _held(case.opened["a"]) + [k for g in new_grants for k in _held(g)]
    for r in await records(site, case.dossier_id, case.items[item]):
        assert not opens(r, keys), (item, r.revision)


async def check_no_new_exposure(site: Site, case: Case, names: list[str]) -> None:
    """An item being masked opens with the older grant's keys only as the very ciphertext
    that grant already opened before the operation began."""
    keys = _held(case.opened["a"])
    for name in names:
        for r in await records(site, case.dossier_id, case.items[name]):
            if opens(r, keys):
                assert case.before.get(f"{r.item_id}:{r.revision}") == r.ciphertext, name


async def _new_grant(server: Server, case: Case, d: Dossier, sections: list[str]) -> OpenedGrant:
    issued = await issue_grant(d, completed_api(d), case.pros["b"].ps_id, sections,
                               seconds=3600, now=now(),
                               authority_public=server.authority().verify_key.encode())
    return await _open(server, case.pros["b"], issued)


@pytest.mark.parametrize("name", list(CASES))
async def test_a_crash_between_two_requests_is_safe_and_completed_next_session(
        site: Site, name: str) -> None:
    kind, _ = CASES[name]
    case = site.cases[name]
    server = await crash(site, name)
    # (a) the crashed state, before the patient comes back
    if kind == "revoke":
        await check_revoke(site, case, server, None)
    elif kind == "masked_edit":
        await check_masked(site, case, "x", new_grants=[])
    else:
        await check_no_new_exposure(site, case, ["x", "y", "z"])
        if kind == "item_mask" and not name.endswith("after-keyring"):
            await check_masked(site, case, "x", new_grants=[])
    # (b) the next session completes it
    d, api = await _patient(server, case)
    if kind == "revoke":
        await check_revoke(site, case, server, d)
    elif kind == "masked_edit":
        edited = await d.get(case.items["x"])
        assert edited.masked and edited.title == "Latex (édité)"  # it was committed
        later = await _new_grant(server, case, d, ["allergies"])
        await check_masked(site, case, "x", new_grants=[later])
    else:
        masked = ["x", "y", "z"] if kind == "section_mask" else ["x"]
        resealed = await _open(server, case.pros["a"], case.grants["a"])
        later = await _new_grant(server, case, d, ["allergies", "medical_history"])
        for item in masked:
            assert (await d.get(case.items[item])).masked, item
            await check_masked(site, case, item, new_grants=[resealed, later])
        # the other items are not left half-way: a new grant reads them
        async with Api(server.direct_url) as pro_api:
            await case.pros["b"].login(pro_api)
            seen = await scan(pro_api, case.pros["b"], later.text, now=now())
        expected = {"j"} | ({"y", "z"} if kind == "item_mask" else set())
        assert {i.item_id for i in seen.items} == {case.items[k] for k in expected}
    authority = server.authority().verify_key.encode()
    head, key = case.history
    await verified_history(d, api, server_public=key, last_seen=head,
                           authority_public=authority)
    await api.aclose()
    logs = b"".join(p.read_bytes() for p in site.data_dir.glob("server-*.log"))
    assert b"Traceback" not in logs, logs[-3000:]

