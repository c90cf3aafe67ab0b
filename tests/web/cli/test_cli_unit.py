"""The ``carnet`` CLI without a server: argument errors, exit codes, JSON output, the local
home's encryption, and the demo's NIRs. The journey against a real server is tested apart."""

from __future__ import annotations

import asyncio
import csv
import datetime
import io
import json
import os
import random
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.signing
import pytest

from vault import FormatError, NotFound, UnlockFailed
from vault.archive import Contents, Entry
from vault.items import Author, Item
from vault.sections import Section
from web import cli
from web.cli import _context
from web.client import archive, demo, home, operator
from web.nir import nir_birth_matches, nir_key, parse_nir

ROOT = Path(__file__).resolve().parents[3]
UNREACHABLE = "http://127.0.0.1:9"  # discard port: nothing listens, refused at once
PASSPHRASE = "correct horse battery staple"
NIR = "185057512345673"


def seeded(seed: int) -> Callable[[int], bytes]:
    r = random.Random(seed)
    return lambda n: bytes(r.getrandbits(8) for _ in range(n))


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No secret or server from the developer's environment; no ./var/operator.token."""
    for name in ("CARNET_PASSPHRASE", "CARNET_NEW_PASSPHRASE", "CARNET_OPERATOR_TOKEN",
                 "CARNET_SERVER", "CARNET_RECOVERY_CODE", "CARNET_DEV_VAR_DIR",
                 "CARNET_AUTHORITY_KEY_FILE", "CARNET_DEV_KEYS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARNET_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def passfile(tmp_path: Path) -> Path:
    path = tmp_path / "pass.txt"
    path.write_text(PASSPHRASE + "\n")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_refused(code: int, out: str, err: str, *, json_mode: bool = False) -> None:
    """Exit 2, exactly one line ``carnet: ...`` on stderr, no traceback."""
    assert code == 2
    assert err.startswith("carnet: ")
    assert err.count("\n") == 1
    assert "Traceback" not in err + out
    if json_mode:
        assert set(json.loads(out)) == {"error"}
    else:
        assert out == ""


# ------------------------------------------------------------------------------ usage errors
@pytest.mark.parametrize("argv", [
    [],
    ["bogus"],
    ["patient"],
    ["patient", "add"],
    ["patient", "add", "allergies", "allergy", "Title"],
    ["patient", "mask"],
    ["patient", "mask", "0" * 32, "--section", "allergies"],
    ["operator", "send-codes", "--channel", "pigeon"],
    ["operator", "approve", "810000000001", "--role", "king"],
    ["demo", "--patients", "many"],
    ["patient", "add", "allergies", "allergy", "T", "--date", "2024-01-01", "--body", "{}",
     "--body-file", "x"],
])
def test_argument_errors_exit_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                              argv: list[str]) -> None:
    assert_refused(*run(capsys, *argv))


def test_argument_error_in_json_mode_is_a_json_document(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "--json", "patient", "add")
    assert_refused(code, out, err, json_mode=True)
    assert json.loads(out)["error"]["code"] == "usage"


def test_global_options_also_work_after_the_subcommand(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "patient", "close", "--json")
    assert_refused(code, out, err, json_mode=True)
    assert "--yes" in json.loads(out)["error"]["message"]


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "patient", "add", "--help")
    assert code == 0
    assert "SECTION" in out


def test_python_dash_m_entry_point() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    bad = subprocess.run([sys.executable, "-m", "web.cli", "patient", "frobnicate"],
                         capture_output=True, text=True, cwd=ROOT, env=env, timeout=60,
                         stdin=subprocess.DEVNULL, check=False)
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.startswith("carnet: ") and bad.stderr.count("\n") == 1
    ok = subprocess.run([sys.executable, "-m", "web.cli", "--help"], capture_output=True,
                        text=True, cwd=ROOT, env=env, timeout=60, check=False)
    assert ok.returncode == 0 and "patient" in ok.stdout


