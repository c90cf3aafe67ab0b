"""What a home pins (trust on first use): the directory authority key is fetched once and
then read from the home; a damaged audit pin is refused before any log-in."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import httpx
import pytest

from web import cli
from web.client import pins
from web.client.api import Api

KEY = bytes(range(32))


def test_authority_key_is_pinned_on_first_use(tmp_path: Path) -> None:
    calls: list[str] = []

    def server(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.path)
        return httpx.Response(200, json={"authority_public": base64.b64encode(KEY).decode()})

    async def twice() -> tuple[tuple[bytes, Path | None], tuple[bytes, Path | None]]:
        async with Api("http://s.test", transport=httpx.MockTransport(server)) as api:
            return (await pins.pinned_authority(tmp_path / "home", api),
                    await pins.pinned_authority(tmp_path / "home", api))
    first, second = asyncio.run(twice())
    assert first == (KEY, tmp_path / "home" / pins.AUTHORITY_FILE)
    assert second == (KEY, None)
    assert calls == ["/directory/authority"]


def test_damaged_audit_pin_is_refused_before_login(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / pins.AUDIT_FILE).write_text("{not json")
    code = cli.main(["--home", str(home), "--server", "http://127.0.0.1:9", "patient",
                     "history"])
    err = capsys.readouterr().err
    assert code == 2 and "is damaged" in err and err.count("\n") == 1
    with pytest.raises(pins.DamagedPin):
        pins.load_audit(home)
    assert pins.load_audit(tmp_path / "nowhere") == (None, None)


def test_keyring_floors_only_go_up_and_a_damaged_file_is_refused(tmp_path: Path) -> None:
    home = tmp_path / "home"
    one, two = "a" * 32, "b" * 32
    assert pins.keyring_floor(home, one) == 0  # never seen: trust on first use
    pins.save_keyring_floor(home, one, 5)
    pins.save_keyring_floor(home, two, 2)
    pins.save_keyring_floor(home, one, 3)  # a lower one never lowers the floor
    assert (pins.keyring_floor(home, one), pins.keyring_floor(home, two)) == (5, 2)
    (home / pins.FLOORS_FILE).write_text("[1, 2")
    with pytest.raises(pins.DamagedPin):
        pins.keyring_floor(home, one)
