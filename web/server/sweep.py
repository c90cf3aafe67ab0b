"""``python -m web.server.sweep``: after restoring the key directory from a backup, destroy the
key of every dossier the database has tombstoned (``docs/operations.md``, "Restoring").

A tombstoned dossier must have no key: a key file restored from a backup taken before its
closure would otherwise let a database backup of the same age reopen it. The sweep reads
the settings from the environment (``CARNET_DATABASE_URL``, ``CARNET_KEY_DIR``, ...), checks
every key file's dossier against the tombstones, and prints the ids whose keys it destroyed.
It also drops what has expired: sessions, single-use nonces and the notification claims that
group a consultation's e-mails (``web.server.services.notify``); run it from cron too.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterable, Mapping

from vault.store import DossierStore
from web.server.keystore import DossierKeys
from web.server.storage.ports import Sessions

__all__ = ["main", "purge_expired", "sweep_closed_keys"]


async def sweep_closed_keys(store: DossierStore, keys: DossierKeys,
                            dossier_ids: Iterable[str]) -> list[str]:
    """Destroy the key of each of ``dossier_ids`` that ``store`` has a tombstone for;
    returns those ids, in order. ``store`` is the database's own store (not the sealed one)."""
    destroyed: list[str] = []
    for dossier_id in dossier_ids:
        if await store.tombstone(dossier_id) is not None:
            await keys.destroy(dossier_id)
            destroyed.append(dossier_id)
    return destroyed


async def purge_expired(db: Sessions, now: int) -> None:
    """Drop expired sessions, nonces and notification claims (they expire as nonces)."""
    await db.purge(now)


async def _sweep(env: Mapping[str, str] | None) -> list[str]:
    import time

    from vault.crypto import system_random
    from vault.storage import PiccoloStore, engine_from_url
    from web.server.keyfiles import FileKeys
    from web.server.settings import Settings
    from web.server.storage import PiccoloServiceDb, bind_tables

    settings = Settings.from_env(env)
    key_dir = settings.key_dir or settings.data_dir / "keys"
    keys = FileKeys(key_dir, system_random)
    engine = engine_from_url(settings.database_url)
    store = PiccoloStore(engine)
    try:
        destroyed = await sweep_closed_keys(store, keys, keys.dossier_ids())
        bind_tables(engine)
        await purge_expired(PiccoloServiceDb(engine), int(time.time()))
        return destroyed
    finally:
        if hasattr(engine, "close_pool"):
            await engine.close_pool()


def main(env: Mapping[str, str] | None = None) -> int:
    for dossier_id in asyncio.run(_sweep(env)):
        print(f"destroyed the key of closed dossier {dossier_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
