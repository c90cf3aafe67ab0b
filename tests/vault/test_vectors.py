"""The committed known-answer vectors still hold: formats have not drifted."""

from __future__ import annotations

import json

from tests.vault import vectors
from vault import archive, attachments
from vault.items import AttachmentRef


def test_deterministic_vectors_match_committed_file() -> None:
    committed = json.loads(vectors.PATH.read_text())
    committed.pop("open")
    assert vectors.build() == committed


def test_open_vectors_decrypt() -> None:
    opened = json.loads(vectors.PATH.read_text())["open"]
    att = opened["attachment"]
    ref = AttachmentRef(id=att["attachment_id"], name="a.pdf", media_type="application/pdf",
                        size=att["size"], chunks=len(att["chunks"]),
                        key=bytes.fromhex(att["key"]), header=bytes.fromhex(att["header"]))
    data = attachments.open_(ref, [bytes.fromhex(c) for c in att["chunks"]],
                             dossier_id=att["dossier_id"])
    assert data == bytes(i % 256 for i in range(att["size"]))
    arc = opened["archive"]
    contents = archive.open_(bytes.fromhex(arc["blob"]), passphrase=arc["passphrase"])
    assert [e.item.title for e in contents.entries] == arc["titles"]


def test_truncated_or_garbled_archive_raises_vault_errors() -> None:
    import pytest

    from vault.errors import VaultError

    arc = json.loads(vectors.PATH.read_text())["open"]["archive"]
    blob = bytes.fromhex(arc["blob"])
    for cut in (len(blob) - 1, len(blob) - 30, 40, 9):
        with pytest.raises(VaultError):
            archive.open_(blob[:cut], passphrase=arc["passphrase"])
    for at in (len(blob) - 5, len(blob) - 60):
        garbled = bytearray(blob)
        garbled[at] ^= 0x40
        with pytest.raises(VaultError):
            archive.open_(bytes(garbled), passphrase=arc["passphrase"])
    with pytest.raises(VaultError):
        archive.open_(blob[:7] + b"\x02" + blob[8:], passphrase=arc["passphrase"])
