"""Consent: the patient grants a named professional access (consent token and QR), lists
and revokes grants, and reads the verified history; the professional scans a token
(``carnet pro scan``)."""

from __future__ import annotations

import sys
from typing import Any

from consent import qr
from vault import Section
from web.cli._args import Commands, authority_option, leaf
from web.cli._codes import identity_in_image
from web.cli._context import CliError, Ctx, check_ps_id, clock, refuse_existing
from web.cli._render import when
from web.cli._sessions import patient_session, pinned_authority
from web.client import history_text, pins
from web.client.consent import (
    DURATIONS,
    PROFESSIONS,
    GrantPlan,
    issue_planned,
    list_grants,
    plan_grant,
    profession_key,
    revoke_grant,
)
from web.client.history import history, item_titles, shown_detail
from web.client.views import grant_views
from web.i18n import tr


def _profession(text: str) -> str:
    """--profession as typed ("Médecin") to its closed-list name; argparse then refuses
    anything else, listing the choices."""
    return profession_key(text) or text.strip().lower()


def describe_plan(plan: GrantPlan) -> str:
    """The grant in words: who (name, profession, city, idNat_PS), what, how long."""
    r = plan.recipient
    who = ", ".join(x for x in (r.name, r.profession, r.specialty) if x)
    write = "yes: they may add items to these sections" if plan.write else "no (read only)"
    return (f"  to        {who} ({r.ps_id})\n"
            f"  city      {r.city or 'not given in the directory'}\n"
            f"  sections  {', '.join(sorted(x.value for x in plan.sections))}\n"
            f"  write     {write}\n"
            f"  until     {when(plan.expires_at)}")


def confirm(question: str) -> bool:
    """Ask at the terminal; only an explicit yes is a yes (end of input is a no)."""
    sys.stderr.write(f"{question} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes", "o", "oui")


async def patient_grant(ctx: Ctx) -> None:
    """Let a named professional read (or write) chosen sections for a while. Shows who
    (name, profession, city from the countersigned directory), which sections, write
    permission and the expiry before issuing, asks to confirm at a terminal (--yes skips
    the question; without a terminal there is none), and shows them again with the consent
    token (and, with --qr, a PNG or SVG QR code). JSON: {grant_id, token, expires_at,
    qr_version, qr_file, recipient: {ps_id, name, profession, specialty, city}, sections,
    write, issued_at}."""
    a = ctx.args
    expected: bytes | None = None
    if a.to_qr:
        ps_id, expected = identity_in_image(a.to_qr)
    else:
        ps_id = check_ps_id(a.to)
    seconds = DURATIONS[a.duration]
    sections = [Section.parse(x) for x in a.section] if a.section else None
    qr_path = refuse_existing(a.qr, a.force) if a.qr else None
    if qr_path is not None and qr_path.suffix.lower() not in (".png", ".svg"):
        raise CliError("--qr must name a .png or .svg file")
    async with patient_session(ctx) as s:
        plan = await plan_grant(s.dossier, s.api, ps_id, sections, seconds=seconds,
                                authority_public=await pinned_authority(ctx, s.api),
                                write=a.write, now=clock(), expected_fingerprint=expected,
                                profession=a.profession)
        summary = "You are about to grant:\n" + describe_plan(plan)
        if ctx.interactive and not a.yes:  # asked even with --json: stdout stays JSON
            sys.stderr.write(summary + "\n")
            if not confirm("Issue this grant?"):
                raise CliError("nothing was issued: you did not confirm")
        else:
            ctx.out.note(summary)
        issued = await issue_planned(s.dossier, s.api, plan)
    text = issued.text
    version = qr.qr_version(text)
    if qr_path is not None:
        data = qr.render_svg(text) if qr_path.suffix.lower() == ".svg" else qr.render_png(text)
        qr_path.write_bytes(data)
    ctx.out.emit({"grant_id": issued.grant_id, "token": text, "expires_at": plan.expires_at,
                  "qr_version": version, "qr_file": str(qr_path) if qr_path else None,
                  **plan.summary},
                 f"grant {issued.grant_id} issued:\n{describe_plan(plan)}\n"
                 f"consent token (show it as a QR; useless to anyone but {ps_id}):\n{text}"
                 + (f"\nQR code written to {qr_path}" if qr_path else ""))


