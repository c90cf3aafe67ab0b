"""Random kill -9 trials during mixed writes (issue 9): ``scripts/bench faults``.

Each trial picks a patient and an operation at random (add, edit, mask an item, mask a
section, grant, revoke, a professional's write) and arms the server with the deterministic
crash hook (``web/server/faults.py``) on the k-th request of that operation (k random; a k
past the operation's last request means it completes uncrashed). It runs the operation until
the server dies, restarts it on the same database and key directory, and counts:

- **torn**: an acknowledged item that is gone or no longer decrypts to what was acknowledged;
- **half-applied**: after the patient's next session (login: ``sync_grants``), a privacy
  property broken or a change left half-way: a revoked grant's keys opening an item written
  after the revocation, an item recorded masked (or in a masked section) not under the mask
  key, an item left under a retired key version, an active grant lacking a current key.

Goal: 0 and 0. The harness (servers, patients, raw rows) is the one of
``tests/e2e/test_crash_steps.py``.

    scripts/bench faults [--trials 100] [--engine sqlite|postgres] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from consent import grant
from tests.e2e.conftest import Server
from tests.e2e.test_crash_steps import (
    PASSPHRASE,
    Site,
    _patient_of,
    new_site,
    professionals,
    records,
    serving,
)
from tests.web.server.routes.grant_world import all_keys, opens
from vault import Dossier, Section
from web.client import Api, ApiError, ProfessionalIdentity, login
from web.client.consent import Issued, issue_grant, list_grants, revoke_grant
from web.client.writes import OpenedGrant, open_grant, write_item

SECTIONS: Final = ("allergies", "current_treatments", "medical_history")
OPERATIONS: Final = ("add", "edit", "mask", "mask", "mask_section", "grant", "revoke",
                     "revoke", "pro_write")
TYPES: Final = {"allergies": "allergy", "current_treatments": "prescription",
                "medical_history": "note"}
MAX_STEP: Final = 4  # k is drawn in 1..MAX_STEP among the write requests to the dossier


def now() -> int:
    return int(time.time())


@dataclass
class Held:
    """A grant as its recipient opened it (the keys an ex-grantee keeps)."""

    who: str
    issued: Issued
    opened: OpenedGrant
    write: bool
    revoked_rows: frozenset[str] | None = None  # rows stored when it was revoked


@dataclass
class Patient:
    nir: str
    dossier_id: str
    acked: dict[str, set[str]] = field(default_factory=dict)  # item id -> titles allowed
    grants: dict[str, Held] = field(default_factory=dict)
    n: int = 0


@dataclass
class Counts:
    trials: int = 0
    crashed: int = 0
    torn: int = 0
    half: int = 0
    notes: list[str] = field(default_factory=list)

    def found(self, problems: list[str]) -> int:
        """Record problems not seen at an earlier check (a lasting one counts once)."""
        new = [x for x in dict.fromkeys(problems) if x not in self.notes]
        self.notes += new
        return len(new)


async def _session(server: Server, p: Patient) -> tuple[Dossier, Api]:
    api = Api(server.direct_url)
    return await login(api, p.nir, PASSPHRASE, clock=now), api


async def _open(server: Server, pro: ProfessionalIdentity, issued: Issued) -> OpenedGrant:
    async with Api(server.direct_url) as api:
        await pro.login(api)
        return await open_grant(api, pro, issued.text, now=now())


async def _row_ids(site: Site, p: Patient) -> frozenset[str]:
    return frozenset(f"{r.item_id}:{r.revision}" for r in await records(site, p.dossier_id))


Op = Callable[[], Awaitable[None]]


def _operation(kind: str, rng: random.Random, site: Site, server: Server, p: Patient,
               d: Dossier, api: Api, pros: dict[str, ProfessionalIdentity]) -> Op:
    """The operation (acknowledgements are recorded as it returns)."""
    p.n += 1
    section = rng.choice(SECTIONS)
    title = f"item {p.n}"

    async def add() -> None:
        p.acked.setdefault("?", set())
        item = await d.add(section, TYPES[section], title, "2024-01-01")
        p.acked[item.item_id] = {title}

    async def edit() -> None:
        own = [i for i in await d.list() if i.own]
        if not own:
            return await add()
        item = rng.choice(own)
        p.acked[item.item_id] = p.acked.get(item.item_id, {item.title}) | {title}
        await d.edit(item.item_id, title=title)
        p.acked[item.item_id] = {title}

    async def mask() -> None:
        found = [i for i in await d.list() if not i.masked]
        if found:
            await d.mask(rng.choice(found).item_id)

    async def mask_section() -> None:
        with_items = sorted({i.section.value for i in await d.list() if not i.masked})
        await d.mask_section(rng.choice(with_items) if with_items else section)

    async def give() -> None:
        who = rng.choice(["a", "b", "c"])
        chosen = sorted({section, rng.choice(SECTIONS)})
        issued = await issue_grant(d, api, pros[who].ps_id, chosen, seconds=3600,
                                   write=who == "b", now=now(),
                                   authority_public=server.authority().verify_key.encode())
        opened = await _open(server, pros[who], issued)
        p.grants[issued.grant_id] = Held(who, issued, opened, write=who == "b")

    async def revoke() -> None:
        active = [g for g, h in p.grants.items() if h.revoked_rows is None and not h.write]
        if not active:
            return await give()
        gid = rng.choice(active)
        p.grants[gid].revoked_rows = await _row_ids(site, p)  # before: what it may open
        await revoke_grant(d, api, gid)

    async def pro_write() -> None:
        writers = [h for h in p.grants.values() if h.write and h.revoked_rows is None]
        if not writers:
            return await give()
        h = rng.choice(writers)
        async with Api(server.direct_url) as pro_api:
            await pros["b"].login(pro_api)
            sec = rng.choice(sorted(s.value for s in h.opened.sections))
            kind = TYPES[sec]
            try:
                _, item = await write_item(pro_api, pros["b"], h.issued.text, sec, kind, title,
                                           "2024-01-01", now=now(), opened=h.opened)
            except ApiError as exc:
                if exc.code in ("rotation_owed", "stale_key"):
                    return  # refused as it must be; nothing acknowledged
                raise
            p.acked[item.item_id] = {title}

    ops: dict[str, Op] = {"add": add, "edit": edit, "mask": mask, "mask_section": mask_section,
                          "grant": give, "revoke": revoke, "pro_write": pro_write}
    return ops[kind]


def _rule(kind: str, rng: random.Random, p: Patient) -> str:
    """The crash: the k-th write request of the operation to this patient's dossier (k past
    its last request: it completes), or a professional's write before or after it is
    handled."""
    if kind == "pro_write":
        return f"{rng.choice(['kill-before', 'kill-after'])}:POST /consent/items"
    return f"kill-after:POST|PUT|DELETE /dossiers/{p.dossier_id}/**#{rng.randint(1, MAX_STEP)}"


async def _check(site: Site, server: Server, p: Patient, pros: dict[str, ProfessionalIdentity],
                 counts: Counts) -> None:
    """Torn and half-applied checks for one patient, after its next session. Before it, in
    the crashed state, a professional with a read+write grant writes (with the keys it
    opened earlier): nothing it gets in may open with an ended grant's keys."""
    writers = [h for h in p.grants.values() if h.write]
    if writers:
        h = writers[0]
        async with Api(server.direct_url) as pro_api:
            await pros["b"].login(pro_api)
            sec = sorted(s.value for s in h.opened.sections)[0]
            kind = TYPES[sec]
            try:
                # It scans now (the keys the server hands out in the crashed state).
                _, item = await write_item(pro_api, pros["b"], h.issued.text, sec, kind,
                                           "crashed-state write", "2024-01-01", now=now())
                p.acked[item.item_id] = {"crashed-state write"}
            except ApiError as exc:
                if exc.code not in ("rotation_owed", "stale_key", "token_revoked"):
                    counts.notes.append(f"crashed-state write: {exc.code}")
    d, api = await _session(server, p)  # the next session completes what it can
    try:
        items = {i.item_id: i for i in await d.list()}
        for item_id, titles in p.acked.items():
            if item_id == "?":
                continue
            if item_id not in items or items[item_id].title not in titles:
                counts.torn += counts.found([f"torn: {item_id[:8]} of {p.dossier_id[:8]}"])
        counts.torn += counts.found([f"unreadable: {i[:8]}" for i in d.unreadable])
        ring = d.ring
        retired = {ref for s in Section for ref in ring.retired(s)}
        rows = await records(site, p.dossier_id)
        latest = {r.item_id: r for r in sorted(rows, key=lambda r: r.revision)}
        half: list[str] = []
        for item_id, r in latest.items():
            found = items.get(item_id)
            recorded = found is not None and (item_id in getattr(ring, "masked_items", ())
                                              or found.section in ring.masked_sections)
            if recorded and r.key_ref != ring.mask_ref:
                half.append(f"masked item {item_id[:8]} not under the mask key")
            if r.key_ref in retired:
                half.append(f"item {item_id[:8]} left under a retired key")
        infos = {g.grant_id: g for g in await list_grants(d, api)}
        for gid, h in p.grants.items():
            info = infos.get(gid)
            if info is None:
                continue
            ended = info.revoked_at is not None or info.expires_at <= now()
            if ended and h.revoked_rows is None:
                h.revoked_rows = frozenset()  # revoked by a trial that crashed mid-way
            if ended:
                keys = all_keys(h.opened.keys)
                for r in rows:
                    if f"{r.item_id}:{r.revision}" in (h.revoked_rows or frozenset()):
                        continue
                    if opens(r, keys):
                        half.append(f"revoked grant {gid[:8]} opens {r.item_id[:8]}")
                continue
            core = grant.SignedGrant.decode(info.grant).core
            for s in core.sections:
                if ring.current(s).ref not in core.key_refs:
                    half.append(f"grant {gid[:8]} not re-sealed for {s.value}")
            keys = all_keys(h.opened.keys)
            for r in rows:  # a grant never opens a masked item's stored revision
                if r.key_ref == ring.mask_ref and opens(r, keys):
                    half.append(f"grant {gid[:8]} opens masked {r.item_id[:8]}")
        counts.half += counts.found(half)
    finally:
        await api.aclose()


