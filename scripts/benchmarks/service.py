"""scripts/bench service: opening a 500-item dossier through the client, and the item-fetch
endpoint under load, each next to a baseline measured in the same run.

1. Open a dossier of 500 items (login with Argon2id at the floor, fetch, decrypt all) through
   the Python client against a local server on SQLite, next to reading the same 500 items'
   plaintext rows from an unencrypted table of the same SQLite engine. Also printed: the same
   open without the login (fetch + decrypt only). Goal: <= 2x.
2. Requests per second and p50/p99 latency of the item-fetch endpoint (one item's revisions)
   at 1, 16 and 64 concurrent clients, next to a bare litestar endpoint serving a body of the
   same size through the same uvicorn. Load comes from this process (httpx), the same for both.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import msgspec
import nacl.signing

from scripts.benchmarks.serverproc import asgi_server, carnet_server, dev_keys_of
from vault import Dossier, items
from web import schemas
from web.client import Api, ProfessionalIdentity, activate, login
from web.client.directory import approve
from web.nir import nir_key

ITEMS = 500
PASSPHRASE = "bench passphrase 2026"  # noqa: S105 (benchmark data)


def _nir(i: int) -> str:
    body = f"1850575{100000 + i:06d}"
    return body + nir_key(body)


async def _prepare(url: str, token: str, data_dir: Path) -> tuple[str, Dossier]:
    nir = _nir(1)
    operator = Api(url, session=token)
    csv = ("nir,last_name,first_name,birth_date,address,email\n"
           f"{nir},Bench,Patient,1985-05-01,1 rue du Banc,\n")
    await operator.send("POST", "/operator/registry", schemas.RegistryLoadBody(csv=csv),
                        schemas.RegistryLoadResult)
    pharmacist = ProfessionalIdentity.new("810000000099")
    pro_api = Api(url)
    await pharmacist.register(pro_api, name="Pharmacie du banc", profession="pharmacien")
    authority = nacl.signing.SigningKey(
        bytes.fromhex((dev_keys_of(Path(data_dir)) / "authority.key").read_text().strip()))
    await approve(operator, "810000000099", ["pharmacist"], authority)
    await pharmacist.login(pro_api)
    code = await pharmacist.start_activation(pro_api, nir, "1985-05-01")
    dossier, _ = await activate(Api(url), nir, code.code, PASSPHRASE, clock=lambda: 1)
    for i in range(ITEMS):
        await dossier.add("exam_results", "lab_result", f"Bilan {i}", "2025-01-01",
                          {"text": "résultat " * 60, "index": i})
    await operator.aclose()
    await pro_api.aclose()
    return nir, dossier


def _baseline_rows(db_path: Path, dossier_plaintexts: list[bytes]) -> Callable[[], int]:
    """A plain table holding the same item plaintexts, read back with a SELECT."""
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE IF NOT EXISTS plain_item (id INTEGER PRIMARY KEY, body BLOB)")
    conn.execute("DELETE FROM plain_item")
    conn.executemany("INSERT INTO plain_item (body) VALUES (?)",
                     [(p,) for p in dossier_plaintexts])
    conn.commit()
    conn.close()

    def read() -> int:
        c = sqlite3.connect(db_path)
        rows = c.execute("SELECT body FROM plain_item").fetchall()
        c.close()
        return len([items.decode(r[0], item_id="0" * 32, revision=1) for r in rows])
    return read


async def _median_time(fn: Callable[[], Awaitable[object]], runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        await fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def _load(url: str, headers: dict[str, str], concurrency: int,
                seconds: float = 3.0) -> tuple[float, float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker() -> None:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                response = await client.get(url, headers=headers)
                response.raise_for_status()
                latencies.append(time.perf_counter() - start)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    p = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000  # noqa: E731
    return len(latencies) / elapsed, p(0.50), p(0.99)


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        db = data / "carnet.sqlite"
        with carnet_server(data, f"sqlite:///{db}") as (url, token):
            print(f"preparing a dossier of {ITEMS} items through the client...")
            nir, dossier = await _prepare(url, token, data)
            listed = await dossier.list()
            plaintexts = [items.encode(items.draft(i.section, i.item_type, i.title, i.date,
                                                   i.body), created_at=i.created_at)
                          for i in listed]
            baseline = _baseline_rows(data / "plain.sqlite", plaintexts)

            async def open_full() -> None:
                async with Api(url) as api:
                    d = await login(api, nir, PASSPHRASE, clock=lambda: 1)
                    assert len(await d.list()) == ITEMS

            async def open_no_login() -> None:
                assert len(await dossier.list()) == ITEMS

            async def read_plain() -> None:
                assert baseline() == ITEMS

            full = await _median_time(open_full)
            warm = await _median_time(open_no_login)
            plain = await _median_time(read_plain)
            os.environ["BARE_PLAIN_DB"] = str(data / "plain.sqlite")
            with asgi_server("scripts.benchmarks.bare:app") as bare_url:
                async with httpx.AsyncClient(timeout=30) as client:
                    async def read_plain_http() -> None:
                        body = (await client.get(f"{bare_url}/plain")).content
                        rows = msgspec.json.decode(body, type=dict[str, list[bytes]])["items"]
                        assert len([items.decode(r, item_id="0" * 32, revision=1)
                                    for r in rows]) == ITEMS
                    plain_http = await _median_time(read_plain_http)
            print("\n| open a 500-item dossier                      | median ms | ratio |")
            print("|----------------------------------------------|-----------|-------|")
            rows = [("plaintext rows, same SQLite engine, in process", plain, plain),
                    ("plaintext rows, same engine, over bare HTTP", plain_http, plain),
                    ("Carnet: fetch + decrypt (already logged in)", warm, plain_http),
                    ("Carnet: login (Argon2id) + fetch + decrypt", full, plain_http)]
            for label, value, base in rows:
                print(f"| {label:<44} | {value * 1000:9.1f} | {value / base:5.2f}x |")
            print("(ratios: the first two against in-process rows, Carnet's against bare HTTP)")

            async with Api(url) as api:
                await login(api, nir, PASSPHRASE, clock=lambda: 1)
                headers = {"authorization": f"Bearer {api.session}"}
                item_url = (f"{url}/dossiers/{dossier.dossier_id}/items/{listed[0].item_id}"
                            "/revisions")
                async with httpx.AsyncClient() as probe:
                    size = len((await probe.get(item_url, headers=headers)).content)
                os.environ["BARE_BODY_BYTES"] = str(size)
                with asgi_server("scripts.benchmarks.bare:app") as bare:
                    print("\n| concurrency | Carnet item fetch rps | p50 ms | p99 ms | bare rps |"
                          " p50 ms | p99 ms | Carnet/bare |")
                    print("|---|---|---|---|---|---|---|---|")
                    for n in (1, 16, 64):
                        rps, p50, p99 = await _load(item_url, headers, n)
                        brps, bp50, bp99 = await _load(f"{bare}/item", {}, n)
                        print(f"| {n} | {rps:,.0f} | {p50:.1f} | {p99:.1f} | {brps:,.0f} | "
                              f"{bp50:.1f} | {bp99:.1f} | {rps / brps:.2f}x |")
            print(f"\n(item-fetch body: {size} bytes; server: uvicorn, 1 worker, SQLite)")


if __name__ == "__main__":
    asyncio.run(main())
