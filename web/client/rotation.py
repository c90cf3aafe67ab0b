"""Keys after a grant ends (P5) or an item is masked (P2), on the patient's client.

:func:`sync_grants` is idempotent and stateless: it reads the dossier's grants and compares
them with the keyring, so an interrupted run is finished by the next one.

1. Every section whose current key an ENDED grant (revoked, or past its expiry) carries is
   rotated, all in one keyring write: the next write by anyone uses a key no ex-grantee
   ever held.
2. Items left under a version masking retired are rewrapped (``Dossier.finish_rotations``).
3. Every ACTIVE grant that lacks the current key of one of its sections is re-sealed: the
   same grant (id, recipient, sections, flags, times; the consent token stays valid) as
   version 2 with the next generation, the keys from the keyring now and the current refs
   (``consent.grant.reseal``, ``docs/formats.md``), signed by the patient and stored in
   place of the old one. The server then refuses this grantee's writes under an older
   version (``stale_key``); their client scans again and retries.

:func:`watch_grants` runs it once and before every write of the dossier (``Dossier
.before_write``): an expiry is noticed at the next session or before the next write.
"""

from __future__ import annotations

from dataclasses import dataclass

from consent import grant
from vault import Dossier
from vault.crypto import Random, system_random
from vault.errors import VaultError
from vault.sections import Section
from web import schemas
from web.client.api import Api, ApiError
from web.client.emergency_sync import sync_emergency

__all__ = ["Synced", "rotated_after_withdrawal", "sync_grants", "watch_grants"]


@dataclass(frozen=True, slots=True)
class Synced:
    rotated: frozenset[Section]
    resealed: list[str]  # grant ids


async def sync_grants(dossier: Dossier, api: Api, *, rng: Random = system_random) -> Synced:
    """Rotate what ex-grantees hold and re-seal the new keys to the grantees that remain
    (see the module docstring). Returns what it changed."""
    now = dossier.now()
    infos = (await api.get(f"/dossiers/{dossier.dossier_id}/grants", schemas.GrantList)).grants
    cores = [(g, grant.SignedGrant.decode(g.grant).core) for g in infos]
    ring = dossier.ring
    ended = [c for g, c in cores if g.revoked_at is not None or g.expires_at <= now]
    rotate = frozenset(s for c in ended for s in c.sections
                       if ring.current(s).ref in c.key_refs)
    # and what is marked to rotate (a card revoked, break-glass turned off:
    # rotated_after_withdrawal), now rather than at the patient's next write
    rotate |= ring.rotate_pending
    await dossier.rotate_now(rotate)
    await dossier.finish_rotations()
    ring = dossier.ring
    resealed: list[str] = []
    for g, core in cores:
        if g.revoked_at is not None or g.expires_at <= now:
            continue
        if all(ring.current(s).ref in core.key_refs for s in core.sections):
            continue
        signed = grant.reseal(core, ring=ring, rng=rng)
        await api.send("POST", f"/dossiers/{dossier.dossier_id}/grants",
                       schemas.GrantUpload(grant=signed.encode()), schemas.GrantInfo)
        resealed.append(g.grant_id)
    return Synced(rotated=rotate, resealed=resealed)


async def rotated_after_withdrawal(dossier: Dossier, api: Api, *,
                                   rng: Random = system_random) -> bool:
    """After a card is revoked or break-glass turned off, whose keyring write marked the
    emergency summary's sections to rotate (``Dossier.keep_emergency(rotate=)``): the sync
    rotates them now, not at the patient's next write (a professional's write, or an
    unmasking, would still use a key the withdrawn package holds), and re-seals the grants
    on them; the remaining cards and break-glass follow (``Dossier.after_rotation``). False
    if it could not finish (the network, the server): the sections stay marked, and the next
    sync (sign-in, before every write) rotates them."""
    try:
        await sync_grants(dossier, api, rng=rng)
    except (ApiError, VaultError):
        return False
    return True


async def watch_grants(dossier: Dossier, api: Api, *, rng: Random = system_random) -> Synced:
    """Sync now (a session starts) and before every write of ``dossier`` from then on; and
    after every rotation (``Dossier.after_rotation``), the emergency cards and the
    break-glass package (``web.client.emergency_sync``), now too: another device may have
    rotated without re-sealing them."""
    owed = [False]  # a re-seal that failed (the network, the server): tried again

    async def emergency() -> None:
        try:
            await sync_emergency(dossier, api, rng=rng)
        except (ApiError, VaultError):
            # The rotation itself is done and stands: the packages are re-sealed before the
            # next write, or at the next sign-in.
            owed[0] = True
        else:
            owed[0] = False

    async def before_write() -> None:
        await sync_grants(dossier, api, rng=rng)
        if owed[0]:
            await emergency()
    dossier.before_write = before_write
    dossier.after_rotation = emergency
    synced = await sync_grants(dossier, api, rng=rng)
    await emergency()
    return synced
