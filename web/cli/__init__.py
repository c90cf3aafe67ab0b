"""``carnet``: the command-line client (operator, professional, pharmacist, patient, demo).

Contract, for people and scripts alike:

- exit 0 when the command did what it says; 2 on bad input or when something was refused
  (one line ``carnet: <message>`` on stderr, never a traceback); 1 only for an unexpected
  internal error (still one line); 130 when interrupted (Ctrl+C, at a prompt too);
- French by default (messages, help, section names; :mod:`web.i18n`), English with
  ``--lang en``, ``$CARNET_LANG=en`` or a ``$LANGUAGE``/``$LC_ALL``/``$LC_MESSAGES``/``$LANG``
  starting with ``en``; ``--json`` keeps its identifiers and codes in English;
- ``--json``: exactly one JSON document on stdout per run, errors included
  (``{"error": {"code", "message"}}``); medical content only from ``list`` and ``show``;
- never a prompt unless stdin is a terminal: secrets come from files or environment
  variables (``--passphrase-file``, ``CARNET_PASSPHRASE``, ``--new-passphrase-file``,
  ``CARNET_NEW_PASSPHRASE``, ``--recovery-code-file``, ``--operator-token-file``,
  ``CARNET_OPERATOR_TOKEN``; the server's own key files only with
  ``$CARNET_DEV_VAR_DIR`` set, its development keys only with ``$CARNET_DEV_KEYS_DIR`` set);
- never prints a passphrase, key or session token; a recovery code is printed once, when it
  is created (activation, ``new-recovery-code``); the pharmacist's activation code is printed
  because it is handed to the patient.

All cryptography happens in the client library (``vault`` through ``web.client``): this
package parses arguments, reads secrets and prints. One module per command group, each with
``register(cmds)``; the private ``_context`` (run, output, input checks), ``_args`` (the
parser frame), ``_sessions`` (who the command acts as), ``_render`` and ``_codes`` serve
them all.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
from typing import Final

import httpx

from consent import ConsentError
from vault import UnlockFailed, VaultError
from web.cli import (
    clinical,
    consent,
    demo,
    emergency,
    items,
    operator,
    patient,
    pharmacist,
    pro,
    pro_account,
    profile,
    writes,
)
from web.cli._args import Parser, command_tree, set_lang
from web.cli._context import EXIT_INTERRUPTED, CliError, Ctx, Output
from web.client.api import ApiError
from web.i18n import LANGS, Lang, Message, choose, tr

__all__ = ["EXIT_INTERNAL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_REFUSED", "build_parser",
           "describe", "main"]

EXIT_OK: Final = 0
EXIT_INTERNAL: Final = 1
EXIT_REFUSED: Final = 2
# Registration order is the order of each group's --help.
_MODULES: Final = (operator, pro, pro_account, pharmacist, patient, profile, consent, items,
                   emergency, writes, demo, clinical)
EXPECTED: Final = (CliError, VaultError, ApiError, ConsentError, ValueError, OSError)
# litestar's validation detail: "... Expected `int` >= 1 - at `$.days` ..."
_VALIDATION: Final = re.compile(r"Expected `?(?P<rule>[^`]*?)`?(?: (?P<op>>=|<=|>|<) "
                                r"(?P<bound>-?\d+))? - at `\$\.(?P<field>[a-z_]+)")
_TYPES: Final = {"int": "a whole number", "str": "a text", "bool": "yes or no",
                 "array": "a list", "object": "a JSON object"}


def build_parser(lang: Lang = "en") -> Parser:
    """The whole command tree, shown in ``lang``; each leaf sets ``handler``."""
    parser, cmds = command_tree()
    for module in _MODULES:
        module.register(cmds)
    set_lang(parser, lang)
    return parser


def describe(exc: BaseException, group: str | None = None) -> tuple[str, str]:
    """(code, one-line message) for an expected error, in the user's terms: a server's
    validation detail names the option, an unreachable or foreign server and a wrong
    passphrase say what to do next. ``group``: the command group (``patient``, ``pro``...)."""
    if isinstance(exc, ApiError):
        return exc.code, _api_message(exc)
    if isinstance(exc, UnlockFailed):
        return exc.code, _unlock_message(exc, group)
    if isinstance(exc, OSError):
        where = f": {exc.filename}" if exc.filename else ""
        return "os_error", f"{exc.strerror}{where}" if exc.strerror else str(exc)
    code = getattr(exc, "code", None)
    return (code if isinstance(code, str) else "invalid_input"), _message_of(exc)


def _message_of(exc: BaseException) -> str:
    """The exception's message, keeping a :class:`web.i18n.Message` (str() would lose it)."""
    first = exc.args[0] if exc.args else None
    if isinstance(first, Message):
        return first
    return str(exc) or type(exc).__name__


