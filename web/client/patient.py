"""A patient's journeys: activate, log in (P15), recover, change the passphrase, and write
items with the rules a person's writing follows (:mod:`web.client.item_rules`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from consent.request import login_message
from vault import Dossier, Item, NewAttachment, UnlockFailed, keys
from vault.crypto import KdfParams
from vault.records import SLOT_PASSPHRASE, SLOT_RECOVERY
from web import schemas
from web.client.api import Api, ApiError
from web.client.history import declare
from web.client.item_rules import check_item_date
from web.client.passphrase import check_new_passphrase
from web.client.rotation import watch_grants
from web.client.store import Activation, HttpStore

Clock = Callable[[], int]


async def activate(api: Api, nir: str, code: str, passphrase: str, *,
                   clock: Clock) -> tuple[Dossier, str]:
    """Create the dossier's keys here, send them wrapped with the activation code; returns the
    unlocked dossier and the recovery code (show it once: the server never sees it). A
    passphrase easy to guess is refused first (WeakPassphrase)."""
    check_new_passphrase(passphrase, user_inputs=(nir,))
    store = HttpStore(api, Activation(nir=nir, code=code))
    dossier, recovery_code = await Dossier.create(store, passphrase, clock=clock)
    await watch_grants(dossier, api)  # keys rotate after a grant ends (P5)
    return dossier, recovery_code


async def login(api: Api, nir: str, secret: str, *, clock: Clock,
                slot: str = SLOT_PASSPHRASE,
                floor_of: Callable[[str], int] | None = None) -> Dossier:
    """Prove the secret without sending it, then unwrap the master key locally.
    ``floor_of(dossier id)``: the keyring version this device saw last (``web.client.pins``);
    an older keyring is refused before anything is read or written (``RolledBack``)."""
    params = await api.send("POST", "/auth/params", schemas.ParamsRequest(login=nir),
                            schemas.ParamsBody, auth=False)
    kdf = params.passphrase if slot == SLOT_PASSPHRASE else params.recovery
    stretched = keys.stretch_secret(slot, secret, KdfParams(kdf.salt, kdf.opslimit, kdf.memlimit))
    challenge = await api.send("POST", "/auth/challenge",
                               schemas.ChallengeRequest(login=nir, kind="patient",
                                                     slot=slot),  # type: ignore[arg-type]
                               schemas.ChallengeBody, auth=False)
    signature = stretched.login_key.sign(login_message(challenge.challenge)).signature
    try:
        session = await api.send("POST", "/auth/login",
                                 schemas.LoginRequest(challenge=challenge.challenge,
                                                   signature=signature),
                                 schemas.SessionBody, auth=False)
    except ApiError as exc:
        if exc.status == 401:
            raise UnlockFailed() from None
        raise
    api.session = session.session
    store = HttpStore(api)
    store.session = session
    record = await store.slot(session.subject, slot)
    master = keys.open_slot_with(stretched, record, session.subject)
    floor = floor_of(session.subject) if floor_of is not None else 0
    dossier = await Dossier.open_with_master(store, session.subject, master, clock=clock,
                                             floor=floor)
    # A grant that expired or was revoked since: rotate its keys now and before every write.
    await watch_grants(dossier, api)
    return dossier


async def recover(api: Api, nir: str, recovery_code: str, new_passphrase: str, *,
                  clock: Clock, floor_of: Callable[[str], int] | None = None) -> Dossier:
    """Lost passphrase: log in with the recovery code, set a new passphrase (refused first
    if it is easy to guess). ``floor_of``: as for :func:`login`."""
    check_new_passphrase(new_passphrase, user_inputs=(nir,))
    dossier = await login(api, nir, recovery_code, clock=clock, slot=SLOT_RECOVERY,
                          floor_of=floor_of)
    await dossier.change_passphrase(new_passphrase)
    await declare(dossier, api, "recovery_used")  # the history says how the keys changed
    return dossier


async def change_passphrase(dossier: Dossier, new_passphrase: str, *,
                            user_inputs: Iterable[str] = ()) -> None:
    """Replace the passphrase (refused first if it is easy to guess)."""
    check_new_passphrase(new_passphrase, user_inputs=user_inputs)
    await dossier.change_passphrase(new_passphrase)


async def add_item(dossier: Dossier, section: str, item_type: str, title: str, date: str,
                   body: dict[str, Any] | None, *, today: dt.date,
                   attachment: NewAttachment | None = None) -> Item:
    """Add an item as the patient; a past event dated after ``today`` is refused."""
    check_item_date(section, item_type, date, today=today)
    return await dossier.add(section, item_type, title, date, body, attachment=attachment)


async def edit_item(dossier: Dossier, item_id: str, *, today: dt.date,
                    **changes: Any) -> Item:
    """A new revision of one of the patient's items (``changes`` as for
    :meth:`vault.Dossier.edit`); the resulting date is checked as :func:`add_item` does."""
    if "date" in changes or "item_type" in changes:
        current = await dossier.get(item_id)
        check_item_date(current.section, changes.get("item_type", current.item_type),
                        changes.get("date", current.date), today=today)
    return await dossier.edit(item_id, **changes)


async def logout(api: Api) -> None:
    if api.session:
        await api.call("POST", "/auth/logout")
        api.session = None
