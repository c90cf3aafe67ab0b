"""Clean errors (item 13): Ctrl+C at a prompt exits at once with 130; a server's validation
detail becomes a sentence naming the option (no request path, no dossier id); a binary or
missing secret file, a wrong --server (nothing listening, or not a Carnet server) and a wrong
passphrase each say what to do next."""

from __future__ import annotations

import contextlib
import http.server
import os
import pty
import select
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault import UnlockFailed
from web import cli
from web.client import home as local_home
from web.client.api import ApiError

REPO = Path(__file__).resolve().parents[3]
NIR = "185057512345673"
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CARNET_PASSPHRASE", "CARNET_NEW_PASSPHRASE", "CARNET_SERVER",
                 "CARNET_RECOVERY_CODE", "CARNET_DEV_VAR_DIR", "CARNET_DEV_KEYS_DIR",
                 "CARNET_AUTHORITY_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CARNET_HOME", str(tmp_path / "home"))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# ------------------------------------------------------------------------------ Ctrl+C
def _read_until(fd: int, needle: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while needle not in seen and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    return seen


def _wait(pid: int, timeout: float) -> int | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    return None


@pytest.mark.parametrize("lang,prompt", [("en", b"Passphrase: "),
                                         ("fr", "Phrase secrète : ".encode())])
def test_ctrl_c_at_a_prompt_exits_130_at_once(tmp_path: Path, lang: str, prompt: bytes) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARNET_")}
    env.update(CARNET_LANG=lang, PYTHONPATH=str(REPO))
    argv = [sys.executable, "-m", "web.cli", "--home", str(tmp_path / "h"), "--server",
            f"http://127.0.0.1:{free_port()}", "patient", "unlock", "--nir", NIR]
    pid, fd = pty.fork()
    if pid == 0:  # the child: a terminal on stdin, as a person at a keyboard
        os.chdir(REPO)
        os.execve(sys.executable, argv, env)  # noqa: S606 (a fixed argv, no shell)
    try:
        seen = _read_until(fd, prompt.rstrip(), timeout=60)
        assert prompt.rstrip() in seen, seen
        started = time.monotonic()
        os.write(fd, b"\x03")  # Ctrl+C, as typed: the terminal sends SIGINT
        code = _wait(pid, timeout=15)  # at once; the margin is for a loaded machine
        if code is None:
            late = _read_until(fd, b"\x00never", timeout=0.5)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail(f"Ctrl+C at the prompt did not end the command: {seen + late!r}")
        rest = _read_until(fd, b"\x00never", timeout=0.5)
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    assert code == cli.EXIT_INTERRUPTED == 130
    assert time.monotonic() - started < 15
    assert b"Traceback" not in seen + rest
    assert (b"interrupted" if lang == "en" else b"interrompu") in rest


# ------------------------------------------------------------------------------ server terms
def test_validation_detail_names_the_option_and_hides_the_path() -> None:
    detail = ("Validation failed for POST /dossiers/d0551e4f1d2a/cards: Expected `int` >= 1 - "
              "at `$.days`")
    code, message = cli.describe(ApiError(400, "invalid_request", detail))
    assert code == "invalid_request"
    assert message == "--days must be a whole number, at least 1"
    _, other = cli.describe(ApiError(400, "invalid_request", "Validation failed for POST "
                                     "/dossiers/d0551e4f1d2a/x"))
    assert "d0551e4f1d2a" not in other and "--help" in other


def test_nothing_listening_at_server_says_check_server(capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    code, _, err = run(capsys, "--server", f"http://127.0.0.1:{free_port()}", "patient",
                       "request-code", "--nir", NIR, "--birth-date", "1985-05-01")
    assert code == 2 and err.count("\n") == 1
    assert "cannot reach the Carnet server" in err and "check --server" in err


class _NotCarnet(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html>nothing here</html>"
        self.send_response(404)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST  # noqa: N815

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def not_carnet() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotCarnet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_a_server_that_is_not_carnet_says_so(capsys: pytest.CaptureFixture[str],
                                             not_carnet: str) -> None:
    code, _, err = run(capsys, "--lang", "fr", "--server", not_carnet, "patient",
                       "request-code", "--nir", NIR, "--birth-date", "1985-05-01")
    assert code == 2
    assert "ne répond pas comme un serveur Carnet" in err and "vérifiez --server" in err


# ------------------------------------------------------------------------------ files
def test_binary_passphrase_file_says_what_to_do(capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    binary = tmp_path / "pass.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    code, _, err = run(capsys, "--passphrase-file", str(binary), "patient", "unlock", "--nir",
                       NIR)
    assert code == 2 and "Traceback" not in err
    assert "is not text (UTF-8)" in err and "first line of a text file" in err


def test_missing_key_file_says_what_to_do(capsys: pytest.CaptureFixture[str],
                                          tmp_path: Path) -> None:
    code, _, err = run(capsys, "--lang", "fr", "emergency", "break-glass", "--nir", NIR,
                       "--reason", "patient inconscient aux urgences", "--service-key-file",
                       str(tmp_path / "absent.key"), "--passphrase-file", "/dev/null")
    assert code == 2
    assert "absent.key" in err and "n'existe pas : vérifiez le chemin" in err


def test_wrong_passphrase_points_to_recover(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    home = tmp_path / "home"
    local_home.save(home, local_home.Profile(role="patient", server="http://127.0.0.1:1",
                                             login=NIR, dossier_id="d" * 32), PASSPHRASE)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    code, _, err = run(capsys, "--passphrase-file", str(wrong), "patient", "unlock")
    assert code == 2 and "carnet patient recover" in err
    local_home.save(home, local_home.Profile(role="pro", server="http://127.0.0.1:1",
                                             login="810000000001", sign_seed=b"s" * 32,
                                             box_secret=b"b" * 32), PASSPHRASE)
    code, _, err = run(capsys, "--passphrase-file", str(wrong), "pro", "whoami")
    assert code == 2 and "carnet pro recover" in err
    assert cli.describe(UnlockFailed(), "operator")[1] == "the passphrase or recovery code " \
        "is not valid"
