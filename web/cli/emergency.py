"""Emergencies: the patient's emergency cards (PDF or PNG, the passcode on a separate slip;
``carnet patient cards`` lists them) and emergency contacts,
break-glass on or off; ``carnet emergency open`` (anyone with a card and its passcode) and
``carnet emergency break-glass`` (a professional with the emergency role, with the emergency
service's key that ``carnet emergency init-service`` creates in that service's own home: the
server holds only its public key, ``CARNET_EMERGENCY_PUBLIC``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import nacl.public

from consent import qr
from web.cli._args import Commands, leaf
from web.cli._codes import card_text, first_text_in_image, token_text
from web.cli._context import CliError, Ctx, clock, refuse_existing
from web.cli._render import view_of, when
from web.cli._sessions import (
    create_key_profile,
    emergency_service_secret,
    patient_session,
    pinned_authority,
    pro_session,
)
from web.client.account import revoke_card
from web.client.consent import DURATIONS, contact_code, contact_scan, issue_contact_grant
from web.client.emergency import (
    allow_break_glass,
    break_glass,
    break_glass_allowed,
    issue_card,
    list_cards,
    open_card,
    refuse_break_glass,
)
from web.client.emergency import service_key as emergency_service_key
from web.client.links import public_origin
from web.client.reading import view_json
from web.client.views import reader_view
from web.i18n import tr
from web.nir import parse_nir

if TYPE_CHECKING:  # reportlab and Pillow load only for `patient card` (CLI start-up time)
    from web.client import cardprint


def _print_format(path: Path, option: str) -> cardprint.Format:
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png"):
        raise CliError(f"{option} must name a .pdf or .png file")
    return "pdf" if suffix == ".pdf" else "png"


def _print_targets(ctx: Ctx) -> tuple[Path, cardprint.Format, Path, cardprint.Format]:
    """The card's file and format, the slip's (by default OUT-code.SUFFIX), checked."""
    a = ctx.args
    out = Path(a.out)
    slip = Path(a.slip) if a.slip else out.with_name(f"{out.stem}-code{out.suffix}")
    fmt, slip_fmt = _print_format(out, "--out"), _print_format(slip, "--slip")
    if slip.resolve() == out.resolve():
        raise CliError("--slip must be another file than --out: the passcode is kept apart "
                       "from the card")
    return (refuse_existing(str(out), a.force), fmt, refuse_existing(str(slip), a.force),
            slip_fmt)


async def patient_card(ctx: Ctx) -> None:
    """Make an emergency card: writes the card (QR link, your name, "appelez le 15") as a
    card-sized PDF or 300 dpi PNG (by --out's suffix) and its passcode on a separate slip
    (--slip, default OUT-code.pdf/png) for your emergency contact; the passcode is also
    printed ONCE. JSON: {card_id, passcode, expires_at, file, slip_file, name}."""
    from web.client import cardprint

    a = ctx.args
    out, fmt, slip, slip_fmt = _print_targets(ctx)
    async with patient_session(ctx) as s:
        holder = await cardprint.card_holder(s.dossier, a.name)
        made = await issue_card(s.dossier, s.api, days=a.days)
    out.write_bytes(cardprint.card_file(made, holder, fmt))
    slip.write_bytes(cardprint.slip_file(made, holder, slip_fmt))
    ctx.out.emit({"card_id": made.card_id, "passcode": made.passcode,
                  "expires_at": made.expires_at, "file": str(out), "slip_file": str(slip),
                  "name": holder.name or None},
                 f"emergency card {made.card_id} written to {out} (until "
                 f"{when(made.expires_at)})\npasscode slip written to {slip}: give it to your "
                 f"emergency contact, not with the card\npasscode: {made.passcode}\nFive wrong "
                 "tries lock the card; `carnet patient cards` lists your cards."
                 + ("" if holder.name else "\nno name in your dossier: write yours on the card, "
                    "or set it with patient identity (or --name) and make a new card"))


async def patient_cards(ctx: Ctx) -> None:
    """Your emergency cards, newest first, with their state (the id is what `patient
    revoke-card` takes). JSON: {cards: [{card_id, created_at, expires_at, state,
    attempts, follows_keys}]}; an active card with follows_keys false was made before cards
    followed key changes: it opens only what its keys of then open, renew it."""
    async with patient_session(ctx) as s:
        found = await list_cards(s.dossier, s.api)
    now = clock()
    rows: list[dict[str, Any]] = [
        {"card_id": c.card_id, "created_at": c.created_at, "expires_at": c.expires_at,
         "state": "revoked" if c.revoked else "expired" if c.expires_at <= now else "active",
         "attempts": c.attempts, "follows_keys": c.follows_keys} for c in found]
    renew = tr("; renew it: made before cards followed key changes, it may not open "
               "what was written or masked since")
    ctx.out.emit({"cards": rows}, "\n".join(
        f"{r['card_id']}  {r['state']:<8} made {when(r['created_at'])}, until "
        f"{when(r['expires_at'])}, {r['attempts']} wrong passcode(s)"
        f"{renew if r['state'] == 'active' and not r['follows_keys'] else ''}" for r in rows)
        or "no cards")


_ROTATION_OWED = ("the emergency summary's keys could not be rotated now (the server did not "
                  "answer): they will be at your next sign-in or change")  # tr() at use


async def patient_revoke_card(ctx: Ctx) -> None:
    """Revoke an emergency card. JSON: {revoked, keys_rotated}."""
    card_id = ctx.args.card_id.strip().lower()
    async with patient_session(ctx) as s:
        rotated = await revoke_card(s.dossier, s.api, card_id)
    ctx.out.emit({"revoked": card_id, "keys_rotated": rotated}, f"card {card_id} revoked")
    if not rotated:
        ctx.out.note(tr(_ROTATION_OWED))


async def patient_break_glass(ctx: Ctx) -> None:
    """Allow (on) or refuse (off) break-glass access by the emergency service to the
    emergency summary, or show whether it is allowed (status). JSON: {break_glass}."""
    on = ctx.args.state == "on"
    async with patient_session(ctx) as s:
        if ctx.args.state == "status":
            allowed = await break_glass_allowed(s.dossier, s.api)
            ctx.out.emit({"break_glass": "on" if allowed else "off"},
                         tr("break-glass is allowed") if allowed
                         else tr("break-glass is refused"))
            return
        if on:
            await allow_break_glass(s.dossier, s.api, await emergency_service_key(s.api))
        elif not await refuse_break_glass(s.dossier, s.api):
            ctx.out.note(tr(_ROTATION_OWED))
    ctx.out.emit({"break_glass": ctx.args.state},
                 "break-glass " + ("allowed: the emergency service can open your emergency "
                                   "summary; every use is logged and e-mailed to you" if on
                                   else "refused"))


async def patient_contact_code(ctx: Ctx) -> None:
    """Your emergency-contact code (and QR with --qr), for a patient who names you as their
    emergency contact. JSON: {code, qr_file}."""
    qr_path = refuse_existing(ctx.args.qr, ctx.args.force) if ctx.args.qr else None
    async with patient_session(ctx) as s:
        code = contact_code(s.dossier, await public_origin(s.api))
    if qr_path is not None:
        qr_path.write_bytes(qr.render_png(code))
    ctx.out.emit({"code": code, "qr_file": str(qr_path) if qr_path else None},
                 f"emergency-contact code:\n{code}"
                 + (f"\nQR written to {qr_path}" if qr_path else ""))


async def patient_add_contact(ctx: Ctx) -> None:
    """Name an emergency contact who has a Carnet account (their code, shown in person): a
    standing grant on your emergency summary. Give them the token. JSON: {grant_id, token,
    expires_at}."""
    a = ctx.args
    code = a.code if a.code else first_text_in_image(a.image)
    seconds = DURATIONS[a.duration]
    async with patient_session(ctx) as s:
        issued = await issue_contact_grant(s.dossier, s.api, code, seconds=seconds,
                                           now=clock())
    ctx.out.emit({"grant_id": issued.grant_id, "token": issued.text,
                  "expires_at": clock() + seconds},
                 f"contact grant {issued.grant_id}; give your contact this token:\n"
                 f"{issued.text}")


async def patient_read_contact(ctx: Ctx) -> None:
    """As an emergency contact: open the summary a patient granted you (token text or QR),
    shown as web.client.reading builds it. JSON: web.client.reading.view_json."""
    text = token_text(image=ctx.args.image, text=ctx.args.text)
    async with patient_session(ctx) as s:
        got = await contact_scan(s.dossier, s.api, text, now=clock())
        view = await reader_view(s.api, got.items, kind="contact", carried=got.sections,
                                 dossier_id=got.dossier_id, expires_at=got.expires_at,
                                 unreadable=got.unreadable,
                                 authority_public=await pinned_authority(ctx, s.api))
    ctx.out.emit(view_json(view), view_of(view))


async def emergency_open(ctx: Ctx) -> None:
    """Open an emergency card (QR image or text) with its passcode (--passcode-file or
    $CARNET_CARD_PASSCODE). JSON: web.client.reading.view_json."""
    a = ctx.args
    text = card_text(image=a.image, text=a.text)
    passcode = ctx.secret(a.passcode_file, "CARNET_CARD_PASSCODE", "card passcode",
                          "--passcode-file", confirm=False)
    async with ctx.api(ctx.server()) as api:
        found = await open_card(api, text, passcode, who=a.who or "")
        view = await reader_view(api, found, kind="card",
                                 authority_public=await pinned_authority(ctx, api))
    ctx.out.emit(view_json(view), view_of(view))


async def emergency_init_service(ctx: Ctx) -> None:
    """Create the emergency service's X25519 key in this home (``emergency.carnet``, sealed
    under a new passphrase; --force replaces one) and print its PUBLIC key, to set on the
    server as CARNET_EMERGENCY_PUBLIC. The private key is never printed. JSON:
    {emergency_public, file, setting}."""
    key = nacl.public.PrivateKey.generate()
    path = create_key_profile(ctx, "emergency", force=ctx.args.force, box_secret=bytes(key))
    public = key.public_key.encode().hex()
    setting = f"CARNET_EMERGENCY_PUBLIC={public}"
    ctx.out.emit({"emergency_public": public, "file": str(path), "setting": setting},
                 f"emergency service key created in {path} (sealed with your passphrase: "
                 f"keep this home off the server)\npublic key: {public}\nset on the server: "
                 f"{setting}")


async def emergency_break_glass(ctx: Ctx) -> None:
    """Break the glass as a professional with the emergency role (identity in the home; the
    service key in --service-key-file, else the home's ``emergency.carnet``, else
    $CARNET_DEV_KEYS_DIR/emergency.key in development). JSON: web.client.reading.view_json."""
    a = ctx.args
    nir = parse_nir(a.nir)
    secret = emergency_service_secret(ctx)
    async with pro_session(ctx) as s:
        found = await break_glass(s.api, s.identity, secret, nir, a.reason, now=clock())
        view = await reader_view(s.api, found, kind="break_glass",
                                 authority_public=await pinned_authority(ctx, s.api))
    ctx.out.emit(view_json(view), view_of(view))


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "card", patient_card, "make an emergency card (PDF or PNG) and its "
             "passcode slip", [nir])
    p.add_argument("--out", required=True, metavar="FILE.pdf|FILE.png",
                   help="the card (card-sized PDF, or PNG at 300 dpi)")
    p.add_argument("--slip", metavar="FILE.pdf|FILE.png",
                   help="the passcode slip for your emergency contact (default: OUT-code)")
    p.add_argument("--name", metavar="NAME", help="the name on the card (default: the "
                   "identity in your dossier)")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    leaf(subs, "cards", patient_cards, "list your emergency cards (for revoke-card)", [nir])
    p = leaf(subs, "contact-code", patient_contact_code, "your emergency-contact code", [nir])
    p.add_argument("--qr", metavar="FILE.png")
    p.add_argument("--force", action="store_true", help="overwrite FILE")
    p = leaf(subs, "add-contact", patient_add_contact, "name an emergency contact who has an "
             "account (standing grant on your summary)", [nir])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--code", metavar="TEXT")
    g.add_argument("--image", metavar="FILE")
    p.add_argument("--duration", choices=sorted(DURATIONS), default="1y")
    p = leaf(subs, "read-contact", patient_read_contact, "as an emergency contact, open what "
             "a patient granted you", [nir])
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--text", metavar="TOKEN")
    g.add_argument("--image", metavar="FILE")
    p = leaf(subs, "revoke-card", patient_revoke_card, "revoke an emergency card", [nir])
    p.add_argument("card_id", metavar="CARD_ID")
    p = leaf(subs, "break-glass", patient_break_glass, "allow or refuse break-glass (or show "
             "its status)", [nir])
    p.add_argument("state", choices=("on", "off", "status"))
    esubs = cmds.emergency
    p = leaf(esubs, "init-service", emergency_init_service, "create the emergency service's "
             "key in this home (never on the server) and print its public key")
    p.add_argument("--force", action="store_true", help="replace the key this home holds")
    p = leaf(esubs, "open", emergency_open, "open an emergency card with its passcode")
    g = p.add_mutually_exclusive_group(required=True)
    g.add_argument("--image", metavar="FILE")
    g.add_argument("--text", metavar="CARD")
    p.add_argument("--passcode-file", metavar="F")
    p.add_argument("--who", metavar="TEXT", help="who opens it (logged, sealed to the "
                   "patient: only they can read it)")
    p = leaf(esubs, "break-glass", emergency_break_glass, "open a patient's emergency summary "
             "as the emergency service (logged, e-mailed to the patient)")
    p.add_argument("--nir", required=True)
    p.add_argument("--reason", required=True, help="why (10 to 500 characters; logged, sealed "
                   "to the patient: only they can read it)")
    p.add_argument("--service-key-file", metavar="F",
                   help="the emergency service's key, 64 hex (else the home's, else "
                        "$CARNET_DEV_KEYS_DIR/emergency.key)")
