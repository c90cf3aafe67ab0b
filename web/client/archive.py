"""Importing an exported archive into a dossier, one item at a time.

Into the dossier the archive came from, what is still there (same item id and revision) is
skipped and counted, so importing twice adds nothing; into another dossier everything is
added under new ids (``vault.Dossier.import_archive``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from vault import Dossier
from vault.archive import Contents, Entry

__all__ = ["Imported", "groups", "import_into"]


@dataclass(frozen=True, slots=True)
class Imported:
    """What an import did: items and revisions written, and those skipped because this
    dossier still holds them."""

    items: int
    revisions: int
    skipped_items: int
    skipped_revisions: int
    from_dossier: str


def groups(contents: Contents) -> list[Contents]:
    """One Contents per item (its revisions in order); the masked sections ride with the
    first, so that importing them one by one equals importing all at once."""
    order: dict[str, list[Entry]] = {}
    for entry in contents.entries:
        order.setdefault(entry.item.item_id, []).append(entry)
    found = [Contents(contents.dossier_id, contents.exported_at, entries)
             for entries in order.values()]
    if not found:
        found = [Contents(contents.dossier_id, contents.exported_at, [])]
    first = found[0]
    found[0] = Contents(first.dossier_id, first.exported_at, first.entries,
                        contents.masked_sections)
    return found


async def import_into(dossier: Dossier, contents: Contents, *,
                      on_item: Callable[[], None] | None = None) -> Imported:
    """Import ``contents`` item by item (``on_item()`` after each: a progress bar). An item
    counts as skipped when none of its revisions was written, as imported otherwise."""
    items = revisions = skipped_items = 0
    skipped: list[tuple[str, int]] = []
    for group in groups(contents):
        before = len(skipped)
        written = await dossier.import_archive(
            group, on_skip=lambda item_id, revision: skipped.append((item_id, revision)))
        revisions += written
        if group.entries:
            if written:
                items += 1
            elif len(skipped) > before:
                skipped_items += 1
        if on_item is not None:
            on_item()
    return Imported(items=items, revisions=revisions, skipped_items=skipped_items,
                    skipped_revisions=len(skipped), from_dossier=contents.dossier_id)
