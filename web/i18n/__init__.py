"""The product's language: French by default, English on request.

Pure (no I/O, no state): the CLI and, later, the browser pick a language with
:func:`choose` and translate what they show with :func:`translate`. Source strings are the
English text, the keys of the catalog (:mod:`web.i18n.fr`):

- an exact string is looked up as it is (``"no items"``);
- a message built from values is made with :func:`tr`, ``tr("deleted {item_id}",
  item_id=x)``: a :class:`Message` is a ``str`` holding the English text and keeping its
  template and values, so that the French template is formatted with the same values;
- a plain string that was built by an f-string elsewhere is matched against the catalog's
  templates (``"section {section} unmasked ({count} items)"`` matches ``"section allergies
  unmasked (2 items)"``), so that a module need not change for its messages to be
  translated; only templates with at least :data:`MATCH_MIN_LITERAL` characters of text
  (shorter ones need ``tr``);
- a multi-line text that does not match as a whole is translated line by line.

Values whose placeholder names a display label (``section``, ``type``, ``flags``, ...) are
shown through :data:`web.i18n.fr.LABELS` (``allergies`` -> ``allergies``, ``medical_history``
-> ``antécédents``). Identifiers in ``--json`` are never translated: only what people read.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from typing import Any, Final, Literal

from web.i18n import fr

__all__ = ["DEFAULT", "LANGS", "Lang", "Lazy", "Message", "choose", "label", "missing", "tr",
           "translate"]

Lang = Literal["fr", "en"]
LANGS: Final[tuple[Lang, ...]] = ("fr", "en")
DEFAULT: Final[Lang] = "fr"
# Values of placeholders named so (or so plus digits) are display labels, shown translated.
LABELLED: Final = frozenset({"section", "sections", "type", "flags", "status", "state",
                             "label", "kind", "role", "result", "profession"})
# Values of these placeholders are messages themselves (argparse's, a server's detail...).
NESTED: Final = frozenset({"message", "reason", "detail", "what"})
# A template is matched against strings built elsewhere only with this much literal text, so
# that a patient's own words ("until June") are not mistaken for a message: shorter messages
# are made with tr(), which is looked up by its template.
MATCH_MIN_LITERAL: Final = 10
_FORMATTER: Final = string.Formatter()


class Message(str):
    """An English message made from ``template`` and ``values`` (its ``str`` value), which
    :func:`translate` formats again from the translated template."""

    template: str
    values: Mapping[str, Any]

    def __new__(cls, template: str, values: Mapping[str, Any]) -> Message:
        made = super().__new__(cls, template.format(**values))
        made.template = template
        made.values = dict(values)
        return made


class Lazy(str):
    """A text made for each language by ``render`` (e.g. a help text built from data); its
    ``str`` value is the English one."""

    render: Callable[[Lang], str]

    def __new__(cls, render: Callable[[Lang], str]) -> Lazy:
        made = super().__new__(cls, render("en"))
        made.render = render
        return made


def tr(template: str, /, **values: Any) -> Message:
    """The message ``template`` (English, with ``{name}`` placeholders) filled with
    ``values``; translated later, where it is shown."""
    return Message(template, values)


def choose(option: str | None, env: Mapping[str, str]) -> Lang:
    """The language: ``option`` (``--lang``), else ``$CARNET_LANG``, else the first of
    ``$LANGUAGE``, ``$LC_ALL``, ``$LC_MESSAGES``, ``$LANG`` that is set (English if it starts
    with ``en``), else French."""
    for given in (option, env.get("CARNET_LANG")):
        if given:
            return "en" if given.strip().lower().startswith("en") else "fr"
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "en" if value.strip().lower().startswith("en") else DEFAULT
    return DEFAULT


def label(name: str, lang: Lang) -> str:
    """A display name (section, item type, flag, status) in ``lang``; unknown names as they
    are."""
    if lang == "en":
        return name
    return fr.LABELS.get(name, name)


def translate(text: str, lang: Lang) -> str:
    """``text`` in ``lang`` (unknown text as it is; English is the source language)."""
    if isinstance(text, Lazy):
        return text.render(lang)
    if lang == "en" or not text:
        return str(text)
    if isinstance(text, Message):
        french = fr.MESSAGES.get(text.template)
        if french is not None:
            return _fill(french, text.values, lang)
        whole = _one(str(text))
        # Not in the catalog: the English template with its values translated.
        return whole if whole is not None else _fill(text.template, text.values, lang)
    return _translated_lines(text)


def missing(texts: Iterable[str]) -> list[str]:
    """The texts (English source strings or templates) the French catalog cannot show."""
    return [t for t in texts if t and not _known(t)]


# ------------------------------------------------------------------------------ internals
def _known(text: str) -> bool:
    """The catalog has ``text`` (exactly, by a template, or line by line), or it needs none."""
    if _is_untranslatable(text) or _one(text) is not None:
        return True
    return "\n" in text and all(_known(line) for line in text.split("\n"))


def _is_untranslatable(text: str) -> bool:
    """Text that stays as it is in French (no letters outside placeholders, or listed)."""
    if text in fr.SAME:
        return True
    literal = "".join(lit for lit, *_ in _FORMATTER.parse(text))
    words = re.sub(r"--?[\w-]+|\$\w+|\S*[_/.]\S*", " ", literal)  # options, variables, paths
    return not re.search(r"[A-Za-z]{2,}", words)


def _value(name: str, value: Any, lang: Lang) -> Any:
    if isinstance(value, (Message, Lazy)):
        return translate(value, lang)
    if not isinstance(value, str):
        return value
    base = name.rstrip("0123456789")
    if base in LABELLED:
        return ", ".join(label(part, lang) for part in value.split(", "))
    if base in NESTED:
        return translate(value, lang)
    return value


def _fill(template: str, values: Mapping[str, Any], lang: Lang) -> str:
    return template.format(**{k: _value(k, v, lang) for k, v in values.items()})


def _translated_lines(text: str) -> str:
    whole = _one(text)
    if whole is not None:
        return whole
    if "\n" in text:
        return "\n".join(_one(line) or line for line in text.split("\n"))
    return text


def _one(text: str) -> str | None:
    exact = fr.MESSAGES.get(text)
    if exact is not None:
        return exact
    stripped = text.strip()
    if stripped != text and stripped:  # keep the indentation of a line
        inner = _one(stripped)
        if inner is not None:
            start = text.index(stripped)
            return text[:start] + inner + text[start + len(stripped):]
        return None
    for pattern, names, french in _templates():
        found = pattern.fullmatch(text)
        if found is not None:
            groups = dict(zip(names, found.groups(), strict=True))
            return _fill(french, groups, "fr")
    if text.isupper() and text.capitalize() != text:  # a heading in capitals ("CARE HISTORY")
        shown = _one(text.capitalize())
        return shown.upper() if shown is not None else None
    return None


@cache
def _templates() -> tuple[tuple[re.Pattern[str], tuple[str, ...], str], ...]:
    """Every catalog key with placeholders as a regular expression, the most specific first
    (the longest literal text)."""
    compiled: list[tuple[int, re.Pattern[str], tuple[str, ...], str]] = []
    for source, french in fr.MESSAGES.items():
        parts = list(_FORMATTER.parse(source))
        names = tuple(field for _, field, _, _ in parts if field is not None)
        if not names:
            continue
        regex = "".join(re.escape(lit) + ("(.+?)" if field is not None else "")
                        for lit, field, _, _ in parts)
        literal = sum(len(lit) for lit, *_ in parts)
        if literal < MATCH_MIN_LITERAL:  # too little text to be sure a string is this message
            continue
        compiled.append((literal, re.compile(regex), names, french))
    compiled.sort(key=lambda entry: -entry[0])
    return tuple((p, n, f) for _, p, n, f in compiled)
