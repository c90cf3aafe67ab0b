"""The command tree's frame: the parser class (errors become :class:`CliError`), the global
options, the command groups every module registers its leaves under (:class:`Commands`),
and the option sets several commands share."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import Any, NoReturn

from web.cli._context import PROG, CliError, Ctx
from web.client import home as local_home
from web.client.api import DEFAULT_SERVER
from web.i18n import LANGS, Lang, tr, translate

Handler = Callable[[Ctx], Awaitable[None]]
DEV_VAR_HELP = "$CARNET_DEV_VAR_DIR/"  # the server's data dir, in development only


class Parser(argparse.ArgumentParser):
    """argparse, but errors become :class:`CliError` (one line, exit 2, no usage dump), and
    help, usage and argparse's own phrases are shown in ``lang`` (:func:`set_lang`)."""

    lang: Lang = "en"

    def error(self, message: str) -> NoReturn:
        raise CliError(tr("{message} (see: {prog} --help)", message=message, prog=self.prog))

    def _get_formatter(self) -> argparse.HelpFormatter:
        return _Formatter(prog=self.prog, lang=self.lang)


class _Formatter(argparse.HelpFormatter):
    """Help texts, section headings and the usage prefix through the catalog."""

    def __init__(self, prog: str, *, lang: Lang) -> None:
        super().__init__(prog)
        self._lang: Lang = lang

    def _t(self, text: str) -> str:
        return translate(text, self._lang)

    def add_usage(self, usage: str | None, actions: Iterable[argparse.Action],
                  groups: Iterable[argparse._MutuallyExclusiveGroup],
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups,
                          self._t("usage: ") if prefix is None else prefix)

    def start_section(self, heading: str | None) -> None:
        super().start_section(self._t(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        if text and text is not argparse.SUPPRESS:
            text = self._t(text)
        super().add_text(text)

    def _get_help_string(self, action: argparse.Action) -> str | None:
        return self._t(action.help) if action.help else action.help

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:  # a text laid out in lines (a list, examples): kept as it is
            return "\n".join(indent + line for line in text.splitlines())
        return super()._fill_text(text, width, indent)


def set_lang(parser: argparse.ArgumentParser, lang: Lang) -> None:
    """Show ``parser`` and every parser under it in ``lang``."""
    if isinstance(parser, Parser):
        parser.lang = lang
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                set_lang(sub, lang)


def version() -> str:
    """The installed package's version (the source tree's when not installed)."""
    try:
        return metadata.version("carnet")
    except metadata.PackageNotFoundError:
        return "0.1.0"


@dataclass(frozen=True, slots=True)
class Commands:
    """Where the command modules register: the top level (``carnet X``), each group's
    actions (``carnet pro X``...), and the ``--nir`` parent of the patient's commands."""

    top: Any
    operator: Any
    pro: Any
    pharmacist: Any
    patient: Any
    emergency: Any
    nir: Parser


def common(sub: bool) -> Parser:
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
    p.add_argument("--lang", choices=LANGS, default=d(None),
                   help="language of messages and help: fr (default) or en (else "
                        "$CARNET_LANG, else $LANG)")
    return p


def token_options(p: argparse.ArgumentParser, suppress: bool) -> None:
    """The operator's secrets: --operator-token-file and --authority-key-file."""
    p.add_argument("--operator-token-file", metavar="F",
                   default=argparse.SUPPRESS if suppress else None,
                   help="operator token file (else $CARNET_OPERATOR_TOKEN, else "
                        f"{DEV_VAR_HELP}operator.token)")
    p.add_argument("--authority-key-file", metavar="F",
                   default=argparse.SUPPRESS if suppress else None,
                   help="the directory authority's key, 64 hex (else $CARNET_AUTHORITY_KEY_FILE"
                        ", else the home's, see init-authority, else "
                        "$CARNET_DEV_KEYS_DIR/authority.key); it countersigns approved entries")


def command_tree() -> tuple[Parser, Commands]:
    """The top parser and its command groups, still without leaves."""
    parser = Parser(prog=PROG, parents=[common(sub=False)],
                    description="Carnet, the encrypted shared medical record, from a terminal.")
    parser.add_argument("--version", action="version", version=f"{PROG} {version()}")
    top = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def group(name: str, help_text: str, *, operator: bool = False) -> Any:
        g = top.add_parser(name, help=help_text, parents=[common(sub=True)])
        if operator:
            token_options(g, suppress=False)
        return g.add_subparsers(dest="action", required=True, metavar="ACTION")

    nir = Parser(add_help=False)
    nir.add_argument("--nir", help="log in with this NIR instead of the home's")
    return parser, Commands(  # keyword order is the order of ``carnet --help``
        top=top,
        operator=group("operator", "the operator's desk (needs the operator token)",
                       operator=True),
        pro=group("pro", "a health professional's identity"),
        pharmacist=group("pharmacist", "a pharmacist's desk"),
        patient=group("patient", "your dossier"),
        emergency=group("emergency", "emergency access"),
        nir=nir)


def leaf(subs: Any, name: str, handler: Handler, help_text: str,
         parents: list[argparse.ArgumentParser] | None = None) -> argparse.ArgumentParser:
    """A command under ``subs`` that runs ``handler``; global options accepted there too."""
    p: argparse.ArgumentParser = subs.add_parser(
        name, help=help_text, description=help_text,
        parents=[common(sub=True), *(parents or [])])
    p.set_defaults(handler=handler)
    return p


def item_options(p: argparse.ArgumentParser, *, attach: bool) -> None:
    """--field NAME=VALUE (repeatable) / --body / --body-file (an item's details); with
    ``attach`` also --attach and --media-type."""
    g = p.add_mutually_exclusive_group()
    g.add_argument("--field", action="append", metavar="NAME=VALUE",
                   help="one detail of the item, e.g. --field reaction=urticaire (repeat it "
                        "for each detail)")
    g.add_argument("--body", metavar="JSON", help="the item's details, a JSON object")
    g.add_argument("--body-file", metavar="F", help="a file holding the JSON object")
    if attach:
        p.add_argument("--attach", metavar="FILE",
                       help="attach a file (pdf, png, jpg, webp, txt)")
        p.add_argument("--media-type", metavar="T",
                       help="the attachment's type if not guessed")


def authority_option(p: argparse.ArgumentParser) -> None:
    """--authority-key HEX: the directory authority's public key, instead of the pinned one."""
    p.add_argument("--authority-key", metavar="HEX",
                   help="the directory authority's public key (else the one this home pinned)")
