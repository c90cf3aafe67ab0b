"""Settings: one frozen object, built once at the edge and passed in (never read at import)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

DEFAULT_DATABASE_URL: Final = "sqlite:///var/carnet.sqlite"


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    data_dir: Path = Path("var")
    redis_url: str | None = None
    max_body_bytes: int = 40 * 1024 * 1024

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build from ``CARNET_*`` variables; a missing secret key is created once in data_dir."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("CARNET_DATA_DIR", "var"))
        return cls(database_url=env.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL),
                   secret_key=env.get("CARNET_SECRET_KEY") or _local_secret(data_dir),
                   data_dir=data_dir, redis_url=env.get("CARNET_REDIS_URL") or None)


def _local_secret(data_dir: Path) -> str:
    """A per-installation signing secret kept in ``data_dir/secret.key`` (mode 0600)."""
    path = data_dir / "secret.key"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
