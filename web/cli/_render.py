"""How results look: items as tables or lines, one item in full, a reader's view of a dossier
(``web.client.reading``), the JSON form of items and professionals, the recovery-code
warning. Nothing here decides anything."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Final

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from vault import Item
from web import schemas
from web.client.codes import fingerprint_hex
from web.client.reading import SECTION_LABELS, ItemView, ReadingView
from web.i18n import tr

TABLE_MIN_WIDTH: Final = 110


def when(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


def author_of(item: Item) -> str:
    """The author as the PATIENT reads their own dossier ("you"); anyone else's view names
    authors through ``web.client.reading.author_label``."""
    if item.own:
        return "you"
    return item.author.name or item.author.id or item.author.kind


def item_json(item: Item) -> dict[str, Any]:
    """An item for --json: content, author and flags; never the attachment's key."""
    att = item.attachment
    return {"item_id": item.item_id, "revision": item.revision, "section": item.section.value,
            "type": item.item_type, "title": item.title, "date": item.date, "body": item.body,
            "author": author_json(item),
            "created_at": item.created_at, "masked": item.masked, "own": item.own,
            "attachment": None if att is None else {"name": att.name,
                                                    "media_type": att.media_type,
                                                    "size": att.size}}


def author_json(item: Item) -> dict[str, Any]:
    return {"kind": item.author.kind, "id": item.author.id, "name": item.author.name}


def pro_json(p: schemas.ProfessionalBody) -> dict[str, Any]:
    """A directory entry for --json (the key as its fingerprint)."""
    return {"ps_id": p.ps_id, "name": p.name, "profession": p.profession,
            "specialty": p.specialty, "city": p.city, "status": p.status, "roles": p.roles,
            "fingerprint": fingerprint_hex(p.sign_public)}


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


def items_of(found: list[Item]) -> Callable[[Console], None]:
    """A renderer for :func:`print_items` (for ``Output.emit``)."""
    return lambda console: print_items(console, found)


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


def professionals_table(found: list[schemas.ProfessionalBody]) -> Table:
    table = Table()
    for name in ("idNat_PS", "name", "profession", "specialty", "city", "status", "roles"):
        table.add_column(name, no_wrap=name == "idNat_PS")
    for p in found:
        table.add_row(*(Text(v) for v in (p.ps_id, p.name, p.profession, p.specialty,
                                          p.city, p.status, ", ".join(p.roles))))
    return table


def recovery_warning(code: str) -> Callable[[Console], None]:
    def show(console: Console) -> None:
        console.print(Text("Recovery code (shown once, never stored anywhere):", style="bold"))
        console.print(Text(f"    {code}", style="bold yellow"))
        console.print("Print it or write it down and keep it somewhere safe: it is the only "
                      "way back into your dossier if you forget your passphrase. Carnet "
                      "cannot recover it for you.", markup=False)
    return show


_ACCESS: Final = {"professional": "Consent", "contact": "Emergency contact access",
                  "card": "Emergency card", "break_glass": "Break-glass access (logged; the "
                  "patient is notified)"}


def _view_head(console: Console, view: ReadingView) -> None:
    who = view.patient
    console.print(Text(f"Dossier of {who.name}, born {who.birth_date}" if who
                       else "Dossier of a patient who has not entered their name", style="bold"))
    access = [", ".join(s.label for s in view.sections) or "nothing",
              "may add items" if view.write else "read only"]
    if view.expires_at is not None:
        access.append(f"until {when(view.expires_at)}")
    console.print(Text(f"{_ACCESS[view.kind]}: " + "; ".join(access)))
    for n in view.notices:
        console.print(Text(f"! {n.text}", style="yellow"))


def print_item_view(console: Console, v: ItemView, *, indent: str = "  ") -> None:
    """One item of a reader's view: title, type, date, author, then its details."""
    i = v.item
    head = Text(f"{indent}{i.title}", style="bold")
    head.append(f"  · {i.item_type.replace('_', ' ')} · {i.date} · by {v.author}")
    console.print(head)
    inner = indent + "    "
    for d in v.details:
        console.print(Text(f"{inner}{d.label}: {d.value}"))
    if i.attachment is not None:
        a = i.attachment
        console.print(Text(f"{inner}Attachment: {a.name} ({a.media_type}, {a.size} bytes)"))
    console.print(Text(inner + tr("id {item_id}", item_id=i.item_id), style="dim"))


def print_view(console: Console, view: ReadingView) -> None:
    """Whose dossier, what was opened and how, the notices, then each section's items (or
    what its emptiness means)."""
    _view_head(console, view)
    for section in view.sections:
        console.print()
        console.print(Text(section.label.upper(), style="bold"))
        if section.empty is not None:
            console.print(Text(f"  {section.empty}", style="italic"))
        for v in section.items:
            print_item_view(console, v)


def view_of(view: ReadingView) -> Callable[[Console], None]:
    """A renderer for :func:`print_view` (for ``Output.emit``)."""
    return lambda console: print_view(console, view)


def item_in_view(view: ReadingView, v: ItemView) -> Callable[[Console], None]:
    """One item of a reader's view, with whose dossier it is and the notices."""
    def show(console: Console) -> None:
        _view_head(console, view)
        console.print()
        console.print(Text(SECTION_LABELS[v.item.section].upper(), style="bold"))
        print_item_view(console, v)
    return show
