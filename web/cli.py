"""``carnet``: the command-line client (operator, professional, pharmacist, patient, demo).

Contract, for people and scripts alike:

- exit 0 when the command did what it says; 2 on bad input or when something was refused
  (one line ``carnet: <message>`` on stderr, never a traceback); 1 only for an unexpected
  internal error (still one line);
- ``--json``: exactly one JSON document on stdout per run, errors included
  (``{"error": {"code", "message"}}``); medical content only from ``list`` and ``show``;
- never a prompt unless stdin is a terminal: secrets come from files or environment
  variables (``--passphrase-file``, ``CARNET_PASSPHRASE``, ``--new-passphrase-file``,
  ``CARNET_NEW_PASSPHRASE``, ``--recovery-code-file``, ``--operator-token-file``,
  ``CARNET_OPERATOR_TOKEN``);
- never prints a passphrase, key or session token; a recovery code is printed once, when it
  is created (activation, ``new-recovery-code``); the pharmacist's activation code is printed
  because it is handed to the patient.

All cryptography happens here, in the client (``vault`` through ``web.client``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import getpass
import io
import json
import logging
import os
import re
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, NoReturn

import httpx
import nacl.signing
from rich import box
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from consent import audit, qr
from consent import grant as grant_format
from consent import identity as identity_format
from consent import token as token_format
from consent.card import parse_card
from consent.errors import ConsentError
from vault import ArchiveContents, Dossier, Item, NewAttachment, VaultError, open_archive
from vault.archive import Entry as ArchiveEntry
from vault.crypto import fingerprint
from vault.errors import NotFound, UnlockFailed
from vault.sections import Section
from web import cli_writes, demo, schemas
from web.client import home as local_home
from web.client.api import DEFAULT_SERVER, Api, ApiError
from web.client.consent import (
    DURATIONS,
    contact_code,
    contact_scan,
    issue_contact_grant,
    issue_grant,
    list_grants,
    revoke_grant,
    scan,
    verified_history,
)
from web.client.directory import approve
from web.client.directory import authority_key as directory_authority_key
from web.client.emergency import (
    allow_break_glass,
    break_glass,
    card_png,
    issue_card,
    open_card,
    refuse_break_glass,
)
from web.client.emergency import service_key as emergency_service_key
from web.client.patient import activate, login, logout, recover
from web.client.professional import ProfessionalIdentity
from web.nir import parse_nir

EXIT_OK: Final = 0
EXIT_INTERNAL: Final = 1
EXIT_REFUSED: Final = 2
PROG: Final = "carnet"
PS_ID_RE: Final = re.compile(r"^(8\d{11}|0\d{9})$")
MEDIA_TYPES: Final = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg",
                      ".jpeg": "image/jpeg", ".webp": "image/webp", ".txt": "text/plain"}
ROLES: Final = ("pharmacist", "emergency", "activation_agent")
REGISTRY_BATCH: Final = 1000
WIDE: Final = 200
TABLE_MIN_WIDTH: Final = 110
LOCAL_OPERATOR_TOKEN: Final = Path("var") / "operator.token"
LOCAL_AUTHORITY_KEY: Final = Path("var") / "authority.key"
LOCAL_EMERGENCY_KEY: Final = Path("var") / "emergency.key"
Handler = Callable[["Ctx"], Awaitable[None]]


class CliError(Exception):
    """Bad input or a refusal decided by the CLI itself: exit 2 with this message."""

    code = "usage"


class Parser(argparse.ArgumentParser):
    """argparse, but errors become :class:`CliError` (one line, exit 2, no usage dump)."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{message} (see: {self.prog} --help)")


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
def _clock() -> int:
    return int(time.time())


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


def refuse_existing(path: str, force: bool) -> Path:
    target = Path(path)
    if target.exists() and not force:
        raise CliError(f"{target} exists; pass --force to overwrite it")
    return target


# ------------------------------------------------------------------------------ rendering
def when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def author_of(item: Item) -> str:
    if item.own:
        return "you"
    return item.author.name or item.author.id or item.author.kind


def item_json(item: Item) -> dict[str, Any]:
    """An item for --json: content, author and flags; never the attachment's key."""
    att = item.attachment
    return {"item_id": item.item_id, "revision": item.revision, "section": item.section.value,
            "type": item.item_type, "title": item.title, "date": item.date, "body": item.body,
            "author": {"kind": item.author.kind, "id": item.author.id,
                       "name": item.author.name},
            "created_at": item.created_at, "masked": item.masked, "own": item.own,
            "attachment": None if att is None else {"name": att.name,
                                                    "media_type": att.media_type,
                                                    "size": att.size}}


def flags_of(item: Item) -> str:
    return " ".join(f for f, on in (("masked", item.masked), ("own", item.own),
                                    ("attachment", item.attachment is not None)) if on)


def items_table(found: list[Item]) -> Table:
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    for name in ("id", "date", "section", "type", "title", "author", "flags"):
        table.add_column(name, no_wrap=name in ("id", "date"), overflow="fold",
                         ratio=3 if name == "title" else None)
    for i in found:
        table.add_row(*(Text(v) for v in (i.item_id, i.date, i.section.value, i.item_type,
                                          i.title, author_of(i), flags_of(i))))
    return table


def print_items(console: Console, found: list[Item]) -> None:
    """A table when the console is wide enough, else two lines per item."""
    if console.width >= TABLE_MIN_WIDTH:
        console.print(items_table(found))
        return
    for i in found:
        line = Text(f"{i.item_id}  {i.date}  {i.section.value}/{i.item_type}")
        line.append(f"  {flags_of(i)}", style="dim")
        console.print(line)
        console.print(Text(f"    {i.title}  ({author_of(i)})"))


def print_item(console: Console, item: Item) -> None:
    head = Text(f"{item.title}", style="bold")
    head.append(f"  (revision {item.revision}{', masked' if item.masked else ''})",
                style="dim")
    console.print(head)
    rows = [("id", item.item_id), ("section", item.section.value), ("type", item.item_type),
            ("date", item.date), ("author", author_of(item)),
            ("written", when(item.created_at))]
    if item.attachment is not None:
        a = item.attachment
        rows.append(("attachment", f"{a.name} ({a.media_type}, {a.size} bytes)"))
    for name, value in rows:
        console.print(Text(f"  {name:<11}{value}"))
    if item.body:
        console.print(Text(json.dumps(item.body, ensure_ascii=False, indent=2)))


