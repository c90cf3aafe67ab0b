"""Every QR code the product makes, driven through the CLI against a server whose operator set
CARNET_PUBLIC_URL: it decodes (zxing-cpp, ``consent.qr.read_image``) to a link on that origin,
the code itself only after '#' (in digits), at the measured QR version, and each still does its
job (scan, open, name a contact). The link's page answers in French."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import zxingcpp
from PIL import Image

from consent import qr
from tests.e2e.conftest import Server
from tests.e2e.linked import LINK_HEAD, PUBLIC_URL, linked, onboard  # noqa: F401 (fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def read_codes(path: Path) -> list[tuple[str, int, str]]:
    """(text, QR version, error correction level) of each code in the image: the text through
    consent.qr.read_image, the version and level as zxing reads them off the image."""
    data = path.read_bytes()
    texts = qr.read_image(data)
    with Image.open(io.BytesIO(data)) as image:
        found = zxingcpp.read_barcodes(image.convert("L"))
    assert [str(b.text) for b in found] == texts
    extras: list[dict[str, Any]] = [cast(dict[str, Any], b.extra) for b in found]
    return [(str(b.text), int(e["Version"]), str(e["ECLevel"]))
            for b, e in zip(found, extras, strict=True)]


def assert_link(text: str, kind: str) -> str:
    """``text`` is the deployment's link for ``kind``: nothing but the origin and the kind
    before '#', only digits after it. Returns the digits."""
    before, sep, after = text.partition("#")
    assert sep and before == f"{LINK_HEAD}/{kind}", text
    assert re.fullmatch(r"[0-9]+", after), text
    return after


def test_every_qr_links_to_the_deployment(linked: Server, tmp_path: Path) -> None:  # noqa: F811
    people = onboard(linked, tmp_path, 1)
    doc, pat = people.doctor, people.patient

    # The professional's identity QR, as PNG (read back) and SVG.
    ident = linked.cli_json("pro", "identity-qr", "--out", str(tmp_path / "id.png"),
                            home="doc1", env=doc)
    [(text, version, level)] = read_codes(tmp_path / "id.png")
    assert_link(text, "P")
    assert (version, level) == (4, "M")
    linked.cli_json("pro", "identity-qr", "--out", str(tmp_path / "id.svg"), home="doc1",
                    env=doc)
    svg = ET.fromstring((tmp_path / "id.svg").read_bytes())  # noqa: S314 (our own output)
    side = 17 + 4 * 4 + 2 * qr.BORDER
    assert svg.get("viewBox") == f"0 0 {side} {side}"
    assert ident["ps_id"] == people.doctor_id

    # The consent token: the patient grants to that identity QR; version 8 at M (DESIGN).
    granted = linked.cli_json("patient", "grant", "--to-qr", str(tmp_path / "id.png"),
                              "--section", "allergies", "--qr", str(tmp_path / "c.png"),
                              home="pat1", env=pat)
    [(text, version, level)] = read_codes(tmp_path / "c.png")
    assert text == granted["token"] and granted["qr_version"] == 8
    assert len(assert_link(text, "C")) == 299  # the 124-byte token
    assert (version, level) == (8, "M")
    scanned = linked.cli_json("pro", "scan", "--image", str(tmp_path / "c.png"), home="doc1",
                              env=doc)
    assert "Pénicilline" in str(scanned)

    # The emergency card: its key share only after '#'.
    card = linked.cli_json("patient", "card", "--out", str(tmp_path / "card.png"),
                           home="pat1", env=pat)
    [(text, version, level)] = read_codes(tmp_path / "card.png")
    assert len(assert_link(text, "E")) == 119  # 0x01 | card id | share: 49 bytes
    assert (version, level) == (5, "M")
    opened = linked.cli_json("emergency", "open", "--image", str(tmp_path / "card.png"),
                             home="samu1", env={"CARNET_CARD_PASSCODE": card["passcode"]})
    assert "Pénicilline" in str(opened)

    # The emergency-contact code: a second patient shows it, the first names them.
    other = onboard(linked, tmp_path, 2, name="")
    shown = linked.cli_json("patient", "contact-code", "--qr", str(tmp_path / "k.png"),
                            home="pat2", env=other.patient)
    [(text, version, level)] = read_codes(tmp_path / "k.png")
    assert text == shown["code"]
    assert_link(text, "K")
    assert (version, level) == (6, "M")
    added = linked.cli_json("patient", "add-contact", "--image", str(tmp_path / "k.png"),
                            home="pat1", env=pat)
    assert_link(added["token"], "C")
    read = linked.cli_json("patient", "read-contact", "--text", added["token"], home="pat2",
                           env=other.patient)
    assert "Pénicilline" in str(read)


def test_the_links_page_and_origin_are_served(linked: Server) -> None:  # noqa: F811
    assert httpx.get(f"{linked.direct_url}/links").json() == {"origin": PUBLIC_URL}
    page = httpx.get(f"{linked.direct_url}/E")
    assert page.status_code == 200 and "appelez le 15" in page.text
    assert "<script" not in page.text


def test_old_texts_still_scan(linked: Server, tmp_path: Path) -> None:  # noqa: F811
    """A token given out before links (``HTTPS://CRNT.FR/C/`` + base45) still opens."""
    from consent import token

    people = onboard(linked, tmp_path, 3)
    granted = linked.cli_json("patient", "grant", "--to", people.doctor_id, "--section",
                              "allergies", home="pat3", env=people.patient)
    old = token.to_text(token.from_text(granted["token"]))
    assert old.startswith("HTTPS://CRNT.FR/C/")
    scanned = linked.cli_json("pro", "scan", "--text", old, home="doc3", env=people.doctor)
    assert "Pénicilline" in str(scanned)
