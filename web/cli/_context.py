"""One run of ``carnet``: where results go (:class:`Output`), the parsed arguments and the
environment (:class:`Ctx`), the secrets (file, environment variable or a prompt at a
terminal), and the checks of what the user typed. A failed check raises :class:`CliError`
(exit 2, one line)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import getpass
import json
import re
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
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
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from vault import NewAttachment
from web.client import home as local_home
from web.client.api import DEFAULT_SERVER, Api
from web.client.item_rules import parse_fields
from web.client.passphrase import check_new_passphrase
from web.i18n import Lang, label, tr, translate

PROG: Final = "carnet"
PS_ID_RE: Final = re.compile(r"^(8\d{11}|0\d{9})$")
MEDIA_TYPES: Final = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                      ".jpeg": "image/jpeg", ".webp": "image/webp", ".txt": "text/plain"}
WIDE: Final = 200
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report Ctrl+C
# Table columns whose cells are display labels (sections, types, flags, statuses).
LABEL_COLUMNS: Final = frozenset({"section", "sections", "type", "flags", "status", "state",
                                  "roles", "result", "profession"})


class CliError(Exception):
    """Bad input or a refusal decided by the CLI itself: exit 2 with this message."""

    code = "usage"


def clock() -> int:
    """Now, in Unix seconds (passed to the client, which takes time as an argument)."""
    return int(time.time())


# ------------------------------------------------------------------------------ output
class TranslatingConsole(Console):
    """A rich console that shows text, rich ``Text`` and table headers (and the cells of
    label columns) in the run's language: the one choke point every renderer prints
    through, so that command modules print English source strings."""

    def __init__(self, *args: Any, lang: Lang = "en", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lang: Lang = lang

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(self.translated(o) for o in objects), **kwargs)

    def translated(self, shown: Any) -> Any:
        if self.lang == "en":
            return shown
        if isinstance(shown, str):
            return translate(shown, self.lang)
        if isinstance(shown, Text):
            french = translate(shown.plain, self.lang)
            if french == shown.plain:
                return shown
            return Text(french, style=shown.style, justify=shown.justify)
        if isinstance(shown, Table):
            self._table(shown)
        return shown

    def _table(self, table: Table) -> None:
        for column in table.columns:
            header = column.header if isinstance(column.header, str) else ""
            if header in LABEL_COLUMNS:
                sep = " " if header == "flags" else ", "
                column._cells = [
                    Text(sep.join(label(w, self.lang) for w in c.plain.split(sep)),
                         style=c.style) if isinstance(c, Text)
                    else (sep.join(label(w, self.lang) for w in c.split(sep))
                          if isinstance(c, str) else c)
                    for c in column._cells]
            if header:
                column.header = translate(header, self.lang)


class Output:
    """Where results go: rich text for people, one JSON document with ``--json``. What
    people read is shown in ``lang`` (see :mod:`web.i18n`); JSON keeps its identifiers."""

    def __init__(self, json_mode: bool, lang: Lang = "en") -> None:
        self.json_mode = json_mode
        self.lang: Lang = lang
        self.console = TranslatingConsole(highlight=False, soft_wrap=True, lang=lang)
        if not self.console.is_terminal:  # piped: no width to respect, do not wrap tables
            self.console = TranslatingConsole(highlight=False, soft_wrap=True, width=WIDE,
                                              lang=lang)
        self.err = TranslatingConsole(stderr=True, highlight=False, lang=lang)
        self.emitted = False

    def text(self, message: str) -> str:
        """``message`` in this run's language."""
        return translate(message, self.lang)

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
        line = " ".join(self.text(message).split()) or code
        sys.stderr.write(f"{PROG}: {line}\n")
        if self.json_mode and not self.emitted:
            sys.stdout.write(json.dumps({"error": {"code": code, "message": line}}) + "\n")
        self.emitted = True

    def progress(self) -> Progress:
        """A progress display on stderr, shown only to people at a terminal."""
        return _Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                         MofNCompleteColumn(), TimeElapsedColumn(), console=self.err,
                         transient=True, disable=self.json_mode or not self.err.is_terminal,
                         lang=self.lang)