def recovery_warning(code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(Text("Recovery code (shown once, never stored anywhere):", style="bold"))
        console.print(Text(f"    {code}", style="bold yellow"))
        console.print("Print it or write it down and keep it somewhere safe: it is the only "
                      "way back into your dossier if you forget your passphrase. Carnet "
                      "cannot recover it for you.", markup=False)
    return show


# ------------------------------------------------------------------------------ sessions
@dataclass
class PatientSession:
    api: Api
    dossier: Dossier
    profile: local_home.Profile | None


def _patient_profile(ctx: Ctx) -> tuple[str, local_home.Profile | None]:
    """The NIR to log in with and the home profile (None when --nir names someone else)."""
    nir_option = ctx.opt("nir")
    has_home = local_home.exists(ctx.home, "patient")
    if nir_option is None and not has_home:
        raise CliError(f"no patient profile in {ctx.home}: activate first "
                       "(carnet patient activate), or pass --nir")
    if nir_option is None:
        profile = local_home.load(ctx.home, "patient", ctx.passphrase())
        return profile.login, profile
    nir = parse_nir(nir_option)
    if has_home:
        with contextlib.suppress(VaultError):
            profile = local_home.load(ctx.home, "patient", ctx.passphrase())
            if profile.login == nir:
                return nir, profile
    return nir, None


@contextlib.asynccontextmanager
async def patient_session(ctx: Ctx) -> AsyncIterator[PatientSession]:
    """Log in as the patient (NIR from the home or --nir, the passphrase); logs out after."""
    nir, profile = _patient_profile(ctx)
    passphrase = ctx.passphrase()
    async with ctx.api(ctx.server(profile)) as api:
        dossier = await login(api, nir, passphrase, clock=_clock)
        try:
            yield PatientSession(api, dossier, profile)
        finally:
            await quiet_logout(api)


async def quiet_logout(api: Api) -> None:
    """End the session if it still exists; a failure here changes nothing for the user."""
    with contextlib.suppress(ApiError, VaultError, OSError):
        await logout(api)


def pro_identity(ctx: Ctx) -> tuple[local_home.Profile, ProfessionalIdentity]:
    if not local_home.exists(ctx.home, "pro"):
        raise CliError(f"no professional identity in {ctx.home}: run carnet pro register")
    profile = local_home.load(ctx.home, "pro", ctx.passphrase())
    if profile.sign_seed is None or profile.box_secret is None:
        raise CliError("the professional profile in the home has no keys")
    return profile, ProfessionalIdentity(profile.login, profile.sign_seed, profile.box_secret)


def operator_token(ctx: Ctx) -> str:
    """--operator-token-file, else $CARNET_OPERATOR_TOKEN, else ./var/operator.token."""
    path = ctx.opt("operator_token_file")
    if path:
        return read_secret_file(path, "operator token").strip()
    if ctx.env.get("CARNET_OPERATOR_TOKEN"):
        return ctx.env["CARNET_OPERATOR_TOKEN"].strip()
    if LOCAL_OPERATOR_TOKEN.is_file():
        return read_secret_file(str(LOCAL_OPERATOR_TOKEN), "operator token").strip()
    raise CliError("no operator token: use --operator-token-file F, $CARNET_OPERATOR_TOKEN, "
                   "or run where ./var/operator.token exists")


def authority_key(ctx: Ctx) -> nacl.signing.SigningKey:
    """The directory authority's signing key: --authority-key-file, else
    $CARNET_AUTHORITY_KEY_FILE, else ./var/authority.key (64 hex digits)."""
    path = ctx.opt("authority_key_file") or ctx.env.get("CARNET_AUTHORITY_KEY_FILE")
    if not path:
        if not LOCAL_AUTHORITY_KEY.is_file():
            raise CliError("no directory authority key: use --authority-key-file F, "
                           "$CARNET_AUTHORITY_KEY_FILE, or run where ./var/authority.key exists")
        path = str(LOCAL_AUTHORITY_KEY)
    try:
        seed = bytes.fromhex(read_secret_file(path, "directory authority key").strip())
        return nacl.signing.SigningKey(seed)
    except ValueError:
        raise CliError(f"{path} does not hold a directory authority key (64 hex)") from None


def _pinned_authority_path(ctx: Ctx) -> Path:
    return ctx.home / "directory-authority.txt"


async def pinned_authority(ctx: Ctx, api: Api) -> bytes:
    """--authority-key HEX, else the key this home pinned, else the server's, pinned now
    (trust on first use: compare it with the operator's published key)."""
    given = ctx.opt("authority_key")
    if given:
        try:
            key = bytes.fromhex(given)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise CliError("--authority-key must be 64 hex digits")
        return key
    path = _pinned_authority_path(ctx)
    if path.is_file():
        return bytes.fromhex(path.read_text().strip())
    key = await directory_authority_key(api)
    local_home.ensure_dir(ctx.home)
    path.write_text(key.hex() + "\n")
    ctx.out.note(f"pinned the directory authority key {key.hex()[:16]}... in {path}")
    return key


def operator_api(ctx: Ctx) -> Api:
    return ctx.api(ctx.server(), session=operator_token(ctx))


# ------------------------------------------------------------------------------ operator
def registry_batches(text: str, size: int = REGISTRY_BATCH) -> Iterator[tuple[int, str, int]]:
    """Split a registry CSV into (records before, CSV with the header, records) batches."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise CliError("the registry file is empty")
    header, body = rows[0], [r for r in rows[1:] if r]  # the server skips empty rows too
    for start in range(0, max(len(body), 1), size):
        chunk = body[start:start + size]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(chunk)
        yield start, buffer.getvalue(), len(chunk)


async def op_load_registry(ctx: Ctx) -> None:
    """POST the CSV in batches of REGISTRY_BATCH records. JSON: {loaded, updated,
    rejected: [{line, reason}]} (line numbers count records, header = 1)."""
    batches = list(registry_batches(read_text(ctx.args.file)))
    loaded = updated = 0
    rejected: list[dict[str, Any]] = []
    async with operator_api(ctx) as api:
        with ctx.out.progress() as bar:
            task = bar.add_task("loading the registry", total=sum(n for _, _, n in batches))
            for before, chunk, count in batches:
                result = await api.send("POST", "/operator/registry",
                                        schemas.RegistryLoadBody(csv=chunk),
                                        schemas.RegistryLoadResult)
                loaded, updated = loaded + result.loaded, updated + result.updated
                rejected += [{"line": r.line + before, "reason": r.reason}
                             for r in result.rejected]
                bar.advance(task, count)

    def show(console: Console) -> None:
        console.print(f"loaded {loaded}, updated {updated}, rejected {len(rejected)}",
                      markup=False)
        for r in rejected:
            console.print(Text(f"  line {r['line']}: {r['reason']}"))
    ctx.out.emit({"loaded": loaded, "updated": updated, "rejected": rejected}, show)


async def op_send_codes(ctx: Ctx) -> None:
    """Send codes to beneficiaries without a dossier (all, or the --nir ones). JSON:
    {sent, skipped}."""
    nirs = [parse_nir(n) for n in ctx.args.nir] if ctx.args.nir else None
    async with operator_api(ctx) as api:
        result = await api.send("POST", "/operator/codes",
                                schemas.SendCodesBody(channel=ctx.args.channel, nirs=nirs),
                                schemas.SendCodesResult)
    ctx.out.emit({"sent": result.sent, "skipped": result.skipped},
                 f"codes sent by {ctx.args.channel}: {result.sent}; skipped (already "
                 f"activated, or no address for this channel): {result.skipped}")


def pro_json(p: schemas.ProfessionalBody) -> dict[str, Any]:
    return {"ps_id": p.ps_id, "name": p.name, "profession": p.profession,
            "specialty": p.specialty, "city": p.city, "status": p.status, "roles": p.roles,
            "fingerprint": fingerprint(p.sign_public).hex()}


async def op_professionals(ctx: Ctx) -> None:
    """Every professional (pages followed), optionally of one --status. JSON:
    {professionals: [{ps_id, name, profession, specialty, city, status, roles,
    fingerprint}]}."""
    found: list[schemas.ProfessionalBody] = []
    async with operator_api(ctx) as api:
        while True:
            params: dict[str, str] = {"after": found[-1].ps_id} if found else {}
            if ctx.args.status:
                params["status"] = ctx.args.status
            page = await api.get("/operator/professionals", schemas.ProfessionalList,
                                 params=params)
            found += page.professionals
            if not page.professionals:
                break

    def show(console: Console) -> None:
        table = Table()
        for name in ("idNat_PS", "name", "profession", "specialty", "city", "status",
                     "roles"):
            table.add_column(name, no_wrap=name == "idNat_PS")
        for p in found:
            table.add_row(*(Text(v) for v in (p.ps_id, p.name, p.profession, p.specialty,
                                              p.city, p.status, ", ".join(p.roles))))
        console.print(table)
    ctx.out.emit({"professionals": [pro_json(p) for p in found]}, show)


async def op_approve(ctx: Ctx) -> None:
    """Approve PS_ID with the --role roles. JSON: the professional (as in
    ``professionals``)."""
    ps_id = check_ps_id(ctx.args.ps_id)
    roles = list(dict.fromkeys(ctx.args.role or []))
    authority = authority_key(ctx)
    async with operator_api(ctx) as api:
        p = await approve(api, ps_id, roles, authority)
    ctx.out.emit(pro_json(p), f"{p.ps_id} ({p.name}) approved; roles: "
                              f"{', '.join(p.roles) or 'none'}")


async def op_block(ctx: Ctx) -> None:
    """Block PS_ID (its sessions end). JSON: the professional."""
    ps_id = check_ps_id(ctx.args.ps_id)
    async with operator_api(ctx) as api:
        p = await api.send("POST", f"/operator/professionals/{ps_id}/block", None,
                           schemas.ProfessionalBody)
    ctx.out.emit(pro_json(p), f"{p.ps_id} ({p.name}) blocked: their sessions are closed")


# ------------------------------------------------------------------------------ professional
async def pro_register(ctx: Ctx) -> None:
    """New keys, sealed in HOME/pro.carnet, then registered (pending approval); the file
    is removed again if the server refuses. JSON: the professional."""
    ps_id = check_ps_id(ctx.args.id)
    if local_home.exists(ctx.home, "pro"):
        raise CliError(f"{ctx.home} already holds a professional identity; use another --home")
    server = ctx.server()
    passphrase = ctx.new_passphrase(from_global=True)
    identity = ProfessionalIdentity.new(ps_id)
    local_home.save(ctx.home, local_home.Profile(
        role="pro", server=server, login=ps_id, sign_seed=identity.sign_seed,
        box_secret=identity.box_secret, name=ctx.args.name, profession=ctx.args.profession),
        passphrase)
    try:
        async with ctx.api(server) as api:
            p = await identity.register(api, name=ctx.args.name,
                                        profession=ctx.args.profession,
                                        specialty=ctx.args.specialty or "",
                                        city=ctx.args.city or "", email=ctx.args.email or "")
    except (ApiError, VaultError):  # refused or not sent: these keys are worth nothing
        local_home.remove(ctx.home, "pro")
        raise
    ctx.out.emit(pro_json(p), f"{p.ps_id} registered ({p.status}): the operator must approve "
                              f"you before you can log in. Keys saved in {ctx.home}.")


async def pro_whoami(ctx: Ctx) -> None:
    """The identity in the home and its status on the server (``approved``, ``not approved
    (pending or blocked)`` or ``unreachable``; works offline). JSON: {ps_id, name,
    profession, server, status, roles, fingerprint}."""
    profile, identity = pro_identity(ctx)
    status, roles, server = "unknown", [], ctx.server(profile)
    async with ctx.api(server) as api:
        try:
            entry = await api.get(f"/professionals/{identity.ps_id}", schemas.ProfessionalBody,
                                  auth=False)
            status, roles = entry.status, entry.roles
        except (NotFound, ApiError) as exc:
            status = "unreachable" if getattr(exc, "code", "") == "unreachable" else \
                "not approved (pending or blocked)"
    data = {"ps_id": identity.ps_id, "name": profile.name, "profession": profile.profession,
            "server": server, "status": status, "roles": roles,
            "fingerprint": fingerprint(identity.signing_key.verify_key.encode()).hex()}
    ctx.out.emit(data, "\n".join(f"{k:<12}{', '.join(v) if isinstance(v, list) else v}"
                                 for k, v in data.items()))


async def pro_login(api: Api, identity: ProfessionalIdentity) -> None:
    """Log in with the professional's key; a refusal says what to check."""
    try:
        await identity.login(api)
    except ApiError as exc:
        if exc.status != 401:
            raise
        raise CliError(f"the server refused the login of {identity.ps_id}: is it approved "
                       "(carnet pro whoami) and is this the right server?") from None


async def pharmacist_start(ctx: Ctx) -> None:
    """Log in as the pharmacist of the home and get a code for the patient present. JSON:
    {code, expires_at}."""
    nir = parse_nir(ctx.args.nir)
    birth = check_date(ctx.args.birth_date, "--birth-date")
    profile, identity = pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        await pro_login(api, identity)
        try:
            body = await identity.start_activation(api, nir, birth)
        finally:
            await quiet_logout(api)
    ctx.out.emit({"code": body.code, "expires_at": body.expires_at},
                 f"Activation code for the patient: {body.code}\n(valid until "
                 f"{when(body.expires_at)}, single use; the patient runs: carnet patient "
                 "activate --nir <NIR> --code <code>)")


# ------------------------------------------------------------------------------ patient: access
async def patient_request_code(ctx: Ctx) -> None:
    """Ask for a code by e-mail or post; the answer is the same whether the NIR exists or
    not. JSON: {detail}."""
    nir = parse_nir(ctx.args.nir)
    birth = check_date(ctx.args.birth_date, "--birth-date")
    async with ctx.api(ctx.server()) as api:
        body = await api.send("POST", "/activation/request",
                              schemas.ActivationRequest(nir=nir, birth_date=birth),
                              schemas.AcceptedBody, auth=False)
    ctx.out.emit({"detail": body.detail}, body.detail)


async def patient_activate(ctx: Ctx) -> None:
    """Create the dossier with NIR + code and the new passphrase; save
    HOME/patient.carnet; print the recovery code once. JSON: {dossier_id, recovery_code,
    home_saved}."""
    nir = parse_nir(ctx.args.nir)
    home = ctx.home
    if local_home.exists(home, "patient"):
        raise CliError(f"{home} already holds a patient profile; use another --home")
    local_home.ensure_dir(home)
    passphrase = ctx.new_passphrase(from_global=True)
    server = ctx.server()
    async with ctx.api(server) as api:
        dossier, code = await activate(api, nir, ctx.args.code, passphrase, clock=_clock)
        if ctx.args.break_glass == "on":  # chosen at activation; `patient break-glass off` undoes
            await allow_break_glass(dossier, api, await emergency_service_key(api))
        await quiet_logout(api)
    saved: OSError | None = None
    try:
        local_home.save(home, local_home.Profile(role="patient", server=server, login=nir,
                                                 dossier_id=dossier.dossier_id), passphrase)
    except OSError as exc:  # the recovery code must still be shown: it exists nowhere else
        saved = exc
    ctx.out.emit({"dossier_id": dossier.dossier_id, "recovery_code": code,
                  "home_saved": saved is None}, _activated(dossier.dossier_id, code))
    if saved is not None:
        raise CliError(f"the dossier is active but the profile could not be saved in {home} "
                       f"({saved.strerror}); use --nir with the patient commands")


def _activated(dossier_id: str, code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(f"Dossier {dossier_id} is active.", markup=False)
        recovery_warning(code)(console)
    return show


async def patient_unlock(ctx: Ctx) -> None:
    """Log in and count the items. JSON: {dossier_id, items}."""
    async with patient_session(ctx) as s:
        count = len(await s.dossier.list())
    ctx.out.emit({"dossier_id": s.dossier.dossier_id, "items": count},
                 f"dossier {s.dossier.dossier_id} unlocked: {count} items")


async def patient_passphrase(ctx: Ctx) -> None:
    """Change the passphrase (new one from --new-passphrase-file or
    $CARNET_NEW_PASSPHRASE) and reseal the home with it. JSON: {changed, home_resealed}."""
    current = ctx.passphrase()
    new = ctx.new_passphrase()
    if new == current:
        raise CliError("the new passphrase is the same as the current one")
    async with patient_session(ctx) as s:
        await s.dossier.change_passphrase(new)
    resealed = s.profile is not None
    if s.profile is not None:
        try:
            local_home.save(ctx.home, s.profile, new)
        except OSError as exc:
            raise CliError(f"the passphrase is changed, but the profile in {ctx.home} could "
                           f"not be resealed ({exc.strerror}): it still opens with the old "
                           "passphrase; log in with --nir meanwhile") from None
    ctx.out.emit({"changed": True, "home_resealed": resealed},
                 "passphrase changed" + (f"; the profile in {ctx.home} is sealed with it"
                                         if resealed else ""))


async def patient_recover(ctx: Ctx) -> None:
    """Set a new passphrase with the recovery code; the home is (re)written. JSON:
    {dossier_id}."""
    nir = parse_nir(ctx.args.nir)
    code = ctx.secret(ctx.args.recovery_code_file, "CARNET_RECOVERY_CODE", "recovery code",
                       "--recovery-code-file", confirm=False)
    new = ctx.new_passphrase()
    server = ctx.server()
    async with ctx.api(server) as api:
        dossier = await recover(api, nir, code, new, clock=_clock)
        await quiet_logout(api)
    local_home.save(ctx.home, local_home.Profile(role="patient", server=server, login=nir,
                                                 dossier_id=dossier.dossier_id), new)
    ctx.out.emit({"dossier_id": dossier.dossier_id},
                 f"passphrase replaced for dossier {dossier.dossier_id}; your recovery code "
                 "still works (replace it with: carnet patient new-recovery-code)")


async def patient_new_recovery_code(ctx: Ctx) -> None:
    """Replace the recovery code; print the new one once. JSON: {recovery_code}."""
    async with patient_session(ctx) as s:
        code = await s.dossier.new_recovery_code()
    ctx.out.emit({"recovery_code": code}, recovery_warning(code))
    ctx.out.note("the previous recovery code no longer works")


async def patient_close(ctx: Ctx) -> None:
    """With --yes only: close the dossier (crypto-shredding) and remove the home's
    profile. JSON: {closed, closed_at, profile_removed}."""
    if not ctx.args.yes:
        raise CliError("closing deletes your dossier for ever; export it first (carnet "
                       "patient export FILE), then run again with --yes")
    async with patient_session(ctx) as s:
        stone = await s.dossier.close()
    removed = s.profile is not None and local_home.remove(ctx.home, "patient")
    ctx.out.emit({"closed": stone.dossier_id, "closed_at": stone.closed_at,
                  "profile_removed": removed},
                 f"dossier {stone.dossier_id} closed: its keys and items are destroyed"
                 + (f"; profile removed from {ctx.home}" if removed else ""))


# ------------------------------------------------------------------------------ consent
def _audit_pin_path(ctx: Ctx) -> Path:
    return ctx.home / "patient.audit.json"


def _load_pin(ctx: Ctx) -> tuple[bytes | None, audit.ChainHead | None]:
    """The server's audit key and the last history head this home verified (not secret:
    they only let the next check notice a rewritten or shrunk log)."""
    path = _audit_pin_path(ctx)
    if not path.is_file():
        return None, None
    try:
        data = json.loads(path.read_text())
        return (bytes.fromhex(data["server_public"]),
                audit.ChainHead(int(data["seq"]), bytes.fromhex(data["hash"])))
    except (ValueError, KeyError, TypeError):
        raise CliError(f"{path} is damaged; remove it to trust the server's key again") from None


def _save_pin(ctx: Ctx, key: bytes, head: audit.ChainHead) -> None:
    local_home.ensure_dir(ctx.home)
    path = _audit_pin_path(ctx)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"server_public": key.hex(), "seq": head.seq,
                               "hash": head.hash.hex()}))
    tmp.replace(path)


