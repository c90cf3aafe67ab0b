"""The reader's view model (web.client.reading): pure, from decrypted items and the grant's or
card's metadata to what a professional, an emergency reader or a contact is told."""

from __future__ import annotations

import json
from typing import Any

from vault import EMERGENCY_SUMMARY, Author, Item, Section
from web.client.identity import IDENTITY_TYPE, identity_of
from web.client.reading import (
    EMPTY_SECTION,
    MAY_BE_INCOMPLETE,
    Professional,
    author_label,
    build_view,
    details_of,
    mask_warning,
    view_json,
)

_n = 0


def item(section: Section, item_type: str, title: str, body: dict[str, Any] | None = None,
         author: Author | None = None, created_at: int = 1_700_000_000) -> Item:
    global _n
    _n += 1
    return Item(item_id=f"{_n:032x}", revision=1, section=section, item_type=item_type,
                title=title, date="2024-03-01", body=body or {},
                author=author or Author.patient(), created_at=created_at)


def identity(section: Section, name: str = "Inès Petit", **kw: Any) -> Item:
    return item(section, IDENTITY_TYPE, "Identity", {"name": name, "birth_date": "1980-05-01"},
                **kw)


DOC = Author.professional("810000000055", "whatever the item claims")


def test_a_card_whose_only_allergy_is_masked_says_so_and_never_no_known_allergy() -> None:
    # The masked allergy never reaches the client: the card opened nothing in allergies.
    view = build_view([item(Section.BLOOD_GROUP, "blood_group", "AB+")], kind="card",
                      carried=EMERGENCY_SUMMARY)
    allergies = next(s for s in view.sections if s.section == Section.ALLERGIES)
    assert allergies.items == () and allergies.empty is not None
    assert allergies.empty.startswith(EMPTY_SECTION) and "no known allergy" in allergies.empty
    assert "not \"no known allergy\"" in allergies.empty
    assert view.notices[0].code == "may_be_incomplete"
    assert view.notices[0].text == MAY_BE_INCOMPLETE
    # The same words whether or not anything is masked: the view never says which.
    full = build_view([item(Section.ALLERGIES, "allergy", "Iode")], kind="card",
                      carried=EMERGENCY_SUMMARY)
    assert full.notices[0] == view.notices[0]
    assert "masked" not in json.dumps([s.empty for s in full.sections if s.items])


def test_sections_a_grant_does_not_carry_are_named() -> None:
    view = build_view([], kind="professional",
                      carried={Section.CURRENT_TREATMENTS, Section.EXAM_RESULTS})
    assert Section.ALLERGIES in view.not_carried
    assert Section.CURRENT_TREATMENTS not in view.not_carried
    notice = next(n for n in view.notices if n.code == "not_carried")
    assert "Allergies" in notice.text and "Current treatments" not in notice.text
    assert [s.section for s in view.sections] == [Section.CURRENT_TREATMENTS,
                                                   Section.EXAM_RESULTS]
    doc = view_json(view)
    assert "allergies" in doc["sections_not_carried"]
    assert {n["code"] for n in doc["notices"]} >= {"may_be_incomplete", "not_carried"}


def test_emergency_views_name_what_the_summary_leaves_out() -> None:
    view = build_view([], kind="break_glass", carried=EMERGENCY_SUMMARY)
    assert set(view.not_carried) == set(Section) - EMERGENCY_SUMMARY
    assert "emergency summary" in next(n for n in view.notices if n.code == "not_carried").text


def test_whose_dossier_from_the_patients_identity_items() -> None:
    found = [identity(Section.ALLERGIES, created_at=1), identity(Section.ALLERGIES, "Inès Durand",
                                                                   created_at=2),
             identity(Section.ALLERGIES, "Mallory", author=DOC, created_at=3),
             item(Section.ALLERGIES, "allergy", "Iode")]
    view = build_view(found, kind="professional", carried={Section.ALLERGIES})
    assert view.patient is not None and view.patient.name == "Inès Durand"
    assert view.patient.birth_date == "1980-05-01"
    assert [v.item.title for v in view.items()] == ["Iode"]  # identity is the header
    assert all(n.code != "no_identity" for n in view.notices)
    doc = view_json(view)
    assert doc["patient"] == {"name": "Inès Durand", "birth_date": "1980-05-01"}
    assert identity_of([identity(Section.ALLERGIES, author=DOC)]) is None  # only the patient's


