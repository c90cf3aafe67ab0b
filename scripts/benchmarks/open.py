"""scripts/bench open: opening a dossier and sealing an item, before and after the batch
decrypt path (issue 14, item 3), each next to its baseline, all in one run.

1. Seal a 1 KiB item (encode + fresh item key + wrap + encrypt) next to one raw
   ``nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt`` of the same plaintext bytes.
   "before" is the recipe as it was (``nacl.bindings`` wrappers, associated data built from
   scratch twice, three copies), kept here to be timed beside it. Goal: <= 3x raw.
2. List a 500-item dossier through the Python client against a local server on SQLite
   (``Dossier.list()``: fetch + decrypt), next to reading the same 500 plaintexts from an
   unencrypted table of the same SQLite engine (and decoding them with ``items.decode``).
   "before": the same fetch, decrypted with the per-item path as it was.
3. A professional opens a Synthea patient (one bundle imported through the client) with a
   consent token on every section (``web.client.consent.scan``: signed POST, checks, decrypt),
   next to the same items' plaintext rows. Goal (both): <= 2x plaintext rows.

Every figure is the median of ``--rounds`` (default 7) interleaved rounds (before, after,
baseline, before, after, ...), with its spread (min-max); the machine is shared and noisy,
so compare ratios within one run. ``--profile`` prints cProfile's top costs of each path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import os
import pstats
import sqlite3
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path

import httpx
import msgspec
import nacl.bindings as sodium
import nacl.signing
import nacl.utils

from scripts.benchmarks import service
from scripts.benchmarks.open_before import (
    _old_decrypt,
    _old_list,
    _old_seal_item,
)
from scripts.benchmarks.serverproc import REPO, asgi_server, carnet_server, dev_keys_of
from vault import Item, items
from vault.itembox import open_records, seal_item
from vault.keyring import KeyLookup
from vault.sections import Section
from vault.store import all_items
from web import schemas
from web.client import Api, ProfessionalIdentity, activate
from web.client.consent import decrypt_items, issue_grant, present, scan
from web.client.directory import approve
from web.client.fhir import import_files
from web.client.store import HttpStore
from web.nir import nir_key

SYNTHEA = REPO.parent / "shared" / "data" / "fhir" / "synthea"
PASSPHRASE = "bench passphrase 2026"  # noqa: S105 (benchmark data)
DOSSIER = "ab" * 16


# --- timing ---------------------------------------------------------------------------------

Timed = Callable[[], Awaitable[object]]


async def interleaved(cases: Mapping[str, Timed], rounds: int) -> dict[str, list[float]]:
    """Each case once per round, in turn; seconds per call, ``rounds`` of each."""
    out: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, fn in cases.items():
            start = time.perf_counter()
            await fn()
            out[name].append(time.perf_counter() - start)
    return out


def looped(fn: Callable[[], object], n: int) -> Timed:
    async def run() -> None:
        for _ in range(n):
            fn()
    return run


def table(title: str, times: dict[str, list[float]], bases: list[str], unit: float, what: str,
          goal: str) -> None:
    """Median and spread of each case, and its ratio to each base's median."""
    refs = [statistics.median(times[b]) for b in bases]
    heads = "".join(f" vs {b} |" for b in bases)
    print(f"\n| {title:<52} | median {what} | min-max {what} |{heads}")
    print("|---|---|---|" + "---|" * len(bases))
    for name, values in times.items():
        med = statistics.median(values)
        ratios = "".join(f" {med / r:.2f}x |" for r in refs)
        print(f"| {name:<52} | {med * unit:.2f} | {min(values) * unit:.2f}-"
              f"{max(values) * unit:.2f} |{ratios}")
    print(f"(goal: {goal})")


async def profiled(label: str, fn: Timed, n: int = 3) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        await fn()
    profiler.disable()
    print(f"\n--- profile: {label} ({n} calls), top 12 by own time")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


# --- 1. sealing -----------------------------------------------------------------------------

