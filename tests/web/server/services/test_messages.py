"""Notification texts: pinned byte for byte (they are what patients read)."""

from __future__ import annotations

from dataclasses import dataclass

from web.server.services import messages


@dataclass(frozen=True)
class Pro:
    name: str = "Pharmacie du Parc"
    profession: str = "pharmacien"
    ps_id: str = "810001234567"


def test_patient_notices_name_the_professional_and_carry_no_content() -> None:
    notice = messages.dossier_consulted(Pro())
    assert notice.subject == "Carnet : consultation de votre dossier"
    assert notice.body == ("Pharmacie du Parc (pharmacien, 810001234567) vient d'ouvrir votre "
                           "dossier avec votre accord. L'historique complet est dans Carnet.")
    assert messages.greeting("Camille", notice.body) == (
        f"Bonjour Camille,\n\n{notice.body}\n— Carnet\n")
    for make in (messages.item_written, messages.item_deposited, messages.break_glass_used):
        assert make(Pro()).body.startswith("Pharmacie du Parc (pharmacien, 810001234567) ")


def test_key_change_names_what_changed_in_order() -> None:
    assert messages.keys_changed(["passphrase"]).body == (
        "Votre phrase secrète vient d'être changé(e). Si ce n'est pas vous, utilisez votre "
        "code de secours sans attendre.")
    assert messages.keys_changed(["recovery", "passphrase"]).body.startswith(
        "Votre code de secours et votre phrase secrète vient")


def test_the_activation_code_letter() -> None:
    notice = messages.activation_code("Camille", "Martin", "ABCDE-FGHJK", "2027-01-01")
    assert notice.subject == "Votre code d'activation Carnet"
    assert notice.body == (
        "Bonjour Camille Martin,\n\nVoici votre code d'activation Carnet : ABCDE-FGHJK\n"
        "Il est valable jusqu'au 2027-01-01 et ne sert qu'une fois.\n"
        "Pour activer votre dossier : carnet patient activate --nir <votre NIR> --code <ce code>"
        "\n\nSi vous n'avez rien demandé, ignorez ce message.\n")