# ------------------------------------------------------------------------------ refusals
def test_no_passphrase_and_no_terminal_exits_2(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    code, out, err = run(capsys, "--json", "pro", "register", "--id", "810000000001",
                         "--name", "X", "--profession", "pharmacien")
    assert_refused(code, out, err, json_mode=True)
    assert "--passphrase-file" in err
    assert not (tmp_path / "home").exists()


def test_patient_command_without_profile_or_nir(capsys: pytest.CaptureFixture[str],
                                                passfile: Path) -> None:
    code, out, err = run(capsys, "--passphrase-file", str(passfile), "patient", "unlock")
    assert_refused(code, out, err)
    assert "activate" in err


def test_close_refuses_without_yes(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "patient", "close")
    assert_refused(code, out, err)
    assert "export" in err


def test_export_refuses_to_overwrite_before_any_login(capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path) -> None:
    target = tmp_path / "archive.carnet"
    target.write_bytes(b"keep me")
    code, out, err = run(capsys, "patient", "export", str(target))
    assert_refused(code, out, err)
    assert "--force" in err
    assert target.read_bytes() == b"keep me"


def test_operator_token_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "operator", "professionals")
    assert_refused(code, out, err)
    assert "operator token" in err


@pytest.mark.parametrize("argv,needle", [
    (["--server", "ftp://x", "patient", "request-code", "--nir", NIR, "--birth-date",
      "1985-05-01"], "--server"),
    (["patient", "request-code", "--nir", "185057512345674", "--birth-date", "1985-05-01"],
     "key"),
    (["patient", "request-code", "--nir", NIR, "--birth-date", "01/05/1985"], "YYYY-MM-DD"),
    (["operator", "--operator-token-file", "/nonexistent/token", "professionals"],
     "/nonexistent/token does not exist"),
    (["operator", "approve", "12345"], "idNat_PS"),
])
def test_bad_values_exit_2(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
                           argv: list[str], needle: str) -> None:
    monkeypatch.setenv("CARNET_OPERATOR_TOKEN", "t" * 20)
    code, out, err = run(capsys, *argv)
    assert_refused(code, out, err)
    assert needle in err
    assert "185057512345674" not in err  # a NIR never lands in a message


