"""Attempt counters hold under concurrency: 25 wrong guesses fired at once check at most the
limit (5), on SQLite and PostgreSQL, for activation codes and card passcodes.

Before the counters were taken atomically, every concurrent guess read the same count,
passed the "fewer than 5" check, compared its guess, and only then was counted. The
services are called directly (the routes' per-address throttle would otherwise answer
some of the 25 with 429 before any check).
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.server.routes.api_support import APP_BACKENDS, FakePatient, Harness, open_harness
from web.server.services import activation as activation_module
from web.server.services.activation import NewDossier
from web.server.services.emergency import MAX_CARD_ATTEMPTS
from web.server.services.errors import (
    ActivationFailed,
    CardLocked,
    WrongPasscode,
)

GUESSES = 25
LIMIT = 5


@pytest.fixture(params=APP_BACKENDS)
def backend_url(request: pytest.FixtureRequest) -> tuple[str, str]:
    """(backend, URL of the session's migrated database, tests/conftest.py)."""
    backend = str(request.param)
    return backend, str(request.getfixturevalue(f"{backend}_database_url"))


@pytest.fixture
async def harness(backend_url: tuple[str, str], tmp_path: Path) -> AsyncIterator[Harness]:
    async with open_harness(*backend_url, tmp_path) as h:
        yield h


async def test_concurrent_wrong_activation_codes(harness: Harness,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    person = await harness.beneficiary()
    code = await harness.email_code(person)
    wrong = ("00000-00000" if code != "00000-00000" else "11111-11111")
    body = FakePatient(person).activate_body(wrong, harness.clock.now).create
    create = NewDossier(dossier=body.dossier.record(),
                        slots=tuple(s.record() for s in body.slots), keyring=body.keyring)
    checked = 0
    real = activation_module.match_code

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal checked
        checked += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(activation_module, "match_code", counting)
    results = await asyncio.gather(
        *(harness.services.activation.activate(person.nir, wrong, create)
          for _ in range(GUESSES)), return_exceptions=True)
    # A locked activation answers as a wrong code (issue 8, item 13: no oracle on the NIR).
    assert all(isinstance(r, ActivationFailed) for r in results), results
    assert checked <= LIMIT, f"{checked} guesses were checked"
    nir_hash = harness.services.activation.nir_hash(activation_module.parse_nir(person.nir))
    stored = await harness.services.db.code(nir_hash)
    assert stored is not None and stored.attempts == LIMIT
    # The right code is refused too now: the activation is locked.
    with pytest.raises(ActivationFailed):
        await harness.services.activation.activate(person.nir, code, create)


async def test_concurrent_wrong_card_passcodes(harness: Harness,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    assert MAX_CARD_ATTEMPTS == LIMIT
    patient = await harness.patient(items=0)
    emergency = harness.services.emergency
    card_id = secrets.token_hex(16)
    await emergency.issue_card(patient.dossier_id, card_id, secrets.token_bytes(32),
                               "12345678", secrets.token_bytes(90), ("section:allergies",), 30)
    checked = 0
    real = emergency._passcode_hash

    def counting(card: str, passcode: str) -> bytes:
        nonlocal checked
        checked += 1
        return real(card, passcode)

    monkeypatch.setattr(emergency, "_passcode_hash", counting)
    results = await asyncio.gather(
        *(emergency.open_card(card_id, "87654321", "SAMU 75") for _ in range(GUESSES)),
        return_exceptions=True)
    assert all(isinstance(r, WrongPasscode | CardLocked) for r in results), results
    assert checked <= LIMIT, f"{checked} passcodes were checked"
    assert sum(isinstance(r, WrongPasscode) for r in results) == LIMIT - 1  # the 5th locks
    [card] = await emergency.cards_of(patient.dossier_id)
    assert card.attempts == LIMIT
    with pytest.raises(CardLocked):  # even the right passcode, now
        await emergency.open_card(card_id, "12345678", "SAMU 75")


async def test_a_right_passcode_is_not_counted(harness: Harness) -> None:
    patient = await harness.patient(items=0)
    emergency = harness.services.emergency
    card_id = secrets.token_hex(16)
    await emergency.issue_card(patient.dossier_id, card_id, secrets.token_bytes(32),
                               "12345678", secrets.token_bytes(90), ("section:allergies",), 30)
    with pytest.raises(WrongPasscode):
        await emergency.open_card(card_id, "00000000", "SAMU 75")
    opened = await emergency.open_card(card_id, "12345678", "SAMU 75")
    assert opened.dossier.dossier_id == patient.dossier_id
    [card] = await emergency.cards_of(patient.dossier_id)
    assert card.attempts == 1  # the wrong one only
