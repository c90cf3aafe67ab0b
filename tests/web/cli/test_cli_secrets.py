"""Where the CLI finds secrets: flags and environment variables first; the directory
authority's and the emergency service's keys in their holder's own home (sealed with the
passphrase, made by ``carnet operator init-authority`` / ``carnet emergency init-service``);
the server's ``operator.token`` only when ``$CARNET_DEV_VAR_DIR`` names its data dir, the
development keys only when ``$CARNET_DEV_KEYS_DIR`` names their folder, never by looking in
``./var`` or ``./dev-keys``."""

from __future__ import annotations

import argparse
import json
import stat
from pathlib import Path

import httpx
import nacl.public
import nacl.signing
import pytest

from web import cli
from web.cli import _sessions
from web.cli._context import CliError, Ctx, Output
from web.client import home as local_home

TOKEN = "dev-operator-token"
SEED = "11" * 32
PASSPHRASE = "operator passphrase for tests"


def ctx(env: dict[str, str], home: Path | None = None, **args: str | None) -> Ctx:
    return Ctx(args=argparse.Namespace(home=str(home) if home else None, **args),
               out=Output(json_mode=True), env=env)


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server data dir at ./var holding its operator token, and development keys at
    ./dev-keys (the server's default places)."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "var"
    root.mkdir()
    (root / "operator.token").write_text(TOKEN + "\n")
    dev = tmp_path / "dev-keys"
    dev.mkdir()
    (dev / "authority.key").write_text(SEED + "\n")
    (dev / "emergency.key").write_text(SEED + "\n")
    return root


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CARNET_PASSPHRASE", "CARNET_DEV_VAR_DIR", "CARNET_DEV_KEYS_DIR",
                 "CARNET_AUTHORITY_KEY_FILE", "CARNET_OPERATOR_TOKEN", "CARNET_HOME"):
        monkeypatch.delenv(name, raising=False)


def test_dot_var_is_not_read_without_the_dev_variable(var: Path) -> None:
    with pytest.raises(CliError, match="operator token"):
        _sessions.operator_token(ctx({}))
    with pytest.raises(CliError, match="init-authority"):
        _sessions.authority_key(ctx({}, home=var.parent / "home"))
    with pytest.raises(CliError, match="--service-key-file"):
        _sessions.emergency_service_secret(ctx({}, home=var.parent / "home"))


def test_dev_variables_name_the_server_data_dir_and_the_dev_keys(var: Path) -> None:
    env = {_sessions.DEV_VAR_DIR: str(var), _sessions.DEV_KEYS_DIR: str(var.parent / "dev-keys")}
    assert _sessions.operator_token(ctx(env)) == TOKEN
    assert _sessions.authority_key(ctx(env, home=var.parent / "home")).encode().hex() == SEED
    assert _sessions.emergency_service_secret(ctx(env, home=var.parent / "home")).hex() == SEED


def test_the_data_dir_is_no_longer_a_place_for_the_authority_key(var: Path) -> None:
    (var / "authority.key").write_text(SEED + "\n")  # where an older server wrote it
    env = {_sessions.DEV_VAR_DIR: str(var)}
    with pytest.raises(CliError, match="no directory authority key"):
        _sessions.authority_key(ctx(env, home=var.parent / "home"))


def test_flags_and_variables_come_before_the_dev_dir(var: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.token"
    other.write_text("from-the-flag\n")
    env = {_sessions.DEV_VAR_DIR: str(var), _sessions.DEV_KEYS_DIR: str(tmp_path / "dev-keys")}
    assert _sessions.operator_token(ctx(env, operator_token_file=str(other))) == "from-the-flag"
    assert _sessions.operator_token(ctx({**env, "CARNET_OPERATOR_TOKEN": "from-env"})) \
        == "from-env"
    bad = tmp_path / "bad.key"
    bad.write_text("not hex\n")
    with pytest.raises(CliError, match="64 hex"):
        _sessions.authority_key(ctx(env, authority_key_file=str(bad)))
    with pytest.raises(CliError, match="64 hex"):
        _sessions.emergency_service_secret(ctx(env, service_key_file=str(bad)))


def test_dev_dir_without_the_file_is_still_a_refusal(tmp_path: Path) -> None:
    env = {_sessions.DEV_VAR_DIR: str(tmp_path / "empty")}
    with pytest.raises(CliError, match="CARNET_DEV_VAR_DIR"):
        _sessions.operator_token(ctx(env))


# ------------------------------------------------------------------------------ init-authority
def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv, transport=httpx.MockTransport(lambda r: httpx.Response(500)))
    out, err = capsys.readouterr()
    return code, out, err


