"""Notifications: e-mail (SMTP, or ``.eml`` files in an outbox folder) and paper letters.

Messages often carry an activation code, so failures raise :class:`MailError` whose text
names the step and the error type only, never the body, and outbox files are created
readable by the owner alone (mode 0600, folder 0700). Files appear atomically (written to a
hidden temporary file, then renamed): whatever picks them up never sees half a message.
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import os
import secrets
import smtplib
import ssl
import tempfile
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Final, Protocol

from web.dates import day_text
from web.server.services.errors import MailError

__all__ = [
    "MailError",
    "Mailer",
    "Message",
    "OutboxMailer",
    "PostOutbox",
    "SmtpMailer",
    "make_mailer",
]

Clock = Callable[[], datetime.datetime]
_LETTER_WIDTH: Final = 72


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True, slots=True)
class Message:
    """One plain-text e-mail. ``to`` and ``subject`` must be single lines (ValueError
    otherwise: a line break in a header would let a caller inject headers)."""

    to: str
    subject: str
    body: str

    def __post_init__(self) -> None:
        for name in ("to", "subject"):
            if any(c in getattr(self, name) for c in "\r\n\0"):
                raise ValueError(f"{name} must be a single line")
        if not self.to.strip():
            raise ValueError("to must not be empty")


class Mailer(Protocol):
    """The port for sending e-mail."""

    async def send(self, message: Message) -> None:
        """Hand ``message`` over for delivery, or raise :class:`MailError`."""
        ...


def _email(message: Message, sender: str, now: datetime.datetime) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.to
    mail["Subject"] = message.subject
    mail["Date"] = email.utils.format_datetime(now)
    # An explicit domain: make_msgid's default looks up the host name (slow, and leaks it).
    domain = sender.rpartition("@")[2].strip("> ") or "carnet.invalid"
    mail["Message-ID"] = email.utils.make_msgid(domain=domain)
    mail.set_content(message.body, charset="utf-8")
    return mail


def _file_name(now: datetime.datetime, suffix: str) -> str:
    stamp = now.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{secrets.token_hex(8)}{suffix}"


def _write_atomically(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    target = folder / name
    # mkstemp creates the file 0600; the leading dot keeps pickers from reading it early.
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


class OutboxMailer:
    """Writes each message as an RFC 5322 ``.eml`` file into ``folder`` (development, or a
    deployment where another process relays the files).

    Files are named ``<UTC timestamp>-<random hex>.eml`` so that they sort by time.
    """

    def __init__(self, folder: Path, sender: str, *, clock: Clock = _utcnow) -> None:
        self.folder = folder
        self._sender = sender
        self._clock = clock

    async def send(self, message: Message) -> None:
        await self.write(message)

    async def write(self, message: Message) -> Path:
        """Like :meth:`send`, returning the path of the file written."""
        now = self._clock()
        data = _email(message, self._sender, now).as_bytes()
        try:
            return await asyncio.to_thread(_write_atomically, self.folder,
                                           _file_name(now, ".eml"), data)
        except OSError as exc:
            raise MailError(f"could not write to the mail outbox ({type(exc).__name__})"
                            ) from None


class SmtpMailer:
    """Sends through an SMTP server with the standard library, in a worker thread.

    ``starttls`` upgrades the connection with certificate verification before anything else
    is said. Credentials are refused without ``starttls``: a password is never sent in clear.
    ``timeout`` bounds every network operation (seconds).
    """

    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, starttls: bool = False, *,
                 timeout: float = 10.0, clock: Clock = _utcnow) -> None:
        if (username is None) != (password is None):
            raise ValueError("give both username and password, or neither")
        if username is not None and not starttls:
            raise ValueError("SMTP credentials need starttls=True")
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout
        self._clock = clock

    async def send(self, message: Message) -> None:
        mail = _email(message, self._sender, self._clock())
        try:
            await asyncio.to_thread(self._send, mail)
        except (smtplib.SMTPException, OSError) as exc:
            # Type and SMTP status only: a server's reply may quote what it was sent.
            status = getattr(exc, "smtp_code", None)
            suffix = f", SMTP {status}" if isinstance(status, int) else ""
            raise MailError(f"could not send mail via {self._host}:{self._port} "
                            f"({type(exc).__name__}{suffix})") from None

    def _send(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None and self._password is not None:
                smtp.login(self._username, self._password)
            smtp.send_message(mail)


class PostOutbox:
    """Printable letters for the post, one plain-text file each in ``folder``.

    The layout follows a French A4 letter for a window envelope: sender block top left,
    recipient block on the right, then place and date, subject, body wrapped at 72 columns.
    Files are named ``<UTC timestamp>-<random hex>.txt``.
    """

    def __init__(self, folder: Path, *, clock: Clock = _utcnow) -> None:
        self.folder = folder
        self._clock = clock

    async def write_letter(self, recipient_name: str, address: str, subject: str,
                           body: str) -> Path:
        """Write one letter; returns its path. Raises :class:`MailError` if it cannot."""
        now = self._clock()
        text = self._layout(recipient_name, address, subject, body, now.date())
        try:
            return await asyncio.to_thread(_write_atomically, self.folder,
                                           _file_name(now, ".txt"), text.encode("utf-8"))
        except OSError as exc:
            raise MailError(f"could not write to the post outbox ({type(exc).__name__})"
                            ) from None

    @staticmethod
    def _layout(recipient_name: str, address: str, subject: str, body: str,
                day: datetime.date) -> str:
        indent = " " * 40
        recipient = [recipient_name.strip()] + [
            line.strip() for line in address.replace("\r", "").split("\n") if line.strip()]
        date = f"Le {day_text(day)}"
        paragraphs = body.replace("\r", "").split("\n")
        # Never split at a hyphen or inside a word: a code like ABCDE-FGHIJ stays on one line.
        wrapped = [textwrap.fill(p, _LETTER_WIDTH, break_on_hyphens=False,
                                 break_long_words=False) if p.strip() else ""
                   for p in paragraphs]
        lines = [
            "Carnet",
            "Dossier médical partagé",
            "",
            "",
            *(indent + line for line in recipient),
            "",
            "",
            indent + date,
            "",
            "",
            f"Objet : {' '.join(subject.split())}",
            "",
            *wrapped,
        ]
        return "\n".join(lines).rstrip("\n") + "\n"


def make_mailer(smtp_host: str | None, smtp_port: int, sender: str, outbox: Path, *,
                smtp_username: str | None = None, smtp_password: str | None = None,
                smtp_starttls: bool = False, timeout: float = 10.0) -> Mailer:
    """SMTP when ``smtp_host`` is set, otherwise ``.eml`` files in ``outbox``."""
    if smtp_host:
        return SmtpMailer(smtp_host, smtp_port, sender, smtp_username, smtp_password,
                          smtp_starttls, timeout=timeout)
    return OutboxMailer(outbox, sender)