def test_unreachable_server_is_a_refusal_not_a_crash(capsys: pytest.CaptureFixture[str],
                                                     tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text("secret-operator-token\n")
    code, out, err = run(capsys, "--json", "--server", UNREACHABLE, "operator",
                         "--operator-token-file", str(token), "professionals")
    assert_refused(code, out, err, json_mode=True)
    assert json.loads(out)["error"]["code"] == "unreachable"
    assert "secret-operator-token" not in out + err


# ------------------------------------------------------------------------------ home + json
def test_pro_whoami_json_offline(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                 passfile: Path) -> None:
    where = tmp_path / "home"
    seed = bytes(range(32))
    home.save(where, home.Profile(role="pro", server=UNREACHABLE, login="810000000001",
                                  sign_seed=seed, box_secret=seed[::-1], name="Pharmacie X",
                                  profession="pharmacien"), PASSPHRASE)
    code, out, err = run(capsys, "--json", "--passphrase-file", str(passfile), "pro", "whoami")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["ps_id"] == "810000000001" and doc["status"] == "unreachable"
    assert seed.hex() not in out and PASSPHRASE not in out + err


def test_wrong_passphrase_for_the_home_exits_2(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path) -> None:
    home.save(tmp_path / "home", home.Profile(role="patient", server=UNREACHABLE, login=NIR,
                                              dossier_id="ab" * 16), PASSPHRASE)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    code, out, err = run(capsys, "--json", "--passphrase-file", str(wrong), "patient", "list")
    assert_refused(code, out, err, json_mode=True)
    assert "does not open" in err
    assert NIR not in out + err


def test_activate_refuses_to_replace_a_profile(capsys: pytest.CaptureFixture[str],
                                               tmp_path: Path, passfile: Path) -> None:
    home.save(tmp_path / "home", home.Profile(role="patient", server=UNREACHABLE, login=NIR),
              PASSPHRASE)
    code, out, err = run(capsys, "--passphrase-file", str(passfile), "--server", UNREACHABLE,
                         "patient", "activate", "--nir", NIR, "--code", "ABCDE-FGHJK")
    assert_refused(code, out, err)
    assert "already holds" in err


def test_home_round_trip_modes_and_coexistence(tmp_path: Path) -> None:
    where = tmp_path / "a" / "home"
    patient = home.Profile(role="patient", server="http://s", login=NIR, dossier_id="cd" * 16)
    pro = home.Profile(role="pro", server="http://s", login="810000000001",
                       sign_seed=b"\x01" * 32, box_secret=b"\x02" * 32)
    path = home.save(where, patient, PASSPHRASE)
    home.save(where, pro, "another passphrase")
    assert home.load(where, "patient", PASSPHRASE) == patient
    assert home.load(where, "pro", "another passphrase") == pro
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(where.stat().st_mode) == 0o700
    assert stat.S_IMODE(where.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in where.iterdir()) == ["patient.carnet", "pro.carnet"]
    assert NIR.encode() not in path.read_bytes()
    assert "0x01" not in repr(pro) and "login=<set>" in repr(pro)
    assert home.remove(where, "patient") and not home.exists(where, "patient")
    assert not home.remove(where, "patient")


def test_home_wrong_passphrase_tamper_and_format(tmp_path: Path) -> None:
    profile = home.Profile(role="patient", server="http://s", login=NIR)
    blob = home.seal(profile, PASSPHRASE, rng=seeded(1))
    assert home.unseal(blob, "patient", PASSPHRASE) == profile
    with pytest.raises(UnlockFailed):
        home.unseal(blob, "patient", "wrong")
    with pytest.raises(UnlockFailed):  # bound to its role
        home.unseal(blob, "pro", PASSPHRASE)
    tampered = bytearray(blob)
    tampered[-1] ^= 1
    with pytest.raises(UnlockFailed):
        home.unseal(bytes(tampered), "patient", PASSPHRASE)
    for broken in (b"", b"\x02" + blob[1:], blob[:7]):
        with pytest.raises(FormatError):
            home.unseal(broken, "patient", PASSPHRASE)
    with pytest.raises(NotFound):
        home.load(tmp_path / "empty", "patient", PASSPHRASE)


def test_home_salt_is_fresh_each_time() -> None:
    profile = home.Profile(role="patient", server="http://s", login=NIR)
    assert home.seal(profile, PASSPHRASE) != home.seal(profile, PASSPHRASE)


# ------------------------------------------------------------------------------ helpers
def test_secret_file_first_line(tmp_path: Path) -> None:
    f = tmp_path / "s"
    f.write_text("  spaced phrase \r\nsecond line\n")
    assert _context.read_secret_file(str(f), "passphrase") == "  spaced phrase "
    f.write_text("\n")
    with pytest.raises(_context.CliError):
        _context.read_secret_file(str(f), "passphrase")


def test_attachment_media_types(tmp_path: Path) -> None:
    for name, kind in (("a.PDF", "application/pdf"), ("b.jpeg", "image/jpeg"),
                       ("c.txt", "text/plain")):
        (tmp_path / name).write_bytes(b"x")
        assert _context.read_attachment(str(tmp_path / name), None).media_type == kind
    (tmp_path / "d.docx").write_bytes(b"x")
    with pytest.raises(_context.CliError, match="--media-type"):
        _context.read_attachment(str(tmp_path / "d.docx"), None)
    assert _context.read_attachment(str(tmp_path / "d.docx"), "text/plain").name == "d.docx"


def test_registry_batches_keep_line_numbers() -> None:
    text = "nir,last_name,first_name,birth_date,address,email\n" + "".join(
        f'{i},n,p,2000-01-01,"1 rue, {i}",\n' for i in range(5)) + "\n"
    batches = list(operator.registry_batches(text, size=2))
    assert [(before, count) for before, _, count in batches] == [(0, 2), (2, 2), (4, 1)]
    for _, chunk, count in batches:
        rows = list(csv.reader(io.StringIO(chunk)))
        assert rows[0][0] == "nir" and len(rows) == count + 1
    assert '"1 rue, 4"' in batches[-1][1]


def _item(item_id: str, revision: int) -> Item:
    return Item(item_id=item_id, revision=revision, section=Section.ALLERGIES,
                item_type="allergy", title="t", date="2024-01-01", body={},
                author=Author.patient(), created_at=1)


def test_archive_groups_keep_revisions_together() -> None:
    a, b = "a" * 32, "b" * 32
    contents = Contents("c" * 32, 5, [Entry(_item(a, 1)), Entry(_item(b, 1)),
                                      Entry(_item(a, 2))],
                        frozenset({Section.PERSONAL_NOTES}))
    groups = archive.groups(contents)
    assert [[e.item.revision for e in g.entries] for g in groups] == [[1, 2], [1]]
    assert groups[0].masked_sections == {Section.PERSONAL_NOTES}
    assert groups[1].masked_sections == frozenset()
    empty = archive.groups(Contents("c" * 32, 5, [], frozenset({Section.ALLERGIES})))
    assert len(empty) == 1 and empty[0].masked_sections == {Section.ALLERGIES}


def test_describe_errors_in_one_line() -> None:
    code, message = cli.describe(FileNotFoundError(2, "No such file or directory", "x.csv"))
    assert (code, message) == ("os_error", "No such file or directory: x.csv")
    assert cli.describe(UnlockFailed())[0] == "unlock_failed"


# ------------------------------------------------------------------------------ demo data
@pytest.mark.parametrize("seed", range(50))
def test_demo_nirs_are_valid(seed: int) -> None:
    rng = seeded(seed)
    people = demo.beneficiaries(4, Path("demo-homes"), rng)
    for p in people:
        assert parse_nir(p.nir) == p.nir
        assert nir_key(p.nir[:13]) == p.nir[13:]
        assert nir_birth_matches(p.nir, datetime.date.fromisoformat(p.birth_date))
        assert p.email.endswith("@example.org")


def test_demo_registry_csv_is_loadable() -> None:
    people = demo.beneficiaries(3, Path("demo-homes"), seeded(7))
    rows = list(csv.DictReader(io.StringIO(demo.registry_csv(people, seeded(8)))))
    assert [r["nir"] for r in rows] == [p.nir for p in people]
    assert list(rows[0]) == ["nir", "last_name", "first_name", "birth_date", "address", "email"]


AUTHORITY = nacl.signing.SigningKey(b"\x01" * 32)


def test_demo_refuses_an_existing_demo(tmp_path: Path) -> None:
    (tmp_path / demo.DEMO_FILE).write_text("earlier")

    def no_api() -> Any:
        raise AssertionError("must refuse before calling the server")
    with pytest.raises(FileExistsError):
        asyncio.run(demo.seed(no_api, operator_token="t", authority=AUTHORITY, home=tmp_path))
    with pytest.raises(ValueError, match="between 1 and"):
        asyncio.run(demo.seed(no_api, operator_token="t", authority=AUTHORITY, home=tmp_path,
                              patients=0))


def test_demo_nirs_use_the_one_nir_rule_corsica_included() -> None:
    # The demo has no NIR key of its own: a Corsican body keys as web.nir says (2A -> 19).
    assert demo.nir_key is nir_key
    assert nir_key("185052A123456") == f"{97 - 1850519123456 % 97:02d}"
    with pytest.raises(ValueError):
        nir_key("12345")


@pytest.mark.parametrize(("text", "says"), [
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("{not json", "is not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
])
def test_item_details_from_hostile_json_are_a_cli_error(tmp_path: Path, text: str,
                                                        says: str) -> None:
    import argparse
    path = tmp_path / "body.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(_context.CliError, match=says):
        _context.read_body(argparse.Namespace(body=None, body_file=str(path)))
