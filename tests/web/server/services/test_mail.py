"""Notifications: .eml outbox, SMTP against a real aiosmtpd server, printable letters."""

from __future__ import annotations

import datetime
import email
import email.policy
import socket
import stat
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from web.server.errors import status_of
from web.server.services.errors import MailError, ServiceError
from web.server.services.mail import (
    Mailer,
    Message,
    OutboxMailer,
    PostOutbox,
    SmtpMailer,
    make_mailer,
)

SENDER = "Carnet <no-reply@carnet.example>"
SECRET_BODY = "Votre code d'activation : ABCDE-FGHJK. Été, à bientôt."
NOW = datetime.datetime(2025, 3, 5, 8, 30, 15, 123456, tzinfo=datetime.UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def parse(data: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


class Collector:
    """aiosmtpd handler keeping every envelope; answers ``reply`` to DATA."""

    def __init__(self, reply: str = "250 Message accepted for delivery") -> None:
        self.reply = reply
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.envelopes.append(envelope)
        return self.reply


@pytest.fixture
def smtp_server() -> Iterator[tuple[Collector, int]]:
    handler = Collector()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


# -- Message --------------------------------------------------------------------------------

@pytest.mark.parametrize("field", ["to", "subject"])
def test_headers_cannot_be_injected(field: str) -> None:
    values = {"to": "a@example.org", "subject": "Hello", "body": "x"}
    values[field] += "\r\nBcc: victim@example.org"
    with pytest.raises(ValueError, match=field):
        Message(**values)


def test_message_needs_a_recipient() -> None:
    with pytest.raises(ValueError):
        Message(to=" ", subject="s", body="b")


def test_mail_error_is_a_service_error() -> None:
    assert issubclass(MailError, ServiceError)
    assert MailError.code == "mail_failed"
    assert status_of(MailError()) == 502


# -- outbox ---------------------------------------------------------------------------------

async def test_outbox_writes_a_parseable_eml(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    mailer = OutboxMailer(folder, SENDER, clock=lambda: NOW)
    message = Message(to="Léa Martin <lea@example.org>", subject="Votre code d'activation",
                      body=SECRET_BODY)
    path = await mailer.write(message)
    await mailer.send(message)

    files = sorted(folder.iterdir())
    assert len(files) == 2  # no temporary file left behind
    assert path in files
    assert path.suffix == ".eml"
    assert path.name.startswith("20250305T083015123456Z-")
    assert len(path.stem.split("-")[1]) == 16
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    parsed = parse(path.read_bytes())
    assert parsed["From"] == SENDER
    assert parsed["To"] == "Léa Martin <lea@example.org>"
    assert parsed["Subject"] == "Votre code d'activation"
    assert parsed["Date"].datetime == NOW.replace(microsecond=0)
    assert parsed["Message-ID"].endswith("@carnet.example>")
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content().rstrip("\n") == SECRET_BODY


async def test_outbox_failure_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    mailer = OutboxMailer(blocker, SENDER)
    with pytest.raises(MailError) as caught:
        await mailer.send(Message(to="a@example.org", subject="s", body=SECRET_BODY))
    assert "ABCDE" not in str(caught.value)


# -- SMTP -----------------------------------------------------------------------------------

async def test_smtp_delivers(smtp_server: tuple[Collector, int]) -> None:
    handler, port = smtp_server
    mailer = SmtpMailer("127.0.0.1", port, SENDER, timeout=5)
    await mailer.send(Message(to="lea@example.org", subject="Votre code d'activation",
                              body=SECRET_BODY))
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.mail_from == "no-reply@carnet.example"
    assert envelope.rcpt_tos == ["lea@example.org"]
    parsed = parse(envelope.original_content)
    assert parsed["Subject"] == "Votre code d'activation"
    assert parsed["To"] == "lea@example.org"
    assert parsed.get_content().rstrip("\r\n") == SECRET_BODY  # SMTP lines end in CRLF


async def test_smtp_refused_connection_is_a_mail_error() -> None:
    port = free_port()  # nothing listens there
    mailer = SmtpMailer("127.0.0.1", port, SENDER, timeout=5)
    with pytest.raises(MailError) as caught:
        await mailer.send(Message(to="lea@example.org", subject="s", body=SECRET_BODY))
    assert caught.value.code == "mail_failed"
    assert status_of(caught.value) == 502
    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "ABCDE" not in str(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


async def test_smtp_rejection_is_a_mail_error_without_the_body(
        smtp_server: tuple[Collector, int]) -> None:
    handler, port = smtp_server
    handler.reply = "554 rejected: ABCDE-FGHJK looks like spam"
    mailer = SmtpMailer("127.0.0.1", port, SENDER, timeout=5)
    with pytest.raises(MailError) as caught:
        await mailer.send(Message(to="lea@example.org", subject="s", body=SECRET_BODY))
    assert "SMTP 554" in str(caught.value)
    assert "ABCDE" not in str(caught.value)


def test_smtp_credentials_need_tls() -> None:
    with pytest.raises(ValueError, match="starttls"):
        SmtpMailer("smtp.example.org", 587, SENDER, "user", "password")
    with pytest.raises(ValueError, match="both"):
        SmtpMailer("smtp.example.org", 587, SENDER, "user", None, starttls=True)
    SmtpMailer("smtp.example.org", 587, SENDER, "user", "password", starttls=True)


def test_make_mailer(tmp_path: Path) -> None:
    outbox: Mailer = make_mailer(None, 25, SENDER, tmp_path)
    assert isinstance(outbox, OutboxMailer)
    assert outbox.folder == tmp_path
    assert isinstance(make_mailer("", 25, SENDER, tmp_path), OutboxMailer)
    assert isinstance(make_mailer("smtp.example.org", 587, SENDER, tmp_path,
                                  smtp_username="u", smtp_password="p", smtp_starttls=True),
                      SmtpMailer)


# -- letters --------------------------------------------------------------------------------

async def test_post_letter(tmp_path: Path) -> None:
    post = PostOutbox(tmp_path / "post", clock=lambda: NOW)
    body = ("Bonjour,\n\n" + "Ceci est une phrase assez longue pour être coupée. " * 4
            + "Votre code : ABCDE-FGHJK\n\nCordialement.")
    path = await post.write_letter("Léa Martin", "12 rue des Lilas\n75011 Paris",
                                   "Votre code d'activation", body)
    assert path.parent == tmp_path / "post"
    assert path.suffix == ".txt"
    assert path.name.startswith("20250305T083015123456Z-")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "Carnet"
    assert any(line.strip() == "Léa Martin" for line in lines)
    assert any(line.strip() == "12 rue des Lilas" for line in lines)
    assert any(line.strip() == "75011 Paris" for line in lines)
    assert any(line.strip() == "Le 5 mars 2025" for line in lines)
    assert "Objet : Votre code d'activation" in lines
    assert any("ABCDE-FGHJK" in line for line in lines)  # never split across lines
    assert all(len(line) <= 72 for line in lines)
    name_at = next(i for i, line in enumerate(lines) if line.strip() == "Léa Martin")
    assert lines.index("Objet : Votre code d'activation") > name_at
    assert text.endswith("Cordialement.\n")


async def test_post_failure_is_a_mail_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(MailError, match="post outbox"):
        await PostOutbox(blocker).write_letter("A", "B", "C", SECRET_BODY)
