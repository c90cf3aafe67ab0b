"""``carnet operator`` over a fake transport: the registry goes in batches whose rejected
lines are renumbered for the whole file, the professionals' pages are all followed, and the
operator token is the bearer of every request."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from web import cli
from web.client import operator

TOKEN = "operator-token-for-tests"
HEADER = "nir,last_name,first_name,birth_date,address,email\n"


def pro(ps_id: str) -> dict[str, Any]:
    return {"ps_id": ps_id, "name": f"Dr {ps_id[-2:]}", "profession": "médecin",
            "specialty": "", "city": "Paris", "status": "approved", "roles": [],
            "box_public": "", "sign_public": ""}


class Desk:
    """A fake operator API that records what it was sent."""

    def __init__(self) -> None:
        self.seen: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        if request.url.path == "/operator/registry":
            rows = json.loads(request.content)["csv"].splitlines()[1:]
            return httpx.Response(200, json={"loaded": len(rows) - 1, "updated": 0,
                                             "rejected": [{"line": 2, "reason": "bad"}]})
        if request.url.path == "/operator/professionals":
            after = request.url.params.get("after")
            page = {None: [pro("810000000001"), pro("810000000002")],
                    "810000000002": [pro("810000000003")]}.get(after, [])
            return httpx.Response(200, json={"professionals": page})
        return httpx.Response(404, json={"code": "not_found", "detail": "no"})


@pytest.fixture
def token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CARNET_OPERATOR_TOKEN", raising=False)
    monkeypatch.delenv("CARNET_DEV_VAR_DIR", raising=False)
    path = tmp_path / "token"
    path.write_text(TOKEN + "\n")
    return path


def test_registry_batches_are_renumbered(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         token: Path) -> None:
    registry = tmp_path / "registry.csv"
    size = operator.REGISTRY_BATCH
    registry.write_text(HEADER + "".join(f"{i},n,p,2000-01-01,a,\n"
                                         for i in range(2 * size + 5)))
    desk = Desk()
    code = cli.main(["--json", "--server", "http://op.test", "operator",
                     "--operator-token-file", str(token), "load-registry", str(registry)],
                    transport=httpx.MockTransport(desk))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert len(desk.seen) == 3
    assert out["rejected"] == [{"line": 2 + before, "reason": "bad"}
                               for before in (0, size, 2 * size)]
    assert out["loaded"] == 2 * size + 5 - 3
    assert TOKEN not in json.dumps(out)


def test_professionals_follow_every_page(capsys: pytest.CaptureFixture[str],
                                         token: Path) -> None:
    desk = Desk()
    code = cli.main(["--json", "--server", "http://op.test", "operator",
                     "--operator-token-file", str(token), "professionals"],
                    transport=httpx.MockTransport(desk))
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert [p["ps_id"] for p in out["professionals"]] == ["810000000001", "810000000002",
                                                          "810000000003"]
    assert [r.url.params.get("after") for r in desk.seen] == [None, "810000000002",
                                                              "810000000003"]


def test_empty_registry_is_refused_before_any_request(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path, token: Path) -> None:
    registry = tmp_path / "empty.csv"
    registry.write_text("")
    desk = Desk()
    code = cli.main(["--server", "http://op.test", "operator", "--operator-token-file",
                     str(token), "load-registry", str(registry)],
                    transport=httpx.MockTransport(desk))
    assert code == 2 and "empty" in capsys.readouterr().err
    assert desk.seen == []