async def seal_case(rounds: int, show_profile: bool) -> None:
    key = KeyLookup(ref="cd" * 16, key=nacl.utils.random(32), section=Section.EXAM_RESULTS)
    draft = items.draft("exam_results", "lab_result", "Bilan", "2025-01-01", {"text": "x" * 1024})
    plaintext = items.encode(draft, created_at=1)
    raw_key, nonce, ad = nacl.utils.random(32), nacl.utils.random(24), b"x" * 60
    n = 2000

    def before() -> object:
        return _old_seal_item(items.encode(draft, created_at=1), key, Section.EXAM_RESULTS)

    def after() -> object:
        return seal_item(items.encode(draft, created_at=1), dossier_id=DOSSIER,
                         item_id="ef" * 16, revision=1, created_at=1, wrapping=key,
                         section=Section.EXAM_RESULTS, rng=nacl.utils.random)

    def raw() -> object:
        return sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(plaintext, ad, nonce, raw_key)

    times = await interleaved({"raw AEAD (nacl.bindings), 1 KiB": looped(raw, n),
                               "before: seal 1 KiB item": looped(before, n),
                               "after: seal 1 KiB item": looped(after, n)}, rounds)
    table("seal a 1 KiB item", times, ["raw AEAD (nacl.bindings), 1 KiB"], 1e6 / n, "µs",
          "seal <= 3x raw AEAD")
    if show_profile:
        await profiled("before: seal", looped(before, n))
        await profiled("after: seal", looped(after, n))


# --- 2. and 3. through a server -------------------------------------------------------------

PLAIN = "plaintext rows, same SQLite engine, in process"
PLAIN_HTTP = "plaintext rows, same engine, over bare HTTP"


def plain_rows(db_path: Path, plaintexts: list[bytes]) -> Timed:
    """The same plaintexts in an unencrypted table of the same SQLite engine (``plain_item``,
    the table ``scripts/benchmarks/bare.py`` serves), read back and decoded
    (``items.decode``), as scripts/bench service does."""
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE plain_item (id INTEGER PRIMARY KEY, body BLOB)")
    conn.executemany("INSERT INTO plain_item (body) VALUES (?)", [(p,) for p in plaintexts])
    conn.commit()
    conn.close()

    async def read() -> None:
        c = sqlite3.connect(db_path)
        rows = c.execute("SELECT body FROM plain_item").fetchall()
        c.close()
        assert len([items.decode(r[0], item_id="0" * 32, revision=1) for r in rows]) == len(
            plaintexts)
    return read


@contextlib.asynccontextmanager
async def plain_over_http(db_path: Path, count: int) -> AsyncIterator[Timed]:
    """The same rows served by a bare litestar app (same uvicorn) and decoded here."""
    os.environ["BARE_PLAIN_DB"] = str(db_path)
    with asgi_server("scripts.benchmarks.bare:app") as bare_url:
        async with httpx.AsyncClient(timeout=60) as client:
            async def read() -> None:
                body = (await client.get(f"{bare_url}/plain")).content
                rows = msgspec.json.decode(body, type=dict[str, list[bytes]])["items"]
                assert len([items.decode(r, item_id="0" * 32, revision=1)
                            for r in rows]) == count
            yield read


def plaintexts_of(found: list[Item]) -> list[bytes]:
    return [items.encode(items.draft(i.section, i.item_type, i.title, i.date, i.body,
                                     i.author), created_at=i.created_at) for i in found]


async def synthea_patient(url: str, token: str, data: Path) -> tuple[ProfessionalIdentity,
                                                                       Api, str]:
    """A second patient holding one Synthea bundle, and a doctor holding a grant on every
    section of it; returns the doctor, their api and the token's text."""
    body = "2850575300001"
    nir = body + nir_key(body)
    operator = Api(url, session=token)
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(
        csv="nir,last_name,first_name,birth_date,address,email\n"
            f"{nir},Synthea,Patient,1985-05-01,2 rue du Banc,\n"), schemas.RegistryLoadResult)
    authority = nacl.signing.SigningKey(
        bytes.fromhex((dev_keys_of(data) / "authority.key").read_text().strip()))
    pharmacist = ProfessionalIdentity.new("810000000098")
    doctor = ProfessionalIdentity.new("820000000098")
    pharmacy, doctor_api = Api(url), Api(url)
    await pharmacist.register(pharmacy, name="Pharmacie Synthea", profession="pharmacien")
    await approve(operator, "810000000098", ["pharmacist"], authority)
    await doctor.register(doctor_api, name="Dr Synthea", profession="médecin")
    await approve(operator, "820000000098", [], authority)
    await pharmacist.login(pharmacy)
    await doctor.login(doctor_api)
    code = await pharmacist.start_activation(pharmacy, nir, "1985-05-01")
    patient_api = Api(url)
    dossier, _ = await activate(patient_api, nir, code.code, PASSPHRASE,
                                clock=lambda: int(time.time()))
    bundle = sorted(SYNTHEA.glob("*.json.gz"))[0]
    await import_files(dossier, [(bundle.name, bundle.read_bytes())],
                       today=time.strftime("%Y-%m-%d"))
    issued = await issue_grant(dossier, patient_api, doctor.ps_id, list(Section),
                               seconds=4 * 3600, authority_public=authority.verify_key.encode(),
                               now=int(time.time()))
    for api in (operator, pharmacy, patient_api):
        await api.aclose()
    return doctor, doctor_api, issued.text


