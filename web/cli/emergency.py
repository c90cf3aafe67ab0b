"""Emergencies: the patient's emergency card (PNG + passcode) and emergency contacts,
break-glass on or off; ``carnet emergency open`` (anyone with a card and its passcode) and
``carnet emergency break-glass`` (a professional with the emergency role, with the emergency
service's key that ``carnet emergency init-service`` creates in that service's own home: the
server holds only its public key, ``CARNET_EMERGENCY_PUBLIC``)."""

from __future__ import annotations

import nacl.public

from consent import qr
from web.cli._args import Commands, leaf
from web.cli._codes import card_text, first_text_in_image, token_text
from web.cli._context import Ctx, clock, refuse_existing
from web.cli._render import item_json, items_of, when
from web.cli._sessions import (
    create_key_profile,
    emergency_service_secret,
    patient_session,
    pro_session,
)
from web.client.account import revoke_card
from web.client.consent import DURATIONS, contact_code, contact_scan, issue_contact_grant
from web.client.emergency import (
    allow_break_glass,
    break_glass,
    card_png,
    issue_card,
    open_card,
    refuse_break_glass,
)
from web.client.emergency import service_key as emergency_service_key
from web.nir import parse_nir


async def patient_card(ctx: Ctx) -> None:
    """Make an emergency card: writes the card (QR) as a PNG and prints its passcode ONCE, to
    be kept apart from the card. JSON: {card_id, passcode, expires_at, file}."""
    out = refuse_existing(ctx.args.out, ctx.args.force)
    async with patient_session(ctx) as s:
        made = await issue_card(s.dossier, s.api, days=ctx.args.days)
    out.write_bytes(card_png(made.text, made.expires_at))
    ctx.out.emit({"card_id": made.card_id, "passcode": made.passcode,
                  "expires_at": made.expires_at, "file": str(out)},
                 f"emergency card {made.card_id} written to {out} (until "
                 f"{when(made.expires_at)})\npasscode: {made.passcode}\nKeep the passcode apart "
                 "from the card (e.g. with your emergency contact): five wrong tries lock it.")


async def patient_revoke_card(ctx: Ctx) -> None:
    """Revoke an emergency card. JSON: {revoked}."""
    card_id = ctx.args.card_id.strip().lower()
    async with patient_session(ctx) as s:
        await revoke_card(s.dossier, s.api, card_id)
    ctx.out.emit({"revoked": card_id}, f"card {card_id} revoked")


async def patient_break_glass(ctx: Ctx) -> None:
    """Allow (on) or refuse (off) break-glass access by the emergency service to the
    emergency summary. JSON: {break_glass}."""
    on = ctx.args.state == "on"
    async with patient_session(ctx) as s:
        if on:
            await allow_break_glass(s.dossier, s.api, await emergency_service_key(s.api))
        else:
            await refuse_break_glass(s.dossier, s.api)
    ctx.out.emit({"break_glass": ctx.args.state},
                 "break-glass " + ("allowed: the emergency service can open your emergency "
                                   "summary; every use is logged and e-mailed to you" if on
                                   else "refused"))


async def patient_contact_code(ctx: Ctx) -> None:
    """Your emergency-contact code (and QR with --qr), for a patient who names you as their
    emergency contact. JSON: {code, qr_file}."""
    qr_path = refuse_existing(ctx.args.qr, ctx.args.force) if ctx.args.qr else None
    async with patient_session(ctx) as s:
        code = contact_code(s.dossier)
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
    """As an emergency contact: open the summary a patient granted you (token text or QR).
    JSON: {dossier_id, items}."""
    text = token_text(image=ctx.args.image, text=ctx.args.text)
    async with patient_session(ctx) as s:
        got = await contact_scan(s.dossier, s.api, text, now=clock())
    ctx.out.emit({"dossier_id": got.dossier_id, "items": [item_json(i) for i in got.items]},
                 items_of(got.items))


async def emergency_open(ctx: Ctx) -> None:
    """Open an emergency card (QR image or text) with its passcode (--passcode-file or
    $CARNET_CARD_PASSCODE). JSON: {items}."""
    a = ctx.args
    text = card_text(image=a.image, text=a.text)
    passcode = ctx.secret(a.passcode_file, "CARNET_CARD_PASSCODE", "card passcode",
                          "--passcode-file", confirm=False)
    async with ctx.api(ctx.server()) as api:
        found = await open_card(api, text, passcode, who=a.who or "")
    ctx.out.emit({"items": [item_json(i) for i in found]}, items_of(found))


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
    $CARNET_DEV_KEYS_DIR/emergency.key in development). JSON: {items}."""
    a = ctx.args
    nir = parse_nir(a.nir)
    secret = emergency_service_secret(ctx)
    async with pro_session(ctx) as s:
        found = await break_glass(s.api, s.identity, secret, nir, a.reason, now=clock())
    ctx.out.emit({"items": [item_json(i) for i in found]}, items_of(found))


def register(cmds: Commands) -> None:
    subs, nir = cmds.patient, cmds.nir
    p = leaf(subs, "card", patient_card, "make an emergency card (PNG) and its passcode", [nir])
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--days", type=int, default=365)
    p.add_argument("--force", action="store_true", help="overwrite FILE")
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
    p = leaf(subs, "break-glass", patient_break_glass, "allow or refuse break-glass", [nir])
    p.add_argument("state", choices=("on", "off"))
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
