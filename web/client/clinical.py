"""Clinical checks on decrypted items, in the client (P11): the interaction index on this
machine, the items' codes as the alert rules take them, the care-history window.

The index is the file the install step builds (``scripts/clinical_data.py``):
``$CARNET_CLINICAL_INDEX`` if set, else ``<prefix>/share/carnet/ansm-interactions.json``.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from clinical import Alert, Code, Index, IndexUnavailable, Substance, View, load
from clinical import check_prescription as _check_prescription
from clinical import review as _review
from clinical.index import LOCATION
from vault import Item, Section

__all__ = ["CARE_WINDOW_MONTHS", "allergies_of", "check_prescription", "index_path",
           "load_index", "new_prescription", "review_items", "treatments_of",
           "within_window"]

CARE_WINDOW_MONTHS = 24
_cache: dict[Path, Index] = {}


def index_path(env: Mapping[str, str]) -> Path:
    given = env.get("CARNET_CLINICAL_INDEX")
    return Path(given) if given else Path(sys.prefix).joinpath(*LOCATION)


def load_index(env: Mapping[str, str]) -> Index:
    """The interaction index (read once per process)."""
    path = index_path(env)
    if path not in _cache:
        try:
            data = path.read_bytes()
        except OSError:
            raise IndexUnavailable(f"no interaction index at {path}; run scripts/_env.sh or "
                                   "python -m scripts.clinical_data") from None
        _cache[path] = load(data)
    return _cache[path]


def _codes(body: Any) -> tuple[Code, ...]:
    if not isinstance(body, dict):
        return ()
    found = []
    for c in body.get("codes") or []:
        if isinstance(c, dict) and c.get("code"):
            found.append(Code(str(c.get("system", "")), str(c["code"]),
                              str(c.get("display", ""))))
    for key in ("rxnorm", "code"):  # an item typed by hand: {"rxnorm": "855332"}
        if isinstance(body.get(key), str | int) and str(body[key]).strip():
            found.append(Code("", str(body[key]).strip()))
    return tuple(found)


def _substance(item: Item) -> Substance:
    return Substance(item.title, _codes(item.body), item.item_id)


def _active(item: Item) -> bool:
    body = item.body if isinstance(item.body, dict) else {}
    return body.get("active") is not False and body.get("status") not in (
        "stopped", "completed", "cancelled", "entered-in-error")


def treatments_of(items: Iterable[Item]) -> list[Substance]:
    return [_substance(i) for i in items
            if i.section == Section.CURRENT_TREATMENTS and _active(i)]


def allergies_of(items: Iterable[Item]) -> list[Substance]:
    return [_substance(i) for i in items if i.section == Section.ALLERGIES
            and "resolved" not in ((i.body or {}).get("clinical_status") or [])]


def _view(carried: Iterable[Section] | None, masked: int | None) -> View:
    missing = frozenset() if carried is None else frozenset(
        s.value for s in Section if s not in set(carried))
    return View(masked=masked, missing=missing)


def review_items(items: Sequence[Item], index: Index, *,
                 carried: Iterable[Section] | None = None,
                 masked: int | None = None) -> list[Alert]:
    """Every alert for the items a reader decrypted. ``carried``: the sections a grant
    carries (None: the patient's own view); ``masked``: masked items the reader knows of
    (None: a professional, who cannot know)."""
    return _review(treatments_of(items), allergies_of(items), index, _view(carried, masked))


def new_prescription(title: str, body: Mapping[str, Any] | None) -> Substance:
    return Substance(title, _codes(dict(body or {})), "new")


def check_prescription(title: str, body: Mapping[str, Any] | None, items: Sequence[Item],
                       index: Index, *, carried: Iterable[Section] | None = None,
                       masked: int | None = None) -> list[Alert]:
    """The alerts a prescription (title, body with codes) raises before it is saved."""
    return _check_prescription(new_prescription(title, body), treatments_of(items),
                               allergies_of(items), index, _view(carried, masked))


def within_window(items: Iterable[Item], *, today: dt.date,
                  months: int = CARE_WINDOW_MONTHS) -> tuple[list[Item], int]:
    """The care-history items dated within ``months`` of ``today`` (other sections
    untouched), and how many older ones were left out."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    start = dt.date(year, month + 1, min(today.day, 28)).isoformat()
    kept, hidden = [], 0
    for item in items:
        if item.section == Section.CARE_HISTORY and item.date < start:
            hidden += 1
        else:
            kept.append(item)
    return kept, hidden
