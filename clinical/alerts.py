"""Alert rules (P11): interactions between treatments (ANSM thesaurus, directly or through
classes), drug allergies (by substance and by family, with cross-reactivity), and notices
when the view is partial. Pure: every function takes its data (the index, the decrypted
items' codes) as arguments; the same cases (``tests/vectors/clinical.json``) drive the
browser client.

Drugs are matched by code (RxNorm product or ingredient, through the index), and by name
only when the name is exactly an ANSM substance once normalised (a professional typing
"Amoxicilline"). A drug that resolves to no ANSM substance is reported as ``unchecked``,
never silently passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from clinical.index import Family, Index, Interaction, Level
from clinical.text import normalise

__all__ = ["RXNORM", "Alert", "Code", "Drug", "Substance", "View", "check_prescription",
           "review"]

RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
_KIND_ORDER: Final = {"allergy": 0, "interaction": 1, "unchecked": 2, "partial_view": 3}


@dataclass(frozen=True, slots=True)
class Code:
    system: str
    code: str
    display: str = ""


@dataclass(frozen=True, slots=True)
class Substance:
    """A treatment or an allergen as the alert rules see it: a name, its codes, and where it
    comes from (an item id, or ``new`` for a prescription being written)."""

    name: str
    codes: tuple[Code, ...] = ()
    ref: str = ""

    @classmethod
    def of(cls, name: str, codes: Iterable[tuple[str, str] | Code] = (), ref: str = "") -> Drug:
        return cls(name, tuple(c if isinstance(c, Code) else Code(c[0], c[1]) for c in codes),
                   ref)

    def json(self) -> dict[str, Any]:
        return {"name": self.name, "ref": self.ref,
                "codes": [{"system": c.system, "code": c.code} for c in self.codes]}


Drug = Substance


@dataclass(frozen=True, slots=True)
class View:
    """What the reader cannot see. ``masked``: how many items are masked, or None when the
    reader cannot know (a professional: masked items never reach them); ``missing``: the
    sections the grant does not carry."""

    masked: int | None = 0
    missing: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. ``drugs``: the two treatments (interaction), or the allergy then the drug
    (allergy); ``matched``: the ANSM substances or classes (or allergy families) that
    matched, one per drug; ``levels``: every level the entry gives (several when it depends
    on a condition such as the dose), ``level`` the most severe."""

    kind: str
    level: Level | None
    text: str
    drugs: tuple[Substance, ...] = ()
    matched: tuple[str, ...] = ()
    levels: tuple[Level, ...] = ()
    details: tuple[str, ...] = field(default=())

    def json(self) -> dict[str, Any]:
        return {"kind": self.kind, "level": self.level.value if self.level else None,
                "levels": [lv.value for lv in self.levels],
                "drugs": [d.json() for d in self.drugs], "matched": list(self.matched),
                "text": self.text, "details": list(self.details)}

    @property
    def sort_key(self) -> tuple[int, int, str, str, str]:
        return (_KIND_ORDER.get(self.kind, 9), self.level.rank if self.level else 9,
                " ".join(d.name for d in self.drugs), " ".join(self.matched), self.text)


# ------------------------------------------------------------------ resolution
def substances_of(drug: Substance, index: Index) -> tuple[str, ...]:
    """The ANSM substances (normalised) of a drug: by RxNorm code first, else by exact
    substance name, else by the name without its strength ("Warfarine 5 mg")."""
    found: list[str] = []
    for c in drug.codes:
        if c.system in (RXNORM, "") or c.system.endswith("/rxnorm"):
            found.extend(s for s in index.substances_for_code(c.code) if s not in found)
    if not found and not any(c.code in index.rxnorm for c in drug.codes
                             if c.system in (RXNORM, "")):
        sub = index.substance(drug.name)
        if sub is None and (head := _without_strength(drug.name)):
            sub = index.substance(head)
        if sub is not None:
            found.append(sub)
    return tuple(found)


def _without_strength(name: str) -> str:
    """A treatment's name as a patient types it, without its strength and form: the words
    before the first one with a digit ("Warfarine 5 mg" -> "Warfarine"); "" when there is
    none to drop."""
    words = name.split()
    for n, word in enumerate(words):
        if any("0" <= ch <= "9" for ch in word):
            return " ".join(words[:n])
    return ""


