"""Patient notifications (e-mail), sent in the background so no request waits on SMTP.

A notification never carries medical content: only that something happened and when.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from web.server.services.mail import Mailer, Message
from web.server.services.messages import Notice, greeting
from web.server.storage.ports import ServiceDb

log = logging.getLogger("carnet.notify")


class Notifier:
    def __init__(self, db: ServiceDb, mailer: Mailer) -> None:
        self._db = db
        self._mailer = mailer
        self._tasks: set[asyncio.Task[Any]] = set()

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
        the body is wrapped in ``messages.greeting``."""
        self.background(self._to_patient(dossier_id, notice))

    async def _to_patient(self, dossier_id: str, notice: Notice) -> None:
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
