"""Where the CLI finds the server's secrets: flags and environment variables only; the
server's data dir (``operator.token``, ``authority.key``, ``emergency.key``) is read only
when ``$CARNET_DEV_VAR_DIR`` names it, never by looking in ``./var``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from web.cli import _sessions
from web.cli._context import CliError, Ctx, Output

TOKEN = "dev-operator-token"
SEED = "11" * 32


def ctx(env: dict[str, str], **args: str | None) -> Ctx:
    return Ctx(args=argparse.Namespace(**args), out=Output(json_mode=True), env=env)


@pytest.fixture
def var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server data dir at ./var (the old fallback's place) holding all three files."""
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "var"
    root.mkdir()
    (root / "operator.token").write_text(TOKEN + "\n")
    (root / "authority.key").write_text(SEED + "\n")
    (root / "emergency.key").write_text(SEED + "\n")
    return root


def test_dot_var_is_not_read_without_the_dev_variable(var: Path) -> None:
    with pytest.raises(CliError, match="operator token"):
        _sessions.operator_token(ctx({}))
    with pytest.raises(CliError, match="authority key"):
        _sessions.authority_key(ctx({}))
    with pytest.raises(CliError, match="--service-key-file"):
        _sessions.emergency_service_secret(ctx({}))


def test_dev_variable_names_the_server_data_dir(var: Path) -> None:
    env = {_sessions.DEV_VAR_DIR: str(var)}
    assert _sessions.operator_token(ctx(env)) == TOKEN
    assert _sessions.authority_key(ctx(env)).encode().hex() == SEED
    assert _sessions.emergency_service_secret(ctx(env)).hex() == SEED


def test_flags_and_variables_come_before_the_dev_dir(var: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.token"
    other.write_text("from-the-flag\n")
    env = {_sessions.DEV_VAR_DIR: str(var)}
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
