"""Settings are parsed once and write nothing; ``init`` (``provision``) creates the key files.

The server holds only the public keys of the directory authority and the emergency service:
production mode requires them as variables, development mode reads them from a development
key folder outside the data dir, and a private key of either in the data dir stops it.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import nacl.public
import nacl.signing
import pytest

from vault.storage import DEFAULT_DATABASE_URL
from web.server.__main__ import main
from web.server.provision import provision, provision_dev_keys
from web.server.settings import (
    KEY_FILES,
    PUBLIC_KEYS,
    Settings,
    SettingsError,
    database_url,
    key_files,
)

REPO = Path(__file__).resolve().parents[3]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
URLSAFE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes of token_urlsafe
DEV_FILES = ["authority.key", "authority.pub", "emergency.key", "emergency.pub"]


def dev_dir_of(data_dir: Path) -> Path:
    return data_dir.with_name(f"{data_dir.name}-dev-keys")


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """A development environment: the data dir, and the dev keys beside it (never in it)."""
    return {"CARNET_DATA_DIR": str(data_dir), "CARNET_DEV_KEYS_DIR": str(dev_dir_of(data_dir)),
            **extra}


def production(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"CARNET_DATA_DIR": str(data_dir), "CARNET_MODE": "production", **extra}


def publics() -> dict[str, str]:
    return {"CARNET_AUTHORITY_PUBLIC": nacl.signing.SigningKey.generate().verify_key.encode()
            .hex(),
            "CARNET_EMERGENCY_PUBLIC": nacl.public.PrivateKey.generate().public_key.encode()
            .hex()}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, mode and modification time, to tell that nothing changed."""
    return {p.name: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def provision_all(data_dir: Path) -> None:
    """What ``init`` makes in development: the server's key files and the dev keys."""
    provision(data_dir)
    provision_dev_keys(dev_dir_of(data_dir))


def test_from_env_on_a_fresh_dir_writes_nothing_and_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env_for(tmp_path / "data"))
    assert list(tmp_path.iterdir()) == []
    message = str(caught.value)
    assert "python -m web.server init" in message and "carnet-server init" in message
    for name, variable in KEY_FILES.items():
        assert str(tmp_path / "data" / name) in message and variable in message
    for variable, name in PUBLIC_KEYS.items():
        assert str(tmp_path / "data-dev-keys" / name) in message and variable in message


def test_from_env_does_not_create_a_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="missing key file"):
        Settings.from_env(env_for(tmp_path / "nowhere"))
    assert list(tmp_path.iterdir()) == []


def test_only_the_missing_key_files_are_named(tmp_path: Path) -> None:
    provision(tmp_path / "data", ["secret.key", "operator.token"])
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env_for(tmp_path / "data", **publics()))
    message = str(caught.value)
    assert str(tmp_path / "data" / "audit.key") in message and "CARNET_AUDIT_KEY" in message
    assert "secret.key" not in message and "authority" not in message


def test_provision_creates_every_key_file_with_mode_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    created = provision(data_dir)
    assert created == [data_dir / name for name in KEY_FILES]
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    texts = {p.name: p.read_text() for p in created}
    assert URLSAFE.match(texts["secret.key"]) and URLSAFE.match(texts["operator.token"])
    assert HEX64.match(texts["audit.key"])
    assert len(set(texts.values())) == len(texts)  # each file its own random value
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(KEY_FILES)  # no foreign key


def test_provision_dev_keys_makes_each_private_key_0600_with_its_public_half(
        tmp_path: Path) -> None:
    dev = tmp_path / "dev-keys"
    created = provision_dev_keys(dev)
    assert sorted(p.name for p in created) == DEV_FILES
    assert stat.S_IMODE(dev.stat().st_mode) == 0o700
    text = {name: (dev / name).read_text() for name in DEV_FILES}
    assert all(HEX64.match(t) for t in text.values())
    for name in ("authority.key", "emergency.key"):
        assert stat.S_IMODE((dev / name).stat().st_mode) == 0o600
    authority = nacl.signing.SigningKey(bytes.fromhex(text["authority.key"]))
    assert authority.verify_key.encode().hex() == text["authority.pub"]
    emergency = nacl.public.PrivateKey(bytes.fromhex(text["emergency.key"]))
    assert emergency.public_key.encode().hex() == text["emergency.pub"]
    before = snapshot(dev)
    assert provision_dev_keys(dev) == [] and snapshot(dev) == before


def test_provision_is_idempotent(tmp_path: Path) -> None:
    provision(tmp_path)
    before = snapshot(tmp_path)
    assert provision(tmp_path) == []
    assert snapshot(tmp_path) == before


def test_provision_keeps_an_existing_file_and_creates_the_rest(tmp_path: Path) -> None:
    (tmp_path / "operator.token").write_text("chosen-by-the-operator")
    created = provision(tmp_path)
    assert tmp_path / "operator.token" not in created and len(created) == len(KEY_FILES) - 1
    assert (tmp_path / "operator.token").read_text() == "chosen-by-the-operator"


