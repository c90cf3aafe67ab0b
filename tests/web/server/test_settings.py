"""Settings are parsed once and write nothing; ``init`` (``provision``) creates the key files."""

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
from web.server.provision import provision
from web.server.settings import KEY_FILES, Settings, SettingsError, database_url, key_files

REPO = Path(__file__).resolve().parents[3]
HEX64 = re.compile(r"^[0-9a-f]{64}$")
URLSAFE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 bytes of token_urlsafe


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    return {"CARNET_DATA_DIR": str(data_dir), **extra}


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    """Every file's bytes, mode and modification time, to tell that nothing changed."""
    return {p.name: (p.read_bytes(), p.stat().st_mode, p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


def test_from_env_on_a_fresh_dir_writes_nothing_and_says_to_run_init(tmp_path: Path) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env_for(tmp_path))
    assert list(tmp_path.iterdir()) == []
    message = str(caught.value)
    assert "python -m web.server init" in message and "carnet-server init" in message
    for name, variable in KEY_FILES.items():
        assert str(tmp_path / name) in message and variable in message


def test_from_env_does_not_create_a_missing_data_dir(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="missing key file"):
        Settings.from_env(env_for(tmp_path / "nowhere"))
    assert list(tmp_path.iterdir()) == []


def test_only_the_missing_key_files_are_named(tmp_path: Path) -> None:
    provision(tmp_path, ["secret.key", "operator.token", "audit.key", "authority.key"])
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env_for(tmp_path))
    message = str(caught.value)
    assert str(tmp_path / "emergency.key") in message and "CARNET_EMERGENCY_PUBLIC" in message
    assert "secret.key" not in message and "audit.key" not in message


def test_provision_creates_every_key_file_with_mode_0600(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    created = provision(data_dir)
    assert created == [data_dir / name for name in KEY_FILES]
    for path in created:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    texts = {p.name: p.read_text() for p in created}
    assert URLSAFE.match(texts["secret.key"]) and URLSAFE.match(texts["operator.token"])
    for name in ("audit.key", "authority.key", "emergency.key"):
        assert HEX64.match(texts[name]), name
    assert len(set(texts.values())) == len(texts)  # each file its own random value


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
    provision(tmp_path)
    before = snapshot(tmp_path)
    settings = Settings.from_env(env_for(tmp_path))
    assert snapshot(tmp_path) == before
    seed = {name: (tmp_path / name).read_text() for name in KEY_FILES}
    assert settings.secret_key == seed["secret.key"]
    assert settings.operator_token == seed["operator.token"]
    assert isinstance(settings.audit_key, nacl.signing.SigningKey)
    assert settings.audit_key.encode() == bytes.fromhex(seed["audit.key"])
    authority = nacl.signing.SigningKey(bytes.fromhex(seed["authority.key"]))
    assert settings.authority_public == authority.verify_key.encode()
    emergency = nacl.public.PrivateKey(bytes.fromhex(seed["emergency.key"]))
    assert settings.emergency_public == emergency.public_key.encode()
    assert settings.data_dir == tmp_path
    assert settings.database_url == DEFAULT_DATABASE_URL


def test_variables_replace_the_key_files(tmp_path: Path) -> None:
    audit = nacl.signing.SigningKey.generate()
    authority = nacl.signing.SigningKey.generate().verify_key.encode()
    emergency = nacl.public.PrivateKey.generate().public_key.encode()
    env = env_for(tmp_path, CARNET_SECRET_KEY="s" * 32, CARNET_OPERATOR_TOKEN="op-token",
                  CARNET_AUDIT_KEY=audit.encode().hex(),
                  CARNET_AUTHORITY_PUBLIC=authority.hex(),
                  CARNET_EMERGENCY_PUBLIC=emergency.hex(),
                  CARNET_DATABASE_URL="postgresql://u@h:5432/db", CARNET_SMTP_PORT="2525",
                  CARNET_SESSION_TTL="60", CARNET_AUTH_ATTEMPTS_PER_ADDRESS="7")
    assert key_files(env) == (tmp_path, ())
    settings = Settings.from_env(env)
    assert list(tmp_path.iterdir()) == []
    assert (settings.secret_key, settings.operator_token) == ("s" * 32, "op-token")
    assert settings.audit_key == audit
    assert (settings.authority_public, settings.emergency_public) == (authority, emergency)
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
])
def test_a_malformed_value_is_refused_once_at_parse_time(tmp_path: Path, variable: str,
                                                          value: str, complaint: str) -> None:
    provision(tmp_path)
    with pytest.raises(SettingsError, match=re.escape(complaint)):
        Settings.from_env(env_for(tmp_path, **{variable: value}))


def test_a_malformed_key_file_is_named(tmp_path: Path) -> None:
    provision(tmp_path)
    (tmp_path / "authority.key").write_text("not a seed")
    with pytest.raises(SettingsError, match=re.escape(f"{tmp_path / 'authority.key'} must be")):
        Settings.from_env(env_for(tmp_path))


def test_repr_shows_no_secret(tmp_path: Path) -> None:
    provision(tmp_path)
    settings = Settings.from_env(env_for(tmp_path, CARNET_DATABASE_URL="postgresql://u:hunter2pw@h/db"))
    shown = repr(settings) + str(settings)
    for name in KEY_FILES:
        assert (tmp_path / name).read_text() not in shown, name
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
    before = snapshot(data_dir)
    assert main(["init"], env_for(data_dir)) == 0
    assert "nothing to create" in capsys.readouterr().out
    assert snapshot(data_dir) == before
    Settings.from_env(env_for(data_dir))  # what init made is what the server reads


def test_init_skips_the_files_a_variable_replaces(tmp_path: Path) -> None:
    env = env_for(tmp_path, CARNET_SECRET_KEY="s" * 32, CARNET_AUTHORITY_PUBLIC="ab" * 32)
    assert main(["init"], env) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.key", "emergency.key",
                                                          "operator.token"]
    Settings.from_env(env)


def test_serve_without_key_files_exits_2_with_the_hint(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"], env_for(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.startswith("carnet-server: missing key file") and "init" in err
    assert list(tmp_path.iterdir()) == []


def test_python_m_web_server_init_in_a_fresh_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env["CARNET_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run([sys.executable, "-m", "web.server", "init"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == sorted(KEY_FILES)


@pytest.mark.db
def test_migrate_subcommand_uses_the_settings_database_url(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    assert main(["migrate"], {"CARNET_DATABASE_URL": url}) == 0
    assert "Running" in capsys.readouterr().out
    assert (tmp_path / "m.sqlite").is_file()
