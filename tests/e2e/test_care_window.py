"""The care history a professional sees covers the last 24 months unless they ask for more
(issue 11, item 4: "Same for the professional's view")."""

from __future__ import annotations

import datetime as dt

from tests.e2e.conftest import Server
from web.nir import nir_key


def test_pro_scan_shows_24_months_of_care_history_unless_all(server: Server) -> None:
    body = f"1750575{31 if server.engine == 'sqlite' else 32:06d}"
    nir = body + nir_key(body)
    csv_path = server.data_dir / "window.csv"
    csv_path.write_text("nir,last_name,first_name,birth_date,address,email\n"
                        f"{nir},Roux,Paul,1975-05-01,2 rue Basse,\n")
    server.operator("load-registry", str(csv_path))
    ps_id = "810000000131" if server.engine == "sqlite" else "810000000132"
    doc = {"CARNET_PASSPHRASE": f"the window doctor's passphrase {ps_id}"}
    server.cli_json("pro", "register", "--id", ps_id, "--name", "Dr Fenêtre", "--profession",
                    "médecin", home="win-doc", env=doc)
    server.operator("approve", ps_id, "--role", "pharmacist")
    code = server.cli_json("pharmacist", "start-activation", "--nir", nir, "--birth-date",
                           "1975-05-01", home="win-doc", env=doc)["code"]
    pat = {"CARNET_PASSPHRASE": "paul roux fenêtre passphrase 2026"}
    server.cli_json("patient", "activate", "--nir", nir, "--code", code, home="win", env=pat)
    recent = (dt.date.today() - dt.timedelta(days=60)).isoformat()
    server.cli_json("patient", "add", "care_history", "consultation_report", "Récente",
                    "--date", recent, home="win", env=pat)
    server.cli_json("patient", "add", "care_history", "consultation_report", "Ancienne",
                    "--date", "2019-03-01", home="win", env=pat)
    granted = server.cli_json("patient", "grant", "--to", ps_id, "--section", "care_history",
                              "--duration", "30d", "--yes", home="win", env=pat)
    seen = server.cli_json("pro", "scan", "--text", granted["token"], home="win-doc", env=doc)
    titles = [i["title"] for i in seen["items"] if i.get("type") != "identity"]
    assert titles == ["Récente"] and seen["older_not_shown"] == 1
    everything = server.cli_json("pro", "scan", "--all", "--text", granted["token"],
                                 home="win-doc", env=doc)
    assert sorted(i["title"] for i in everything["items"] if i.get("type") != "identity") == [
        "Ancienne", "Récente"]
    assert everything["older_not_shown"] == 0