async def patient_grant(ctx: Ctx) -> None:
    """Let a named professional read (or write) chosen sections for a while. Shows the
    consent token as text and, with --qr, writes it as a PNG or SVG QR code. JSON:
    {grant_id, token, expires_at, qr_version, qr_file}."""
    a = ctx.args
    expected: bytes | None = None
    if a.to_qr:
        ps_id, expected = identity_of(qr.read_image(read_bytes(a.to_qr)))
    else:
        ps_id = check_ps_id(a.to)
    seconds = DURATIONS[a.duration]
    sections = [Section.parse(x) for x in a.section] if a.section else None
    qr_path = refuse_existing(a.qr, a.force) if a.qr else None
    if qr_path is not None and qr_path.suffix.lower() not in (".png", ".svg"):
        raise CliError("--qr must name a .png or .svg file")
    async with patient_session(ctx) as s:
        issued = await issue_grant(s.dossier, s.api, ps_id, sections, seconds=seconds,
                                   authority_public=await pinned_authority(ctx, s.api),
                                   write=a.write, now=_clock(),
                                   expected_fingerprint=expected)
    text = issued.text
    version = qr.qr_version(text)
    if qr_path is not None:
        data = qr.render_svg(text) if qr_path.suffix.lower() == ".svg" else qr.render_png(text)
        qr_path.write_bytes(data)
    expires_at = _clock() + seconds
    ctx.out.emit({"grant_id": issued.grant_id, "token": text, "expires_at": expires_at,
                  "qr_version": version, "qr_file": str(qr_path) if qr_path else None},
                 f"grant {issued.grant_id} for {ps_id} until {when(expires_at)}\n"
                 f"consent token (show it as a QR; useless to anyone but {ps_id}):\n{text}"
                 + (f"\nQR code written to {qr_path}" if qr_path else ""))


