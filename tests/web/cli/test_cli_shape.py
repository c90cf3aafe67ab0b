"""The command tree is built from each command module's ``register``: every command parses
and runs the handler of the module that owns its group."""

from __future__ import annotations

import pytest

from web import cli

NIR = "185057512345673"
PS_ID = "810000000001"
ITEM = ["allergies", "allergy", "T", "--date", "2024-01-01"]

COMMANDS: list[tuple[list[str], str]] = [
    (["operator", "load-registry", "x.csv"], "operator"),
    (["operator", "send-codes", "--channel", "post"], "operator"),
    (["operator", "professionals"], "operator"),
    (["operator", "approve", PS_ID], "operator"),
    (["operator", "block", PS_ID], "operator"),
    (["pro", "register", "--id", PS_ID, "--name", "X", "--profession", "p"], "pro"),
    (["pro", "whoami"], "pro"),
    (["pro", "identity-qr", "--out", "x.png"], "pro"),
    (["pro", "scan", "--text", "T"], "pro"),
    (["pro", "show", "i", "--text-file", "T", "--save-attachment", "d"], "pro"),
    (["pro", "add", "--token", "T", *ITEM], "writes"),
    (["pro", "deposit", "--nir", NIR, *ITEM], "writes"),
    (["pharmacist", "start-activation", "--nir", NIR, "--birth-date", "1985-05-01"],
     "pharmacist"),
    (["patient", "request-code", "--nir", NIR, "--birth-date", "1985-05-01"], "patient"),
    (["patient", "activate", "--nir", NIR, "--code", "C"], "patient"),
    (["patient", "identity", "--name", "N", "--birth-date", "1985-05-01"], "profile"),
    (["patient", "unlock"], "patient"),
    (["patient", "passphrase"], "patient"),
    (["patient", "recover", "--nir", NIR], "patient"),
    (["patient", "new-recovery-code"], "patient"),
    (["patient", "close"], "patient"),
    (["patient", "grant", "--to", PS_ID], "consent"),
    (["patient", "grants"], "consent"),
    (["patient", "revoke", "g"], "consent"),
    (["patient", "history"], "consent"),
    (["patient", "add", *ITEM], "items"),
    (["patient", "edit", "i"], "items"),
    (["patient", "delete", "i"], "items"),
    (["patient", "list"], "items"),
    (["patient", "show", "i"], "items"),
    (["patient", "mask", "i"], "items"),
    (["patient", "unmask", "--section", "allergies"], "items"),
    (["patient", "export", "f"], "items"),
    (["patient", "import", "f"], "items"),
    (["patient", "card", "--out", "c.png"], "emergency"),
    (["patient", "contact-code"], "emergency"),
    (["patient", "add-contact", "--code", "C"], "emergency"),
    (["patient", "read-contact", "--text", "T"], "emergency"),
    (["patient", "revoke-card", "c"], "emergency"),
    (["patient", "break-glass", "off"], "emergency"),
    (["patient", "deposits"], "writes"),
    (["patient", "block", PS_ID], "writes"),
    (["patient", "unblock", PS_ID], "writes"),
    (["patient", "blocks"], "writes"),
    (["emergency", "open", "--text", "C"], "emergency"),
    (["emergency", "break-glass", "--nir", NIR, "--reason", "r"], "emergency"),
    (["demo"], "demo"),
]


@pytest.mark.parametrize("argv,module", COMMANDS, ids=lambda v: " ".join(v) if
                         isinstance(v, list) else v)
def test_each_command_runs_its_module_handler(argv: list[str], module: str) -> None:
    args = cli.build_parser().parse_args(argv)
    assert args.handler.__module__ == f"web.cli.{module}"


def test_global_options_parse_after_any_command() -> None:
    for argv, _ in COMMANDS:
        args = cli.build_parser().parse_args([*argv, "--json", "--home", "h"])
        assert args.json is True and args.home == "h"
