"""The printed emergency card, driven through the CLI: card-sized PDF (85.6 x 54 mm) and
300 dpi PNG (1011 x 638 px), the patient's name with its accents, "appelez le 15", what to scan
it with, the passcode only on a separate slip, a QR that decodes to the deployment's link;
``patient cards`` lists the cards and ``revoke-card`` takes what it lists."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pypdf
import pytest
from PIL import Image

from consent import qr
from tests.e2e.conftest import Server
from tests.e2e.linked import LINK_HEAD, linked, onboard  # noqa: F401 (fixture)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
MM = 72 / 25.4  # PDF points per millimetre


def page_of(path: Path) -> pypdf.PageObject:
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    return reader.pages[0]


def flat(text: str) -> str:
    return " ".join(text.split())  # lines and no-break spaces as single spaces


def pdf_codes(page: pypdf.PageObject) -> list[str]:
    """The QR codes' texts in the PDF's images (zxing-cpp through consent.qr)."""
    found = []
    for image in page.images:
        out = io.BytesIO()
        assert image.image is not None
        image.image.save(out, format="PNG")
        found += qr.read_image(out.getvalue())
    return found


def test_card_pdf_png_slip_and_listing(linked: Server, tmp_path: Path) -> None:  # noqa: F811
    people = onboard(linked, tmp_path, 11)
    pat = people.patient

    made = linked.cli_json("patient", "card", "--out", str(tmp_path / "card.pdf"),
                           home="pat11", env=pat)
    assert made["file"] == str(tmp_path / "card.pdf")
    assert made["slip_file"] == str(tmp_path / "card-code.pdf")
    passcode = made["passcode"]

    card = page_of(tmp_path / "card.pdf")
    box = [float(x) for x in card.mediabox]
    assert box[:2] == [0, 0]
    assert box[2] / MM == pytest.approx(85.6, abs=0.01)
    assert box[3] / MM == pytest.approx(54.0, abs=0.01)
    text = flat(card.extract_text())
    for expected in ("CARTE D'URGENCE", "Inès Lefèvre", "1er mai 1985",
                     "En cas d'urgence : appelez le 15", "l'application Carnet", "téléphone",
                     "contact d'urgence", f"Carte n° {made['card_id'][:8]}"):
        assert expected in text, (expected, text)
    assert passcode not in text.replace(" ", "")  # never on the card
    [code] = pdf_codes(card)
    assert code.startswith(f"{LINK_HEAD}/E#") and re.fullmatch(r"[0-9]+", code.split("#")[1])

    slip = page_of(tmp_path / "card-code.pdf")
    assert [float(x) for x in slip.mediabox] == box
    slip_text = flat(slip.extract_text())
    assert f"{passcode[:4]} {passcode[4:]}" in slip_text
    assert "Pour le contact d'urgence de Inès Lefèvre" in slip_text
    assert "appelez le 15" in slip_text and "bloquée" in slip_text
    assert not slip.images  # no QR on the slip: one of the two alone opens nothing

    # The PNG: 300 dpi, 1011 x 638 px (85.6 and 54 mm rounded to the pixel).
    png = linked.cli_json("patient", "card", "--out", str(tmp_path / "c.png"), "--slip",
                          str(tmp_path / "for-paul.png"), home="pat11", env=pat)
    for path in (tmp_path / "c.png", tmp_path / "for-paul.png"):
        with Image.open(path) as image:
            assert image.size == (1011, 638)
            assert tuple(round(d) for d in image.info["dpi"]) == (300, 300)
    [code] = qr.read_image((tmp_path / "c.png").read_bytes())
    assert code.startswith(f"{LINK_HEAD}/E#")
    opened = linked.cli_json("emergency", "open", "--image", str(tmp_path / "c.png"),
                             home="samu11", env={"CARNET_CARD_PASSCODE": png["passcode"]})
    assert "Pénicilline" in str(opened)

    # patient cards lists both; revoke-card takes a listed id.
    listed = linked.cli_json("patient", "cards", home="pat11", env=pat)["cards"]
    assert {c["card_id"] for c in listed} == {png["card_id"], made["card_id"]}
    assert {c["state"] for c in listed} == {"active"}
    assert all(c["follows_keys"] for c in listed)  # re-sealed after key rotations
    shown = linked.cli("patient", "cards", home="pat11", env=pat).stdout
    assert made["card_id"] in shown
    linked.cli_json("patient", "revoke-card", png["card_id"], home="pat11", env=pat)
    after = {c["card_id"]: c["state"] for c in linked.cli_json(
        "patient", "cards", home="pat11", env=pat)["cards"]}
    assert after == {png["card_id"]: "revoked", made["card_id"]: "active"}
    refused = linked.cli("emergency", "open", "--image", str(tmp_path / "c.png"),
                         home="samu11", env={"CARNET_CARD_PASSCODE": png["passcode"]},
                         check=False)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1


def test_card_without_a_name_and_bad_files(linked: Server, tmp_path: Path) -> None:  # noqa: F811
    people = onboard(linked, tmp_path, 12, name="")
    pat = people.patient
    made = linked.cli_json("patient", "card", "--out", str(tmp_path / "card.pdf"),
                           home="pat12", env=pat)
    assert made["name"] is None
    text = flat(page_of(tmp_path / "card.pdf").extract_text())
    assert "Nom :" in text and "appelez le 15" in text  # a line to write it by hand
    named = linked.cli_json("patient", "card", "--out", str(tmp_path / "n.pdf"), "--name",
                            "Zoé Maëlle Blanc", home="pat12", env=pat)
    assert named["name"] == "Zoé Maëlle Blanc"
    assert "Zoé Maëlle Blanc" in flat(page_of(tmp_path / "n.pdf").extract_text())
    for args in (["--out", str(tmp_path / "card.jpg")],
                 ["--out", str(tmp_path / "x.pdf"), "--slip", str(tmp_path / "x.pdf")],
                 ["--out", str(tmp_path / "y.pdf"), "--slip", str(tmp_path / "y.txt")],
                 ["--out", str(tmp_path / "card.pdf")]):  # exists, no --force
        bad = linked.cli("patient", "card", *args, home="pat12", env=pat, check=False)
        assert bad.returncode == 2, bad.stderr
        assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "y.pdf").exists()
    assert len(linked.cli_json("patient", "cards", home="pat12", env=pat)["cards"]) == 2