def _known(drug: Substance, index: Index) -> bool:
    """True when the code is in the index even with no ANSM substance (e.g. loratadine)."""
    return any(c.code in index.rxnorm for c in drug.codes
               if c.system in (RXNORM, "") or c.system.endswith("/rxnorm"))


def _families_of_substances(subs: Iterable[str], index: Index) -> dict[str, str]:
    """family key -> the substance that puts the drug in it."""
    found: dict[str, str] = {}
    for sub in subs:
        for fam in index.families.values():
            if sub in fam.members:
                found.setdefault(fam.key, sub)
    return found


def _allergy_families(allergy: Substance, subs: Sequence[str], index: Index) -> dict[str, str]:
    found = _families_of_substances(subs, index)
    name = normalise(allergy.name)
    codes = {(c.system, c.code) for c in allergy.codes}
    for fam in index.families.values():
        if name in fam.names or codes & fam.codes:
            found.setdefault(fam.key, fam.label)
    return found


@dataclass(frozen=True, slots=True)
class _Resolved:
    drug: Substance
    subs: tuple[str, ...]
    partners: dict[str, list[tuple[Interaction, str, str]]]  # other term -> (entry, sub, term)
    term_subs: dict[str, tuple[str, ...]]  # term (substance or class) -> its substances


def _resolve(drug: Substance, index: Index) -> _Resolved:
    partners: dict[str, list[tuple[Interaction, str, str]]] = {}
    subs = substances_of(drug, index)
    term_subs: dict[str, tuple[str, ...]] = {}
    for sub in subs:
        for term in index.terms(sub):
            term_subs[term] = (*term_subs.get(term, ()), sub)
            for other, entry in index.partners(term):
                partners.setdefault(other, []).append((entry, sub, term))
    return _Resolved(drug, subs, partners, term_subs)


# ------------------------------------------------------------------ rules
def _pair(x: _Resolved, y: _Resolved, index: Index) -> list[Alert]:
    found: dict[int, Alert] = {}
    if not x.partners:
        return []
    # Sorted: a set's order changes from one process to the next (hash seeds), and an entry
    # between two classes both drugs belong to matches either way round.
    for term_y in sorted(x.partners.keys() & y.term_subs.keys()):
        for sub_y in y.term_subs[term_y]:
            for entry, sub_x, term_x in x.partners[term_y]:
                if sub_x == sub_y or id(entry) in found:
                    continue  # two products of one substance: not an interaction
                if {entry.a, entry.b} != {term_x, term_y}:
                    continue
                levels = tuple(sorted({lv for lv, _ in entry.levels}, key=lambda lv: lv.rank))
                found[id(entry)] = Alert(
                    kind="interaction", level=entry.level, levels=levels, text=entry.text,
                    drugs=(x.drug, y.drug),
                    matched=(index.display(term_x), index.display(term_y)),
                    details=tuple(f"{lv.value}: {info}" for lv, info in entry.levels if info))
    return list(found.values())


@dataclass(frozen=True, slots=True)
class _Allergen:
    allergy: Substance
    subs: frozenset[str]
    families: dict[str, str]


def _allergen(allergy: Substance, index: Index) -> _Allergen:
    subs = substances_of(allergy, index)
    return _Allergen(allergy, frozenset(subs), _allergy_families(allergy, subs, index))


