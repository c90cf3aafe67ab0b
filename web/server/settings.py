"""Settings: one frozen object, parsed once at the edge and passed in (never read at import).

``Settings.from_env`` is the server's one reader of the environment. It only reads: the key
files it falls back to are created by ``python -m web.server init`` (``carnet-server init``,
see ``web.server.provision``), never as a side effect of parsing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, NamedTuple

import nacl.public
import nacl.signing

from vault.storage import DEFAULT_DATABASE_URL

DEFAULT_DATA_DIR: Final = "var"
DEFAULT_SENDER: Final = "Carnet <no-reply@carnet.localhost>"
SECRET_KEY_MIN: Final = 16  # bytes of UTF-8

# Each key file in the data directory, and the variable that replaces it when set.
KEY_FILES: Final[Mapping[str, str]] = {
    "secret.key": "CARNET_SECRET_KEY",
    "operator.token": "CARNET_OPERATOR_TOKEN",
    "audit.key": "CARNET_AUDIT_KEY",
    "authority.key": "CARNET_AUTHORITY_PUBLIC",
    "emergency.key": "CARNET_EMERGENCY_PUBLIC",
}
INIT_HINT: Final = "run `python -m web.server init` (or `carnet-server init`) to create them"


class SettingsError(ValueError):
    """The environment or a key file does not make valid settings; the message says which."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the server, validated. ``from_env`` reads these ``CARNET_*`` variables:

    CARNET_DATABASE_URL (default ``sqlite:///var/carnet.sqlite``), CARNET_DATA_DIR (default
    ``var``), CARNET_SECRET_KEY (else ``data_dir/secret.key``; at least 16 bytes),
    CARNET_OPERATOR_TOKEN (else ``data_dir/operator.token``), CARNET_AUDIT_KEY (64 hex: the
    seed that signs audit heads; else ``data_dir/audit.key``), CARNET_AUTHORITY_PUBLIC (64 hex:
    the directory authority's public key; else the public half of ``data_dir/authority.key``),
    CARNET_EMERGENCY_PUBLIC (64 hex: the emergency service's X25519 key for break-glass; else
    the public half of ``data_dir/emergency.key``), CARNET_REDIS_URL (rate limits shared
    through Redis), CARNET_SMTP_HOST / CARNET_SMTP_PORT / CARNET_MAIL_FROM (else e-mails go to
    ``data_dir/outbox/mail`` as .eml files), CARNET_SESSION_TTL (seconds, default 900),
    CARNET_AUTH_ATTEMPTS_PER_ADDRESS (login answers per minute from one address, default 60).

    Built directly (tests), an empty ``operator_token`` refuses every operator call, no
    ``audit_key`` means an ephemeral one per process, and empty public keys are served empty.
    """

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    operator_token: str = ""
    audit_key: nacl.signing.SigningKey | None = None
    authority_public: bytes = b""  # Ed25519, 32 bytes
    emergency_public: bytes = b""  # X25519, 32 bytes
    data_dir: Path = Path(DEFAULT_DATA_DIR)
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
        """Parse ``env`` (default ``os.environ``); writes nothing.

        Raises :class:`SettingsError` on a malformed value, or naming every key file that is
        missing (and the ``init`` step that creates them).
        """
        env = os.environ if env is None else env
        data_dir, needed = key_files(env)
        missing = [name for name in needed if not (data_dir / name).is_file()]
        if missing:
            raise SettingsError(
                f"missing key file(s) {', '.join(str(data_dir / n) for n in missing)}: "
                f"{INIT_HINT}, or set {', '.join(KEY_FILES[n] for n in missing)}")

        def value(name: str) -> _Found:
            """One key file's text, or that of the variable replacing it."""
            variable = KEY_FILES[name]
            if env.get(variable):
                return _Found(env[variable], variable, from_variable=True)
            return _Found((data_dir / name).read_text().strip(), str(data_dir / name),
                          from_variable=False)

        return cls(
            database_url=database_url(env),
            secret_key=_secret(value("secret.key")),
            operator_token=_token(value("operator.token")),
            audit_key=nacl.signing.SigningKey(_hex32(value("audit.key"))),
            authority_public=_public(value("authority.key"), _signing_public),
            emergency_public=_public(value("emergency.key"), _box_public),
            data_dir=data_dir,
            redis_url=env.get("CARNET_REDIS_URL") or None,
            smtp_host=env.get("CARNET_SMTP_HOST") or None,
            smtp_port=_int(env, "CARNET_SMTP_PORT", 25),
            mail_sender=env.get("CARNET_MAIL_FROM", DEFAULT_SENDER),
            session_ttl=_int(env, "CARNET_SESSION_TTL", 900),
            auth_attempts_per_address=_int(env, "CARNET_AUTH_ATTEMPTS_PER_ADDRESS", 60),
        )


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``CARNET_DATABASE_URL``, else the default SQLite file (all ``migrate`` needs)."""
    env = os.environ if env is None else env
    return env.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL)


def key_files(env: Mapping[str, str] | None = None) -> tuple[Path, tuple[str, ...]]:
    """The data directory, and the names of the key files in it that ``from_env`` reads for
    ``env``: those whose ``CARNET_*`` variable is unset. ``init`` creates these."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("CARNET_DATA_DIR", DEFAULT_DATA_DIR))
    return data_dir, tuple(name for name, variable in KEY_FILES.items() if not env.get(variable))


class _Found(NamedTuple):
    text: str
    where: str  # the variable's name or the file's path, for error messages
    from_variable: bool


def _secret(found: _Found) -> str:
    if len(found.text.encode("utf-8")) < SECRET_KEY_MIN:
        raise SettingsError(f"{found.where} must be at least {SECRET_KEY_MIN} characters")
    return found.text


def _token(found: _Found) -> str:
    if not found.text:
        raise SettingsError(f"{found.where} is empty")
    return found.text


def _hex32(found: _Found) -> bytes:
    try:
        raw = bytes.fromhex(found.text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise SettingsError(f"{found.where} must be 64 hex digits")
    return raw


def _public(found: _Found, of_secret: Callable[[bytes], bytes]) -> bytes:
    """A public key from its variable (64 hex), else derived from the secret in its file. A
    real deployment keeps those secrets elsewhere and sets the variable."""
    raw = _hex32(found)
    return raw if found.from_variable else of_secret(raw)


def _signing_public(seed: bytes) -> bytes:
    return nacl.signing.SigningKey(seed).verify_key.encode()


def _box_public(secret: bytes) -> bytes:
    return nacl.public.PrivateKey(secret).public_key.encode()


def _int(env: Mapping[str, str], variable: str, default: int) -> int:
    text = env.get(variable)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{variable} must be an integer") from None