async def patient_grants(ctx: Ctx) -> None:
    """Every grant: recipient, sections, validity, revocation. JSON: {grants: [...]}."""
    async with patient_session(ctx) as s:
        found = await list_grants(s.dossier, s.api)
    rows: list[dict[str, Any]] = [
        {"grant_id": g.grant_id, "recipient": g.recipient, "sections": g.sections,
         "write": g.write, "issued_at": g.issued_at, "expires_at": g.expires_at,
         "state": g.state} for g in grant_views(found, now=clock())]
    ctx.out.emit({"grants": rows}, "\n".join(
        f"{r['grant_id']}  {r['recipient']}  {r['state']:<8} until {when(r['expires_at'])}  "
        f"{', '.join(r['sections'])}{' (write)' if r['write'] else ''}" for r in rows)
        or "no grants")


async def patient_revoke(ctx: Ctx) -> None:
    """Revoke a grant: its token is refused from now on, and the sections it opened get new
    keys at the next write. JSON: {revoked}."""
    grant_id = ctx.args.grant_id.strip().lower()
    async with patient_session(ctx) as s:
        await revoke_grant(s.dossier, s.api, grant_id)
    ctx.out.emit({"revoked": grant_id}, tr("revoked {grant_id}", grant_id=grant_id))


def _said(detail: dict[str, Any]) -> str:
    """The free text an event carries (opened from its sealed note), for the text output."""
    said = [f"{k}: {detail[k]}" for k in ("by", "reason") if isinstance(detail.get(k), str)
            and detail[k]]
    return f"  ({'; '.join(said)})" if said else ""


async def patient_history(ctx: Ctx) -> None:
    """Every access and change, verified: the chain must be intact, signed by the server key
    this home pinned, extend what this home saw last time, and every professional's event
    must be their own request signed with the key the countersigned directory gives for
    them, never twice. Free text sealed to the patient (who opened a card, a break-glass
    reason) is opened here. JSON: {events, head_seq, verified}."""
    try:
        pinned_key, last_seen = pins.load_audit(ctx.home)
    except pins.DamagedPin as exc:
        raise CliError(str(exc)) from None
    async with patient_session(ctx) as s:
        found = await history(s.dossier, s.api, server_public=pinned_key, last_seen=last_seen,
                              authority_public=await pinned_authority(ctx, s.api))
        events, head, key = found.events, found.head, found.server_public
        details = [shown_detail(s.dossier, e) for e in events]
        titles = await item_titles(s.dossier)
    pins.save_audit(ctx.home, key, head)
    rows: list[dict[str, Any]] = [
        {"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "detail": detail,
         "signed_by_actor": e.signed_request} for e, detail in zip(events, details, strict=True)]
    ctx.out.emit({"events": rows, "head_seq": head.seq, "verified": True}, "\n".join(
        history_text.lines(events, details, people=found.people, titles=titles,
                           lang=ctx.out.lang))
        + "\nhistory verified: intact, consistent with what this device saw before, every "
          "professional's entry signed by them")


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "grant", patient_grant, "let a named professional in (consent token/QR)",
             [nir])
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="PS_ID", help="the professional's idNat_PS")
    who.add_argument("--to-qr", metavar="IMAGE", help="a photo of the professional's identity "
                     "QR (carnet pro identity-qr): grants to exactly that key")
    p.add_argument("--section", action="append", metavar="S",
                   help="a section to open (repeat for several; default: by the profession, "
                        "see docs/consent.md)")
    p.add_argument("--duration", choices=sorted(DURATIONS), default="consultation")
    p.add_argument("--write", action="store_true", help="the professional may add items")
    p.add_argument("--profession", type=_profession, choices=PROFESSIONS,
                   help="the profession you expect (the countersigned directory must agree)")
    p.add_argument("--yes", action="store_true",
                   help="issue without asking to confirm (the summary is still shown)")
    p.add_argument("--qr", metavar="FILE", help="write the QR code (.png or .svg)")
    authority_option(p)
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    leaf(subs, "grants", patient_grants, "list your grants", [nir])
    p = leaf(subs, "revoke", patient_revoke, "revoke a grant", [nir])
    p.add_argument("grant_id", metavar="GRANT_ID")
    leaf(subs, "history", patient_history, "every access and change, verified", [nir])
    # `carnet pro scan` and `pro show`: web/cli/pro.py
