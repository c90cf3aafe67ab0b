"""Settings: one frozen object, parsed once at the edge and passed in (never read at import).

``Settings.from_env`` is the server's one reader of the environment. It only reads: the key
files it falls back to are created by ``python -m web.server init`` (``carnet-server init``,
see ``web.server.provision``), never as a side effect of parsing.

The server holds no private key of the directory authority or of the emergency service, only
their public keys (P3, P7): with the authority's private key it could countersign its own
directory entries (swap a professional's keys), with the emergency service's it could open
every break-glass package. ``CARNET_MODE=production`` requires both public keys as variables;
the default development mode reads them from a development key folder outside the data dir
(``dev-keys``, made by ``init``) and says so on start.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, NamedTuple

import nacl.signing

from consent import link
from vault.storage import DEFAULT_DATABASE_URL

Mode = Literal["development", "production"]
MODES: Final[tuple[Mode, ...]] = ("development", "production")
DEFAULT_DATA_DIR: Final = "var"
DEFAULT_DEV_KEYS_DIR: Final = "dev-keys"
DEFAULT_SENDER: Final = "Carnet <no-reply@carnet.localhost>"
SECRET_KEY_MIN: Final = 16  # bytes of UTF-8

# The server's own secrets: each key file in the data directory, and the variable that
# replaces it when set.
KEY_FILES: Final[Mapping[str, str]] = {
    "secret.key": "CARNET_SECRET_KEY",
    "operator.token": "CARNET_OPERATOR_TOKEN",
    "audit.key": "CARNET_AUDIT_KEY",
}
# Public keys of others: each variable, and its file in the development key folder.
PUBLIC_KEYS: Final[Mapping[str, str]] = {
    "CARNET_AUTHORITY_PUBLIC": "authority.pub",
    "CARNET_EMERGENCY_PUBLIC": "emergency.pub",
}
# Private keys that belong to the operator's home and to the emergency service: the server
# refuses to start while one of them sits in its data dir (where older versions wrote them).
FOREIGN_SECRETS: Final = ("authority.key", "emergency.key")
INIT_HINT: Final = "run `python -m web.server init` (or `carnet-server init`) to create them"
PRODUCTION_HINT: Final = ("64 hex each: the public keys printed by `carnet operator "
                          "init-authority` and `carnet emergency init-service`")


class SettingsError(ValueError):
    """The environment or a key file does not make valid settings; the message says which."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Every knob of the server, validated. ``from_env`` reads these ``CARNET_*`` variables:

    CARNET_MODE (``development``, the default, or ``production``), CARNET_DATABASE_URL
    (default ``sqlite:///var/carnet.sqlite``), CARNET_DATA_DIR (default ``var``),
    CARNET_SECRET_KEY (else ``data_dir/secret.key``; at least 16 bytes), CARNET_OPERATOR_TOKEN
    (else ``data_dir/operator.token``), CARNET_AUDIT_KEY (64 hex: the seed that signs audit
    heads; else ``data_dir/audit.key``), CARNET_AUTHORITY_PUBLIC (64 hex: the directory
    authority's Ed25519 public key), CARNET_EMERGENCY_PUBLIC (64 hex: the emergency service's
    X25519 public key for break-glass) -- both required in production; in development each
    defaults to ``authority.pub`` / ``emergency.pub`` in CARNET_DEV_KEYS_DIR (default
    ``dev-keys``, never inside the data dir) --, CARNET_REDIS_URL (rate limits shared
    through Redis; required by ``serve --workers N`` with N > 1), CARNET_REDIS_PREFIX (the
    limiter's key prefix in Redis, default ``carnet:rl:``), CARNET_SMTP_HOST /
    CARNET_SMTP_PORT / CARNET_MAIL_FROM (else e-mails go to ``data_dir/outbox/mail`` as .eml
    files), CARNET_SESSION_TTL (seconds, default 900),
    CARNET_AUTH_ATTEMPTS_PER_ADDRESS (login answers per minute from one address, default 60),
    CARNET_KEY_DIR (the server key store: one key per dossier, outside the database and its
    backups; default ``data_dir/keys``; see docs/operations.md), CARNET_PUBLIC_URL (the
    deployment's origin that QR codes link to, ``consent.link``; https in production).

    ``dev_keys_dir`` is set when a public key came from the development key folder (the
    server then says on start that it runs with a development authority).

    Built directly (tests), an empty ``operator_token`` refuses every operator call, no
    ``audit_key`` means an ephemeral one per process, empty public keys are served empty,
    and no ``key_dir`` keeps the dossiers' keys in this process's memory.
    """

    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = ""
    operator_token: str = ""
    audit_key: nacl.signing.SigningKey | None = None
    authority_public: bytes = b""  # Ed25519, 32 bytes
    emergency_public: bytes = b""  # X25519, 32 bytes
    data_dir: Path = Path(DEFAULT_DATA_DIR)
    mode: Mode = "development"
    dev_keys_dir: Path | None = None
    redis_url: str | None = None
    redis_prefix: str = "carnet:rl:"
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_sender: str = DEFAULT_SENDER
    session_ttl: int = 900
    auth_attempts_per_address: int = 60
    max_body_bytes: int = 40 * 1024 * 1024
    key_dir: Path | None = None
    # CARNET_TEST_FAULTS: crash hooks for tests (web/server/faults.py); development only.
    test_faults: str = ""
    # CARNET_PUBLIC_URL: the deployment's origin, the one every QR code links to (consent.link;
    # published at GET /links). None: clients link to the server URL they use.
    public_url: str | None = None
    # CARNET_CLINICAL_INDEX: the interaction index the browser's alerts read (served by
    # web.server.routes.clinical_index); None: the install step's, under sys.prefix.
    clinical_index: Path | None = None

    def __repr__(self) -> str:  # never print the secrets
        return f"Settings(database_url=<set>, data_dir={str(self.data_dir)!r})"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Parse ``env`` (default ``os.environ``); writes nothing.

        Raises :class:`SettingsError` on a malformed value, on a private authority or
        emergency key in the data dir, in production on a missing public key, or naming every
        key file that is missing (and the ``init`` step that creates them).
        """
        env = os.environ if env is None else env
        mode = server_mode(env)
        data_dir, needed = key_files(env)
        dev_dir = dev_keys_dir(env)
        refuse_foreign_secrets(data_dir, dev_dir)
        if mode == "production" and (unset := [v for v in PUBLIC_KEYS if not env.get(v)]):
            raise SettingsError(f"CARNET_MODE=production needs {' and '.join(unset)} "
                                f"({PRODUCTION_HINT}); the server keeps no private key of "
                                "either")
        files = [data_dir / name for name in needed]
        if dev_dir is not None:
            files += [dev_dir / PUBLIC_KEYS[v] for v in PUBLIC_KEYS if not env.get(v)]
        if missing := [path for path in files if not path.is_file()]:
            variables = [KEY_FILES.get(p.name) or _variable_of(p.name) for p in missing]
            raise SettingsError(
                f"missing key file(s) {', '.join(str(p) for p in missing)}: "
                f"{INIT_HINT}, or set {', '.join(variables)}")

        def secret(name: str) -> _Found:
            """One key file's text, or that of the variable replacing it."""
            variable = KEY_FILES[name]
            if env.get(variable):
                return _Found(env[variable], variable)
            return _Found((data_dir / name).read_text().strip(), str(data_dir / name))

        def public(variable: str) -> bytes:
            """A public key from its variable, else from the development key folder."""
            if env.get(variable):
                return _hex32(_Found(env[variable], variable))
            if dev_dir is None:  # not reached: dev_keys_dir is set when one is unset
                raise SettingsError(f"{variable} is not set")
            path = dev_dir / PUBLIC_KEYS[variable]
            return _hex32(_Found(path.read_text().strip(), str(path)))

        return cls(
            database_url=database_url(env),
            secret_key=_secret(secret("secret.key")),
            operator_token=_token(secret("operator.token")),
            audit_key=nacl.signing.SigningKey(_hex32(secret("audit.key"))),
            authority_public=public("CARNET_AUTHORITY_PUBLIC"),
            emergency_public=public("CARNET_EMERGENCY_PUBLIC"),
            data_dir=data_dir,
            mode=mode,
            dev_keys_dir=dev_dir,
            redis_url=env.get("CARNET_REDIS_URL") or None,
            redis_prefix=env.get("CARNET_REDIS_PREFIX") or "carnet:rl:",
            smtp_host=env.get("CARNET_SMTP_HOST") or None,
            smtp_port=_int(env, "CARNET_SMTP_PORT", 25),
            mail_sender=env.get("CARNET_MAIL_FROM", DEFAULT_SENDER),
            session_ttl=_int(env, "CARNET_SESSION_TTL", 900),
            auth_attempts_per_address=_int(env, "CARNET_AUTH_ATTEMPTS_PER_ADDRESS", 60),
            key_dir=Path(env.get("CARNET_KEY_DIR") or data_dir / "keys"),
            # Never read in production: a stray variable there must not arm a crash.
            test_faults=env.get("CARNET_TEST_FAULTS", "") if mode == "development" else "",
            public_url=public_url(env, mode),
            clinical_index=Path(env["CARNET_CLINICAL_INDEX"])
            if env.get("CARNET_CLINICAL_INDEX") else None,
        )


def database_url(env: Mapping[str, str] | None = None) -> str:
    """``CARNET_DATABASE_URL``, else the default SQLite file (all ``migrate`` needs)."""
    env = os.environ if env is None else env
    return env.get("CARNET_DATABASE_URL", DEFAULT_DATABASE_URL)


def public_url(env: Mapping[str, str], mode: Mode) -> str | None:
    """``CARNET_PUBLIC_URL`` as an origin (``https://host[:port]``, lower case), or None when
    unset; https only in production (a QR code's link must not be opened in clear)."""
    text = env.get("CARNET_PUBLIC_URL") or ""
    if not text:
        return None
    try:
        origin = link.normalize_origin(text)
    except ValueError as exc:
        raise SettingsError(f"CARNET_PUBLIC_URL: {exc}") from None
    if mode == "production" and not origin.startswith("https://"):
        raise SettingsError("CARNET_PUBLIC_URL must be https:// in production")
    return origin


def server_mode(env: Mapping[str, str] | None = None) -> Mode:
    """``CARNET_MODE``: ``development`` (the default) or ``production``."""
    env = os.environ if env is None else env
    text = env.get("CARNET_MODE") or "development"
    for mode in MODES:
        if text == mode:
            return mode
    raise SettingsError("CARNET_MODE must be development or production")


def key_files(env: Mapping[str, str] | None = None) -> tuple[Path, tuple[str, ...]]:
    """The data directory, and the names of the key files in it that ``from_env`` reads for
    ``env``: those whose ``CARNET_*`` variable is unset. ``init`` creates these."""
    env = os.environ if env is None else env
    data_dir = Path(env.get("CARNET_DATA_DIR", DEFAULT_DATA_DIR))
    return data_dir, tuple(name for name, variable in KEY_FILES.items() if not env.get(variable))


def dev_keys_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """The development key folder (``CARNET_DEV_KEYS_DIR``, default ``dev-keys``) when the
    server is in development mode and a public key variable is unset; else None (production
    never reads it). Refused inside the data dir: the server must not hold its private keys."""
    env = os.environ if env is None else env
    if server_mode(env) == "production" or all(env.get(v) for v in PUBLIC_KEYS):
        return None
    folder = Path(env.get("CARNET_DEV_KEYS_DIR") or DEFAULT_DEV_KEYS_DIR)
    data_dir = Path(env.get("CARNET_DATA_DIR", DEFAULT_DATA_DIR))
    if folder.resolve().is_relative_to(data_dir.resolve()):
        raise SettingsError(f"CARNET_DEV_KEYS_DIR ({folder}) must not be inside the data dir "
                            f"({data_dir}): the server must not hold the private keys in it")
    return folder


def refuse_foreign_secrets(data_dir: Path, dev_dir: Path | None = None) -> None:
    """SettingsError if the data dir holds the authority's or the emergency service's private
    key (as ``init`` wrote them before): whoever holds them defeats the model."""
    for name in FOREIGN_SECRETS:
        path = data_dir / name
        if path.exists():
            where = (f"`carnet-server init` moves it to {dev_dir}" if dev_dir is not None
                     else "keep it in the operator's or the emergency service's own home")
            raise SettingsError(f"{path} is a private key the server must not hold: move it "
                                f"off the server ({where}) and set only its public key")


def _variable_of(public_file: str) -> str:
    return next(v for v, name in PUBLIC_KEYS.items() if name == public_file)


class _Found(NamedTuple):
    text: str
    where: str  # the variable's name or the file's path, for error messages


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


def _int(env: Mapping[str, str], variable: str, default: int) -> int:
    text = env.get(variable)
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise SettingsError(f"{variable} must be an integer") from None