async def patient_grants(ctx: Ctx) -> None:
    """Every grant: recipient, sections, validity, revocation. JSON: {grants: [...]}."""
    async with patient_session(ctx) as s:
        found = await list_grants(s.dossier, s.api)
    now = _clock()
    rows: list[dict[str, Any]] = []
    for g in found:
        core = grant_format.SignedGrant.decode(g.grant).core
        state = ("revoked" if g.revoked_at else "expired" if g.expires_at <= now else "active")
        rows.append({"grant_id": g.grant_id, "recipient": g.recipient_id,
                     "sections": sorted(x.value for x in core.sections), "write": g.write,
                     "issued_at": g.issued_at, "expires_at": g.expires_at, "state": state})
    ctx.out.emit({"grants": rows}, "\n".join(
        f"{r['grant_id']}  {r['recipient']}  {r['state']:<8} until {when(r['expires_at'])}  "
        f"{', '.join(r['sections'])}{' (write)' if r['write'] else ''}" for r in rows)
        or "no grants")


async def patient_revoke(ctx: Ctx) -> None:
    """Revoke a grant: its token is refused from now on, and the sections it opened get new
    keys at the next write. JSON: {revoked}."""
    grant_id = ctx.args.grant_id.strip().lower()
    async with patient_session(ctx) as s:
        await revoke_grant(s.dossier, s.api, grant_id)
    ctx.out.emit({"revoked": grant_id}, f"revoked {grant_id}")


async def patient_history(ctx: Ctx) -> None:
    """Every access and change, verified: the chain must be intact, signed by the server key
    this home pinned, and extend what this home saw last time. JSON: {events, head_seq,
    verified}."""
    pinned_key, last_seen = _load_pin(ctx)
    async with patient_session(ctx) as s:
        events, head, key = await verified_history(s.dossier, s.api, server_public=pinned_key,
                                                   last_seen=last_seen)
    _save_pin(ctx, key, head)
    rows: list[dict[str, Any]] = [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor,
             "detail": dict(e.detail), "signed_by_actor": e.signed_request} for e in events]
    ctx.out.emit({"events": rows, "head_seq": head.seq, "verified": True}, "\n".join(
        f"{r['seq']:>4}  {when(r['at'])}  {r['kind']:<16} {r['actor']}" for r in rows)
        + "\nhistory verified: intact and consistent with what this device saw before")


