"""The professionals' directory: registration, the operator's approval and blocks, search.

``is_approved`` is the one place that says which professionals may act: every check (login,
grants, scans, writes, deposits, break-glass) goes through it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, TypeGuard

from consent import directory
from consent.errors import UntrustedEntry
from web.server.services.errors import ConflictError, Forbidden, NotFoundError, ServiceError
from web.server.storage.ports import Professional, ServiceDb

APPROVED: Final = "approved"


def is_approved(pro: Professional | None) -> TypeGuard[Professional]:
    """Whether ``pro`` exists and the operator approved it (not pending, not blocked)."""
    return pro is not None and pro.status == APPROVED


def directory_entry(p: Professional, roles: Sequence[str]) -> directory.Entry:
    """What the directory authority signs for this professional."""
    return directory.Entry(ps_id=p.ps_id, name=p.name, profession=p.profession,
                           specialty=p.specialty, city=p.city, roles=tuple(roles),
                           sign_public=p.sign_public, box_public=p.box_public)


class DirectoryService:
    """Professionals as the server knows them (public keys and status, never a secret)."""

    def __init__(self, db: ServiceDb, authority_public: bytes,
                 clock: Callable[[], float]) -> None:
        self._db = db
        self._authority_public = authority_public
        self._clock = clock

    async def register(self, ps_id: str, name: str, profession: str, specialty: str,
                       city: str, email: str, box_public: bytes,
                       sign_public: bytes) -> Professional:
        """A new professional, pending the operator's approval; ConflictError if known."""
        if await self._db.professional(ps_id) is not None:
            raise ConflictError("this idNat_PS is already registered")
        p = Professional(ps_id=ps_id, name=name.strip(), profession=profession,
                         specialty=specialty, city=city, email=email, box_public=box_public,
                         sign_public=sign_public, status="pending", roles=(),
                         created_at=int(self._clock()))
        await self._db.register_professional(p)
        return p

    async def approved(self, ps_id: str) -> Professional:
        """An approved professional's entry; NotFoundError otherwise (whatever the reason)."""
        found = await self._db.professional(ps_id)
        if not is_approved(found):
            raise NotFoundError("no approved professional with this idNat_PS")
        return found

    async def acting(self, ps_id: str) -> Professional:
        """The entry of a signed-in professional about to act; Forbidden unless approved."""
        return self.acts(await self._db.professional(ps_id))

    @staticmethod
    def acts(found: Professional | None) -> Professional:
        """:meth:`acting` on an entry read already (``Auth.signed_in``)."""
        if not is_approved(found):
            raise Forbidden("this professional is not approved")
        return found

    async def entry(self, ps_id: str) -> Professional:
        """One professional's entry, whatever its status; NotFoundError if unknown."""
        found = await self._db.professional(ps_id)
        if found is None:
            raise NotFoundError("no such professional")
        return found

    async def listing(self, status: str | None, after: str | None) -> list[Professional]:
        return await self._db.professionals(status, after=after)

    async def search(self, text: str, profession: str, city: str) -> list[Professional]:
        """Approved professionals by name or id, profession and city."""
        return await self._db.search_professionals(text.strip(), profession.strip(),
                                                   city.strip())

    async def approve(self, ps_id: str, roles: Sequence[str],
                      countersignature: bytes) -> Professional:
        """Approve with ``roles`` (duplicates dropped, order kept), given the directory
        authority's countersignature over the entry and these roles."""
        unique = list(dict.fromkeys(roles))
        entry = directory_entry(await self.entry(ps_id), unique)
        try:
            directory.verify(entry, countersignature, self._authority_public)
        except (UntrustedEntry, ValueError):
            raise ServiceError("the countersignature is not the directory authority's over "
                               "this entry and these roles") from None
        return await self._set_status(ps_id, APPROVED, unique, countersignature)

    async def block(self, ps_id: str) -> Professional:
        """No more logins: the status becomes blocked and every session ends."""
        return await self._set_status(ps_id, "blocked", [])

    async def _set_status(self, ps_id: str, status: str, roles: list[str],
                          countersignature: bytes = b"") -> Professional:
        if not await self._db.set_professional_status(ps_id, status, roles, countersignature):
            raise NotFoundError("no such professional")
        if status == "blocked":
            await self._db.delete_sessions_of(ps_id)
        return await self.entry(ps_id)