def test_no_identity_is_said() -> None:
    view = build_view([], kind="card", carried=EMERGENCY_SUMMARY)
    assert view.patient is None and any(n.code == "no_identity" for n in view.notices)
    assert view_json(view)["patient"] is None


def test_authors_in_human_terms_never_you_for_others() -> None:
    found = [identity(Section.ALLERGIES), item(Section.ALLERGIES, "allergy", "Iode"),
             item(Section.ALLERGIES, "allergy", "Latex", author=DOC),
             item(Section.ALLERGIES, "allergy", "Pollen",
                  author=Author.professional("820000000055", "Dr Claimed"))]
    names = {"810000000055": Professional(name="Dr Martin", profession="médecin")}
    view = build_view(found, kind="professional", carried={Section.ALLERGIES}, directory=names)
    by_title = {v.item.title: v.author for v in view.items()}
    assert by_title == {
        "Iode": "the patient (Inès Petit)",
        "Latex": "Dr Martin, médecin",
        "Pollen": "professional 820000000055 (not in the countersigned directory)"}
    assert "you" not in json.dumps(view_json(view)).replace("your", "")
    patient_item = found[1]
    assert author_label(patient_item, reader="patient", patient=None, directory={}) == "you"
    assert author_label(patient_item, reader="other", patient=None,
                        directory={}) == "the patient"


def test_details_have_human_labels_most_useful_first() -> None:
    allergy = item(Section.ALLERGIES, "allergy", "Pénicilline",
                   {"zone": "bras", "reaction": "urticaire", "substance": "pénicilline",
                    "empty": "", "since_age": 3})
    got = [(d.label, d.value) for d in details_of(allergy)]
    assert got == [("Substance", "pénicilline"), ("Reaction", "urticaire"),
                   ("Since age", "3"), ("Zone", "bras")]
    contact = item(Section.EMERGENCY_CONTACTS, "contact", "Paul",
                   {"phone": "06 12 34 56 78", "name": "Paul Petit", "relationship": "frère"})
    assert [d.label for d in details_of(contact)] == ["Name", "Relationship", "Phone"]
    treatment = item(Section.CURRENT_TREATMENTS, "medication", "Kardégic",
                     {"dosage": "75 mg", "frequency": "1/j", "tags": ["a", "b"]})
    assert [(d.label, d.value) for d in details_of(treatment)] == [
        ("Dosage", "75 mg"), ("Frequency", "1/j"), ("Tags", "a, b")]
    doc = view_json(build_view([treatment], kind="professional",
                               carried={Section.CURRENT_TREATMENTS}))
    assert doc["items"][0]["details"][0] == {"field": "dosage", "label": "Dosage",
                                             "value": "75 mg"}


def test_the_patient_is_warned_before_masking_the_emergency_summary() -> None:
    for section in EMERGENCY_SUMMARY:
        warning = mask_warning(section)
        assert warning is not None and "emergency" in warning
    assert "whole section Allergies" in (mask_warning(Section.ALLERGIES, whole_section=True)
                                          or "")
    assert mask_warning(Section.PERSONAL_NOTES) is None
    assert mask_warning(Section.MEDICAL_HISTORY) is None
    assert mask_warning(Section.ALLERGIES, item_type=IDENTITY_TYPE) is None


def test_unreadable_items_are_counted() -> None:
    view = build_view([], kind="professional", carried={Section.ALLERGIES},
                      unreadable=["ab" * 16])
    assert any(n.code == "unreadable" and "1 item" in n.text for n in view.notices)