async def pro_scan(ctx: Ctx) -> None:
    """Read a consent token (QR image or text), check the patient's signature, and show
    what it opens. JSON: {dossier_id, sections, write, expires_at, items}."""
    a = ctx.args
    if a.image:
        text = token_format.to_text(qr.read_token(read_bytes(a.image)))
    elif a.text_file:
        text = read_text(a.text_file).strip()
    else:
        text = a.text
    token_format.from_text(text)  # not a Carnet token: say so before any login
    profile, identity = pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        await pro_login(api, identity)
        try:
            got = await scan(api, identity, text, now=_clock())
        finally:
            await quiet_logout(api)
    ctx.out.emit({"dossier_id": got.dossier_id, "sections": sorted(x.value for x in got.sections),
                  "write": got.write, "expires_at": got.expires_at,
                  "items": [item_json(i) for i in got.items]},
                 lambda console: print_items(console, got.items))


# ------------------------------------------------------------------------------ emergency
async def patient_card(ctx: Ctx) -> None:
    """Make an emergency card: writes the card (QR) as a PNG and prints its passcode ONCE, to
    be kept apart from the card. JSON: {card_id, passcode, expires_at, file}."""
    out = refuse_existing(ctx.args.out, ctx.args.force)
    async with patient_session(ctx) as s:
        made = await issue_card(s.dossier, s.api, days=ctx.args.days)
    out.write_bytes(card_png(made.text, made.expires_at))
    ctx.out.emit({"card_id": made.card_id, "passcode": made.passcode,
                  "expires_at": made.expires_at, "file": str(out)},
                 f"emergency card {made.card_id} written to {out} (until "
                 f"{when(made.expires_at)})\npasscode: {made.passcode}\nKeep the passcode apart "
                 "from the card (e.g. with your emergency contact): five wrong tries lock it.")


async def patient_revoke_card(ctx: Ctx) -> None:
    """Revoke an emergency card. JSON: {revoked}."""
    card_id = ctx.args.card_id.strip().lower()
    async with patient_session(ctx) as s:
        await s.api.call("DELETE", f"/dossiers/{s.dossier.dossier_id}/cards/{card_id}")
    ctx.out.emit({"revoked": card_id}, f"card {card_id} revoked")


async def patient_break_glass(ctx: Ctx) -> None:
    """Allow (on) or refuse (off) break-glass access by the emergency service to the
    emergency summary. JSON: {break_glass}."""
    on = ctx.args.state == "on"
    async with patient_session(ctx) as s:
        if on:
            await allow_break_glass(s.dossier, s.api, await emergency_service_key(s.api))
        else:
            await refuse_break_glass(s.dossier, s.api)
    ctx.out.emit({"break_glass": ctx.args.state},
                 "break-glass " + ("allowed: the emergency service can open your emergency "
                                   "summary; every use is logged and e-mailed to you" if on
                                   else "refused"))


async def emergency_open(ctx: Ctx) -> None:
    """Open an emergency card (QR image or text) with its passcode (--passcode-file or
    $CARNET_CARD_PASSCODE). JSON: {items}."""
    a = ctx.args
    text = (card_text_of(qr.read_image(read_bytes(a.image))) if a.image else a.text)
    parse_card(text)
    passcode = ctx.secret(a.passcode_file, "CARNET_CARD_PASSCODE", "card passcode",
                          "--passcode-file", confirm=False)
    async with ctx.api(ctx.server()) as api:
        found = await open_card(api, text, passcode, who=a.who or "")
    ctx.out.emit({"items": [item_json(i) for i in found]},
                 lambda console: print_items(console, found))


async def emergency_break_glass(ctx: Ctx) -> None:
    """Break the glass as a professional with the emergency role (identity in the home, the
    service key in --service-key-file or ./var/emergency.key). JSON: {items}."""
    a = ctx.args
    nir = parse_nir(a.nir)
    path = a.service_key_file or str(LOCAL_EMERGENCY_KEY)
    try:
        secret = bytes.fromhex(read_secret_file(path, "emergency service key").strip())
    except ValueError:
        raise CliError(f"{path} does not hold an emergency service key (64 hex)") from None
    profile, identity = pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        await pro_login(api, identity)
        try:
            found = await break_glass(api, identity, secret, nir, a.reason, now=_clock())
        finally:
            await quiet_logout(api)
    ctx.out.emit({"items": [item_json(i) for i in found]},
                 lambda console: print_items(console, found))


def identity_of(texts: list[str]) -> tuple[str, bytes]:
    for text in texts:
        try:
            return identity_format.decode(text)
        except ConsentError:
            continue
    raise CliError("this image holds no Carnet professional identity code")


async def pro_identity_qr(ctx: Ctx) -> None:
    """Write this professional's identity QR (idNat_PS + key fingerprint) for patients to
    scan. JSON: {ps_id, fingerprint, file}."""
    out = refuse_existing(ctx.args.out, ctx.args.force)
    _, identity = pro_identity(ctx)
    fpr = fingerprint(identity.signing_key.verify_key.encode())
    out.write_bytes(qr.render_png(identity_format.encode(identity.ps_id, fpr)))
    ctx.out.emit({"ps_id": identity.ps_id, "fingerprint": fpr.hex(), "file": str(out)},
                 f"identity QR of {identity.ps_id} (key {fpr.hex()[:16]}...) written to {out}")


async def patient_contact_code(ctx: Ctx) -> None:
    """Your emergency-contact code (and QR with --qr), for a patient who names you as their
    emergency contact. JSON: {code, qr_file}."""
    qr_path = refuse_existing(ctx.args.qr, ctx.args.force) if ctx.args.qr else None
    async with patient_session(ctx) as s:
        code = contact_code(s.dossier)
    if qr_path is not None:
        qr_path.write_bytes(qr.render_png(code))
    ctx.out.emit({"code": code, "qr_file": str(qr_path) if qr_path else None},
                 f"emergency-contact code:\n{code}"
                 + (f"\nQR written to {qr_path}" if qr_path else ""))


async def patient_add_contact(ctx: Ctx) -> None:
    """Name an emergency contact who has a Carnet account (their code, shown in person): a
    standing grant on your emergency summary. Give them the token. JSON: {grant_id, token,
    expires_at}."""
    a = ctx.args
    code = a.code if a.code else _first_text(qr.read_image(read_bytes(a.image)))
    seconds = DURATIONS[a.duration]
    async with patient_session(ctx) as s:
        issued = await issue_contact_grant(s.dossier, s.api, code, seconds=seconds,
                                           now=_clock())
    ctx.out.emit({"grant_id": issued.grant_id, "token": issued.text,
                  "expires_at": _clock() + seconds},
                 f"contact grant {issued.grant_id}; give your contact this token:\n"
                 f"{issued.text}")


async def patient_read_contact(ctx: Ctx) -> None:
    """As an emergency contact: open the summary a patient granted you (token text or QR).
    JSON: {dossier_id, items}."""
    a = ctx.args
    text = a.text if a.text else token_format.to_text(qr.read_token(read_bytes(a.image)))
    async with patient_session(ctx) as s:
        got = await contact_scan(s.dossier, s.api, text, now=_clock())
    ctx.out.emit({"dossier_id": got.dossier_id, "items": [item_json(i) for i in got.items]},
                 lambda console: print_items(console, got.items))


def _first_text(texts: list[str]) -> str:
    if not texts:
        raise CliError("no code found in this image")
    return texts[0]


def card_text_of(texts: list[str]) -> str:
    for text in texts:
        try:
            parse_card(text)
        except ConsentError:
            continue
        return text
    raise CliError("this image holds no Carnet emergency card")