class _Progress(Progress):
    """A progress display whose task descriptions are translated."""

    def __init__(self, *columns: Any, lang: Lang, **kwargs: Any) -> None:
        super().__init__(*columns, **kwargs)
        self._lang: Lang = lang

    def add_task(self, description: str, *args: Any, **kwargs: Any) -> TaskID:
        return super().add_task(translate(description, self._lang), *args, **kwargs)

    def update(self, task_id: TaskID, *args: Any, description: str | None = None,
               **kwargs: Any) -> None:
        if description is not None:
            description = translate(description, self._lang)
        super().update(task_id, *args, description=description, **kwargs)


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
    def lang(self) -> Lang:
        return self.out.lang

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
            raise CliError(tr("--server must be an http:// or https:// URL"))
        return str(url).rstrip("/")

    def api(self, server: str, session: str | None = None) -> Api:
        return Api(server, session=session, transport=self.transport)

    def passphrase(self) -> str:
        """The current passphrase: --passphrase-file, $CARNET_PASSPHRASE, or a prompt."""
        if self._passphrase is None:
            self._passphrase = self.secret(self.opt("passphrase_file"), "CARNET_PASSPHRASE",
                                           "passphrase", "--passphrase-file", confirm=False)
        return self._passphrase

    def new_passphrase(self, *, from_global: bool = False, user_inputs: tuple[str, ...] = ()
                       ) -> str:
        """A new passphrase. ``from_global``: the global sources (for a first passphrase);
        else --new-passphrase-file or $CARNET_NEW_PASSPHRASE. A prompt asks twice. One that
        is easy to guess is refused (:func:`web.client.passphrase.check_new_passphrase`;
        ``user_inputs``: the NIR, idNat_PS, name, which a passphrase must not lean on)."""
        if from_global:
            source, env, flag = self.opt("passphrase_file"), "CARNET_PASSPHRASE", \
                "--passphrase-file"
        else:
            source, env, flag = self.opt("new_passphrase_file"), "CARNET_NEW_PASSPHRASE", \
                "--new-passphrase-file"
        value = self.secret(source, env, "new passphrase", flag, confirm=True)
        check_new_passphrase(value, user_inputs=user_inputs)
        return value

    def confirm(self, question: str) -> bool:
        """Ask ``question`` at the terminal, in the run's language; only an explicit yes is a
        yes (end of input is a no); Ctrl+C raises KeyboardInterrupt at once."""
        choices = " [o/N] " if self.lang == "fr" else " [y/N] "
        sys.stderr.write(self.out.text(question) + choices)
        sys.stderr.flush()
        with _interruptible():
            answer = sys.stdin.readline()
        return answer.strip().lower() in ("y", "yes", "o", "oui")

    def secret(self, path: str | None, env: str, what: str, flag: str, *,
               confirm: bool) -> str:
        """A secret from the file at ``path``, else ``$env``, else a prompt at a terminal
        (asked twice if ``confirm``); CliError when none is available."""
        if path:
            return read_secret_file(path, what)
        if self.env.get(env):
            return self.env[env]
        if self.interactive:
            return prompt_secret(what, confirm, self.lang)
        raise CliError(tr("no {what}: use {flag} F or ${env} (stdin is not a terminal)",
                          what=tr(what), flag=flag, env=env))


# ------------------------------------------------------------------------------ files
def read_text(path: str) -> str:
    """A UTF-8 text file (a leading byte-order mark is dropped)."""
    return Path(path).read_text(encoding="utf-8-sig")


def read_bytes(path: str) -> bytes:
    return Path(path).read_bytes()


