"""Patient notifications (e-mail), sent in the background so no request waits on SMTP.

A notification never carries medical content: only that something happened and when.

**Grouping** (issue 10: one consultation sent ten identical e-mails). A notice with a
``group`` (``messages``: one professional's consultation and writes, one professional's
deposits) is sent for the first event of a stretch of activity only: time is cut into
quarters of an hour, and an event sends its notice only if it is the first of its quarter
for that dossier and group *and* none of the three quarters before had one. So the scan and
the documents written in the same consultation are one e-mail, and the next e-mail comes
after at least three quarters of an hour without activity from that professional.
Emergency access, break-glass, a card used or locked carry no group: sent at once.

The state is in the database, not in memory, so it holds across restarts and between
several workers: each quarter is one single-use claim in the nonce table (``Nonces``,
insert-once under a unique index), named by a keyed hash of dossier, group and quarter, so
the table shows neither dossier nor professional, and each claim expires (purged with the
nonces) once no later quarter can look back at it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Final

from web.server.services.mail import Mailer, Message
from web.server.services.messages import Notice, greeting
from web.server.services.peppers import keyed_hex
from web.server.storage.ports import ServiceDb

log = logging.getLogger("carnet.notify")

QUARTER: Final = 900
LOOK_BACK: Final = 3  # quarters: a new e-mail after 45 to 60 minutes without activity
CLAIMS_REMEMBERED: Final = 50_000  # in memory, ~100 bytes each
_DEFAULT_KEY: Final = b"carnet.notice.groups.unkeyed..."  # tests without a server secret


class Notifier:
    def __init__(self, db: ServiceDb, mailer: Mailer, *, group_key: bytes = _DEFAULT_KEY,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = db
        self._mailer = mailer
        self._group_key = group_key
        self._clock = clock
        self._tasks: set[asyncio.Task[Any]] = set()
        self._claimed: dict[tuple[str, str, int], None] = {}  # known taken, oldest first

    def background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the response; failures are logged (without content), not raised."""
        task = asyncio.get_running_loop().create_task(self._quietly(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _quietly(work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception as exc:  # one lost e-mail must not take the server down
            log.warning("background notification failed: %s", type(exc).__name__)

    def patient(self, dossier_id: str, notice: Notice) -> None:
        """E-mail the holder of ``dossier_id`` (address from the registry), if they have one;
        the body is wrapped in ``messages.greeting``. A grouped notice (``notice.group``) is
        sent only for the first event of a stretch of activity (module docstring)."""
        now = int(self._clock())
        self.background(self._to_patient(dossier_id, notice, now))

    async def first_of_stretch(self, dossier_id: str, group: str, now: int) -> bool:
        """Whether an event of ``group`` at ``now`` starts a stretch of activity (and so is
        e-mailed). Claims this quarter; if it was already claimed, or one of the
        ``LOOK_BACK`` quarters before was, the answer is False. Atomic across workers: the
        claim is an insert-once."""
        quarter = now // QUARTER
        if not await self._claim(dossier_id, group, quarter):
            return False
        for back in range(1, LOOK_BACK + 1):
            # A probe of an earlier quarter claims it too, harmlessly: this quarter is
            # claimed already, so any later look-back that finds it would find ours.
            if not await self._claim(dossier_id, group, quarter - back):
                return False
        return True

    async def _claim(self, dossier_id: str, group: str, quarter: int) -> bool:
        known = (dossier_id, group, quarter)
        if known in self._claimed:  # claimed already, by us or (seen then) another worker
            return False
        name = keyed_hex(self._group_key, f"notice:{dossier_id}:{group}:{quarter}")
        fresh = await self._db.use_nonce(name, (quarter + LOOK_BACK + 2) * QUARTER)
        # A claim is never taken back before it expires, and no event looks back at a quarter
        # once its claim may have expired: remembering it spares every later event of the
        # stretch (each scan of a consultation) a write. Bounded: the oldest are forgotten.
        self._claimed[known] = None
        if len(self._claimed) > CLAIMS_REMEMBERED:
            del self._claimed[next(iter(self._claimed))]
        return fresh

    async def _to_patient(self, dossier_id: str, notice: Notice, now: int) -> None:
        if notice.group and not await self.first_of_stretch(dossier_id, notice.group, now):
            return
        b = await self._db.beneficiary_of_dossier(dossier_id)
        if b is not None and b.email:
            await self._mailer.send(Message(to=b.email, subject=notice.subject,
                                            body=greeting(b.first_name, notice.body)))

    async def drain(self) -> None:
        """Wait for every background send (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def email(self, to: str, notice: Notice) -> None:
        """E-mail someone whose address the caller already holds (e.g. just before closure);
        the notice is sent as it is."""
        if to:
            self.background(self._mailer.send(Message(to=to, subject=notice.subject,
                                                      body=notice.body)))
