"""The clinical alerts as the CLI shows them (P11): first, before anything else, most severe
first; with ``--json`` each alert is an object (kind, level, levels, drugs with codes and
names, matched ANSM substances or classes, text). Shared by ``pro scan``, ``pro add
--prescription`` and the clinical commands."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

from rich.console import Console

from clinical import Alert, ClinicalError
from vault import Item, Section
from web.cli._context import CliError, Ctx, clock
from web.cli._sessions import ProSession
from web.client.clinical import check_prescription, load_index, review_items
from web.client.consent import scan

__all__ = ["alerts_first", "alerts_json", "prescription_alerts", "prescription_gate",
           "print_alerts", "view_alerts"]

_MARK: Final = {"contre-indication": "CONTRAINDICATED", "association déconseillée":
                "NOT RECOMMENDED", "précaution d'emploi": "PRECAUTION",
                "à prendre en compte": "TAKE INTO ACCOUNT"}


def alerts_json(alerts: Sequence[Alert]) -> list[dict[str, Any]]:
    return [a.json() for a in alerts]


def _unavailable(exc: ClinicalError) -> Alert:
    return Alert(kind="unchecked", level=None, text=f"interaction checks unavailable: {exc}")


def view_alerts(env: Mapping[str, str], items: Sequence[Item],
                carried: Iterable[Section] | None, masked: int | None) -> list[Alert]:
    """Every alert for a view (a professional's: ``masked=None``)."""
    try:
        index = load_index(env)
    except ClinicalError as exc:
        return [_unavailable(exc)]
    return review_items(items, index, carried=carried, masked=masked)


def prescription_alerts(env: Mapping[str, str], title: str, body: Mapping[str, Any] | None,
                        items: Sequence[Item], carried: Iterable[Section] | None
                        ) -> list[Alert]:
    """What a prescription being written raises against the items read (before saving)."""
    try:
        index = load_index(env)
    except ClinicalError as exc:
        return [_unavailable(exc)]
    return check_prescription(title, body, items, index, carried=carried, masked=None)


def print_alerts(console: Console, alerts: Sequence[Alert]) -> None:
    if not alerts:
        return
    console.print("ALERTS", markup=False)
    for a in alerts:
        names = " + ".join(d.name for d in a.drugs)
        mark = _MARK[a.level.value] if a.level else ""
        if a.kind == "interaction":
            levels = ", ".join(lv.value for lv in a.levels)
            console.print(f"  [{mark}] interaction: {names} ({' / '.join(a.matched)}; "
                          f"ANSM: {levels})", markup=False)
            console.print(f"      {a.text}", markup=False)
        elif a.kind == "allergy":
            console.print(f"  [{mark}] allergy: {names}: {a.text}", markup=False)
        elif a.kind == "unchecked":
            console.print(f"  [not checked] {names + ': ' if names else ''}{a.text}",
                          markup=False)
        else:
            console.print(f"  [partial view] {a.text}", markup=False)
    console.print("", markup=False)


def alerts_first(alerts: Sequence[Alert], then: Callable[[Console], None] | str
                 ) -> Callable[[Console], None]:
    """A renderer: the alerts, then what the command shows."""
    def show(console: Console) -> None:
        print_alerts(console, alerts)
        if isinstance(then, str):
            console.print(then, markup=False)
        else:
            then(console)
    return show


async def prescription_gate(ctx: Ctx, s: ProSession, text: str, title: str,
                            body: dict[str, Any] | None) -> dict[str, Any] | None:
    """``pro add --prescription``: read what the token opens and check the new drug against
    the active treatments and allergies, before anything is saved. An interaction or
    allergy alert stops the write (CliError) unless confirmed at a terminal or ``--force``;
    then the acknowledged alerts are recorded in the item (``body.acknowledged_alerts``).
    Returns the body to save."""
    got = await scan(s.api, s.identity, text, now=clock())
    alerts = prescription_alerts(ctx.env, title, body, got.items, got.sections)
    serious = [a for a in alerts if a.kind in ("interaction", "allergy")]
    if not serious:
        return body
    if not ctx.out.json_mode:
        print_alerts(ctx.out.err, alerts)
    force = bool(getattr(ctx.args, "force", False))
    confirmed = force or (ctx.interactive and not ctx.out.json_mode and ctx.confirm(
        "save this prescription despite the alerts?"))
    if not confirmed:
        worst = serious[0]
        raise CliError(f"{len(serious)} alert(s) for this prescription (first: {worst.kind}, "
                       f"{worst.level.value if worst.level else 'no level'}); nothing was "
                       "saved: check them, then use --force to save with the alerts "
                       "acknowledged")
    return {**(body or {}), "acknowledged_alerts": alerts_json(serious)}
