"""Emergency cards and break-glass packages on piccolo (opaque bytes)."""

from __future__ import annotations

from vault.errors import Conflict
from vault.storage.engine import guard_storage, is_unique_violation
from web.server.storage.piccolo import _attempts, _rows
from web.server.storage.ports import StoredCard
from web.server.storage.tables import BreakGlassRow, CardRow


@guard_storage
class PiccoloEmergencyStore:
    """The card and break-glass tables (bound with the service tables, see ``bind``)."""

    async def put_card(self, c: StoredCard) -> None:
        try:
            await CardRow.insert(CardRow(
                card_id=c.card_id, dossier_id=c.dossier_id, server_share=c.server_share,
                passcode_hash=c.passcode_hash, package=c.package,
                key_refs=",".join(c.key_refs), attempts=0, created_at=c.created_at,
                expires_at=c.expires_at, revoked_at=None))
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict("that card id is already taken") from None
            raise

    async def card(self, card_id: str) -> StoredCard | None:
        rows = await CardRow.select().where(CardRow.card_id == card_id)
        return _rows.card(rows[0]) if rows else None

    async def cards_of(self, dossier_id: str) -> list[StoredCard]:
        rows = await CardRow.select().where(CardRow.dossier_id == dossier_id).order_by(
            CardRow.created_at)
        return [_rows.card(r) for r in rows]

    async def count_attempt(self, card_id: str) -> None:
        await CardRow.update({CardRow.attempts: CardRow.attempts + 1}).where(
            CardRow.card_id == card_id)

    async def take_attempt(self, card_id: str, limit: int) -> int | None:
        return await _attempts.take_attempt(CardRow, CardRow.card_id, card_id, limit)

    async def refund_attempt(self, card_id: str) -> None:
        await _attempts.refund_attempt(CardRow, CardRow.card_id, card_id)

    async def revoke_card(self, dossier_id: str, card_id: str, at: int) -> bool:
        if not await CardRow.exists().where((CardRow.card_id == card_id)
                                            & (CardRow.dossier_id == dossier_id)):
            return False
        await CardRow.update({CardRow.revoked_at: at}).where(CardRow.card_id == card_id)
        return True

    async def replace_card_package(self, dossier_id: str, card_id: str, package: bytes,
                                   key_refs: tuple[str, ...], at: int) -> bool:
        changed = await CardRow.update(
            {CardRow.package: package, CardRow.key_refs: ",".join(key_refs)}).where(
            (CardRow.card_id == card_id) & (CardRow.dossier_id == dossier_id)
            & CardRow.revoked_at.is_null() & (CardRow.expires_at > at)).returning(
            CardRow.card_id)
        return bool(changed)

    async def put_break_glass(self, dossier_id: str, package: bytes, key_refs: tuple[str, ...],
                              at: int) -> None:
        await BreakGlassRow.delete().where(BreakGlassRow.dossier_id == dossier_id)
        await BreakGlassRow.insert(BreakGlassRow(dossier_id=dossier_id, package=package,
                                                 key_refs=",".join(key_refs), enabled=1,
                                                 updated_at=at))

    async def break_glass(self, dossier_id: str) -> tuple[bytes, tuple[str, ...]] | None:
        rows = await BreakGlassRow.select().where((BreakGlassRow.dossier_id == dossier_id)
                                                  & (BreakGlassRow.enabled == 1))
        if not rows:
            return None
        return bytes(rows[0]["package"]), _rows.refs(rows[0]["key_refs"])

    async def disable_break_glass(self, dossier_id: str) -> None:
        # Deleting (not just flagging) drops the sealed keys: off means off.
        await BreakGlassRow.delete().where(BreakGlassRow.dossier_id == dossier_id)
