"""Every text the CLI shows people has a French translation (web/i18n/fr.py).

Two sweeps: the command tree (each description and option help, as ``--help`` shows them)
and the sources of web/cli (the literal messages given to ``tr``, ``CliError``, ``emit``,
``note``, ``print`` and ``Text``; an f-string is tried with stand-in values, as the catalog's
templates match strings built elsewhere). A failure lists what to add to the catalog.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from pathlib import Path

from web import cli
from web.i18n import missing

CLI_DIR = Path(cli.__file__).parent
SINKS = {"tr", "CliError", "emit", "note", "print", "Text", "fail"}


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def help_texts() -> set[str]:
    texts: set[str] = set()
    for parser in _parsers(cli.build_parser()):
        if parser.description:
            texts.add(parser.description)
        for action in parser._actions:
            if action.help and action.help is not argparse.SUPPRESS:
                texts.add(action.help)
            if isinstance(action, argparse._SubParsersAction):
                texts.update(a.help for a in action._choices_actions if a.help)
    return texts


def _sample(node: ast.expr) -> str | None:
    """A literal message, or an f-string with stand-in values (None: not a message)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            elif isinstance(value, ast.FormattedValue) and isinstance(value.value, ast.IfExp):
                return None  # a fragment chosen in code: not checkable here
            elif ast.unparse(value).strip("{}") in ("indent", "inner"):
                parts.append("  ")  # an indentation, not a value
            else:
                parts.append("Q7")
        return "".join(parts)
    return None


def source_messages() -> dict[str, str]:
    """message -> where, for each literal message of web/cli/*.py."""
    found: dict[str, str] = {}
    for path in sorted(CLI_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name not in SINKS or not node.args:
                continue
            arg = node.args[-1] if name == "emit" else node.args[0]
            text = _sample(arg)
            if text and " " in text.strip():
                found.setdefault(text, f"{path.name}:{node.lineno}")
    return found


def test_every_help_text_has_a_french_translation() -> None:
    absent = missing(sorted(help_texts()))
    assert not absent, ("add to the French catalog (web/i18n/fr_cli.py, fr_dossier.py or "
                        "fr_service.py):\n" + "\n".join(map(repr, absent)))


def test_every_message_in_the_cli_sources_has_a_french_translation() -> None:
    found = source_messages()
    absent = missing(sorted(found))
    assert not absent, ("add to the French catalog, web/i18n/fr_*.py (a short message, under "
                        "web.i18n.MATCH_MIN_LITERAL letters of text, must also be made with "
                        "web.i18n.tr at its call site):\n"
                        + "\n".join(f"{found[t]}: {t!r}" for t in absent))