def _emergency_parsers(top: Any, subs: Any, nir: argparse.ArgumentParser) -> None:
    p = _leaf(subs, "card", patient_card, "make an emergency card (PNG) and its passcode", [nir])
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = _leaf(subs, "contact-code", patient_contact_code, "your emergency-contact code", [nir])
    p.add_argument("--qr", metavar="FILE.png")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = _leaf(subs, "add-contact", patient_add_contact, "name an emergency contact who has an "
              "account (standing grant on your summary)", [nir])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--code", metavar="TEXT")
    g.add_argument("--image", metavar="FILE")
    p.add_argument("--duration", choices=sorted(DURATIONS), default="1y")
    p = _leaf(subs, "read-contact", patient_read_contact, "as an emergency contact, open what "
              "a patient granted you", [nir])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--text", metavar="TOKEN")
    g.add_argument("--image", metavar="FILE")
    p = _leaf(subs, "revoke-card", patient_revoke_card, "revoke an emergency card", [nir])
    p.add_argument("card_id", metavar="CARD_ID")
    p = _leaf(subs, "break-glass", patient_break_glass, "allow or refuse break-glass", [nir])
    p.add_argument("state", choices=("on", "off"))
    em = top.add_parser("emergency", help="emergency access", parents=[_common(sub=True)])
    esubs = em.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _leaf(esubs, "open", emergency_open, "open an emergency card with its passcode")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--image", metavar="FILE")
    g.add_argument("--text", metavar="CARD")
    p.add_argument("--passcode-file", metavar="F")
    p.add_argument("--who", metavar="TEXT", help="who opens it (logged)")
    p = _leaf(esubs, "break-glass", emergency_break_glass, "open a patient's emergency summary "
              "as the emergency service (logged, e-mailed to the patient)")
    p.add_argument("--nir", required=True)
    p.add_argument("--reason", required=True)
    p.add_argument("--service-key-file", metavar="F")


# ------------------------------------------------------------------------------ patient: items
def _written(item: Item, verb: str) -> tuple[dict[str, Any], str]:
    return ({"item_id": item.item_id, "revision": item.revision, "masked": item.masked},
            f"{verb} {item.item_id} (revision {item.revision}"
            f"{', masked' if item.masked else ''})")


async def patient_add(ctx: Ctx) -> None:
    """Add an item. JSON: {item_id, revision, masked} (no content)."""
    a = ctx.args
    date = check_date(a.date)
    body = read_body(a)
    attachment = read_attachment(a.attach, a.media_type) if a.attach else None
    async with patient_session(ctx) as s:
        item = await s.dossier.add(a.section, a.type, a.title, date, body,
                                   attachment=attachment)
    ctx.out.emit(*_written(item, "added"))


def _edits(a: argparse.Namespace) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if a.title is not None:
        changes["title"] = a.title
    if a.date is not None:
        changes["date"] = check_date(a.date)
    if a.type is not None:
        changes["item_type"] = a.type
    body = read_body(a)
    if body is not None:
        changes["body"] = body
    if a.attach:
        changes["attachment"] = read_attachment(a.attach, a.media_type)
    elif a.remove_attachment:
        changes["attachment"] = None
    if not changes:
        raise CliError("nothing to change: give --title, --date, --type, --body, "
                       "--body-file, --attach or --remove-attachment")
    return changes


async def patient_edit(ctx: Ctx) -> None:
    """Write a new revision of one of the patient's items. JSON: {item_id, revision,
    masked}."""
    changes = _edits(ctx.args)
    async with patient_session(ctx) as s:
        item = await s.dossier.edit(ctx.args.item_id, **changes)
    ctx.out.emit(*_written(item, "edited"))


async def patient_delete(ctx: Ctx) -> None:
    """Delete an item and its history. JSON: {deleted}."""
    async with patient_session(ctx) as s:
        await s.dossier.delete(ctx.args.item_id)
    ctx.out.emit({"deleted": ctx.args.item_id}, f"deleted {ctx.args.item_id}")


async def patient_list(ctx: Ctx) -> None:
    """Latest revisions, newest date first. JSON: {dossier_id, items: [item]} (see
    :func:`item_json`)."""
    section = Section.parse(ctx.args.section) if ctx.args.section else None
    async with patient_session(ctx) as s:
        found = await s.dossier.list(section)

    def show(console: Console) -> None:
        if not found:
            console.print("no items", markup=False)
            return
        print_items(console, found)
    if s.dossier.unreadable:
        ctx.out.note(f"{len(s.dossier.unreadable)} item(s) could not be decrypted and are not "
                     f"shown: {', '.join(s.dossier.unreadable)} (see patient history; delete "
                     "them with patient delete)")
    ctx.out.emit({"dossier_id": s.dossier.dossier_id, "items": [item_json(i) for i in found],
                  "unreadable": s.dossier.unreadable}, show)


async def patient_show(ctx: Ctx) -> None:
    """One item, or every revision with --history; --save-attachment writes the attachment
    (0600, refuses to overwrite without --force). JSON: {item, history?,
    attachment_saved?}."""
    a = ctx.args
    target = refuse_existing(a.save_attachment, a.force) if a.save_attachment else None
    async with patient_session(ctx) as s:
        revisions = (await s.dossier.history(a.item_id) if a.history
                     else [await s.dossier.get(a.item_id)])
        data = await s.dossier.attachment(revisions[-1]) if target else None
    if target is not None and data is not None:
        local_home.write_private(target, data)
        ctx.out.note(f"attachment saved to {target}")
    shown = revisions if a.history else revisions[-1:]

    def show(console: Console) -> None:
        for i, item in enumerate(shown):
            if i:
                console.print()
            print_item(console, item)
    doc: dict[str, Any] = {"item": item_json(revisions[-1])}
    if a.history:
        doc["history"] = [item_json(i) for i in revisions]
    if target is not None:
        doc["attachment_saved"] = str(target)
    ctx.out.emit(doc, show)


async def _masking(ctx: Ctx, masked: bool) -> None:
    a = ctx.args
    verb = "masked" if masked else "unmasked"
    async with patient_session(ctx) as s:
        if a.section:
            section = Section.parse(a.section)
            fn = s.dossier.mask_section if masked else s.dossier.unmask_section
            count = await fn(section)
            result: tuple[dict[str, Any], str] = (
                {"section": section.value, verb: True, "items": count},
                f"section {section.value} {verb} ({count} items"
                + (", and every item added to it later)" if masked else ")"))
        else:
            await (s.dossier.mask if masked else s.dossier.unmask)(a.item_id)
            result = ({"item_id": a.item_id, verb: True}, f"{a.item_id} {verb}")
    ctx.out.emit(*result)


async def patient_mask(ctx: Ctx) -> None:
    """Mask ITEM_ID or --section S. JSON: {item_id, masked} or {section, masked, items}."""
    await _masking(ctx, True)


async def patient_unmask(ctx: Ctx) -> None:
    """Unmask ITEM_ID or --section S. JSON: {item_id, unmasked} or {section, unmasked,
    items}."""
    await _masking(ctx, False)


# ------------------------------------------------------------------------------ patient: archive
async def patient_export(ctx: Ctx) -> None:
    """Write the encrypted archive to FILE (0600; refuses to overwrite without --force,
    checked before login). JSON: {file, bytes}."""
    target = refuse_existing(ctx.args.file, ctx.args.force)
    async with patient_session(ctx) as s:
        with ctx.out.progress() as bar:
            task = bar.add_task("exporting (decrypting and re-encrypting)", total=1)
            data = await s.dossier.export_archive()
            bar.advance(task)
    local_home.write_private(target, data)
    ctx.out.emit({"file": str(target), "bytes": len(data)},
                 f"archive written to {target} ({len(data)} bytes); it opens with your "
                 "passphrase or recovery code as they are today, even after closing")


def _open_archive(ctx: Ctx, blob: bytes) -> ArchiveContents:
    """Open with --recovery-code-file, --archive-passphrase-file, or the current passphrase.
    An archive keeps the secrets of its export time: a hint says so when they fail."""
    code_file, pass_file = ctx.args.recovery_code_file, ctx.args.archive_passphrase_file
    try:
        if code_file:
            return open_archive(blob, recovery_code=read_secret_file(code_file,
                                                                     "recovery code"))
        secret = (read_secret_file(pass_file, "archive passphrase") if pass_file
                  else ctx.passphrase())
        return open_archive(blob, passphrase=secret)
    except UnlockFailed:
        raise CliError("this archive does not open with that secret; it opens with the "
                       "passphrase or recovery code the dossier had when it was exported "
                       "(--archive-passphrase-file F or --recovery-code-file F)") from None


