"""One run of ``carnet``: where results go (:class:`Output`), the parsed arguments and the
environment (:class:`Ctx`), the secrets (file, environment variable or a prompt at a
terminal), and the checks of what the user typed. A failed check raises :class:`CliError`
(exit 2, one line)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import re
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from vault import NewAttachment
from web.client import home as local_home
from web.client.api import DEFAULT_SERVER, Api

PROG: Final = "carnet"
PS_ID_RE: Final = re.compile(r"^(8\d{11}|0\d{9})$")
MEDIA_TYPES: Final = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                      ".jpeg": "image/jpeg", ".webp": "image/webp", ".txt": "text/plain"}
WIDE: Final = 200


class CliError(Exception):
    """Bad input or a refusal decided by the CLI itself: exit 2 with this message."""

    code = "usage"


def clock() -> int:
    """Now, in Unix seconds (passed to the client, which takes time as an argument)."""
    return int(time.time())


# ------------------------------------------------------------------------------ output
class Output:
    """Where results go: rich text for people, one JSON document with ``--json``."""

    def __init__(self, json_mode: bool) -> None:
        self.json_mode = json_mode
        self.console = Console(highlight=False, soft_wrap=True)
        if not self.console.is_terminal:  # piped: no width to respect, do not wrap tables
            self.console = Console(highlight=False, soft_wrap=True, width=WIDE)
        self.err = Console(stderr=True, highlight=False)
        self.emitted = False

    def emit(self, data: Mapping[str, Any], human: Callable[[Console], None] | str) -> None:
        """The command's one result: ``data`` as JSON, or ``human`` (text or a renderer)."""
        self.emitted = True
        if self.json_mode:
            sys.stdout.write(json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n")
            sys.stdout.flush()
        elif isinstance(human, str):
            self.console.print(human, markup=False)
        else:
            human(self.console)

    def note(self, text: str) -> None:
        """A hint for people (stderr; silent in JSON mode)."""
        if not self.json_mode:
            self.err.print(text, markup=False)

    def fail(self, code: str, message: str) -> None:
        """Report an error: one line on stderr; in JSON mode also the error document."""
        line = " ".join(message.split()) or code
        sys.stderr.write(f"{PROG}: {line}\n")
        if self.json_mode and not self.emitted:
            sys.stdout.write(json.dumps({"error": {"code": code, "message": line}}) + "\n")
        self.emitted = True

    def progress(self) -> Progress:
        """A progress display on stderr, shown only to people at a terminal."""
        return Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=self.err,
                        transient=True, disable=self.json_mode or not self.err.is_terminal)


# ------------------------------------------------------------------------------ context
@dataclass
class Ctx:
    """One run: parsed arguments, environment, output, and the cached passphrase."""

    args: argparse.Namespace
    out: Output
    env: Mapping[str, str]
    transport: httpx.AsyncBaseTransport | None = None
    interactive: bool = False
    _passphrase: str | None = field(default=None, repr=False)

    @property
    def home(self) -> Path:
        given = self.opt("home")
        return Path(given).expanduser() if given else local_home.default_home(self.env)

    def opt(self, name: str) -> Any:
        return getattr(self.args, name, None)

    def server(self, profile: local_home.Profile | None = None) -> str:
        """``--server``, else $CARNET_SERVER, else the profile's server, else the default."""
        explicit = self.opt("server") or self.env.get("CARNET_SERVER")
        url = explicit or (profile.server if profile else DEFAULT_SERVER)
        if not re.match(r"^https?://[^\s/]+", url):
            raise CliError("--server must be an http:// or https:// URL")
        return str(url).rstrip("/")

    def api(self, server: str, session: str | None = None) -> Api:
        return Api(server, session=session, transport=self.transport)

    def passphrase(self) -> str:
        """The current passphrase: --passphrase-file, $CARNET_PASSPHRASE, or a prompt."""
        if self._passphrase is None:
            self._passphrase = self.secret(self.opt("passphrase_file"), "CARNET_PASSPHRASE",
                                           "passphrase", "--passphrase-file", confirm=False)
        return self._passphrase

    def new_passphrase(self, *, from_global: bool = False) -> str:
        """A new passphrase. ``from_global``: the global sources (for a first passphrase);
        else --new-passphrase-file or $CARNET_NEW_PASSPHRASE. A prompt asks twice."""
        if from_global:
            source, env, flag = self.opt("passphrase_file"), "CARNET_PASSPHRASE", \
                "--passphrase-file"
        else:
            source, env, flag = self.opt("new_passphrase_file"), "CARNET_NEW_PASSPHRASE", \
                "--new-passphrase-file"
        value = self.secret(source, env, "new passphrase", flag, confirm=True)
        if len(value) < 10:
            self.out.note("warning: a passphrase under 10 characters is easy to guess")
        return value

    def secret(self, path: str | None, env: str, what: str, flag: str, *,
               confirm: bool) -> str:
        """A secret from the file at ``path``, else ``$env``, else a prompt at a terminal
        (asked twice if ``confirm``); CliError when none is available."""
        if path:
            return read_secret_file(path, what)
        if self.env.get(env):
            return self.env[env]
        if self.interactive:
            return prompt_secret(what, confirm)
        raise CliError(f"no {what}: use {flag} F or ${env} (stdin is not a terminal)")


