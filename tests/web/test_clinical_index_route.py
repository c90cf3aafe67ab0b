"""``GET /clinical/index`` and the versioned index document the browser's alerts read: the
same file as the Python client's, immutable under its digest, with the pages' security
headers; 503 when it was not built, 404 for a digest no longer served."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.web.server.routes.api_support import APP_BACKENDS, assert_error, open_harness
from web.client.clinical import index_path, load_index
from web.server import pages

BACKEND = APP_BACKENDS[0]


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{BACKEND}_database_url"))


def _write(path: Path, version: str) -> bytes:
    data = json.dumps({"format": 1, "version": version, "thesaurus": "t", "source": "s",
                       "names": ["WARFARINE"], "substances": {"0": []}, "pairs": [],
                       "rxnorm": {}}, ensure_ascii=False).encode()
    path.write_bytes(data)
    return data


async def test_the_index_is_served_under_its_digest(database_url: str, tmp_path: Path) -> None:
    path = tmp_path / "ansm.json"
    data = _write(path, "ansm-test+1")
    async with open_harness(BACKEND, database_url, tmp_path, clinical_index=path) as h:
        r = await h.http.get("/clinical/index")
        assert r.status_code == 200, r.text
        where = r.json()
        assert where["version"] == "ansm-test+1"
        assert where["url"].startswith("/clinical/ansm-interactions.")
        assert r.headers["cache-control"] == "no-cache"

        doc = await h.http.get(where["url"], headers={"accept-encoding": "gzip"})
        assert doc.status_code == 200
        assert doc.headers["content-encoding"] == "gzip" and doc.content == data
        assert doc.headers["content-type"].startswith("application/json")
        assert "immutable" in doc.headers["cache-control"]
        assert doc.headers["vary"] == "accept-encoding"
        for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
            assert doc.headers[name] == pages.HEADERS[name]
        plain = await h.http.get(where["url"], headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers and plain.content == data
        again = await h.http.get(where["url"], headers={"if-none-match": doc.headers["etag"]})
        assert again.status_code == 304 and not again.content

        assert_error(await h.http.get("/clinical/ansm-interactions.0123456789abcdef.json"),
                     404, "not_found")
        _write(path, "ansm-test+2-rebuilt")  # rebuilt: a new version under a new name
        moved = (await h.http.get("/clinical/index")).json()
        assert moved["version"] == "ansm-test+2-rebuilt" and moved["url"] != where["url"]
        assert_error(await h.http.get(where["url"]), 404, "not_found")
        assert (await h.http.get(moved["url"])).json()["version"] == "ansm-test+2-rebuilt"


async def test_no_index_answers_503(database_url: str, tmp_path: Path) -> None:
    async with open_harness(BACKEND, database_url, tmp_path,
                            clinical_index=tmp_path / "absent.json") as h:
        assert_error(await h.http.get("/clinical/index"), 503, "clinical_index_unavailable")
        assert_error(await h.http.get("/clinical/ansm-interactions.0123456789abcdef.json"),
                     503, "clinical_index_unavailable")
    (tmp_path / "broken.json").write_text('{"format": 7}')
    async with open_harness(BACKEND, database_url, tmp_path,
                            clinical_index=tmp_path / "broken.json") as h:
        assert_error(await h.http.get("/clinical/index"), 503, "clinical_index_unavailable")


async def test_by_default_the_python_clients_index_is_published(database_url: str,
                                                               tmp_path: Path) -> None:
    path = index_path(os.environ)
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"no interaction index at {path}: the install step builds it")
        pytest.skip(f"no interaction index at {path} (run scripts/_env.sh)")
    async with open_harness(BACKEND, database_url, tmp_path,
                            clinical_index=None if "CARNET_CLINICAL_INDEX" not in os.environ
                            else path) as h:
        where = (await h.http.get("/clinical/index")).json()
        assert where["version"] == load_index(os.environ).version
        assert (await h.http.get(where["url"])).content == path.read_bytes()
