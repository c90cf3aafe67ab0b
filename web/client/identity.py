"""Whose dossier it is: the patient's name and birth date, as the patient entered them, kept
inside the encrypted dossier (never as server plaintext).

A grant, a card and the break-glass package carry section keys only, and no section is in
every one of them, so the identity is an item of type ``identity`` written once in every
section (same title and body in each). Whatever a reader is given, they learn whose dossier
it is; masking a section masks its copy too, and the other copies still say it. The format
is the ordinary item format (``docs/formats.md``); body: ``{"name": str, "birth_date":
"YYYY-MM-DD"}``. Why not a new section or a field of the grant: ``docs/consent.md``, "What a
reader is told".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from vault import Dossier, InvalidInput, Item, Section

__all__ = ["IDENTITY_TITLE", "IDENTITY_TYPE", "Identity", "identity_of", "is_identity",
           "set_identity"]

IDENTITY_TYPE: Final = "identity"
IDENTITY_TITLE: Final = "Identity"
NAME_MAX: Final = 120


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    birth_date: str  # ISO date, as the patient entered it


def is_identity(item: Item) -> bool:
    return item.item_type == IDENTITY_TYPE


def _parse(item: Item) -> Identity | None:
    name, birth = item.body.get("name"), item.body.get("birth_date")
    if not isinstance(name, str) or not name.strip() or not isinstance(birth, str):
        return None
    return Identity(name=name.strip()[:NAME_MAX], birth_date=birth.strip()[:10])


def identity_of(items: Iterable[Item]) -> Identity | None:
    """The patient's identity from decrypted items: the most recently written well-formed
    copy that the patient wrote (a professional cannot write it), or None."""
    found = [i for i in items if is_identity(i) and i.own and _parse(i) is not None]
    if not found:
        return None
    return _parse(max(found, key=lambda i: (i.created_at, i.revision)))


def check_identity(name: str, birth_date: str) -> Identity:
    """InvalidInput unless the name is 1..120 characters and the birth date an ISO date."""
    clean = " ".join(name.split())
    if not clean or len(clean) > NAME_MAX:
        raise InvalidInput(f"the name must be 1 to {NAME_MAX} characters")
    try:
        born = dt.date.fromisoformat(birth_date.strip())
    except ValueError:
        raise InvalidInput("the birth date must be an ISO date (YYYY-MM-DD)") from None
    return Identity(name=clean, birth_date=born.isoformat())


async def set_identity(dossier: Dossier, name: str, birth_date: str, *,
                       today: str) -> Identity:
    """Write (or update) the identity in every section; ``today`` (ISO) is the items' date.
    Idempotent: a section whose copy already says the same is left alone."""
    who = check_identity(name, birth_date)
    body = {"name": who.name, "birth_date": who.birth_date}
    current = {i.section: i for i in await dossier.list() if is_identity(i) and i.own}
    for section in Section:
        have = current.get(section)
        if have is None:
            await dossier.add(section, IDENTITY_TYPE, IDENTITY_TITLE, today, body)
        elif have.body != body:
            await dossier.edit(have.item_id, body=body, date=today)
    return who