def archive_groups(contents: ArchiveContents) -> list[ArchiveContents]:
    """One Contents per item (its revisions in order); the masked sections ride with the
    first, so that importing them one by one equals importing all at once."""
    order: dict[str, list[ArchiveEntry]] = {}
    for entry in contents.entries:
        order.setdefault(entry.item.item_id, []).append(entry)
    groups = [ArchiveContents(contents.dossier_id, contents.exported_at, entries)
              for entries in order.values()]
    if not groups:
        groups = [ArchiveContents(contents.dossier_id, contents.exported_at, [])]
    first = groups[0]
    groups[0] = ArchiveContents(first.dossier_id, first.exported_at, first.entries,
                                contents.masked_sections)
    return groups


async def patient_import(ctx: Ctx) -> None:
    """Open FILE (current passphrase, --archive-passphrase-file or --recovery-code-file)
    and re-encrypt its items into this dossier. JSON: {items, revisions, from_dossier}."""
    contents = _open_archive(ctx, read_bytes(ctx.args.file))
    groups = archive_groups(contents)
    count = 0
    async with patient_session(ctx) as s:
        with ctx.out.progress() as bar:
            task = bar.add_task("importing", total=len(groups))
            for group in groups:
                count += await s.dossier.import_archive(group)
                bar.advance(task)
    items = sum(1 for g in groups if g.entries)
    ctx.out.emit({"items": items, "revisions": count, "from_dossier": contents.dossier_id},
                 f"imported {items} items ({count} revisions) into dossier "
                 f"{s.dossier.dossier_id}")


# ------------------------------------------------------------------------------ demo
async def run_demo(ctx: Ctx) -> None:
    """Seed the server (see :mod:`web.demo`). JSON: the demo's summary, passphrases
    included (demo data)."""
    token = operator_token(ctx)
    server = ctx.server()
    with ctx.out.progress() as bar:
        task = bar.add_task("seeding the demo", total=demo.steps(ctx.args.patients))

        def step(text: str) -> None:
            bar.update(task, advance=1, description=text)
        result = await demo.seed(lambda: ctx.api(server), operator_token=token,
                                 authority=authority_key(ctx), home=ctx.home,
                                 patients=ctx.args.patients, force=ctx.args.force,
                                 on_step=step)
    ctx.out.emit(result.as_dict(), demo_guide(result, server))


def demo_guide(result: demo.DemoResult, server: str) -> str:
    first, pro = result.patients[0], result.pharmacist
    srv = "" if server == DEFAULT_SERVER else f" --server {server}"
    pat = f"carnet --home {first.home} --passphrase-file {first.home / 'passphrase.txt'}"
    pha = f"carnet --home {pro.home} --passphrase-file {pro.home / 'passphrase.txt'}"
    return "\n".join([
        f"Demo ready on {server}: {len(result.patients)} patients and a pharmacist "
        f"(NIRs, homes, passphrases in {result.file}).",
        "Try this:",
        f"  {pat} patient list",
        f"  {pat} patient show ITEM_ID --history",
        f"  {pat} patient mask --section allergies",
        f"  {pat} patient export /tmp/carnet-demo.carnet",
        f"  {pha} pro whoami",
        f"  carnet{srv} operator professionals --status approved",
    ])


# ------------------------------------------------------------------------------ parser
def _common(sub: bool) -> Parser:
    """Global options; on subcommands too (defaults suppressed so they do not overwrite)."""
    p = Parser(add_help=False)
    d = (lambda value: argparse.SUPPRESS) if sub else (lambda value: value)
    p.add_argument("--server", default=d(None),
                   help=f"server URL (default: $CARNET_SERVER, the profile's, {DEFAULT_SERVER})")
    p.add_argument("--home", default=d(None), help="local home (default: $CARNET_HOME or "
                                                   f"{local_home.DEFAULT_HOME})")
    p.add_argument("--json", action="store_true", default=d(False),
                   help="machine output: one JSON document on stdout")
    p.add_argument("--passphrase-file", default=d(None), metavar="F",
                   help="read the passphrase from F ('-' for stdin); else $CARNET_PASSPHRASE,"
                        " else a prompt at a terminal")
    return p


def _leaf(subs: Any, name: str, handler: Handler, help_text: str,
          parents: list[argparse.ArgumentParser] | None = None) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subs.add_parser(
        name, help=help_text, description=help_text,
        parents=[_common(sub=True), *(parents or [])])
    p.set_defaults(handler=handler)
    return p


def _token_option(p: argparse.ArgumentParser, suppress: bool) -> None:
    p.add_argument("--operator-token-file", metavar="F",
                   default=argparse.SUPPRESS if suppress else None,
                   help="operator token file (else $CARNET_OPERATOR_TOKEN, else "
                        "./var/operator.token)")
    p.add_argument("--authority-key-file", metavar="F",
                   default=argparse.SUPPRESS if suppress else None,
                   help="the directory authority's key (else $CARNET_AUTHORITY_KEY_FILE, else "
                        "./var/authority.key); it countersigns approved entries")


def _operator_parser(top: Any) -> None:
    op = top.add_parser("operator", help="the operator's desk (needs the operator token)",
                        parents=[_common(sub=True)])
    _token_option(op, suppress=False)
    subs = op.add_subparsers(dest="action", required=True, metavar="ACTION")
    token = Parser(add_help=False)
    _token_option(token, suppress=True)
    p = _leaf(subs, "load-registry", op_load_registry, "load or update beneficiaries from a "
              "CSV (nir,last_name,first_name,birth_date,address,email)", [token])
    p.add_argument("file", metavar="FILE.csv")
    p = _leaf(subs, "send-codes", op_send_codes, "send activation codes to beneficiaries "
              "without a dossier", [token])
    p.add_argument("--channel", choices=("email", "post"), required=True)
    p.add_argument("--nir", action="append", help="only this NIR (repeatable)")
    p = _leaf(subs, "professionals", op_professionals, "list professionals", [token])
    p.add_argument("--status", choices=("pending", "approved", "blocked"))
    p = _leaf(subs, "approve", op_approve, "approve a registered professional", [token])
    p.add_argument("ps_id", metavar="PS_ID")
    p.add_argument("--role", action="append", choices=ROLES, help="grant a role (repeatable)")
    p = _leaf(subs, "block", op_block, "block a professional", [token])
    p.add_argument("ps_id", metavar="PS_ID")


def _pro_parsers(top: Any) -> None:
    pro = top.add_parser("pro", help="a health professional's identity",
                         parents=[_common(sub=True)])
    subs = pro.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _leaf(subs, "register", pro_register, "create keys, register them, keep them in the "
              "home (sealed with the passphrase)")
    p.add_argument("--id", required=True, metavar="PS_ID", help="idNat_PS")
    p.add_argument("--name", required=True)
    p.add_argument("--profession", required=True)
    p.add_argument("--specialty")
    p.add_argument("--city")
    p.add_argument("--email")
    _leaf(subs, "whoami", pro_whoami, "the identity in the home and its status")
    p = _leaf(subs, "identity-qr", pro_identity_qr, "write your identity QR for patients")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = _leaf(subs, "scan", pro_scan, "open what a patient's consent token grants you")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--image", metavar="FILE", help="a photo or scan of the QR code")
    g.add_argument("--text", metavar="TOKEN", help="the token's text form")
    g.add_argument("--text-file", metavar="FILE", help="a file holding the token's text")
    ph = top.add_parser("pharmacist", help="a pharmacist's desk", parents=[_common(sub=True)])
    subs = ph.add_subparsers(dest="action", required=True, metavar="ACTION")
    p = _leaf(subs, "start-activation", pharmacist_start, "print an activation code for the "
              "patient in front of you")
    p.add_argument("--nir", required=True)
    p.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")