def _allergy(al: _Allergen, drug: _Resolved, drug_fams: dict[str, str],
             index: Index) -> Alert | None:
    allergy = al.allergy
    same = [s for s in drug.subs if s in al.subs]
    if same:
        return Alert(kind="allergy", level=Level.CONTRAINDICATION,
                     levels=(Level.CONTRAINDICATION,), drugs=(allergy, drug.drug),
                     matched=(index.display(same[0]), index.display(same[0])),
                     text=f"allergy to {index.display(same[0])}, which this drug contains")
    shared = [f for f in drug_fams if f in al.families]
    if shared:
        fam = index.families[shared[0]]
        return Alert(kind="allergy", level=Level.CONTRAINDICATION,
                     levels=(Level.CONTRAINDICATION,), drugs=(allergy, drug.drug),
                     matched=(fam.label, index.display(drug_fams[fam.key])),
                     text=f"allergy to the {fam.label}: {index.display(drug_fams[fam.key])} "
                          "is one of them")
    best: tuple[Level, Family, Family] | None = None
    for key in al.families:
        fam = index.families[key]
        for other, level in fam.cross.items():
            if other in drug_fams and (best is None or level.rank < best[0].rank):
                best = (level, fam, index.families[other])
    if best is None:
        return None
    level, fam, other_fam = best
    return Alert(kind="allergy", level=level, levels=(level,), drugs=(allergy, drug.drug),
                 matched=(fam.label, index.display(drug_fams[other_fam.key])),
                 text=f"allergy to the {fam.label}: possible cross-reactivity with the "
                      f"{other_fam.label} ({index.display(drug_fams[other_fam.key])})")


def _allergy_alerts(allergens: Sequence[_Allergen], drug: _Resolved,
                    index: Index) -> list[Alert]:
    if not allergens:
        return []
    fams = _families_of_substances(drug.subs, index)
    return [hit for al in allergens if (hit := _allergy(al, drug, fams, index)) is not None]


def _unchecked(drugs: Sequence[_Resolved], index: Index) -> list[Alert]:
    alerts = []
    for r in drugs:
        missing = [s for s in r.subs if s in index.not_in_thesaurus]
        if r.subs and not missing:
            continue
        if missing:
            why = f"{', '.join(missing)} not in the ANSM thesaurus"
        elif _known(r.drug, index):
            why = "no ANSM substance for this product (see the product table)"
        else:
            why = "its code is not in the interaction index"
        alerts.append(Alert(kind="unchecked", level=None, drugs=(r.drug,), matched=tuple(missing),
                            text=f"not (fully) checked for interactions: {why}"))
    return alerts


def partial_view(view: View) -> list[Alert]:
    """Notices for what the reader does not see."""
    notes: list[Alert] = []
    if view.masked is None:
        notes.append(Alert(kind="partial_view", level=None, matched=("masking",),
                           text="the patient may have masked items: masking may hide "
                                "allergies or treatments these checks cannot see"))
    elif view.masked:
        notes.append(Alert(kind="partial_view", level=None, matched=("masked",),
                           text=f"{view.masked} masked item(s) are not checked"))
    if view.missing:
        key = {"allergies", "current_treatments"} & view.missing
        notes.append(Alert(kind="partial_view", level=None, matched=("sections",),
                           details=tuple(sorted(view.missing)),
                           text="sections not shared with you: " + ", ".join(sorted(view.missing))
                           + ("; allergy and interaction checks are incomplete" if key else "")))
    return notes


def review(treatments: Sequence[Substance], allergies: Sequence[Substance], index: Index,
           view: View = View()) -> list[Alert]:
    """Every alert for a dossier as read: each pair of active treatments, each allergy
    against each treatment, unchecked treatments, and partial-view notices. Most severe
    first, allergies before interactions."""
    resolved = [_resolve(t, index) for t in treatments]
    allergens = [_allergen(a, index) for a in allergies]
    alerts: list[Alert] = []
    for i, x in enumerate(resolved):
        for y in resolved[i + 1:]:
            alerts.extend(_pair(x, y, index))
        alerts.extend(_allergy_alerts(allergens, x, index))
    alerts.extend(_unchecked(resolved, index))
    alerts.sort(key=lambda a: a.sort_key)
    return alerts + partial_view(view)


def check_prescription(new: Substance, treatments: Sequence[Substance],
                       allergies: Sequence[Substance], index: Index,
                       view: View = View()) -> list[Alert]:
    """The alerts a new prescription raises against the active treatments and the
    allergies (not those already between active treatments). ``new`` comes first in each
    interaction's ``drugs``."""
    fresh = _resolve(new, index)
    alerts: list[Alert] = []
    for t in treatments:
        alerts.extend(_pair(fresh, _resolve(t, index), index))
    alerts.extend(_allergy_alerts([_allergen(a, index) for a in allergies], fresh, index))
    alerts.extend(_unchecked([fresh], index))
    alerts.sort(key=lambda a: a.sort_key)
    return alerts + partial_view(view)
