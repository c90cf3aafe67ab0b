"""Every notification text the server sends (French, plain text), in one place.

A notification never carries medical content: only that something happened, who did it,
when, and what to do about it. Each function returns the subject and body of one message;
the ``Notifier`` wraps patient notices in ``greeting`` before sending. A notice with a
``group`` is sent once for a stretch of activity of one professional on one dossier (one
consultation: the scan and the documents written then are one e-mail, ``notify``); notices
without one (emergency access, a card used or locked, break-glass) are sent at once. Dates
are written as people write them ("1er décembre 2026 à 14 h 05", ``web.dates``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Protocol

from web.dates import PARIS, day_text, moment_text


@dataclass(frozen=True, slots=True)
class Notice:
    """``group``: the e-mails of one stretch of activity share it (empty: sent at once)."""

    subject: str
    body: str
    group: str = ""


class Actor(Protocol):
    """Who acted on a dossier, as the directory names them."""

    @property
    def name(self) -> str: ...
    @property
    def profession(self) -> str: ...
    @property
    def ps_id(self) -> str: ...


# The directory's profession keys (``consent.profiles``) as people write them.
PROFESSIONS_FR: Final = {
    "medecin": "médecin", "pharmacien": "pharmacien", "infirmier": "infirmier",
    "masseur-kinesitherapeute": "masseur-kinésithérapeute", "sage-femme": "sage-femme",
    "chirurgien-dentiste": "chirurgien-dentiste", "biologiste": "biologiste",
    "urgences": "médecin urgentiste", "proche": "proche",
}
_ISO_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _who(pro: Actor) -> str:
    if pro.profession == "proche":  # an emergency contact with an account (Presenter)
        return "Votre contact d'urgence"
    profession = PROFESSIONS_FR.get(pro.profession, pro.profession)
    return f"{pro.name} ({profession}, n° {pro.ps_id})"


def _when(at: int | None) -> str:
    return f" le {moment_text(at)}" if at is not None else ""


def _day(value: str) -> str:
    """An ISO day (YYYY-MM-DD) as people write it; anything else as it is."""
    if _ISO_DAY.fullmatch(value):
        try:
            return day_text(dt.date.fromisoformat(value))
        except ValueError:
            pass
    return value


@dataclass(frozen=True, slots=True)
class CardName:
    """How a notice names an emergency card: its creation date and the start of its id
    (what ``carnet patient cards`` lists), never the passcode or the QR's share."""

    card_id: str
    created_at: int

    def __str__(self) -> str:
        return (f"votre carte d'urgence créée le {day_text(_date(self.created_at))} "
                f"(n° {self.card_id[:8]})")


def _date(at: int) -> dt.date:
    return dt.datetime.fromtimestamp(at, PARIS).date()


_GROUPED: Final = ("Si cette personne continue dans l'heure (autres lectures, documents "
                   "ajoutés), vous ne recevrez pas d'autre message : tout est dans "
                   "l'historique de votre dossier.")


def greeting(first_name: str, body: str) -> str:
    """A patient notice's full text: salutation, body, signature."""
    return f"Bonjour {first_name},\n\n{body}\n— Carnet\n"


def activation_code(first_name: str, last_name: str, code: str, until: str) -> Notice:
    """The activation code, by e-mail or letter (``until``: YYYY-MM-DD, written out)."""
    return Notice("Votre code d'activation Carnet",
                  f"Bonjour {first_name} {last_name},\n\n"
                  f"Voici votre code d'activation Carnet : {code}\n"
                  f"Il est valable jusqu'au {_day(until)} et ne sert qu'une fois.\n"
                  "Pour activer votre dossier : carnet patient activate --nir <votre NIR> "
                  "--code <ce code>\n\nSi vous n'avez rien demandé, ignorez ce message.\n")


