"""Importing an exported archive into a dossier, one item at a time."""

from __future__ import annotations

from vault.archive import Contents, Entry

__all__ = ["groups"]


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
