"""The crash hook (web/server/faults.py): its syntax, where in a request it strikes, and that
production never arms it. The real SIGKILL is exercised by tests/e2e/test_crash_steps.py."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from web.server import faults
from web.server.app import create_app
from web.server.faults import FaultError, FaultMiddleware, Rule, parse
from web.server.settings import Mode, Settings


def test_parse_rules() -> None:
    rules = parse("kill-after:POST /dossiers/*/grants/*/revoke; kill-before:PUT /a/**#3 ;")
    assert rules == [Rule("kill-after", "POST", "/dossiers/*/grants/*/revoke", 1),
                     Rule("kill-before", "PUT", "/a/**", 3)]
    assert parse("") == [] and parse("  ") == []


@pytest.mark.parametrize("text", ["kill:POST /x", "kill-after:post /x", "kill-after:POST x",
                                  "kill-after:POST /x#0", "kill-after POST /x"])
def test_malformed_rules_are_refused(text: str) -> None:
    with pytest.raises(FaultError, match="CARNET_TEST_FAULTS"):
        parse(text)


def test_glob_star_is_one_segment() -> None:
    rule = Rule("kill-after", "POST", "/dossiers/*/grants")
    assert rule.hit("POST", "/dossiers/ab12/grants")
    assert not rule.hit("POST", "/dossiers/ab/12/grants")
    assert not rule.hit("GET", "/dossiers/ab12/grants")
    assert not rule.hit("POST", "/dossiers/ab12/grants/x/revoke")
    anything = Rule("kill-after", "*", "/dossiers/ab12/**", 2)
    assert not anything.hit("GET", "/dossiers/ab12/keyring")  # the first: counted, not it
    assert not anything.hit("PUT", "/dossiers/cd34/keyring")  # another dossier
    assert anything.hit("PUT", "/dossiers/ab12/keyring")
    writes = parse("kill-after:POST|PUT /x#2")[0]
    assert [writes.hit(m, "/x") for m in ("GET", "PUT", "DELETE", "POST")] == [
        False, False, False, True]


class _App:
    """A tiny ASGI app that records that it ran, then answers 200."""

    def __init__(self) -> None:
        self.handled = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.handled += 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


async def _request(mw: FaultMiddleware, method: str, path: str) -> list[Any]:
    sent: list[Any] = []

    async def receive() -> Any:
        return {"type": "http.request", "body": b""}

    async def send(message: Any) -> None:
        sent.append(message)

    await mw({"type": "http", "method": method, "path": path}, receive, send)
    return sent


async def test_kill_before_never_runs_the_handler_and_counts_matches() -> None:
    app, kills = _App(), []
    mw = FaultMiddleware(app, parse("kill-before:PUT /k#2"), kill=lambda: kills.append(1))
    assert await _request(mw, "PUT", "/k") and app.handled == 1 and not kills
    assert await _request(mw, "GET", "/k") and not kills  # another method: not counted
    assert await _request(mw, "PUT", "/k") == [] and app.handled == 2 and kills == [1]


async def test_kill_after_runs_the_handler_and_sends_nothing() -> None:
    app, kills = _App(), []
    mw = FaultMiddleware(app, parse("kill-after:POST /w"), kill=lambda: kills.append(1))
    assert await _request(mw, "POST", "/w") == []
    assert app.handled == 1 and kills == [1]  # handled (committed), then killed, unanswered
    assert len(await _request(mw, "POST", "/w")) == 2  # only the first one


def test_production_never_arms_the_hook(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    killed: list[int] = []
    monkeypatch.setattr(faults, "_sigkill", lambda: killed.append(1))
    rule = "kill-before:GET /health"

    def settings(mode: Mode) -> Settings:
        return Settings(database_url=f"sqlite:///{tmp_path / 'c.sqlite'}", secret_key="x" * 32,
                        data_dir=tmp_path, mode=mode, test_faults=rule)

    assert faults.middleware(settings("production")) == []
    with TestClient(create_app(settings("production"))) as client:
        assert client.get("/health").status_code == 200
    assert not killed
    with (TestClient(create_app(settings("development"))) as client,
          pytest.raises(AssertionError, match="did not receive any response")):
        client.get("/health")  # the (fake) kill struck before the handler
    assert killed == [1]  # the same rule in development strikes


def test_settings_read_the_variable_only_in_development(tmp_path: Any) -> None:
    from web.server.provision import provision, provision_dev_keys

    provision(tmp_path / "data")
    provision_dev_keys(tmp_path / "dev")
    env = {"CARNET_DATA_DIR": str(tmp_path / "data"), "CARNET_DEV_KEYS_DIR": str(tmp_path / "dev"),
           "CARNET_TEST_FAULTS": "kill-after:POST /x"}
    assert Settings.from_env(env).test_faults == "kill-after:POST /x"
    prod = {**env, "CARNET_MODE": "production",
            "CARNET_AUTHORITY_PUBLIC": "11" * 32, "CARNET_EMERGENCY_PUBLIC": "22" * 32}
    assert Settings.from_env(prod).test_faults == ""
