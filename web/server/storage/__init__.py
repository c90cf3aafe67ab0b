"""The server's own storage: ports (one Protocol per aggregate, frozen rows), in-memory
fakes and the piccolo adapters.

Routes and services import only :mod:`web.server.storage.ports` (the row types and the
Protocols); the container picks an implementation. Public names::

    from web.server.storage import ServiceDb, EmergencyStore, Professional, ...
    from web.server.storage import MemoryServiceDb, PiccoloServiceDb, bind_tables
"""

from web.server.storage.memory import MemoryEmergencyStore, MemoryServiceDb
from web.server.storage.piccolo import PiccoloEmergencyStore, PiccoloServiceDb
from web.server.storage.piccolo import bind as bind_tables
from web.server.storage.ports import (
    Accounts,
    AuditLog,
    Beneficiary,
    Blocks,
    BreakGlass,
    Cards,
    Codes,
    Deposits,
    Directory,
    EmergencyStore,
    Grants,
    Nonces,
    Professional,
    Readiness,
    Registry,
    ServiceDb,
    Session,
    Sessions,
    StoredCard,
    StoredCode,
    StoredDeposit,
    StoredGrant,
)

__all__ = [
    "Accounts",
    "AuditLog",
    "Beneficiary",
    "Blocks",
    "BreakGlass",
    "Cards",
    "Codes",
    "Deposits",
    "Directory",
    "EmergencyStore",
    "Grants",
    "MemoryEmergencyStore",
    "MemoryServiceDb",
    "Nonces",
    "PiccoloEmergencyStore",
    "PiccoloServiceDb",
    "Professional",
    "Readiness",
    "Registry",
    "ServiceDb",
    "Session",
    "Sessions",
    "StoredCard",
    "StoredCode",
    "StoredDeposit",
    "StoredGrant",
    "bind_tables",
]
