"""scripts/bench perf: the Goals table of issue 14, every figure measured in this run next to
its baseline, in interleaved repetitions (Carnet, baseline, Carnet, baseline...; median and
spread min–max of at least 5).

Load never comes from this process nor from the server's event loop: plain GETs are sent by
``wrk`` (Debian's; installed with apt-get when missing and root), signed requests by
``perf_load`` run as a process of its own, from requests signed before its clock starts (each
scan request needs a fresh nonce and signature). Server: ``python -m web.server serve`` (uvicorn,
one worker, SQLite); the baseline: a bare litestar app on the same uvicorn answering the same
bytes (``perf_bare``). The figures without load run in process (``perf_inproc``).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import msgspec

from scripts.benchmarks import perf_inproc
from scripts.benchmarks.perf_phases import (
    CONCURRENCY,
    MARGIN,
    PHASE_SECONDS,
    Budget,
    Loads,
    capture,
    check_body,
    ensure_wrk,
    headers_of,
    scan_limit,
    signed,
    wrk_get,
)
from scripts.benchmarks.perf_stats import Row, Series, table
from scripts.benchmarks.perf_world import (
    SYNTHEA_BUNDLE,
    Server,
    build,
    carnet,
    serve_takes_workers,
)
from scripts.benchmarks.scanload import raw_request
from scripts.benchmarks.serverproc import REPO, asgi_server
from scripts.benchmarks.service import _baseline_rows
from vault import items
from web.client.consent import scan


async def run(args: argparse.Namespace) -> None:
    reps = args.reps
    rows: list[Row] = []
    details: list[str] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        data, bare_dir = tmp / "data", tmp / "bare"
        data.mkdir()
        bare_dir.mkdir()
        loads = Loads(tmp)
        wrk = ensure_wrk()
        with carnet(data) as server:
            started = time.perf_counter()
            world = await build(server, data, args.patients, args.per_patient)
            print(f"fixture: {len(world.scanners)} professionals with a grant (4 sections, "
                  f"read) on {args.patients} dossiers of 20 items, and a Synthea patient "
                  f"({SYNTHEA_BUNDLE.split('_')[0]}); {time.perf_counter() - started:.0f} s; load "
                  f"average {os.getloadavg()[0]:.1f}",
                  flush=True)
            idle_rss = server.rss_mib()
            limit = scan_limit()
            budget = Budget(world.scanners, limit - MARGIN)
            url = server.url
            s0 = world.scanners[0]
            # The answers the bare app repeats: Carnet's own, byte for byte.
            scan_answer, status = await capture(url, signed(s0, url, "/consent/scan",
                                                              s0.body))
            if status != 200:
                raise RuntimeError(f"the scan answered {status}: {scan_answer[:200]!r}")
            check_answer, check_status = await capture(
                url, signed(s0, url, "/consent/check", check_body(s0)))
            budget.spend([0, 0], 2, time.time())
            syn = world.synthea
            listed = await syn.dossier.list()
            first = listed[0]
            item_path = f"/dossiers/{syn.dossier.dossier_id}/items/{first.item_id}/revisions"
            auth = {"authorization": f"Bearer {syn.patient_api.session}"}
            async with httpx.AsyncClient(timeout=30) as client:
                item_answer = (await client.get(url + item_path, headers=auth)).content
            for name, (body, code) in {"scan": (scan_answer, 200),
                                       "check": (check_answer, check_status),
                                       "item": (item_answer, 200)}.items():
                (bare_dir / f"{name}.bin").write_bytes(body)
                (bare_dir / f"{name}.status").write_text(str(code))
            plaintexts = [items.encode(items.draft(i.section, i.item_type, i.title, i.date,
                                                   i.body), created_at=i.created_at)
                          for i in listed]
            _baseline_rows(bare_dir / "plain.sqlite", plaintexts)
            os.environ["PERF_BARE_DIR"] = str(bare_dir)
            with asgi_server("scripts.benchmarks.perf_bare:app") as bare:
                # the same request bytes as Carnet's (headers copied from a signed one)
                bare_scan = raw_request(bare, "/scan", s0.body, dict(
                    headers_of(signed(s0, url, "/consent/scan", s0.body))))
                bare_check = raw_request(bare, "/check", check_body(s0), dict(
                    headers_of(signed(s0, url, "/consent/check", check_body(s0)))))
                # warm-up, not counted
                reqs, owners = budget.sign(url, "/consent/scan", lambda s: s.body, 64)
                loads.run(url, reqs, seconds=0.5)
                budget.spend(owners, len(reqs), time.time() - 1)
                loads.run(bare, [bare_scan], repeat=True, seconds=0.5)

                scan_c, scan_b, spread, check_c, check_b = [], [], [], [], []
                cap = args.cap
                for _ in range(reps):
                    reqs, owners = budget.sign(url, "/consent/scan", lambda s: s.body, cap)
                    t0 = time.time()
                    c = loads.run(url, reqs, server=server, label="scan")
                    budget.spend(owners, int(c["sent"]), t0)  # type: ignore[call-overload]
                    b = loads.run(bare, [bare_scan], repeat=True, label="bare scan")
                    scan_c.append(float(c["rps"]))  # type: ignore[arg-type]
                    scan_b.append(float(b["rps"]))  # type: ignore[arg-type]
                    spread.append(float(c["p99"]) / float(c["p50"]))  # type: ignore[arg-type]
                    reqs, owners = budget.sign(url, "/consent/check", check_body, cap)
                    t0 = time.time()
                    c = loads.run(url, reqs, ok=check_status, server=server, label="check")
                    budget.spend(owners, int(c["sent"]), t0)  # type: ignore[call-overload]
                    b = loads.run(bare, [bare_check], repeat=True, ok=check_status,
                                  label="bare check")
                    check_c.append(float(c["rps"]))  # type: ignore[arg-type]
                    check_b.append(float(b["rps"]))  # type: ignore[arg-type]
                    print(f"  scan {scan_c[-1]:,.0f} req/s vs bare {scan_b[-1]:,.0f}; check "
                          f"{check_c[-1]:,.0f} vs bare {check_b[-1]:,.0f}", flush=True)
                rows.append(Row.judged("scan req/s vs bare litestar (same answer bytes, same "
                                       "server software, one worker)", ratio(scan_c, scan_b),
                                       ">= 0.25x"))
                rows.append(Row.judged("token-check-only endpoint vs bare (POST "
                                       "/consent/check: admit, the nonce spent, nothing of "
                                       "the dossier read)",
                                       ratio(check_c, check_b), ">= 0.5x"))
                rows.append(Row.judged(f"scan p99 / p50 at {CONCURRENCY} concurrent",
                                       Series.of(spread), "<= 3", unit=""))
                details.append(f"scan req/s: Carnet {Series.of(scan_c).text('', 0)}, bare "
                               f"{Series.of(scan_b).text('', 0)}; token check req/s: Carnet "
                               f"{Series.of(check_c).text('', 0)}, bare "
                               f"{Series.of(check_b).text('', 0)}")
                details.append(f"answers: scan {len(scan_answer):,} bytes (20 items), check "
                               f"{len(check_answer)} bytes ({check_status}); bare answers the "
                               "same bytes")

                # Opening the Synthea patient via a token, against the same plaintext rows.
                opened, plain = [], []
                async with httpx.AsyncClient(timeout=30) as client:
                    for _ in range(reps):  # each repetition: the median of 3 pairs
                        pair: tuple[list[float], list[float]] = ([], [])
                        for _ in range(3):
                            t = time.perf_counter()
                            got = await scan(syn.doctor_api, syn.doctor, syn.text,
                                             now=int(time.time()))
                            pair[0].append(time.perf_counter() - t)
                            assert len(got.items) == len(listed), (len(got.items), len(listed))
                            t = time.perf_counter()
                            body = (await client.get(f"{bare}/plain")).content
                            rows_ = msgspec.json.decode(body, type=dict[str, list[bytes]])
                            assert len([items.decode(r, item_id="0" * 32, revision=1)
                                        for r in rows_["items"]]) == len(listed)
                            pair[1].append(time.perf_counter() - t)
                        opened.append(statistics.median(pair[0]))
                        plain.append(statistics.median(pair[1]))
                open_ratio = ratio(opened, plain)
                details.append(f"open the Synthea patient ({len(listed)} items) via a token "
                               f"(scan + verify + decrypt, Python client): "
                               f"{Series.of([x * 1000 for x in opened]).text(' ms', 1)}; the "
                               "same plaintext rows from a plain SQLite table over bare HTTP "
                               f"+ decode: {Series.of([x * 1000 for x in plain]).text(' ms', 1)}")

                # Item fetch (a plain GET): wrk against Carnet and against bare.
                if wrk:
                    fetch_c: list[float] = []
                    fetch_b: list[float] = []
                    for _ in range(reps):
                        for target, out in ((url + item_path, fetch_c),
                                            (f"{bare}/item", fetch_b)):
                            rps, errors = wrk_get(wrk, target, auth if out is fetch_c else {})
                            out.append(rps)
                            if errors:
                                loads.notes.append(f"item fetch (wrk): {errors}")
                    fetch = Row.judged("item fetch GET req/s vs bare, wrk (no goal)",
                                       ratio(fetch_c, fetch_b), "—")
                    details.append(f"item fetch (wrk -t1 -c{CONCURRENCY}): Carnet "
                                   f"{Series.of(fetch_c).text('', 0)} req/s, bare "
                                   f"{Series.of(fetch_b).text('', 0)} ({len(item_answer):,} "
                                   "bytes)")
                else:
                    fetch = Row("item fetch GET vs bare (wrk)", "not measured (no wrk)", "—",
                                "—")
            workers = await _two_workers(data, server, budget, loads, reps, cap)
            await syn.doctor_api.aclose()
            await syn.patient_api.aclose()
        print("in-process figures...", flush=True)
        inproc = await perf_inproc.measure(tmp, reps)

    pure_raw = Series.of(inproc.ratio("pure", "raw"))
    pure_jwt = Series.of(inproc.ratio("pure", "pyjwt"))
    admit_raw = Series.of(inproc.ratio("admit", "raw"))
    admit_jwt = Series.of(inproc.ratio("admit", "pyjwt"))
    rows.insert(3, Row.judged("SQL statements per scan (engine's on_statement, in process)",
                              Series.of(inproc.statements), "<= 6", unit="", digits=0))
    both = "yes" if pure_raw.median >= 0.6 and pure_jwt.median >= 2 else "no"
    rows.insert(4, Row("token check vs raw Ed25519 verify / vs PyJWT EdDSA (pure check)",
                       f"{pure_raw.text()} / {pure_jwt.text()}", ">= 0.6x / >= 2x", both))
    rows.insert(5, Row("… the server's real admit() on the real database (beside)",
                       f"{admit_raw.text(digits=3)} / {admit_jwt.text(digits=3)}",
                       ">= 0.6x / >= 2x", "yes" if admit_raw.median >= 0.6
                       and admit_jwt.median >= 2 else "no"))
    rows.insert(6, Row.judged("open a Synthea patient via a token vs plaintext rows, same "
                              "engine", open_ratio, "<= 2x"))
    rows.insert(7, Row.judged("seal 1 KiB item vs raw AEAD (interleaved op by op)",
                              Series.of(inproc.seal_ratio), "<= 3x"))
    scale = "scripts/bench scale" if (REPO / "scripts/benchmarks/scale.py").exists() else (
        "not measured here (scripts/bench scale)")
    rows.append(Row("scan and open latency at 1 M dossiers vs 10 k (SQLite and PostgreSQL)",
                    scale, "<= 1.2x", "—"))
    rows.append(workers)
    peak = max(loads.rss_peak.get("scan", 0), loads.rss_peak.get("check", 0))
    rows.append(Row("server RSS under load (VmRSS, peak during the scan and check phases)",
                    f"{peak:.0f} MiB (idle after the fixture {idle_rss:.0f} MiB)",
                    "<= 250 MiB per worker", "yes" if 0 < peak <= 250 else "no"))
    rows.append(fetch)
    details.append("token checks/s (in process, one core): pure "
                   f"{Series.of(inproc.rates['pure']).text('', 0)}, server admit() "
                   f"{Series.of(inproc.rates['admit']).text('', 0)}, raw verify "
                   f"{Series.of(inproc.rates['raw']).text('', 0)}, raw verify with the key "
                   f"built each time {Series.of(inproc.rates['raw_key_each']).text('', 0)}, "
                   f"PyJWT {Series.of(inproc.rates['pyjwt']).text('', 0)}")
    details.append(f"statements of one scan: {inproc.kinds}")
    details.append("server VmRSS peak (MiB, the server process and its workers): " + ", ".join(
        f"{k} {v:.0f}" for k, v in loads.rss_peak.items()))
    details.append("load average (1, 5, 15 min) at the end: "
                   + ", ".join(f"{x:.1f}" for x in os.getloadavg())
                   + f" on {os.cpu_count()} CPUs (other work on the machine shows here)")
    print("\nDetails (median (min–max, n) of interleaved repetitions):")
    for line in details + [f"NOTE: {n}" for n in dict.fromkeys(loads.notes)]:
        print(f"- {line}")
    print(f"\nscripts/bench perf — {reps} interleaved repetitions, {PHASE_SECONDS:.0f} s load "
          f"phases at {CONCURRENCY} connections, {os.cpu_count()} CPUs shared by the server, "
          "the load process and the bare server\n")
    print(table(rows))


def ratio(a: list[float], b: list[float]) -> Series:
    """Repetition by repetition; a phase that served nothing (no budget left) is left out."""
    return Series.of([x / y if x > 0 and y > 0 else float("nan")
                      for x, y in zip(a, b, strict=True)])


async def _two_workers(data: Path, one: Server, budget: Budget, loads: Loads, reps: int,
                       cap: int) -> Row:
    figure = "throughput with 2 workers vs 1 on this 2-core machine (scan req/s)"
    if not serve_takes_workers():
        return Row(figure, "not measured: `serve` takes no --workers yet", ">= 1.6x", "—")
    try:
        with carnet(data, workers=2, prepared=one.operator_token) as two:
            c1: list[float] = []
            c2: list[float] = []
            for _ in range(reps):
                for server, out in ((one, c1), (two, c2)):
                    reqs, owners = budget.sign(server.url, "/consent/scan", lambda s: s.body,
                                               cap)
                    t0 = time.time()
                    got = loads.run(server.url, reqs, server=server,
                                    label="scan, 1 worker" if server is one else
                                    "scan, 2 workers (3 processes)")
                    budget.spend(owners, int(got["sent"]), t0)  # type: ignore[call-overload]
                    out.append(float(got["rps"]))  # type: ignore[arg-type]
    except (RuntimeError, subprocess.SubprocessError) as exc:
        return Row(figure, f"not measured: the 2-worker server failed ({exc})", ">= 1.6x", "—")
    return Row.judged(figure, ratio(c2, c1), ">= 1.6x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each figure (>= 5)")
    parser.add_argument("--patients", type=int, default=8)
    parser.add_argument("--per-patient", type=int, default=12,
                        help="professionals granted by each patient (each its own scan budget)")
    parser.add_argument("--cap", type=int, default=4000,
                        help="requests signed ahead for one load phase, at most")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)
    started = time.perf_counter()
    asyncio.run(run(args))
    print(f"\n(whole run: {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
