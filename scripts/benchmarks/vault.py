"""scripts/bench vault: the vault's cost next to raw XChaCha20-Poly1305 on the same bytes.

Prints a table; every ratio is against a baseline measured in the same run.
Goal (issue "Vault core"): sealing and opening within 1.5x of raw AEAD at 64 KiB.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import nacl.utils

from vault import Dossier, MemoryStore, NewAttachment, attachments, items
from vault.crypto import aead_decrypt, aead_encrypt
from vault.itembox import open_item_with_key, seal_item, unwrap_item_key
from vault.keyring import KeyLookup
from vault.sections import Section

DOSSIER = "ab" * 16


def rate(fn: Callable[[], object], min_time: float = 0.4, repeats: int = 5) -> float:
    """Operations per second: best of ``repeats`` runs of at least ``min_time`` each."""
    best = 0.0
    for _ in range(repeats):
        n, start = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time / repeats:
                break
        best = max(best, n / elapsed)
    return best


def row(name: str, ours: float, raw: float, unit: str = "ops/s") -> None:
    print(f"| {name:<34} | {ours:>12,.0f} | {raw:>12,.0f} | {raw / ours:>6.2f}x | {unit} |")


def item_rows(size: int) -> None:
    key = KeyLookup(ref="cd" * 16, key=nacl.utils.random(32), section=Section.EXAM_RESULTS)
    draft = items.draft("exam_results", "lab_result", "Bilan", "2025-01-01", {"text": "x" * size})
    plaintext = items.encode(draft, created_at=1)
    record = seal_item(plaintext, dossier_id=DOSSIER, item_id="ef" * 16, revision=1, created_at=1,
                       wrapping=key, section=Section.EXAM_RESULTS, rng=nacl.utils.random)
    raw_key, nonce, ad = nacl.utils.random(32), nacl.utils.random(24), b"x" * 60
    raw_ct = aead_encrypt(raw_key, plaintext, ad, nonce)

    def seal() -> object:
        return seal_item(items.encode(draft, created_at=1), dossier_id=DOSSIER,
                         item_id="ef" * 16, revision=1, created_at=1,
                         wrapping=key, section=Section.EXAM_RESULTS, rng=nacl.utils.random)

    def open_() -> object:
        k = unwrap_item_key(record, key, Section.EXAM_RESULTS)
        return open_item_with_key(record, k, Section.EXAM_RESULTS)

    label = f"{size // 1024} KiB item"
    row(f"seal {label}", rate(seal), rate(lambda: aead_encrypt(raw_key, plaintext, ad, nonce)))
    row(f"open {label}", rate(open_), rate(lambda: aead_decrypt(raw_key, raw_ct, ad, nonce)))


def attachment_rows() -> None:
    data = nacl.utils.random(5 * 1024 * 1024)
    ref, blobs = attachments.seal(data, dossier_id=DOSSIER, attachment_id="ef" * 16, name="a",
                                  media_type="application/pdf", rng=nacl.utils.random)
    raw_key, nonce = nacl.utils.random(32), nacl.utils.random(24)
    raw_ct = aead_encrypt(raw_key, data, b"", nonce)
    seal = rate(lambda: attachments.seal(data, dossier_id=DOSSIER, attachment_id="ef" * 16,
                                         name="a", media_type="application/pdf",
                                         rng=nacl.utils.random), min_time=2)
    opened = rate(lambda: attachments.open_(ref, blobs, dossier_id=DOSSIER), min_time=2)
    raw_seal = rate(lambda: aead_encrypt(raw_key, data, b"", nonce), min_time=2)
    raw_open = rate(lambda: aead_decrypt(raw_key, raw_ct, b"", nonce), min_time=2)
    row("seal 5 MiB attachment (MiB/s)", seal * 5, raw_seal * 5, "MiB/s")
    row("open 5 MiB attachment (MiB/s)", opened * 5, raw_open * 5, "MiB/s")


async def dossier_rows() -> None:
    store = MemoryStore()
    dossier, _ = await Dossier.create(store, "bench passphrase", clock=lambda: 1)
    for _ in range(3):
        await dossier.add("exam_results", "lab_result", "Bilan", "2025-01-01",
                          {"text": "x" * 1024},
                          attachment=NewAttachment("a.pdf", "application/pdf", b"%PDF"))
    times = []
    for _ in range(5):
        start = time.perf_counter()
        await Dossier.unlock(store, dossier.dossier_id, "bench passphrase", clock=lambda: 1)
        times.append(time.perf_counter() - start)
    median = statistics.median(times) * 1000
    print(f"\nunlock at the Argon2id floor (t=3, 64 MiB): median {median:.0f}"
          f" ms, min {min(times) * 1000:.0f} ms (5 runs)")


def main() -> None:
    print("| operation                          |    Carnet    |   raw AEAD   | raw/us | unit |")
    print("|------------------------------------|--------------|--------------|--------|------|")
    item_rows(1024)
    item_rows(64 * 1024)
    attachment_rows()
    asyncio.run(dossier_rows())
    print("\nraw/us = raw AEAD rate divided by Carnet's: 1.00x means no overhead;"
          " goal <= 1.5x at 64 KiB.")


if __name__ == "__main__":
    main()
