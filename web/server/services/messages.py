"""Every notification text the server sends (French, plain text), in one place.

A notification never carries medical content: only that something happened, who did it and
what to do about it. Each function returns the subject and body of one message; the
``Notifier`` wraps patient notices in ``greeting`` before sending.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Notice:
    subject: str
    body: str


class Actor(Protocol):
    """Who acted on a dossier, as the directory names them."""

    @property
    def name(self) -> str: ...
    @property
    def profession(self) -> str: ...
    @property
    def ps_id(self) -> str: ...


def _who(pro: Actor) -> str:
    return f"{pro.name} ({pro.profession}, {pro.ps_id})"


def greeting(first_name: str, body: str) -> str:
    """A patient notice's full text: salutation, body, signature."""
    return f"Bonjour {first_name},\n\n{body}\n— Carnet\n"


def activation_code(first_name: str, last_name: str, code: str, until: str) -> Notice:
    """The activation code, by e-mail or letter (``until``: YYYY-MM-DD)."""
    return Notice("Votre code d'activation Carnet",
                  f"Bonjour {first_name} {last_name},\n\n"
                  f"Voici votre code d'activation Carnet : {code}\n"
                  f"Il est valable jusqu'au {until} et ne sert qu'une fois.\n"
                  "Pour activer votre dossier : carnet patient activate --nir <votre NIR> "
                  "--code <ce code>\n\nSi vous n'avez rien demandé, ignorez ce message.\n")


def dossier_opened() -> Notice:
    return Notice("Votre dossier Carnet est ouvert",
                  "Votre dossier Carnet vient d'être activé. Gardez votre code de "
                  "secours imprimé en lieu sûr : c'est le seul moyen de retrouver "
                  "l'accès si vous oubliez votre phrase secrète.\n")


def keys_changed(slot_names: Sequence[str]) -> Notice:
    """Key slots were replaced: ``slot_names`` in the order sent (passphrase, recovery)."""
    what = " et ".join("votre phrase secrète" if name == "passphrase"
                       else "votre code de secours" for name in slot_names)
    return Notice("Carnet : changement de vos clés",
                  f"{what[0].upper()}{what[1:]} vient d'être changé(e). Si ce n'est "
                  "pas vous, utilisez votre code de secours sans attendre.")


def dossier_closed(first_name: str) -> Notice:
    """Sent to the address on file once the dossier is gone (the full text, no greeting)."""
    return Notice("Votre dossier Carnet est fermé",
                  f"Bonjour {first_name},\n\nVotre dossier Carnet a "
                  "été fermé et son contenu détruit. Une nouvelle activation "
                  "reste possible.\n— Carnet\n")


def dossier_consulted(pro: Actor) -> Notice:
    return Notice("Carnet : consultation de votre dossier",
                  f"{_who(pro)} vient d'ouvrir "
                  "votre dossier avec votre accord. L'historique complet est "
                  "dans Carnet.")


def item_written(pro: Actor) -> Notice:
    return Notice("Carnet : un document ajouté à votre dossier",
                  f"{_who(pro)} vient d'ajouter un "
                  "document à votre dossier avec votre accord. L'historique "
                  "complet est dans Carnet.")


def item_deposited(pro: Actor) -> Notice:
    return Notice("Carnet : un document vous attend",
                  f"{_who(pro)} a déposé un "
                  "document pour vous. Ouvrez Carnet pour le classer dans votre "
                  "dossier.")


def card_used() -> Notice:
    return Notice("Carnet : votre carte d'urgence a été utilisée",
                  "Quelqu'un vient d'ouvrir votre résumé d'urgence avec votre "
                  "carte et son code. Si ce n'est pas une urgence, révoquez la "
                  "carte dans Carnet.")


def break_glass_used(pro: Actor) -> Notice:
    return Notice("Carnet : accès d'urgence à votre dossier",
                  f"{_who(pro)} a ouvert votre "
                  "résumé d'urgence en bris de glace. Le motif déclaré est dans "
                  "l'historique de votre dossier.")
