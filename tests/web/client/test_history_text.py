"""The history as people read it (web.client.history_text): French sentences naming the
professional, the patient's own actions as theirs, dates as people write them."""

from __future__ import annotations

import datetime as dt

from consent.audit import Event
from web.client.history_text import Person, lines, sentence
from web.dates import PARIS

AT = int(dt.datetime(2026, 12, 1, 14, 5, tzinfo=PARIS).timestamp())
DOCTOR = "ps:810001234567"
PEOPLE = {DOCTOR: Person(name="Dr Anne Martin", profession="medecin", city="Lyon")}
GRANT = "aa" * 16


def _event(kind: str, actor: str = "patient", seq: int = 0, **detail: str | int) -> Event:
    return Event(seq=seq, at=AT, kind=kind, actor=actor, detail=detail)


def _say(event: Event, lang: str = "fr") -> str:
    return sentence(event, event.detail, people=PEOPLE, titles={"bb" * 16: "Pénicilline"},
                    lang=lang)  # type: ignore[arg-type]


def test_a_consultation_reads_as_dated_french_sentences() -> None:
    events = [
        _event("grant_issued", grant=GRANT, recipient="810001234567",
               sections="allergies,current_treatments", write=1, expires_at=AT + 4 * 3600),
        _event("token_scanned", DOCTOR, 1, grant=GRANT, items=3,
               sections="allergies,current_treatments"),
        _event("item_written", DOCTOR, 2, grant=GRANT, item="cc" * 16),
        _event("grant_revoked", seq=3, grant=GRANT),
        _event("token_refused", DOCTOR, 4, grant=GRANT, result="revoked"),
    ]
    got = lines(events, [e.detail for e in events], people=PEOPLE)
    assert got == [
        "1er décembre 2026 à 14 h 05 — Vous avez autorisé Dr Anne Martin (médecin, Lyon) à "
        "consulter allergies et traitements en cours et à y ajouter des documents, jusqu'au "
        "1er décembre 2026.",
        "1er décembre 2026 à 14 h 05 — Dr Anne Martin (médecin, Lyon) a ouvert votre "
        "dossier : allergies et traitements en cours ; 3 éléments.",
        "1er décembre 2026 à 14 h 05 — Dr Anne Martin (médecin, Lyon) a ajouté un document à "
        "votre dossier.",
        "1er décembre 2026 à 14 h 05 — Vous avez révoqué l'accès de Dr Anne Martin (médecin, "
        "Lyon) : son code ne sera plus accepté.",
        "1er décembre 2026 à 14 h 05 — Dr Anne Martin (médecin, Lyon) a présenté un accès que "
        "vous aviez révoqué : refusé, rien n'a été ouvert.",
    ]


def test_results_of_cards_and_break_glass_with_the_reason() -> None:
    card = "card:" + "12345678" + "0" * 24
    assert _say(_event("card_used", card, result="wrong_passcode", attempts_left=4)) == (
        "Quelqu'un muni de votre carte d'urgence n° 12345678 a saisi un code erroné "
        "(4 essais restants) : rien n'a été ouvert.")
    assert _say(_event("card_used", card, result="locked", attempts_left=0)).endswith(
        "a saisi un code erroné : la carte est maintenant bloquée.")
    assert _say(_event("card_used", card, result="opened", by="SAMU 69", items=2)) == (
        "Quelqu'un muni de votre carte d'urgence n° 12345678 a ouvert votre résumé d'urgence."
        " Nom donné : « SAMU 69 ».")
    assert _say(_event("emergency_access", DOCTOR, result="opened",
                       reason="patient inconscient")) == (
        "Dr Anne Martin (médecin, Lyon) a ouvert votre résumé d'urgence en bris de glace. "
        "Motif déclaré : « patient inconscient ».")
    assert "refusé" in _say(_event("emergency_access", DOCTOR, result="refused"))
    assert _say(_event("break_glass_changed", break_glass="off")) == (
        "Vous avez refusé le bris de glace.")
    # Older histories recorded it as mask_changed: read the same.
    assert _say(_event("mask_changed", break_glass="on")) == _say(
        _event("break_glass_changed", break_glass="on"))


def test_the_patients_own_actions_are_theirs() -> None:
    assert _say(_event("item_added", item="bb" * 16, revision=1)) == (
        "Vous avez ajouté « Pénicilline ».")
    assert _say(_event("item_deleted", item="dd" * 16)) == (
        "Vous avez supprimé l'élément n° dddddddd.")
    assert _say(_event("item_masked", what="Note privée")) == (
        "Vous avez masqué un élément (« Note privée »).")
    assert _say(_event("section_unmasked", what="medical_history", count=2)) == (
        "Vous avez démasqué une section (antécédents).")
    assert _say(_event("keys_changed", slots="passphrase")) == (
        "Vous avez changé votre phrase secrète.")
    assert _say(_event("export")) == "Vous avez exporté votre dossier."
    assert _say(_event("import", count=1)) == "Vous avez importé une archive (1 élément ajouté)."
    assert _say(_event("import", count=3)) == (
        "Vous avez importé une archive (3 éléments ajoutés).")


def test_an_unknown_professional_is_shown_by_number_and_english_is_there() -> None:
    stranger = _event("token_scanned", "ps:899999999999", items=1, sections="allergies")
    assert _say(stranger).startswith("Le professionnel n° 899999999999 (absent de l'annuaire)")
    assert _say(_event("item_added", item="bb" * 16), "en") == "You added “Pénicilline”."
    assert _say(stranger, "en").startswith("Professional no. 899999999999")
