"""Seed a running Carnet server with fictitious demo data, over HTTP like any client.

:func:`seed` loads a registry of fictitious beneficiaries (valid NIRs, ``@example.org``
addresses), registers and approves a pharmacist, and activates each patient at the pharmacy
with a few items (allergy, treatment, blood group, vaccination, a masked personal note). It
writes each identity's home (``<home>/demo/...``) and ``<home>/demo.txt`` listing NIRs, homes,
passphrases and recovery codes: all of it is demo data, made to be shown.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final, TypeVar

import nacl.signing

from vault import Dossier
from vault.crypto import Random, system_random
from web.client import home as local_home
from web.client.api import Api
from web.client.directory import approve
from web.client.identity import set_identity
from web.client.operator import load_batch
from web.client.patient import activate, logout
from web.client.professional import ProfessionalIdentity
from web.nir import nir_key

MAX_PATIENTS: Final = 20  # the server allows 20 activations per address and minute
DEMO_FILE: Final = "demo.txt"
DEMO_DIR: Final = "demo"
_FIRST: Final = (("Camille", 2), ("Louis", 1), ("Léa", 2), ("Hugo", 1), ("Manon", 2),
                 ("Jules", 1), ("Chloé", 2), ("Gabriel", 1), ("Inès", 2), ("Arthur", 1))
_LAST: Final = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit",
                "Durand", "Leroy", "Moreau")
_PLACES: Final = (("75", "Paris", "75011"), ("69", "Lyon", "69003"),
                  ("13", "Marseille", "13005"), ("33", "Bordeaux", "33000"),
                  ("59", "Lille", "59000"))
_WORDS: Final = ("tilleul", "galet", "brume", "ocre", "lavande", "cerisier", "marée",
                 "ardoise", "colline", "orage", "sureau", "falaise", "verveine", "ruisseau")

Clock = Callable[[], int]
Step = Callable[[str], None]
T = TypeVar("T")


def make_nir(sex: int, birth: dt.date, department: str, rng: Random = system_random) -> str:
    """A valid, fictitious 15-digit NIR for someone of ``sex`` (1 or 2) born on ``birth`` in a
    numeric ``department``; commune and order number are random."""
    commune = 1 + _below(rng, 998)
    order = 1 + _below(rng, 998)
    body = f"{sex}{birth.year % 100:02d}{birth.month:02d}{department}{commune:03d}{order:03d}"
    return body + nir_key(body)


def _below(rng: Random, n: int) -> int:
    return int.from_bytes(rng(4), "big") % n


def _pick(rng: Random, options: tuple[T, ...]) -> T:
    return options[_below(rng, len(options))]


def demo_passphrase(rng: Random = system_random) -> str:
    """Four words and a number: easy to type in a demo."""
    words = [_pick(rng, _WORDS) for _ in range(4)]
    return "-".join([*words, str(10 + _below(rng, 90))])


@dataclass(frozen=True, slots=True)
class DemoPatient:
    nir: str
    first_name: str
    last_name: str
    birth_date: str
    email: str
    home: Path
    passphrase: str
    recovery_code: str = ""
    dossier_id: str = ""
    items: int = 0


@dataclass(frozen=True, slots=True)
class DemoPharmacist:
    ps_id: str
    name: str
    home: Path
    passphrase: str


@dataclass(slots=True)
class DemoResult:
    server: str
    file: Path
    pharmacist: DemoPharmacist
    patients: list[DemoPatient] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary (demo data: passphrases and codes included on purpose)."""
        return {
            "server": self.server, "file": str(self.file),
            "pharmacist": {"ps_id": self.pharmacist.ps_id, "name": self.pharmacist.name,
                           "home": str(self.pharmacist.home),
                           "passphrase": self.pharmacist.passphrase},
            "patients": [{"nir": p.nir, "name": f"{p.first_name} {p.last_name}",
                          "birth_date": p.birth_date, "email": p.email, "home": str(p.home),
                          "passphrase": p.passphrase, "recovery_code": p.recovery_code,
                          "dossier_id": p.dossier_id, "items": p.items}
                         for p in self.patients],
        }


