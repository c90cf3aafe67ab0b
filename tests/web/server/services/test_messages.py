"""Notification texts: pinned byte for byte (they are what patients read)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from web.server.services import messages

# 1 December 2026, 14:05 in Paris (UTC+1).
AT = int(dt.datetime(2026, 12, 1, 13, 5, tzinfo=dt.UTC).timestamp())


@dataclass(frozen=True)
class Pro:
    name: str = "Pharmacie du Parc"
    profession: str = "pharmacien"
    ps_id: str = "810001234567"


def test_patient_notices_name_the_professional_and_carry_no_content() -> None:
    notice = messages.dossier_consulted(Pro(), at=AT)
    assert notice.subject == "Carnet : consultation de votre dossier"
    assert notice.body == (
        "Pharmacie du Parc (pharmacien, n° 810001234567) a ouvert votre dossier avec votre "
        "accord le 1er décembre 2026 à 14 h 05.\n"
        "Si cette personne continue dans l'heure (autres lectures, documents ajoutés), vous "
        "ne recevrez pas d'autre message : tout est dans l'historique de votre dossier.")
    assert messages.greeting("Camille", notice.body) == (
        f"Bonjour Camille,\n\n{notice.body}\n— Carnet\n")
    for make in (messages.item_written, messages.item_deposited, messages.break_glass_used):
        assert make(Pro()).body.startswith("Pharmacie du Parc (pharmacien, n° 810001234567) ")
    doctor = Pro(name="Dr Anne Martin", profession="medecin", ps_id="810009876543")
    assert messages.dossier_consulted(doctor, write=True).body.startswith(
        "Dr Anne Martin (médecin, n° 810009876543) a ouvert votre dossier avec votre accord."
        " Cet accord lui permet aussi d'ajouter des documents.")


def test_a_consultation_is_one_group_and_emergencies_are_sent_at_once() -> None:
    assert messages.dossier_consulted(Pro()).group == messages.item_written(Pro()).group
    assert messages.item_deposited(Pro()).group not in ("", messages.item_written(Pro()).group)
    card = messages.CardName(card_id="ab" * 16, created_at=AT)
    for notice in (messages.break_glass_used(Pro()), messages.card_used(card),
                   messages.card_locked(card)):
        assert notice.group == ""


def test_card_notices_name_the_card() -> None:
    card = messages.CardName(card_id="0123abcd" * 4, created_at=AT)
    used = messages.card_used(card, at=AT)
    assert used.body.startswith(
        "Quelqu'un a ouvert votre résumé d'urgence le 1er décembre 2026 à 14 h 05 avec votre "
        "carte d'urgence créée le 1er décembre 2026 (n° 0123abcd) et son code.")
    locked = messages.card_locked(card, at=AT)
    assert locked.subject == "Carnet : votre carte d'urgence est bloquée"
    assert locked.body.startswith(
        "Votre carte d'urgence créée le 1er décembre 2026 (n° 0123abcd) est bloquée le 1er "
        "décembre 2026 à 14 h 05 : son code a été mal saisi cinq fois.")


def test_key_change_names_what_changed_in_order_in_correct_french() -> None:
    assert messages.keys_changed(["passphrase"]).body == (
        "Votre phrase secrète vient d'être changée. Si ce n'est pas vous, utilisez votre "
        "code de secours sans attendre.")
    assert messages.keys_changed(["recovery"]).body.startswith(
        "Votre code de secours vient d'être changé.")
    assert messages.keys_changed(["recovery", "passphrase"]).body.startswith(
        "Votre code de secours et votre phrase secrète viennent d'être changés.")
    for slots in (["passphrase"], ["recovery"], ["passphrase", "recovery"]):
        assert "(e)" not in messages.keys_changed(slots).body


def test_the_activation_code_letter() -> None:
    notice = messages.activation_code("Camille", "Martin", "ABCDE-FGHJK", "2027-01-01")
    assert notice.subject == "Votre code d'activation Carnet"
    assert notice.body == (
        "Bonjour Camille Martin,\n\nVoici votre code d'activation Carnet : ABCDE-FGHJK\n"
        "Il est valable jusqu'au 1er janvier 2027 et ne sert qu'une fois.\n"
        "Pour activer votre dossier : carnet patient activate --nir <votre NIR> --code <ce code>"
        "\n\nSi vous n'avez rien demandé, ignorez ce message.\n")