async def server_cases(rounds: int, show_profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        with carnet_server(data, f"sqlite:///{data / 'carnet.sqlite'}") as (url, token):
            print(f"\npreparing a dossier of {service.ITEMS} items through the client...")
            _, dossier = await service._prepare(url, token, data)
            listed = await dossier.list()
            assert len(listed) == service.ITEMS
            plain500 = data / "plain500.sqlite"
            ring, store, dossier_id = dossier.ring, dossier._store, dossier.dossier_id
            assert isinstance(store, HttpStore)
            records = await all_items(store, dossier_id)

            async def before_list() -> None:  # the JSON page and the per-item path
                page = await store.api.get(f"/dossiers/{dossier_id}/items", schemas.ItemPage,
                                           params={"limit": 1000})
                got = _old_list([i.record(dossier_id) for i in page.items], ring.lookup)
                assert len(got) == service.ITEMS

            async def after_list() -> None:
                assert len(await dossier.list()) == service.ITEMS

            async def decrypt_before() -> None:
                _old_list(records, ring.lookup)

            async def decrypt_after() -> None:
                open_records(records, dossier._resolve)

            async def fetch_only() -> None:
                await all_items(store, dossier_id)

            async with plain_over_http(plain500, service.ITEMS) as plain_http:
                times = await interleaved({
                    PLAIN: plain_rows(plain500, plaintexts_of(listed)),
                    PLAIN_HTTP: plain_http,
                    "before: JSON page + per-item decrypt": before_list,
                    "after: Dossier.list() (MessagePack page, batch)": after_list,
                    "  of which the fetch (MessagePack page)": fetch_only,
                    "  decrypt only, before (per item, in process)": decrypt_before,
                    "  decrypt only, after (open_records, in process)": decrypt_after,
                }, rounds)
            table(f"list a {service.ITEMS}-item dossier", times, [PLAIN, PLAIN_HTTP], 1e3, "ms",
                  "<= 2x plaintext rows")
            if show_profile:
                await profiled("before: list", before_list)
                await profiled("after: Dossier.list()", after_list)
            if not SYNTHEA.is_dir():
                print(f"(no Synthea samples at {SYNTHEA}: scan case skipped)")
                return
            await synthea_case(url, token, data, rounds, show_profile)


async def synthea_case(url: str, token: str, data: Path, rounds: int,
                       show_profile: bool) -> None:
    doctor, doctor_api, text = await synthea_patient(url, token, data)
    opened = await scan(doctor_api, doctor, text, now=int(time.time()))
    count = len(opened.items)
    presented = await present(doctor_api, doctor, text, now=int(time.time()))
    plain_db = data / "plain-synthea.sqlite"
    dossier_id, keys = presented.dossier.dossier_id, presented.keys.keys

    async def before_scan() -> None:
        p = await present(doctor_api, doctor, text, now=int(time.time()))
        assert len(_old_decrypt(p.dossier.dossier_id, p.items, p.keys.keys)) == count

    async def after_scan() -> None:
        got = await scan(doctor_api, doctor, text, now=int(time.time()))
        assert len(got.items) == count

    async def decrypt_before() -> None:
        _old_decrypt(dossier_id, presented.items, keys)

    async def decrypt_after() -> None:
        decrypt_items(dossier_id, presented.items, keys)

    async with plain_over_http(plain_db, count) as plain_http:
        times = await interleaved({
            PLAIN: plain_rows(plain_db, plaintexts_of(opened.items)),
            PLAIN_HTTP: plain_http,
            "before: scan + per-item decrypt": before_scan,
            "after: scan() (batch)": after_scan,
            "  decrypt only, before (per item, in process)": decrypt_before,
            "  decrypt only, after (decrypt_items, in process)": decrypt_after,
        }, rounds)
    table(f"open a Synthea patient via a token ({count} items)", times, [PLAIN, PLAIN_HTTP],
          1e3, "ms", "<= 2x plaintext rows")
    if show_profile:
        await profiled("after: scan()", after_scan)
    await doctor_api.aclose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--seal-only", action="store_true")
    args = parser.parse_args()
    await seal_case(args.rounds, args.profile)
    if not args.seal_only:
        await server_cases(args.rounds, args.profile)


if __name__ == "__main__":
    asyncio.run(main())
