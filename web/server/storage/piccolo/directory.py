"""The professionals' directory on piccolo."""

from __future__ import annotations

from collections.abc import Sequence

from vault.storage.engine import guard_storage
from web.server.storage.piccolo import _rows
from web.server.storage.ports import Professional
from web.server.storage.tables import ProfessionalRow


@guard_storage
class PiccoloDirectory:
    async def register_professional(self, p: Professional) -> None:
        await ProfessionalRow.insert(ProfessionalRow(
            ps_id=p.ps_id, name=p.name, profession=p.profession, specialty=p.specialty,
            city=p.city, email=p.email, box_public=p.box_public, sign_public=p.sign_public,
            status=p.status, roles=",".join(p.roles), created_at=p.created_at))

    async def professional(self, ps_id: str) -> Professional | None:
        rows = await ProfessionalRow.select().where(ProfessionalRow.ps_id == ps_id)
        return _rows.professional(rows[0]) if rows else None

    async def professionals(self, status: str | None = None, limit: int = 500,
                            after: str | None = None) -> list[Professional]:
        query = ProfessionalRow.select()
        if status is not None:
            query = query.where(ProfessionalRow.status == status)
        if after is not None:
            query = query.where(ProfessionalRow.ps_id > after)
        rows = await query.order_by(ProfessionalRow.ps_id).limit(limit)
        return [_rows.professional(r) for r in rows]

    async def set_professional_status(self, ps_id: str, status: str, roles: Sequence[str],
                                      countersignature: bytes = b"") -> bool:
        if not await ProfessionalRow.exists().where(ProfessionalRow.ps_id == ps_id):
            return False
        await ProfessionalRow.update({ProfessionalRow.status: status,
                                      ProfessionalRow.roles: ",".join(roles),
                                      ProfessionalRow.countersignature: countersignature}).where(
            ProfessionalRow.ps_id == ps_id)
        return True

    async def search_professionals(self, text: str, profession: str, city: str,
                                   limit: int = 50) -> list[Professional]:
        query = ProfessionalRow.select().where(ProfessionalRow.status == "approved")
        if text:
            query = query.where(ProfessionalRow.name.ilike(f"%{text}%")
                                | ProfessionalRow.ps_id.like(f"%{text}%"))
        if profession:
            query = query.where(ProfessionalRow.profession.ilike(profession))
        if city:
            query = query.where(ProfessionalRow.city.ilike(city))
        rows = await query.order_by(ProfessionalRow.name).limit(limit)
        return [_rows.professional(r) for r in rows]