def _api_message(exc: ApiError) -> str:
    if exc.code == "unreachable":
        return tr("{detail}: check --server (or $CARNET_SERVER) and that the server is "
                  "running", detail=exc.detail)
    if exc.code in ("http_error", "bad_response"):
        return tr("this server does not answer as a Carnet server does ({detail}): check "
                  "--server (or $CARNET_SERVER)", detail=exc.detail)
    found = _VALIDATION.search(exc.detail) if exc.code == "invalid_request" else None
    if found is not None:
        option = "--" + found["field"].replace("_", "-")
        kind = tr(_TYPES.get(found["rule"].strip(), "a valid value"))
        if found["op"] in (">=", ">"):
            bound = int(found["bound"]) + (found["op"] == ">")
            return tr("{option} must be {kind}, at least {bound}", option=option, kind=kind,
                      bound=bound)
        if found["op"] in ("<=", "<"):
            bound = int(found["bound"]) - (found["op"] == "<")
            return tr("{option} must be {kind}, at most {bound}", option=option, kind=kind,
                      bound=bound)
        return tr("{option} must be {kind}", option=option, kind=kind)
    if exc.code == "invalid_request":  # never echo the request path (it names the dossier)
        return tr("the server refused a value of this command: check its options "
                  "(carnet ... --help)")
    return tr("the server refused ({status} {code}): {detail}", status=exc.status,
              code=exc.code, detail=exc.detail)


def _unlock_message(exc: UnlockFailed, group: str | None) -> str:
    message = _message_of(exc)
    if group == "pro":
        return tr("{message}; forgotten? set a new one with your recovery code: carnet pro "
                  "recover", message=message)
    if group in (None, "patient"):
        return tr("{message}; forgotten? set a new one with your recovery code: carnet "
                  "patient recover", message=message)
    return message


def _lang_option(raw: list[str]) -> str | None:
    """``--lang X`` or ``--lang=X`` before parsing (help and parse errors need it)."""
    for i, arg in enumerate(raw):
        if arg == "--":
            break
        if arg.startswith("--lang="):
            return arg.split("=", 1)[1]
        if arg == "--lang" and i + 1 < len(raw):
            return raw[i + 1]
    return None


def main(argv: list[str] | None = None, *,
         transport: httpx.AsyncBaseTransport | None = None) -> int:
    """Run one command; returns the exit code (0, 1 or 2, see the module docstring).

    ``transport`` (tests): an httpx transport for every request, e.g. ``ASGITransport``.
    """
    raw = sys.argv[1:] if argv is None else list(argv)
    given = _lang_option(raw)
    lang = choose(given if given in LANGS else None, os.environ)
    out = Output(json_mode="--json" in raw, lang=lang)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # request lines carry ids
    group: str | None = None
    try:
        args = build_parser(lang).parse_args(raw)
        group = getattr(args, "command", None)
        out = Output(json_mode=bool(args.json), lang=lang)
        ctx = Ctx(args=args, out=out, env=os.environ, transport=transport,
                  interactive=_stdin_is_tty())
        asyncio.run(args.handler(ctx))
        return EXIT_OK
    except SystemExit as exc:  # --help, --version
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except EXPECTED as exc:
        out.fail(*describe(exc, group))
        return EXIT_REFUSED
    except KeyboardInterrupt:
        out.fail("interrupted", tr("interrupted"))
        return EXIT_INTERRUPTED
    except Exception as exc:  # the message could carry content: only the type
        out.fail("internal", f"internal error ({type(exc).__name__}); please report it")
        return EXIT_INTERNAL


def _stdin_is_tty() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (ValueError, OSError):
        return False
