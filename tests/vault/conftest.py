from __future__ import annotations

import pytest

from tests.support import Clock
from vault import Dossier, MemoryStore

PASSPHRASE = "correct horse battery staple ✓"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memory_store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
async def created(memory_store: MemoryStore, clock: Clock) -> tuple[Dossier, str]:
    return await Dossier.create(memory_store, PASSPHRASE, clock=clock)


@pytest.fixture
def dossier(created: tuple[Dossier, str]) -> Dossier:
    return created[0]