# ------------------------------------------------------------------------------ files
def read_text(path: str) -> str:
    """A UTF-8 text file (a leading byte-order mark is dropped)."""
    return Path(path).read_text(encoding="utf-8-sig")


def read_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def read_secret_file(path: str, what: str) -> str:
    """The first line of ``path`` ("-" reads stdin), without its line ending."""
    text = sys.stdin.readline() if path == "-" else Path(path).read_text(encoding="utf-8")
    value = text.splitlines()[0] if text.strip() else ""
    if not value:
        raise CliError(f"the {what} file {path} is empty")
    return value


def prompt_secret(what: str, confirm: bool) -> str:
    """Ask at the terminal (not echoed); twice if ``confirm``."""
    try:
        value = getpass.getpass(f"{what.capitalize()}: ")
        again = getpass.getpass(f"{what.capitalize()} again: ") if confirm and value else value
    except EOFError:
        value = again = ""
    if not value:
        raise CliError(f"no {what} given")
    if again != value:
        raise CliError(f"the two {what}s differ")
    return value


def refuse_existing(path: str, force: bool) -> Path:
    """``path``, unless a file is there already and ``force`` is not given."""
    target = Path(path)
    if target.exists() and not force:
        raise CliError(f"{target} exists; pass --force to overwrite it")
    return target


# ------------------------------------------------------------------------------ input checks
def check_date(text: str, what: str = "--date") -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliError(f"{what} must be a date written YYYY-MM-DD") from None


def check_ps_id(text: str) -> str:
    if not PS_ID_RE.match(text.strip()):
        raise CliError("an idNat_PS is 8 followed by the 11-digit RPPS, or 0 followed by the "
                       "9-digit ADELI")
    return text.strip()


def read_body(args: argparse.Namespace) -> dict[str, Any] | None:
    """--body JSON or --body-file F (a JSON object), or None when neither is given."""
    if args.body is not None:
        raw, where = args.body, "--body"
    elif args.body_file is not None:
        raw, where = Path(args.body_file).read_text(encoding="utf-8"), args.body_file
    else:
        return None
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(f"{where} is not valid JSON ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:  # json recurses: a hostile file nested thousands of levels deep
        raise CliError(f"{where} is nested too deeply to be an item's details") from None
    if not isinstance(body, dict):
        raise CliError(f"{where} must be a JSON object")
    return body


def read_attachment(path: str, media_type: str | None) -> NewAttachment:
    """The file at ``path`` with its media type (given, or guessed from the extension)."""
    p = Path(path)
    kind = media_type or MEDIA_TYPES.get(p.suffix.lower())
    if kind is None:
        raise CliError(f"cannot tell the type of {p.name}; pass --media-type (one of: "
                       + ", ".join(sorted(set(MEDIA_TYPES.values()))) + ")")
    return NewAttachment(name=p.name, media_type=kind, data=p.read_bytes())
