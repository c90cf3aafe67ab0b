"""Everything a request handler needs, built once from the settings and passed in."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import nacl.signing

from vault.crypto import Random, system_random
from vault.storage import PiccoloStore, engine_from_url
from web.server.keyfiles import key_store
from web.server.keystore import DossierKeys
from web.server.services.activation import Activation
from web.server.services.auth import Auth, Limits
from web.server.services.closure import ClosureService
from web.server.services.consent import ConsentService
from web.server.services.directory import DirectoryService
from web.server.services.emergency import EmergencyService
from web.server.services.mail import Mailer, PostOutbox, make_mailer
from web.server.services.notify import Notifier
from web.server.services.peppers import Peppers
from web.server.services.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from web.server.services.writes import WritesService
from web.server.settings import Settings
from web.server.storage import (
    EmergencyStore,
    PiccoloEmergencyStore,
    PiccoloServiceDb,
    ServiceDb,
    bind_tables,
)
from web.server.storage.piccolo.consultation import PiccoloConsultations
from web.server.storage.scrub import scrubber
from web.server.storage.sealed import SealedDossierStore
from web.server.storage.sealed_service import (
    SealedConsultations,
    SealedEmergencyStore,
    SealedServiceDb,
)


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    engine: Any
    store: SealedDossierStore
    db: ServiceDb
    cards: EmergencyStore
    keys: DossierKeys
    auth: Auth
    activation: Activation
    notifier: Notifier
    consent: ConsentService
    emergency: EmergencyService
    writes: WritesService
    closure: ClosureService
    directory: DirectoryService
    limiter: RateLimiter
    peppers: Peppers
    clock: Callable[[], float]

    async def start(self) -> None:
        if self.engine.engine_type == "postgres":
            await self.engine.start_connection_pool(min_size=1, max_size=10)

    async def stop(self) -> None:
        await self.notifier.drain()
        if isinstance(self.limiter, RedisRateLimiter):
            await self.limiter.aclose()
        if self.engine.engine_type == "postgres":
            await self.engine.close_connection_pool()
        elif hasattr(self.engine, "close_pool"):
            await self.engine.close_pool()


def build_services(settings: Settings, *, clock: Callable[[], float] = time.time,
                   rng: Random = system_random, mailer: Mailer | None = None) -> Services:
    engine = engine_from_url(settings.database_url)
    # What makes a dossier openable is sealed under its key in the key store (P8).
    keys = key_store(settings.key_dir, rng)
    store = SealedDossierStore(PiccoloStore(engine), keys, rng)  # binds the vault's tables
    bind_tables(engine)  # the service's tables: once, here, never in an adapter
    db: ServiceDb = SealedServiceDb(PiccoloServiceDb(engine), keys, rng)
    cards: EmergencyStore = SealedEmergencyStore(PiccoloEmergencyStore(), keys, rng)
    peppers = Peppers.from_secret(settings.secret_key)
    # Redis when configured: the counts every worker shares (``serve --workers N`` needs it).
    limiter: RateLimiter = (RedisRateLimiter(settings.redis_url, settings.redis_prefix,
                                             clock=clock)
                            if settings.redis_url else MemoryRateLimiter(clock))
    mailer = mailer or make_mailer(settings.smtp_host, settings.smtp_port, settings.mail_sender,
                                   settings.data_dir / "outbox" / "mail")
    notifier = Notifier(db, mailer, group_key=peppers.limit, clock=clock)
    post = PostOutbox(settings.data_dir / "outbox" / "post")
    auth = Auth(db, store, settings.secret_key, peppers, limiter, clock, rng,
                session_ttl=settings.session_ttl,
                limits=Limits(per_address=settings.auth_attempts_per_address,
                              lookups_per_address=5 * settings.auth_attempts_per_address))
    # No configured audit key (a test's bare Settings): an ephemeral one for this process.
    audit_key = settings.audit_key or nacl.signing.SigningKey(rng(32))
    consultations = SealedConsultations(PiccoloConsultations(), keys, rng)
    consent = ConsentService(db, store, notifier, audit_key, clock,
                             consultations=consultations)
    emergency = EmergencyService(db, store, consent, notifier, peppers.code, clock,
                                 cards=cards)
    activation = Activation(db, store, peppers, mailer, post, notifier, clock, rng)
    writes = WritesService(db, store, consent, notifier, peppers, clock)
    closure = ClosureService(db, store, notifier, scrub=scrubber(engine))
    directory = DirectoryService(db, settings.authority_public, clock)
    return Services(settings=settings, engine=engine, store=store, db=db, cards=cards,
                    keys=keys, auth=auth,
                    activation=activation, notifier=notifier, consent=consent,
                    emergency=emergency, writes=writes, closure=closure, directory=directory,
                    limiter=limiter, peppers=peppers, clock=clock)