def beneficiaries(count: int, demo_dir: Path, rng: Random = system_random) -> list[DemoPatient]:
    """``count`` fictitious beneficiaries with valid NIRs, homes under ``demo_dir``."""
    out = []
    for i in range(count):
        first, sex = _FIRST[i % len(_FIRST)]
        last = _pick(rng, _LAST)
        birth = dt.date(1940 + _below(rng, 66), 1 + _below(rng, 12), 1 + _below(rng, 28))
        department = _pick(rng, _PLACES)[0]
        tag = rng(3).hex()
        email = f"{_ascii(first)}.{_ascii(last)}.{tag}@example.org".lower()
        out.append(DemoPatient(nir=make_nir(sex, birth, department, rng), first_name=first,
                               last_name=last, birth_date=birth.isoformat(), email=email,
                               home=demo_dir / f"patient-{i + 1}",
                               passphrase=demo_passphrase(rng)))
    return out


def _ascii(text: str) -> str:
    return text.translate(str.maketrans("éèëêàçîïôö", "eeeeaciioo"))


def registry_csv(patients: list[DemoPatient], rng: Random = system_random) -> str:
    """The registry CSV (header nir,last_name,first_name,birth_date,address,email)."""
    lines = ["nir,last_name,first_name,birth_date,address,email"]
    for p in patients:
        _, city, postcode = _pick(rng, _PLACES)
        address = f"{1 + _below(rng, 120)} rue de l'Exemple, {postcode} {city}"
        lines.append(f'{p.nir},{p.last_name},{p.first_name},{p.birth_date},"{address}",{p.email}')
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------ seeding
async def _setup_pharmacist(api_factory: Callable[[], Api], operator_token: str,
                            authority: nacl.signing.SigningKey,
                            demo_dir: Path, rng: Random) -> tuple[DemoPharmacist,
                                                                  ProfessionalIdentity]:
    ps_id = "8" + "".join(str(_below(rng, 10)) for _ in range(11))
    identity = ProfessionalIdentity.new(ps_id, rng)
    pharmacist = DemoPharmacist(ps_id=ps_id, name="Pharmacie de démonstration",
                                home=demo_dir / "pharmacist", passphrase=demo_passphrase(rng))
    async with api_factory() as api:
        await identity.register(api, name=pharmacist.name, profession="pharmacien",
                                city="Paris", email="pharmacie.demo@example.org")
        api.session = operator_token
        await approve(api, ps_id, ["pharmacist"], authority)
        profile = local_home.Profile(role="pro", server=api.server, login=ps_id,
                                     sign_seed=identity.sign_seed,
                                     box_secret=identity.box_secret, name=pharmacist.name,
                                     profession="pharmacien")
    local_home.save(pharmacist.home, profile, pharmacist.passphrase, rng=rng)
    local_home.write_private(pharmacist.home / "passphrase.txt",
                             (pharmacist.passphrase + "\n").encode())
    return pharmacist, identity


async def _fill(dossier: Dossier, patient: DemoPatient) -> int:
    """A few items in several sections; the personal note is masked."""
    today = dt.date.today().isoformat()
    await dossier.add("allergies", "allergy", "Allergie à la pénicilline", "2015-06-12",
                      {"substance": "pénicilline", "reaction": "urticaire",
                       "severity": "modérée"})
    await dossier.add("current_treatments", "medication", "Lévothyroxine 75 µg", today,
                      {"dose": "1 comprimé le matin à jeun", "prescriber": "Dr Exemple"})
    await dossier.add("blood_group", "blood_group", "Groupe sanguin A+", "2010-02-03",
                      {"abo": "A", "rhesus": "+"})
    await dossier.add("vaccinations", "vaccination", "Rappel diphtérie-tétanos-polio",
                      "2021-09-15", {"lot": "DEMO-42"})
    note = await dossier.add("personal_notes", "note", "Note personnelle", today,
                             {"text": f"Note privée de {patient.first_name} : "
                                      "jamais visible des professionnels."})
    await dossier.mask(note.item_id)
    return 5


