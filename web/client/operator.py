"""The operator's desk over HTTP (the operator token is the Api's session): load the
beneficiary registry, send activation codes, list and block professionals.

Approving a professional also countersigns their directory entry: see
:func:`web.client.directory.approve`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from web import schemas
from web.client.api import Api

__all__ = [
    "REGISTRY_BATCH",
    "RegistryReport",
    "Rejection",
    "block",
    "load_batch",
    "load_registry",
    "professionals",
    "registry_batches",
    "send_codes",
]

REGISTRY_BATCH: Final = 1000


def registry_batches(text: str, size: int = REGISTRY_BATCH) -> Iterator[tuple[int, str, int]]:
    """Split a registry CSV into (records before, CSV with the header, records) batches.

    Raises ValueError for a text with no line at all; empty rows are dropped (the server
    skips them too), so line numbers count records, the header being line 1."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise ValueError("the registry file is empty")
    header, body = rows[0], [r for r in rows[1:] if r]
    for start in range(0, max(len(body), 1), size):
        chunk = body[start:start + size]
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(chunk)
        yield start, buffer.getvalue(), len(chunk)


@dataclass(frozen=True, slots=True)
class Rejection:
    line: int  # in the whole file (records, header = 1)
    reason: str


@dataclass(slots=True)
class RegistryReport:
    """What a whole registry load did, every batch added up."""

    loaded: int = 0
    updated: int = 0
    rejected: list[Rejection] = field(default_factory=list)


async def load_batch(api: Api, csv_text: str) -> schemas.RegistryLoadResult:
    """POST one CSV (header included) to the registry; line numbers are the batch's own."""
    return await api.send("POST", "/operator/registry", schemas.RegistryLoadBody(csv=csv_text),
                          schemas.RegistryLoadResult)


async def load_registry(api: Api, batches: Iterable[tuple[int, str, int]], *,
                        on_batch: Callable[[int], None] | None = None) -> RegistryReport:
    """Load each batch of :func:`registry_batches` in turn, the rejected lines renumbered
    for the whole file; ``on_batch(records)`` after each one (a progress bar)."""
    report = RegistryReport()
    for before, chunk, count in batches:
        result = await load_batch(api, chunk)
        report.loaded += result.loaded
        report.updated += result.updated
        report.rejected += [Rejection(r.line + before, r.reason) for r in result.rejected]
        if on_batch is not None:
            on_batch(count)
    return report


async def send_codes(api: Api, channel: Literal["email", "post"],
                     nirs: Sequence[str] | None = None, *,
                     resend: bool = False) -> schemas.SendCodesResult:
    """Send activation codes by ``channel`` (email or post) to every beneficiary without a
    dossier, or only to ``nirs``. A beneficiary whose code is still valid keeps it (counted
    in ``kept``) unless ``resend``: then a new code replaces it (``replaced``) and the earlier
    one stops working."""
    return await api.send("POST", "/operator/codes",
                          schemas.SendCodesBody(channel=channel,
                                                nirs=list(nirs) if nirs is not None else None,
                                                resend=resend),
                          schemas.SendCodesResult)


async def professionals(api: Api, status: str | None = None) -> list[schemas.ProfessionalBody]:
    """Every professional (the pages followed), optionally only those of one ``status``."""
    found: list[schemas.ProfessionalBody] = []
    while True:
        params: dict[str, str] = {"after": found[-1].ps_id} if found else {}
        if status:
            params["status"] = status
        page = await api.get("/operator/professionals", schemas.ProfessionalList,
                             params=params)
        found += page.professionals
        if not page.professionals:
            return found


async def block(api: Api, ps_id: str) -> schemas.ProfessionalBody:
    """Block a professional: the server closes their sessions."""
    return await api.send("POST", f"/operator/professionals/{ps_id}/block", None,
                          schemas.ProfessionalBody)