def dossier_opened() -> Notice:
    return Notice("Votre dossier Carnet est ouvert",
                  "Votre dossier Carnet vient d'être activé. Gardez votre code de "
                  "secours imprimé en lieu sûr : c'est le seul moyen de retrouver "
                  "l'accès si vous oubliez votre phrase secrète.\n")


def keys_changed(slot_names: Sequence[str]) -> Notice:
    """Key slots were replaced: ``slot_names`` in the order sent (passphrase, recovery)."""
    names = ["votre phrase secrète" if name == "passphrase" else "votre code de secours"
             for name in slot_names] or ["vos clés"]
    what = " et ".join(dict.fromkeys(names))
    if len(set(names)) > 1:
        verb = "viennent d'être changés"
    else:
        verb = "vient d'être changée" if "phrase" in names[0] else "vient d'être changé"
        verb = "viennent d'être changées" if names[0] == "vos clés" else verb
    return Notice("Carnet : changement de vos clés",
                  f"{what[0].upper()}{what[1:]} {verb}. Si ce n'est "
                  "pas vous, utilisez votre code de secours sans attendre.")


def dossier_closed(first_name: str) -> Notice:
    """Sent to the address on file once the dossier is gone (the full text, no greeting)."""
    return Notice("Votre dossier Carnet est fermé",
                  f"Bonjour {first_name},\n\nVotre dossier Carnet a "
                  "été fermé et son contenu détruit. Une nouvelle activation "
                  "reste possible.\n— Carnet\n")


def dossier_consulted(pro: Actor, *, at: int | None = None, write: bool = False) -> Notice:
    """A professional (or contact) opened the dossier with a grant; one per consultation."""
    also = " Cet accord lui permet aussi d'ajouter des documents." if write else ""
    return Notice("Carnet : consultation de votre dossier",
                  f"{_who(pro)} a ouvert votre dossier avec votre accord{_when(at)}.{also}\n"
                  f"{_GROUPED}", group=f"pro:{pro.ps_id}")


def item_written(pro: Actor, *, at: int | None = None) -> Notice:
    """A document written through a grant; the same group as the consultation."""
    return Notice("Carnet : un document ajouté à votre dossier",
                  f"{_who(pro)} a ajouté un document à votre dossier avec votre "
                  f"accord{_when(at)}.\n{_GROUPED}", group=f"pro:{pro.ps_id}")


def item_deposited(pro: Actor, *, at: int | None = None) -> Notice:
    return Notice("Carnet : un document vous attend",
                  f"{_who(pro)} a déposé un document pour vous{_when(at)}. Ouvrez Carnet "
                  "pour le classer dans votre dossier (carnet patient deposits).",
                  group=f"deposit:{pro.ps_id}")


def card_used(card: CardName | None = None, *, at: int | None = None) -> Notice:
    what = str(card) if card is not None else "votre carte d'urgence"
    return Notice("Carnet : votre carte d'urgence a été utilisée",
                  f"Quelqu'un a ouvert votre résumé d'urgence{_when(at)} avec {what} et "
                  "son code. Si ce n'est pas une urgence, révoquez la carte dans Carnet "
                  "(carnet patient revoke-card).")


def card_locked(card: CardName | None = None, *, at: int | None = None) -> Notice:
    what = str(card) if card is not None else "votre carte d'urgence"
    title = what[0].upper() + what[1:]
    return Notice("Carnet : votre carte d'urgence est bloquée",
                  f"{title} est bloquée{_when(at)} : son code a été mal saisi cinq fois. "
                  "Elle ne peut plus ouvrir votre résumé d'urgence. Si vous ne savez pas "
                  "qui a essayé, révoquez-la et faites-en une nouvelle (carnet patient "
                  "card).")


def break_glass_used(pro: Actor, *, at: int | None = None) -> Notice:
    return Notice("Carnet : accès d'urgence à votre dossier",
                  f"{_who(pro)} a ouvert votre résumé d'urgence en bris de glace"
                  f"{_when(at)}. Le motif déclaré est dans l'historique de votre dossier.")