async def _seeded(server: Server, pros: dict[str, ProfessionalIdentity], n: int) -> Patient:
    """A patient with two items per section, a read grant to a and c, a read+write one to b
    (so that revocations, masks and professional writes have something to act on)."""
    nir, d, api = await _patient_of(server, pros["pharmacist"], n)
    p = Patient(nir=nir, dossier_id=d.dossier_id)
    for section in SECTIONS:
        for k in range(2):
            item = await d.add(section, TYPES[section], f"{section} {k}", "2024-01-01")
            p.acked[item.item_id] = {item.title}
    authority = server.authority().verify_key.encode()
    for who, sections in (("a", list(SECTIONS)), ("b", list(SECTIONS)), ("c", ["allergies"])):
        issued = await issue_grant(d, api, pros[who].ps_id, sections, seconds=3600,
                                   write=who == "b", now=now(), authority_public=authority)
        p.grants[issued.grant_id] = Held(who, issued, await _open(server, pros[who], issued),
                                         write=who == "b")
    await api.aclose()
    return p


async def run(trials: int, engine: str, seed: int) -> Counts:
    rng = random.Random(seed)
    counts = Counts()
    with tempfile.TemporaryDirectory(prefix="carnet-faults-") as tmp:
        site = await new_site(engine, Path(tmp))
        try:
            with serving(site) as server:
                pros = await professionals(server)
                patients = []
                for n in range(3):
                    patients.append(await _seeded(server, pros, 60 + n))
            last: Patient | None = None
            for trial in range(trials):
                p = rng.choice([q for q in patients if q is not last])
                kind = rng.choice(OPERATIONS)
                rule = _rule(kind, rng, p)
                if kind == "pro_write" and last is not None:
                    # The check writes as a professional too: not on a server armed for that.
                    with serving(site) as server:
                        await _check(site, server, last, pros, counts)
                    last = None
                with serving(site, rule) as server:
                    if last is not None:  # the previous patient's next session
                        await _check(site, server, last, pros, counts)
                    d, api = await _session(server, p)
                    op = _operation(kind, random.Random(rng.random()), site, server, p, d,
                                    api, pros)
                    try:
                        await op()
                    except ApiError as exc:
                        if exc.code != "unreachable":
                            counts.notes.append(f"trial {trial + 1} {kind}: {exc.code}")
                    finally:
                        await api.aclose()
                    await asyncio.sleep(0.2)  # a kill-after has struck by the time we are here
                    crashed = server.process.poll() is not None
                counts.trials += 1
                counts.crashed += int(crashed)
                last = p
                print(f"trial {trial + 1:3d}: {kind:12s} {'killed' if crashed else 'done'}",
                      flush=True)
            with serving(site) as server:
                for q in patients:
                    await _check(site, server, q, pros, counts)
        finally:
            if engine == "postgres":
                from tests.conftest import drop_postgres_database

                await drop_postgres_database(site.database_url)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(prog="scripts/bench faults")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seed", type=int, default=9)
    args = parser.parse_args()
    started = time.monotonic()
    counts = asyncio.run(run(args.trials, args.engine, args.seed))
    for note in counts.notes:
        print(f"  {note}")
    print(f"{args.engine}: {counts.trials} trials, {counts.crashed} killed by the hook, "
          f"torn {counts.torn}, half-applied {counts.half} "
          f"({time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
