"""Run piccolo's forward migrations for a database URL, in a subprocess.

piccolo's migration runner finds its engine through ``piccolo_conf.py`` (which reads
``CARNET_DATABASE_URL``), so the migrations run in a child interpreter of the same venv with
that variable set, rather than rebinding the tables of this process.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Final

from vault.errors import VaultError
from vault.storage.engine import resolve_url

REPO_ROOT: Final = Path(__file__).resolve().parents[2]
APP_NAME: Final = "all"  # every app piccolo_conf.py registers


class MigrationError(VaultError, RuntimeError):
    """The migration subprocess failed; the message carries the end of its output."""

    code = "migration_failed"


def migration_command() -> list[str]:
    return [sys.executable, "-m", "piccolo.main", "migrations", "forwards", APP_NAME]


def migration_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["CARNET_DATABASE_URL"] = resolve_url(url)
    env["PICCOLO_CONF"] = "piccolo_conf"
    pythonpath = env.get("PYTHONPATH")
    env["PYTHONPATH"] = (
        str(REPO_ROOT) if not pythonpath else os.pathsep.join([str(REPO_ROOT), pythonpath])
    )
    return env


async def migrate(url: str) -> str:
    """Apply every pending migration of the "vault" app to ``url``; returns piccolo's output.

    Raises :class:`MigrationError` (with piccolo's output) if the subprocess fails.
    """
    proc = await asyncio.create_subprocess_exec(
        *migration_command(),
        cwd=str(REPO_ROOT),
        env=migration_env(url),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    raw, _ = await proc.communicate()
    output = raw.decode("utf-8", "replace")
    if proc.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-30:])
        raise MigrationError(
            f"piccolo migrations forwards {APP_NAME} failed (exit {proc.returncode}):\n{tail}"
        )
    return output
