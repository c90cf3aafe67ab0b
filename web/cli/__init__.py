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
import sys
from typing import Final

import httpx

from consent import ConsentError
from vault import VaultError
from web.cli import consent, demo, emergency, items, operator, patient, pharmacist, pro, writes
from web.cli._args import Parser, command_tree
from web.cli._context import CliError, Ctx, Output
from web.client.api import ApiError

__all__ = ["EXIT_INTERNAL", "EXIT_OK", "EXIT_REFUSED", "build_parser", "describe", "main"]

EXIT_OK: Final = 0
EXIT_INTERNAL: Final = 1
EXIT_REFUSED: Final = 2
# Registration order is the order of each group's --help.
_MODULES: Final = (operator, pro, pharmacist, patient, consent, items, emergency, writes, demo)
EXPECTED: Final = (CliError, VaultError, ApiError, ConsentError, ValueError, OSError)


def build_parser() -> Parser:
    """The whole command tree; each leaf sets ``handler``."""
    parser, cmds = command_tree()
    for module in _MODULES:
        module.register(cmds)
    return parser


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
