"""Grouped notifications (issue 10, item 8): one e-mail for one consultation, held in the
database (two workers share it), a new one after a quiet stretch; emergencies at once."""

from __future__ import annotations

from dataclasses import dataclass, field

from web.server.services import messages
from web.server.services.mail import Message
from web.server.services.notify import Notifier
from web.server.storage import Beneficiary, MemoryServiceDb

DOSSIER = "ab" * 16
T0 = 1_796_126_700  # 1 December 2026, 14:05 Paris


@dataclass(frozen=True)
class Pro:
    name: str = "Dr Anne Martin"
    profession: str = "medecin"
    ps_id: str = "810001234567"


@dataclass
class Mailbox:
    sent: list[Message] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        self.sent.append(message)


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now


async def _db() -> MemoryServiceDb:
    db = MemoryServiceDb()
    await db.upsert_beneficiary(Beneficiary("h" * 64, "Moreau", "Claire", "1975-05-02",
                                            "3 rue Haute", "claire@example.org", None))
    await db.link_dossier("h" * 64, DOSSIER)
    return db


async def test_a_consultation_is_one_email_even_across_workers_and_quarters() -> None:
    db, box, clock = await _db(), Mailbox(), Clock()
    workers = [Notifier(db, box, group_key=b"k" * 32, clock=clock) for _ in range(2)]
    pro = Pro()
    for i, notice in enumerate([messages.dossier_consulted(pro), messages.item_written(pro),
                                messages.item_written(pro), messages.dossier_consulted(pro)]):
        clock.now = T0 + i * 600  # 0, 10, 20, 30 minutes: across quarter-hour boundaries
        workers[i % 2].patient(DOSSIER, notice)
        await workers[i % 2].drain()
    assert len(box.sent) == 1 and box.sent[0].to == "claire@example.org"
    assert box.sent[0].body.startswith("Bonjour Claire,\n\nDr Anne Martin (médecin")

    clock.now = T0 + 30 * 60 + 3600 + 15 * 60  # more than an hour without activity
    workers[0].patient(DOSSIER, messages.dossier_consulted(pro))
    await workers[0].drain()
    assert len(box.sent) == 2


async def test_other_professionals_and_emergencies_are_not_held_back() -> None:
    db, box, clock = await _db(), Mailbox(), Clock()
    notifier = Notifier(db, box, group_key=b"k" * 32, clock=clock)
    notifier.patient(DOSSIER, messages.dossier_consulted(Pro()))
    notifier.patient(DOSSIER, messages.dossier_consulted(Pro(ps_id="810009999999")))
    card = messages.CardName(card_id="cd" * 16, created_at=T0)
    for _ in range(2):
        notifier.patient(DOSSIER, messages.card_used(card, at=T0))
        notifier.patient(DOSSIER, messages.break_glass_used(Pro(), at=T0))
    notifier.patient(DOSSIER, messages.card_locked(card, at=T0))
    await notifier.drain()
    assert len(box.sent) == 2 + 4 + 1


class CountingDb(MemoryServiceDb):
    def __init__(self) -> None:
        super().__init__()
        self.nonces = 0

    async def use_nonce(self, nonce: str, expires_at: int) -> bool:
        self.nonces += 1
        return await super().use_nonce(nonce, expires_at)


async def test_a_quarter_known_claimed_is_not_claimed_again() -> None:
    """Issue 14: every scan of a consultation used to write a claim that could only fail;
    a claim this worker has seen taken is remembered (claims are never taken back before
    they expire), so the rest of the stretch writes nothing, and still sends nothing."""
    db, box, clock = CountingDb(), Mailbox(), Clock()
    await db.upsert_beneficiary(Beneficiary("h" * 64, "Moreau", "Claire", "1975-05-02",
                                            "3 rue Haute", "claire@example.org", None))
    await db.link_dossier("h" * 64, DOSSIER)
    notifier = Notifier(db, box, group_key=b"k" * 32, clock=clock)
    notifier.patient(DOSSIER, messages.dossier_consulted(Pro()))
    await notifier.drain()
    first = db.nonces
    assert first == 1 + 3 and len(box.sent) == 1  # this quarter, then the three before
    for _ in range(5):
        clock.now += 60
        notifier.patient(DOSSIER, messages.dossier_consulted(Pro()))
        await notifier.drain()
    assert db.nonces == first and len(box.sent) == 1
    other = Notifier(db, box, group_key=b"k" * 32, clock=clock)  # another worker: the db says
    other.patient(DOSSIER, messages.dossier_consulted(Pro()))
    await other.drain()
    assert db.nonces == first + 1 and len(box.sent) == 1
