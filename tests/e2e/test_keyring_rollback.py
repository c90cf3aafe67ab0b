"""The CLI refuses a keyring rolled back in the server's database (``vault._keeping``,
``web.client.pins``): after the patient revokes a card, whoever holds the database puts the
keyring row back as it was (the card back in the emergency record, to be re-sealed at the
next rotation; or, as well, a restored backup). The home kept the version it last saw: the
next command stops with a clear message and exit code 2, and nothing is written. Before, the
CLI took the older keyring as it came."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.e2e.conftest import Server
from tests.e2e.db import query
from tests.e2e.linked import onboard
from tests.e2e.test_history_forgery import _sql
from web.client import pins


def test_a_keyring_rolled_back_in_the_database_is_refused_by_the_cli(
        server: Server, tmp_path: Path) -> None:
    people = onboard(server, tmp_path, 71)
    home, env = "pat71", people.patient
    card = server.cli_json("patient", "card", "--out", str(tmp_path / "card.pdf"), home=home,
                           env=env)
    select = "SELECT dossier_id, version, blob FROM carnet_keyring"
    before = {r[0]: (int(r[1]), bytes(r[2])) for r in asyncio.run(query(server, select))}
    server.cli_json("patient", "revoke-card", card["card_id"], home=home, env=env)
    after = {r[0]: (int(r[1]), bytes(r[2])) for r in asyncio.run(query(server, select))}
    [dossier_id] = [d for d in after if after[d] != before.get(d)]
    assert pins.keyring_floor(server.homes / home, dossier_id) == after[dossier_id][0]
    version, blob = before[dossier_id]
    asyncio.run(query(server, _sql(server, "UPDATE carnet_keyring SET version = ?, blob = ? "
                                           "WHERE dossier_id = ?"), version, blob, dossier_id))
    refused = server.cli("patient", "cards", home=home, env=env, check=False)
    assert refused.returncode == 2, refused.stderr
    assert "older version" in refused.stderr and "Traceback" not in refused.stderr
    (row,) = asyncio.run(query(server, _sql(server, "SELECT version FROM carnet_keyring WHERE "
                                                    "dossier_id = ?"), dossier_id))
    assert int(row[0]) == version  # nothing written with it