def test_from_env_reads_the_provisioned_files_into_typed_fields(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    provision_all(data_dir)
    before = snapshot(data_dir), snapshot(dev_dir_of(data_dir))
    settings = Settings.from_env(env_for(data_dir))
    assert (snapshot(data_dir), snapshot(dev_dir_of(data_dir))) == before
    seed = {name: (data_dir / name).read_text() for name in KEY_FILES}
    assert settings.secret_key == seed["secret.key"]
    assert settings.operator_token == seed["operator.token"]
    assert isinstance(settings.audit_key, nacl.signing.SigningKey)
    assert settings.audit_key.encode() == bytes.fromhex(seed["audit.key"])
    dev = dev_dir_of(data_dir)
    assert settings.authority_public.hex() == (dev / "authority.pub").read_text()
    assert settings.emergency_public.hex() == (dev / "emergency.pub").read_text()
    assert settings.data_dir == data_dir and settings.dev_keys_dir == dev
    assert settings.mode == "development"
    assert settings.database_url == DEFAULT_DATABASE_URL


def test_variables_replace_the_key_files(tmp_path: Path) -> None:
    audit = nacl.signing.SigningKey.generate()
    authority = nacl.signing.SigningKey.generate().verify_key.encode()
    emergency = nacl.public.PrivateKey.generate().public_key.encode()
    env = env_for(tmp_path / "data", CARNET_SECRET_KEY="s" * 32,
                  CARNET_OPERATOR_TOKEN="op-token", CARNET_AUDIT_KEY=audit.encode().hex(),
                  CARNET_AUTHORITY_PUBLIC=authority.hex(),
                  CARNET_EMERGENCY_PUBLIC=emergency.hex(),
                  CARNET_DATABASE_URL="postgresql://u@h:5432/db", CARNET_SMTP_PORT="2525",
                  CARNET_SESSION_TTL="60", CARNET_AUTH_ATTEMPTS_PER_ADDRESS="7")
    assert key_files(env) == (tmp_path / "data", ())
    settings = Settings.from_env(env)
    assert list(tmp_path.iterdir()) == []
    assert (settings.secret_key, settings.operator_token) == ("s" * 32, "op-token")
    assert settings.audit_key == audit
    assert (settings.authority_public, settings.emergency_public) == (authority, emergency)
    assert settings.dev_keys_dir is None  # no development key in use
    assert settings.database_url == database_url(env) == "postgresql://u@h:5432/db"
    assert (settings.smtp_port, settings.session_ttl, settings.auth_attempts_per_address) == \
        (2525, 60, 7)


@pytest.mark.parametrize(("variable", "value", "complaint"), [
    ("CARNET_AUDIT_KEY", "zz" * 32, "CARNET_AUDIT_KEY must be 64 hex digits"),
    ("CARNET_AUDIT_KEY", "ab" * 31, "CARNET_AUDIT_KEY must be 64 hex digits"),
    ("CARNET_AUTHORITY_PUBLIC", "ab", "CARNET_AUTHORITY_PUBLIC must be 64 hex digits"),
    ("CARNET_EMERGENCY_PUBLIC", "not hex", "CARNET_EMERGENCY_PUBLIC must be 64 hex digits"),
    ("CARNET_SECRET_KEY", "short", "CARNET_SECRET_KEY must be at least 16 characters"),
    ("CARNET_SMTP_PORT", "twenty-five", "CARNET_SMTP_PORT must be an integer"),
    ("CARNET_SESSION_TTL", "15m", "CARNET_SESSION_TTL must be an integer"),
    ("CARNET_MODE", "prod", "CARNET_MODE must be development or production"),
])
def test_a_malformed_value_is_refused_once_at_parse_time(tmp_path: Path, variable: str,
                                                          value: str, complaint: str) -> None:
    provision_all(tmp_path / "data")
    with pytest.raises(SettingsError, match=re.escape(complaint)):
        Settings.from_env(env_for(tmp_path / "data", **{variable: value}))


def test_a_malformed_key_file_is_named(tmp_path: Path) -> None:
    provision_all(tmp_path / "data")
    public = dev_dir_of(tmp_path / "data") / "authority.pub"
    public.write_text("not a key")
    with pytest.raises(SettingsError, match=re.escape(f"{public} must be 64 hex digits")):
        Settings.from_env(env_for(tmp_path / "data"))


def test_repr_shows_no_secret(tmp_path: Path) -> None:
    provision_all(tmp_path / "data")
    settings = Settings.from_env(env_for(tmp_path / "data",
                                         CARNET_DATABASE_URL="postgresql://u:hunter2pw@h/db"))
    shown = repr(settings) + str(settings)
    for name in KEY_FILES:
        assert (tmp_path / "data" / name).read_text() not in shown, name
    assert settings.audit_key is not None
    for secret in (settings.secret_key, settings.operator_token, "hunter2pw",
                   settings.audit_key.encode().hex(), settings.authority_public.hex(),
                   settings.emergency_public.hex()):
        assert secret not in shown
    assert shown.startswith("Settings(")


def test_init_subcommand_creates_then_reports_nothing_to_do(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "var"
    assert main(["init"], env_for(data_dir)) == 0
    out = capsys.readouterr().out
    assert all(f"created {data_dir / name} (mode 600)" in out for name in KEY_FILES), out
    assert all(f"created {dev_dir_of(data_dir) / name} (development only" in out
               for name in DEV_FILES), out
    before = snapshot(data_dir)
    assert main(["init"], env_for(data_dir)) == 0
    assert "nothing to create" in capsys.readouterr().out
    assert snapshot(data_dir) == before
    Settings.from_env(env_for(data_dir))  # what init made is what the server reads


def test_init_skips_the_files_a_variable_replaces(tmp_path: Path) -> None:
    env = env_for(tmp_path / "data", CARNET_SECRET_KEY="s" * 32, **publics())
    assert main(["init"], env) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no dev keys needed
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["audit.key",
                                                                     "operator.token"]
    Settings.from_env(env)


def test_serve_without_key_files_exits_2_with_the_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"], env_for(tmp_path / "data")) == 2
    err = capsys.readouterr().err
    assert err.startswith("carnet-server: missing key file") and "init" in err
    assert err.count("\n") == 1
    assert list(tmp_path.iterdir()) == []


def test_python_m_web_server_init_in_a_fresh_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(env_for(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-m", "web.server", "init"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(KEY_FILES)
    assert sorted(p.name for p in (tmp_path / "data-dev-keys").iterdir()) == DEV_FILES


# ------------------------------------------------------------------------------ production
def test_production_without_the_public_keys_exits_2_in_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    provision(tmp_path / "data")
    provision_dev_keys(dev_dir_of(tmp_path / "data"))  # present, but production ignores them
    env = production(tmp_path / "data", CARNET_DEV_KEYS_DIR=str(dev_dir_of(tmp_path / "data")))
    assert main(["serve"], env) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("carnet-server: CARNET_MODE=production needs "
                          "CARNET_AUTHORITY_PUBLIC and CARNET_EMERGENCY_PUBLIC")
    only = publics()
    del only["CARNET_EMERGENCY_PUBLIC"]
    with pytest.raises(SettingsError, match="needs CARNET_EMERGENCY_PUBLIC "):
        Settings.from_env(production(tmp_path / "data", **only))


def test_production_with_the_public_keys_parses_and_uses_no_dev_folder(tmp_path: Path) -> None:
    provision(tmp_path / "data")
    keys = publics()
    settings = Settings.from_env(production(tmp_path / "data", **keys))
    assert settings.mode == "production" and settings.dev_keys_dir is None
    assert settings.authority_public.hex() == keys["CARNET_AUTHORITY_PUBLIC"]
    assert settings.emergency_public.hex() == keys["CARNET_EMERGENCY_PUBLIC"]


def test_production_init_makes_no_dev_keys(tmp_path: Path) -> None:
    env = production(tmp_path / "data", CARNET_DEV_KEYS_DIR=str(tmp_path / "dev"))
    assert main(["init"], env) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(KEY_FILES)


# ------------------------------------------------------------------------------ foreign keys
@pytest.mark.parametrize("name", ["authority.key", "emergency.key"])
def test_a_private_authority_or_emergency_key_in_the_data_dir_stops_the_server(
        tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]) -> None:
    provision_all(tmp_path / "data")
    (tmp_path / "data" / name).write_text("11" * 32)  # as an older `init` wrote them
    for env in (env_for(tmp_path / "data"), production(tmp_path / "data", **publics())):
        assert main(["serve"], env) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1
        assert f"{tmp_path / 'data' / name} is a private key the server must not hold" in err


def test_init_moves_an_old_private_key_out_of_the_data_dir(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data_dir = tmp_path / "data"
    provision(data_dir)
    old = {"authority.key": "22" * 32, "emergency.key": "33" * 32}
    for name, text in old.items():
        (data_dir / name).write_text(text)
    assert main(["init"], env_for(data_dir)) == 0
    out = capsys.readouterr().out
    assert f"moved {data_dir / 'authority.key'} to {dev_dir_of(data_dir) / 'authority.key'}" \
        in out
    assert sorted(p.name for p in data_dir.iterdir()) == sorted(KEY_FILES)
    dev = dev_dir_of(data_dir)
    for name, text in old.items():  # the same keys: pins and countersignatures stay valid
        assert (dev / name).read_text() == text
        assert stat.S_IMODE((dev / name).stat().st_mode) == 0o600
    settings = Settings.from_env(env_for(data_dir))
    assert settings.authority_public == nacl.signing.SigningKey(
        bytes.fromhex(old["authority.key"])).verify_key.encode()


def test_a_dev_keys_folder_inside_the_data_dir_is_refused(tmp_path: Path) -> None:
    provision(tmp_path / "data")
    env = env_for(tmp_path / "data", CARNET_DEV_KEYS_DIR=str(tmp_path / "data" / "dev-keys"))
    with pytest.raises(SettingsError, match="must not be inside the data dir"):
        Settings.from_env(env)
    before = snapshot(tmp_path / "data")
    assert main(["init"], env) == 2
    assert snapshot(tmp_path / "data") == before  # refused before writing anything
