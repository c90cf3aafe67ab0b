"""Settings: one frozen object, built once at the edge and passed in (never read at import)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import nacl.public
import nacl.signing

DEFAULT_DATABASE_URL: Final = "sqlite:///var/carnet.sqlite"
DEFAULT_SENDER: Final = "Carnet <no-reply@carnet.localhost>"


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the server. ``from_env`` reads ``CARNET_*`` variables:

    CARNET_DATABASE_URL, CARNET_SECRET_KEY (else one is created in ``data_dir/secret.key``),
    CARNET_DATA_DIR (default ``var``), CARNET_REDIS_URL (rate limits shared through Redis),
    CARNET_SMTP_HOST / CARNET_SMTP_PORT / CARNET_MAIL_FROM (else e-mails go to
    ``data_dir/outbox/mail`` as .eml files), CARNET_OPERATOR_TOKEN (else one is created in
    ``data_dir/operator.token``), CARNET_SESSION_TTL (seconds, default 900),
    CARNET_AUTH_ATTEMPTS_PER_ADDRESS (login answers per minute from one address, default 60),
    CARNET_AUDIT_KEY (64 hex: the seed that signs audit heads; else ``data_dir/audit.key``),
    CARNET_AUTHORITY_PUBLIC (64 hex: the directory authority's public key; else the public
    half of ``data_dir/authority.key``), CARNET_EMERGENCY_PUBLIC (64 hex: the emergency
    service's X25519 key for break-glass; else the public half of ``data_dir/emergency.key``).
    """

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    operator_token: str = ""
    audit_key: str = ""
    authority_public: str = ""
    emergency_public: str = ""
    data_dir: Path = Path("var")
    redis_url: str | None = None
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_sender: str = DEFAULT_SENDER
    session_ttl: int = 900
    auth_attempts_per_address: int = 60
    max_body_bytes: int = 40 * 1024 * 1024

    def __repr__(self) -> str:  # never print the secrets
        return f"Settings(database_url=<set>, data_dir={str(self.data_dir)!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        data_dir = Path(env.get("CARNET_DATA_DIR", "var"))
        return cls(
            database_url=env.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL),
            secret_key=env.get("CARNET_SECRET_KEY") or _local_secret(data_dir, "secret.key"),
            operator_token=(env.get("CARNET_OPERATOR_TOKEN")
                            or _local_secret(data_dir, "operator.token")),
            audit_key=(env.get("CARNET_AUDIT_KEY")
                       or _local_secret(data_dir, "audit.key", hex_=True)),
            authority_public=(env.get("CARNET_AUTHORITY_PUBLIC")
                              or _local_authority(data_dir)),
            emergency_public=(env.get("CARNET_EMERGENCY_PUBLIC")
                              or _local_box_public(data_dir, "emergency.key")),
            data_dir=data_dir,
            redis_url=env.get("CARNET_REDIS_URL") or None,
            smtp_host=env.get("CARNET_SMTP_HOST") or None,
            smtp_port=int(env.get("CARNET_SMTP_PORT", "25")),
            mail_sender=env.get("CARNET_MAIL_FROM", DEFAULT_SENDER),
            session_ttl=int(env.get("CARNET_SESSION_TTL", "900")),
            auth_attempts_per_address=int(env.get("CARNET_AUTH_ATTEMPTS_PER_ADDRESS", "60")),
        )


def _local_authority(data_dir: Path) -> str:
    """The public half of ``data_dir/authority.key``, created on first use. A real deployment
    keeps the authority key offline and sets CARNET_AUTHORITY_PUBLIC instead."""
    seed = bytes.fromhex(_local_secret(data_dir, "authority.key", hex_=True))
    return nacl.signing.SigningKey(seed).verify_key.encode().hex()


def _local_box_public(data_dir: Path, name: str) -> str:
    """The X25519 public half of ``data_dir/name`` (created on first use). The emergency
    service keeps the secret; a real deployment sets CARNET_EMERGENCY_PUBLIC instead."""
    secret = bytes.fromhex(_local_secret(data_dir, name, hex_=True))
    return nacl.public.PrivateKey(secret).public_key.encode().hex()


def _local_secret(data_dir: Path, name: str, *, hex_: bool = False) -> str:
    """A per-installation secret kept in ``data_dir/name`` (mode 0600), created on first use."""
    path = data_dir / name
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32) if hex_ else secrets.token_urlsafe(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it meanwhile
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(value)
    return value
