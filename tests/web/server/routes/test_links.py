"""``GET /links`` publishes CARNET_PUBLIC_URL; ``/C``, ``/E``, ``/P``, ``/K`` are the pages a
phone opens from a QR code (French, no script); the setting is checked when parsed; a client
links to the published origin, else to its own server URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.server.routes.api_support import APP_BACKENDS, BASE_URL, open_harness
from web.client import Api
from web.client.links import public_origin, server_origin
from web.server.settings import SettingsError, public_url

BACKEND = APP_BACKENDS[0]


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{BACKEND}_database_url"))


async def test_links_publishes_the_setting(database_url: str, tmp_path: Path) -> None:
    async with open_harness(BACKEND, database_url, tmp_path,
                            public_url="https://carnet.example.fr") as h:
        r = await h.http.get("/links")
        assert r.status_code == 200 and r.json() == {"origin": "https://carnet.example.fr"}
        api = Api(BASE_URL, transport=h.transport)
        assert await public_origin(api) == "https://carnet.example.fr"
        await api.aclose()


async def test_without_the_setting_clients_use_their_server_url(database_url: str,
                                                                tmp_path: Path) -> None:
    async with open_harness(BACKEND, database_url, tmp_path) as h:
        assert (await h.http.get("/links")).json() == {"origin": None}
        api = Api("http://127.0.0.1:8000/", transport=h.transport)
        assert await public_origin(api) == "http://127.0.0.1:8000"
        await api.aclose()


async def test_an_unreachable_server_leaves_the_server_url() -> None:
    api = Api("http://127.0.0.1:9")  # nothing listens on the discard port
    assert await public_origin(api) == "http://127.0.0.1:9"
    await api.aclose()


@pytest.mark.parametrize("kind", ["C", "E", "P", "K", "c", "e"])
async def test_link_pages_say_in_french_how_to_open_the_code(database_url: str,
                                                             tmp_path: Path,
                                                             kind: str) -> None:
    async with open_harness(BACKEND, database_url, tmp_path) as h:
        r = await h.http.get(f"/{kind}")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        page = r.text
        assert 'lang="fr"' in page and "Carnet" in page and "<script" not in page
        assert "n'est envoyé à aucun serveur" in page
        assert 'name="referrer" content="no-referrer"' in page
        if kind.upper() == "E":
            assert "appelez le 15" in page


def test_setting_is_an_origin() -> None:
    env = {"CARNET_PUBLIC_URL": "https://Carnet.Example.FR/"}
    assert public_url(env, "development") == "https://carnet.example.fr"
    assert public_url({}, "production") is None
    assert public_url({"CARNET_PUBLIC_URL": "http://127.0.0.1:8000"},
                      "development") == "http://127.0.0.1:8000"
    for bad in ("carnet.example.fr", "https://carnet.example.fr/app", "https://[::1]",
                "https://" + "a" * 100):
        with pytest.raises(SettingsError, match="CARNET_PUBLIC_URL"):
            public_url({"CARNET_PUBLIC_URL": bad}, "development")
    with pytest.raises(SettingsError, match="https"):
        public_url({"CARNET_PUBLIC_URL": "http://carnet.example.fr"}, "production")


def test_server_origin() -> None:
    assert server_origin("https://carnet.example.fr/api/") == "https://carnet.example.fr"
    assert server_origin("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