async def _activate_patient(api_factory: Callable[[], Api], pharmacist: ProfessionalIdentity,
                            patient: DemoPatient, clock: Clock, rng: Random) -> DemoPatient:
    async with api_factory() as pro_api:
        await pharmacist.login(pro_api)
        code = (await pharmacist.start_activation(pro_api, patient.nir,
                                                  patient.birth_date)).code
        await logout(pro_api)
    async with api_factory() as api:
        dossier, recovery_code = await activate(api, patient.nir, code, patient.passphrase,
                                                clock=clock)
        count = await _fill(dossier, patient)
        await set_identity(dossier, f"{patient.first_name} {patient.last_name}",
                           patient.birth_date,  # whose dossier readers see: web.client.identity
                           today=dt.datetime.fromtimestamp(clock(), dt.UTC).date().isoformat())
        await logout(api)
        server = api.server
    local_home.save(patient.home, local_home.Profile(
        role="patient", server=server, login=patient.nir, dossier_id=dossier.dossier_id),
        patient.passphrase, rng=rng)
    for name, value in (("passphrase.txt", patient.passphrase),
                        ("recovery-code.txt", recovery_code)):
        local_home.write_private(patient.home / name, (value + "\n").encode())
    return replace(patient, recovery_code=recovery_code, dossier_id=dossier.dossier_id,
                   items=count)


def steps(patients: int) -> int:
    """How many times :func:`seed` calls ``on_step`` (for a progress bar)."""
    return 2 + patients


async def seed(api_factory: Callable[[], Api], *, operator_token: str,
               authority: nacl.signing.SigningKey, home: Path,
               patients: int = 3, force: bool = False, on_step: Step | None = None,
               clock: Clock = lambda: int(time.time()),
               rng: Random = system_random) -> DemoResult:
    """Seed the server reached by ``api_factory()`` (a new, unauthenticated Api per call).

    Writes ``home/demo.txt`` and the demo homes under ``home/demo/``. Refuses (FileExistsError)
    if ``home/demo.txt`` exists, unless ``force``. ``patients`` is 1..20. ``on_step`` is called
    after each step with a short description, :func:`steps` times in all. Server refusals
    propagate (ApiError, vault errors).
    """
    if not 1 <= patients <= MAX_PATIENTS:
        raise ValueError(f"the demo seeds between 1 and {MAX_PATIENTS} patients")
    report = home / DEMO_FILE
    if report.exists() and not force:
        raise FileExistsError(f"{report} exists: a demo was seeded here already "
                              "(use --force to replace it, or another --home)")
    demo_dir = home / DEMO_DIR
    step = on_step or (lambda _: None)
    people = beneficiaries(patients, demo_dir, rng)
    async with api_factory() as op:
        op.session = operator_token
        await load_batch(op, registry_csv(people, rng))
        server = op.server
    step(f"registry: {patients} beneficiaries")
    pharmacist, identity = await _setup_pharmacist(api_factory, operator_token, authority, demo_dir,
                                                   rng)
    step(f"pharmacist {pharmacist.ps_id} approved")
    result = DemoResult(server=server, file=report, pharmacist=pharmacist)
    for person in people:
        result.patients.append(await _activate_patient(api_factory, identity, person, clock,
                                                       rng))
        step(f"patient {person.first_name} {person.last_name} activated")
    local_home.write_private(report, render(result).encode("utf-8"))
    return result


def render(result: DemoResult) -> str:
    """The text of ``demo.txt``."""
    p = result.pharmacist
    lines = [
        "Carnet demo data (fictitious people; every secret below is demo data)",
        f"server: {result.server}",
        "",
        f"pharmacist  idNat_PS {p.ps_id}  home {p.home}  passphrase {p.passphrase}",
        "",
    ]
    for patient in result.patients:
        lines += [
            f"patient     {patient.first_name} {patient.last_name}, born "
            f"{patient.birth_date}, {patient.email}",
            f"  NIR            {patient.nir}",
            f"  home           {patient.home}",
            f"  passphrase     {patient.passphrase}",
            f"  recovery code  {patient.recovery_code}",
            f"  dossier        {patient.dossier_id} ({patient.items} items)",
            "",
        ]
    return "\n".join(lines)