def init_args(home: Path, group: str, command: str, *extra: str) -> list[str]:
    return ["--json", "--home", str(home), group, command, *extra]


@pytest.mark.parametrize(("group", "command", "role", "field", "public_of"), [
    ("operator", "init-authority", "authority", "authority_public",
     lambda raw: nacl.signing.SigningKey(raw).verify_key.encode()),
    ("emergency", "init-service", "emergency", "emergency_public",
     lambda raw: nacl.public.PrivateKey(raw).public_key.encode()),
])
def test_init_creates_the_key_in_the_home_prints_only_the_public_key_and_never_overwrites(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        clean_env: None, group: str, command: str, role: local_home.Role, field: str,
        public_of: object) -> None:
    monkeypatch.setenv("CARNET_PASSPHRASE", PASSPHRASE)
    home = tmp_path / "operator-home"
    code, out, err = run(init_args(home, group, command), capsys)
    assert code == 0, err
    shown = json.loads(out)
    path = home / f"{role}.carnet"
    assert shown["file"] == str(path) and stat.S_IMODE(path.stat().st_mode) == 0o600
    profile = local_home.load(home, role, PASSPHRASE)  # sealed under the passphrase
    raw = profile.sign_seed if role == "authority" else profile.box_secret
    assert raw is not None
    assert shown[field] == public_of(raw).hex()  # type: ignore[operator]
    assert shown["setting"].endswith("=" + shown[field])
    printed = (out + err).lower()
    assert raw.hex() not in printed  # the private key is never printed
    assert raw not in path.read_bytes() and raw.hex().encode() not in path.read_bytes()
    before = path.read_bytes()
    code, out, err = run(init_args(home, group, command), capsys)
    assert code == 2 and "--force" in json.loads(out)["error"]["message"]
    assert path.read_bytes() == before
    code, out, _ = run(init_args(home, group, command, "--force"), capsys)
    assert code == 0 and json.loads(out)[field] != shown[field]


def test_init_authority_human_output_names_the_server_setting(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        clean_env: None) -> None:
    monkeypatch.setenv("CARNET_PASSPHRASE", PASSPHRASE)
    code, out, _ = run(["--home", str(tmp_path / "h"), "operator", "init-authority"], capsys)
    assert code == 0
    seed = local_home.load(tmp_path / "h", "authority", PASSPHRASE).sign_seed
    assert seed is not None
    public = nacl.signing.SigningKey(seed).verify_key.encode().hex()
    assert f"CARNET_AUTHORITY_PUBLIC={public}" in out and seed.hex() not in out


def test_the_home_key_is_used_after_the_flags_and_needs_the_passphrase(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        clean_env: None) -> None:
    monkeypatch.setenv("CARNET_PASSPHRASE", PASSPHRASE)
    home = tmp_path / "home"
    assert run(init_args(home, "operator", "init-authority"), capsys)[0] == 0
    assert run(init_args(home, "emergency", "init-service"), capsys)[0] == 0
    authority = local_home.load(home, "authority", PASSPHRASE).sign_seed
    service = local_home.load(home, "emergency", PASSPHRASE).box_secret
    env = {"CARNET_PASSPHRASE": PASSPHRASE}
    assert _sessions.authority_key(ctx(env, home=home)).encode() == authority
    assert _sessions.emergency_service_secret(ctx(env, home=home)) == service
    flag = tmp_path / "offline.key"
    flag.write_text(SEED)
    assert _sessions.authority_key(ctx(env, home=home, authority_key_file=str(flag))) \
        .encode().hex() == SEED
    with pytest.raises(Exception, match="passphrase does not open"):
        _sessions.authority_key(ctx({"CARNET_PASSPHRASE": "wrong passphrase!"}, home=home))