def read_secret_file(path: str, what: str) -> str:
    """The first line of ``path`` ("-" reads stdin), without its line ending. A missing
    file, a binary file or an empty one is a :class:`CliError` that says what to do."""
    try:
        text = (sys.stdin.readline() if path == "-"
                else Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(tr("the {what} file {path} does not exist: check the path given to "
                          "the option", what=tr(what), path=path)) from None
    except UnicodeDecodeError:
        raise CliError(tr("the {what} file {path} is not text (UTF-8): put the {what} "
                          "alone on the first line of a text file", what=tr(what),
                          path=path)) from None
    if "\x00" in text:
        raise CliError(tr("the {what} file {path} is not text (UTF-8): put the {what} "
                          "alone on the first line of a text file", what=tr(what), path=path))
    value = text.splitlines()[0] if text.strip() else ""
    if not value:
        raise CliError(tr("the {what} file {path} is empty", what=tr(what), path=path))
    return value


@contextlib.contextmanager
def _interruptible() -> Iterator[None]:
    """While a prompt waits, Ctrl+C raises at once. (asyncio.run's own SIGINT handler only
    cancels the main task, which a blocking read never notices: the prompt would wait on.)"""
    try:
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    except ValueError:  # not the main thread: nothing to change
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def prompt_secret(what: str, confirm: bool, lang: Lang = "en") -> str:
    """Ask at the terminal (not echoed); twice if ``confirm``. Ctrl+C raises
    KeyboardInterrupt at once."""
    asked = translate(tr(what), lang)
    asked = asked[:1].upper() + asked[1:]
    try:
        with _interruptible():
            value = getpass.getpass(translate(tr("{what}: ", what=asked), lang))
            again = (getpass.getpass(translate(tr("{what} again: ", what=asked), lang))
                     if confirm and value else value)
    except EOFError:
        value = again = ""
    except KeyboardInterrupt:
        sys.stderr.write("\n")  # the cursor was after the prompt
        raise
    if not value:
        raise CliError(tr("no {what} given", what=tr(what)))
    if again != value:
        raise CliError(tr("the two {what}s differ", what=tr(what)))
    return value


def refuse_existing(path: str, force: bool) -> Path:
    """``path``, unless a file is there already and ``force`` is not given."""
    target = Path(path)
    if target.exists() and not force:
        raise CliError(tr("{path} exists; pass --force to overwrite it", path=str(target)))
    return target


# ------------------------------------------------------------------------------ input checks
def check_date(text: str, what: str = "--date") -> str:
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise CliError(tr("{option} must be a date written YYYY-MM-DD", option=what)
                       ) from None


def check_ps_id(text: str) -> str:
    if not PS_ID_RE.match(text.strip()):
        raise CliError(tr("an idNat_PS is 8 followed by the 11-digit RPPS, or 0 followed by "
                          "the 9-digit ADELI"))
    return text.strip()


def read_body(args: argparse.Namespace) -> dict[str, Any] | None:
    """--field NAME=VALUE..., --body JSON or --body-file F (a JSON object), or None when
    none is given."""
    fields = getattr(args, "field", None)
    if fields:
        return parse_fields(fields)
    if args.body is not None:
        raw, where = args.body, "--body"
    elif args.body_file is not None:
        raw, where = Path(args.body_file).read_text(encoding="utf-8"), args.body_file
    else:
        return None
    try:
        body = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CliError(tr("{where} is not valid JSON ({problem}, line {line})", where=where,
                          problem=exc.msg, line=exc.lineno)) from None
    except RecursionError:  # json recurses: a hostile file nested thousands of levels deep
        raise CliError(tr("{where} is nested too deeply to be an item's details",
                          where=where)) from None
    if not isinstance(body, dict):
        raise CliError(tr("{where} must be a JSON object", where=where))
    return body


def read_attachment(path: str, media_type: str | None) -> NewAttachment:
    """The file at ``path`` with its media type (given, or guessed from the extension)."""
    p = Path(path)
    kind = media_type or MEDIA_TYPES.get(p.suffix.lower())
    if kind is None:
        raise CliError(tr("cannot tell the type of {name}; pass --media-type (one of: {types})",
                          name=p.name, types=", ".join(sorted(set(MEDIA_TYPES.values())))))
    return NewAttachment(name=p.name, media_type=kind, data=p.read_bytes())