def _body_options(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--body", metavar="JSON", help="the item's details, a JSON object")
    g.add_argument("--body-file", metavar="F", help="a file holding the JSON object")
    p.add_argument("--attach", metavar="FILE", help="attach a file (pdf, png, jpg, webp, txt)")
    p.add_argument("--media-type", metavar="T", help="the attachment's type if not guessed")


def _mask_target(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("item_id", nargs="?", metavar="ITEM_ID")
    g.add_argument("--section", metavar="S")


def _patient_access(subs: Any, nir: argparse.ArgumentParser) -> None:
    p = _leaf(subs, "request-code", patient_request_code, "ask for an activation code by "
              "e-mail or post")
    p.add_argument("--nir", required=True)
    p.add_argument("--birth-date", required=True, metavar="YYYY-MM-DD")
    p = _leaf(subs, "activate", patient_activate, "create your dossier with the activation "
              "code; prints your recovery code once")
    p.add_argument("--nir", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--break-glass", choices=("on", "off"), default="on",
                   help="let the emergency service open your emergency summary when you cannot "
                        "consent (logged and e-mailed to you; default on, as in the DMP)")
    _leaf(subs, "unlock", patient_unlock, "check that you can log in", [nir])
    p = _leaf(subs, "passphrase", patient_passphrase, "change the passphrase", [nir])
    p.add_argument("--new-passphrase-file", metavar="F")
    p = _leaf(subs, "recover", patient_recover, "set a new passphrase with the recovery code")
    p.add_argument("--nir", required=True)
    p.add_argument("--recovery-code-file", metavar="F")
    p.add_argument("--new-passphrase-file", metavar="F")
    _leaf(subs, "new-recovery-code", patient_new_recovery_code,
          "replace the recovery code (prints the new one once)", [nir])
    p = _leaf(subs, "close", patient_close, "close the dossier for ever (export first)", [nir])
    p.add_argument("--yes", action="store_true", help="yes, destroy the dossier")
    p = _leaf(subs, "grant", patient_grant, "let a named professional in (consent token/QR)",
              [nir])
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="PS_ID", help="the professional's idNat_PS")
    who.add_argument("--to-qr", metavar="IMAGE", help="a photo of the professional's identity "
                     "QR (carnet pro identity-qr): grants to exactly that key")
    p.add_argument("--section", action="append", metavar="S",
                   help="a section to open (repeat for several; default: by the profession, "
                        "see docs/consent.md)")
    p.add_argument("--duration", choices=sorted(DURATIONS), default="consultation")
    p.add_argument("--write", action="store_true", help="the professional may add items")
    p.add_argument("--qr", metavar="FILE", help="write the QR code (.png or .svg)")
    p.add_argument("--authority-key", metavar="HEX",
                   help="the directory authority's public key (else the one this home pinned)")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    _leaf(subs, "grants", patient_grants, "list your grants", [nir])
    p = _leaf(subs, "revoke", patient_revoke, "revoke a grant", [nir])
    p.add_argument("grant_id", metavar="GRANT_ID")
    _leaf(subs, "history", patient_history, "every access and change, verified", [nir])


def _patient_items(subs: Any, nir: argparse.ArgumentParser) -> None:
    p = _leaf(subs, "add", patient_add, "add an item", [nir])
    p.add_argument("section", metavar="SECTION")
    p.add_argument("type", metavar="TYPE")
    p.add_argument("title", metavar="TITLE")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    _body_options(p)
    p = _leaf(subs, "edit", patient_edit, "write a new revision of one of your items", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("--title")
    p.add_argument("--date", metavar="YYYY-MM-DD")
    p.add_argument("--type", metavar="TYPE")
    _body_options(p)
    p.add_argument("--remove-attachment", action="store_true")
    p = _leaf(subs, "delete", patient_delete, "delete an item and its history", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p = _leaf(subs, "list", patient_list, "list items (latest revisions)", [nir])
    p.add_argument("--section", metavar="S")
    p = _leaf(subs, "show", patient_show, "show an item", [nir])
    p.add_argument("item_id", metavar="ITEM_ID")
    p.add_argument("--history", action="store_true", help="every revision")
    p.add_argument("--save-attachment", metavar="PATH")
    p.add_argument("--force", action="store_true", help="overwrite PATH")
    _mask_target(_leaf(subs, "mask", patient_mask, "hide an item or a section from every "
                       "professional", [nir]))
    _mask_target(_leaf(subs, "unmask", patient_unmask, "undo a mask", [nir]))
    p = _leaf(subs, "export", patient_export, "write an encrypted archive of the dossier", [nir])
    p.add_argument("file", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = _leaf(subs, "import", patient_import, "import an archive into this dossier", [nir])
    p.add_argument("file", metavar="FILE")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--recovery-code-file", metavar="F",
                   help="open the archive with this recovery code instead of the passphrase")
    g.add_argument("--archive-passphrase-file", metavar="F",
                   help="open the archive with this (older) passphrase")


def build_parser() -> Parser:
    """The whole command tree; each leaf sets ``handler``."""
    parser = Parser(prog=PROG, parents=[_common(sub=False)],
                    description="Carnet, the encrypted shared medical record, from a terminal.")
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _operator_parser(top)
    _pro_parsers(top)
    patient = top.add_parser("patient", help="your dossier", parents=[_common(sub=True)])
    subs = patient.add_subparsers(dest="action", required=True, metavar="ACTION")
    nir = Parser(add_help=False)
    nir.add_argument("--nir", help="log in with this NIR instead of the home's")
    _patient_access(subs, nir)
    _patient_items(subs, nir)
    _emergency_parsers(top, subs, nir)
    cli_writes.add_parsers(top, subs, nir, _leaf, sys.modules[__name__])
    p = _leaf(top, "demo", run_demo, "seed a running server with fictitious demo data")
    p.add_argument("--patients", type=int, default=3, metavar="N")
    p.add_argument("--force", action="store_true", help="replace an earlier demo's files")
    _token_option(p, suppress=False)
    return parser


# ------------------------------------------------------------------------------ main
def describe(exc: BaseException) -> tuple[str, str]:
    """(code, one-line message) for an expected error."""
    if isinstance(exc, ApiError):
        if exc.code == "unreachable":
            return exc.code, exc.detail
        return exc.code, f"the server refused ({exc.status} {exc.code}): {exc.detail}"
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return "os_error", f"{exc.strerror}{where}" if exc.strerror else str(exc)
    code = getattr(exc, "code", None)
    message = str(exc) or type(exc).__name__
    return (code if isinstance(code, str) else "invalid_input"), message


EXPECTED: Final = (CliError, VaultError, ApiError, ConsentError, ValueError, OSError)


def main(argv: list[str] | None = None, *,
         transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run one command; returns the exit code (0, 1 or 2, see the module docstring).

    ``transport`` (tests): an httpx transport for every request, e.g. ``ASGITransport``.
    """
    raw = sys.argv[1:] if argv is None else list(argv)
    out = Output(json_mode="--json" in raw)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines carry ids
    try:
        args = build_parser().parse_args(raw)
        out = Output(json_mode=bool(args.json))
        ctx = Ctx(args=args, out=out, env=os.environ, transport=transport,
                  interactive=_stdin_is_tty())
        asyncio.run(args.handler(ctx))
        return EXIT_OK
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except EXPECTED as exc:
        out.fail(*describe(exc))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        out.fail("interrupted", "interrupted")
        return EXIT_REFUSED
    except Exception as exc:  # the message could carry content: only the type
        out.fail("internal", f"internal error ({type(exc).__name__}); please report it")
        return EXIT_INTERNAL


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(main())
