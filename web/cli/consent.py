"""Consent: the patient grants a named professional access (consent token and QR), lists
and revokes grants, and reads the verified history; the professional scans a token
(``carnet pro scan``)."""

from __future__ import annotations

from typing import Any

from consent import qr
from vault import Section
from web.cli._args import Commands, authority_option, leaf
from web.cli._codes import identity_in_image, token_text
from web.cli._context import CliError, Ctx, check_ps_id, clock, refuse_existing
from web.cli._render import item_json, items_of, when
from web.cli._sessions import patient_session, pinned_authority, pro_session
from web.client import pins
from web.client.consent import (
    DURATIONS,
    issue_grant,
    list_grants,
    revoke_grant,
    scan,
    verified_history,
)
from web.client.history import shown_detail
from web.client.views import grant_views


async def patient_grant(ctx: Ctx) -> None:
    """Let a named professional read (or write) chosen sections for a while. Shows the
    consent token as text and, with --qr, writes it as a PNG or SVG QR code. JSON:
    {grant_id, token, expires_at, qr_version, qr_file}."""
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
        issued = await issue_grant(s.dossier, s.api, ps_id, sections, seconds=seconds,
                                   authority_public=await pinned_authority(ctx, s.api),
                                   write=a.write, now=clock(),
                                   expected_fingerprint=expected)
    text = issued.text
    version = qr.qr_version(text)
    if qr_path is not None:
        data = qr.render_svg(text) if qr_path.suffix.lower() == ".svg" else qr.render_png(text)
        qr_path.write_bytes(data)
    expires_at = clock() + seconds
    ctx.out.emit({"grant_id": issued.grant_id, "token": text, "expires_at": expires_at,
                  "qr_version": version, "qr_file": str(qr_path) if qr_path else None},
                 f"grant {issued.grant_id} for {ps_id} until {when(expires_at)}\n"
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
    ctx.out.emit({"revoked": grant_id}, f"revoked {grant_id}")


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
        events, head, key = await verified_history(
            s.dossier, s.api, server_public=pinned_key, last_seen=last_seen,
            authority_public=await pinned_authority(ctx, s.api))
        details = [shown_detail(s.dossier, e) for e in events]
    pins.save_audit(ctx.home, key, head)
    rows: list[dict[str, Any]] = [
        {"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "detail": detail,
         "signed_by_actor": e.signed_request} for e, detail in zip(events, details, strict=True)]
    ctx.out.emit({"events": rows, "head_seq": head.seq, "verified": True}, "\n".join(
        f"{r['seq']:>4}  {when(r['at'])}  {r['kind']:<16} {r['actor']}{_said(r['detail'])}"
        for r in rows)
        + "\nhistory verified: intact, consistent with what this device saw before, every "
          "professional's entry signed by them")


async def pro_scan(ctx: Ctx) -> None:
    """Read a consent token (QR image or text), check the patient's signature, and show
    what it opens. JSON: {dossier_id, sections, write, expires_at, items}."""
    a = ctx.args
    text = token_text(image=a.image, text_file=a.text_file, text=a.text)
    async with pro_session(ctx) as s:
        got = await scan(s.api, s.identity, text, now=clock())
    ctx.out.emit({"dossier_id": got.dossier_id, "sections": sorted(x.value for x in got.sections),
                  "write": got.write, "expires_at": got.expires_at,
                  "items": [item_json(i) for i in got.items]}, items_of(got.items))


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
    p.add_argument("--qr", metavar="FILE", help="write the QR code (.png or .svg)")
    authority_option(p)
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    leaf(subs, "grants", patient_grants, "list your grants", [nir])
    p = leaf(subs, "revoke", patient_revoke, "revoke a grant", [nir])
    p.add_argument("grant_id", metavar="GRANT_ID")
    leaf(subs, "history", patient_history, "every access and change, verified", [nir])
    p = leaf(cmds.pro, "scan", pro_scan, "open what a patient's consent token grants you")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--image", metavar="FILE", help="a photo or scan of the QR code")
    g.add_argument("--text", metavar="TOKEN", help="the token's text form")
    g.add_argument("--text-file", metavar="FILE", help="a file holding the token's text")
