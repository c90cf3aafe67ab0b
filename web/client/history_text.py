"""The verified history as people read it (issue 10, item 7): one sentence per event, in
French (default) or English, with the professional's name and profession from the
countersigned directory, what was opened, the result, the reason given for a break-glass,
and the patient's own actions written as theirs ("Vous avez ..."). Dates as people write
them ("1er décembre 2026 à 14 h 05", ``web.dates``).

Pure: the events, their readable detail (sealed notes already opened,
``web.client.history.shown_detail``), the people (``Person`` by actor, looked up by the
caller in the countersigned directory) and the titles of the patient's items come in; text
comes out. ``--json`` keeps the English identifiers; this is only for people. A browser
client must say the same things.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from consent.audit import Event
from web.dates import PARIS, day_text, moment_text

__all__ = ["Person", "Story", "line", "lines", "sentence"]

Lang = Literal["fr", "en"]
Detail = Mapping[str, str | int]

SECTIONS: Final[dict[str, tuple[str, str]]] = {
    "care_history": ("historique des soins", "care history"),
    "medical_history": ("antécédents", "medical history"),
    "exam_results": ("résultats d'examens", "exam results"),
    "current_treatments": ("traitements en cours", "current treatments"),
    "allergies": ("allergies", "allergies"),
    "blood_group": ("groupe sanguin", "blood group"),
    "vaccinations": ("vaccinations", "vaccinations"),
    "advance_directives": ("directives anticipées", "advance directives"),
    "emergency_contacts": ("contacts d'urgence", "emergency contacts"),
    "personal_notes": ("notes personnelles", "personal notes"),
}
PROFESSIONS: Final[dict[str, tuple[str, str]]] = {
    "medecin": ("médecin", "doctor"), "pharmacien": ("pharmacien", "pharmacist"),
    "infirmier": ("infirmier", "nurse"),
    "masseur-kinesitherapeute": ("masseur-kinésithérapeute", "physiotherapist"),
    "sage-femme": ("sage-femme", "midwife"),
    "chirurgien-dentiste": ("chirurgien-dentiste", "dentist"),
    "biologiste": ("biologiste", "medical biologist"),
}


@dataclass(frozen=True, slots=True)
class Person:
    """A professional as the countersigned directory names them."""

    name: str
    profession: str
    city: str = ""


@dataclass(slots=True)
class Story:
    """What earlier events tell about later ones: who each grant was for, who left each
    deposit (``lines`` fills it in log order)."""

    grants: dict[str, str] = field(default_factory=dict)  # grant id -> recipient actor
    deposits: dict[str, str] = field(default_factory=dict)  # deposit id -> depositor actor


def _t(lang: Lang, fr: str, en: str) -> str:
    return fr if lang == "fr" else en


def _plural(n: int, lang: Lang, fr: tuple[str, str], en: tuple[str, str]) -> str:
    one, many = fr if lang == "fr" else en
    return f"{n} {one if n == 1 else many}"


def _sections(value: object, lang: Lang) -> str:
    names = [s for s in str(value or "").split(",") if s]
    shown = [SECTIONS.get(s, (s, s))[0 if lang == "fr" else 1] for s in names]
    if not shown:
        return _t(lang, "aucune section", "no section")
    if len(shown) == 1:
        return shown[0]
    return f"{', '.join(shown[:-1])} {_t(lang, 'et', 'and')} {shown[-1]}"


def _short(value: object) -> str:
    return str(value or "")[:8]


def _profession_key(text: str) -> str:
    """"Médecin" -> "medecin", as the directory's professions are keyed."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(plain.lower().split())


def _person(actor: str, people: Mapping[str, Person], lang: Lang) -> str:
    """How a line names whoever acted (not the patient)."""
    if actor.startswith("ps:"):
        who = people.get(actor)
        if who is None:
            return _t(lang, f"le professionnel n° {actor[3:]} (absent de l'annuaire)",
                      f"professional no. {actor[3:]} (not in the directory)")
        profession = PROFESSIONS.get(_profession_key(who.profession),
                                     (who.profession, who.profession))
        job = profession[0 if lang == "fr" else 1]
        where = f", {who.city}" if who.city else ""
        return f"{who.name} ({job}{where})"
    if actor.startswith("contact:"):
        return _t(lang, "votre contact d'urgence", "your emergency contact")
    if actor.startswith("card:"):
        return _t(lang, f"quelqu'un muni de votre carte d'urgence n° {_short(actor[5:])}",
                  f"someone holding your emergency card no. {_short(actor[5:])}")
    return actor


def _recipient_actor(recipient: object) -> str:
    """A grant's recipient id as the log names them as actors (``consent.recipient``)."""
    text = str(recipient or "")
    return text if text.startswith("contact:") else f"ps:{text}"


def _until(value: object, lang: Lang, tz: dt.tzinfo) -> str:
    if not isinstance(value, int):
        return ""
    day = day_text(dt.datetime.fromtimestamp(value, tz).date(), lang)
    return _t(lang, f", jusqu'au {day}", f", until {day}")


def _item(detail: Detail, titles: Mapping[str, str], lang: Lang) -> str:
    item = str(detail.get("item", detail.get("item_id", "")))
    title = titles.get(item)
    if title:
        return f"« {title} »" if lang == "fr" else f"“{title}”"
    return _t(lang, f"l'élément n° {_short(item)}", f"item no. {_short(item)}")


def _said(detail: Detail, key: str, lang: Lang) -> str:
    text = detail.get(key)
    if not isinstance(text, str) or not text:
        return ""
    if key == "reason":
        return _t(lang, f" Motif déclaré : « {text} ».", f" Stated reason: “{text}”.")
    return _t(lang, f" Nom donné : « {text} ».", f" Name given: “{text}”.")


def _what(detail: Detail, lang: Lang) -> str:
    """A declared event's sealed detail (which section, which item), once opened."""
    text = detail.get("what")
    if isinstance(text, str) and text:
        return f" ({SECTIONS[text][0 if lang == 'fr' else 1]})" if text in SECTIONS else (
            f" (« {text} »)" if lang == "fr" else f" (“{text}”)")
    return ""


def _patient(kind: str, d: Detail, *, people: Mapping[str, Person], titles: Mapping[str, str],
             story: Story, lang: Lang, tz: dt.tzinfo) -> str | None:
    """The patient's own action, as "Vous avez ..." (None: not a patient kind)."""
    fr = lang == "fr"
    if kind == "grant_issued":
        who = _person(_recipient_actor(d.get("recipient")), people, lang)
        if "resealed" in d:
            return _t(lang, f"Vous avez renouvelé les clés de l'accord donné à {who} (après un "
                      "changement de clés ; rien de plus n'est ouvert).",
                      f"You re-sealed the access you gave {who} (after a key change; "
                      "nothing more is opened).")
        write = d.get("write") == 1
        also = _t(lang, " et à y ajouter des documents", " and add documents") if write else ""
        return _t(lang, f"Vous avez autorisé {who} à consulter {_sections(d.get('sections'), lang)}"
                  f"{also}{_until(d.get('expires_at'), lang, tz)}.",
                  f"You allowed {who} to read {_sections(d.get('sections'), lang)}{also}"
                  f"{_until(d.get('expires_at'), lang, tz)}.")
    if kind == "grant_revoked":
        holder = story.grants.get(str(d.get("grant", "")))
        who = _person(holder, people, lang) if holder else _t(
            lang, f"l'accord n° {_short(d.get('grant'))}", f"access no. {_short(d.get('grant'))}")
        return _t(lang, f"Vous avez révoqué l'accès de {who} : son code ne sera plus accepté."
                  if holder else f"Vous avez révoqué {who}.",
                  f"You revoked {who}'s access: their code is refused from now on."
                  if holder else f"You revoked {who}.")
    if kind == "professional_blocked":
        who = _person(f"ps:{d.get('professional', '')}", people, lang)
        if d.get("blocked") == 0:
            return _t(lang, f"Vous avez levé le blocage de {who}.", f"You unblocked {who}.")
        n = int(d.get("grants_revoked", 0) or 0)
        revoked = _plural(n, lang, ("accès révoqué", "accès révoqués"),
                          ("access revoked", "accesses revoked"))
        return _t(lang, f"Vous avez bloqué {who} ({revoked}).", f"You blocked {who} ({revoked}).")
    if kind == "break_glass_changed" and d.get("break_glass") == "resealed":
        return _t(lang, "Votre application a mis à jour les clés du bris de glace après un "
                  "changement de clés : le SAMU lit votre résumé d'urgence à jour.",
                  "Your app updated the break-glass keys after a key change: the emergency "
                  "service reads your current emergency summary.")
    if kind in ("break_glass_changed", "mask_changed") and "break_glass" in d:
        on = d.get("break_glass") == "on"
        return (_t(lang, "Vous avez autorisé le bris de glace : le SAMU pourra ouvrir votre "
                   "résumé d'urgence si vous ne pouvez pas consentir.",
                   "You allowed break-glass: the emergency service may open your emergency "
                   "summary if you cannot consent.") if on else
                _t(lang, "Vous avez refusé le bris de glace.", "You turned break-glass off."))
    if kind == "mask_changed":  # older histories: an item's mask
        masked = d.get("masked") == 1
        what = _item(d, titles, lang)
        return (_t(lang, f"Vous avez masqué {what}.", f"You masked {what}.") if masked else
                _t(lang, f"Vous avez démasqué {what}.", f"You unmasked {what}."))
    if kind == "card_issued" and d.get("resealed") == 1:
        card = _short(d.get("card"))
        return _t(lang, f"Votre application a mis à jour la carte d'urgence n° {card} après "
                  "un changement de clés : elle ouvre votre résumé d'urgence à jour.",
                  f"Your app updated emergency card no. {card} after a key change: it opens "
                  "your current emergency summary.")
    if kind == "card_issued" and d.get("revoked") == 1:
        card = _short(d.get("card"))
        return _t(lang, f"Vous avez révoqué la carte d'urgence n° {card}.",
                  f"You revoked emergency card no. {card}.")
    if kind == "card_issued":
        return _t(lang, f"Vous avez créé la carte d'urgence n° {_short(d.get('card'))}"
                  f"{_until(d.get('expires_at'), lang, tz)}.",
                  f"You made emergency card no. {_short(d.get('card'))}"
                  f"{_until(d.get('expires_at'), lang, tz)}.")
    if kind in ("item_added", "item_edited", "item_deleted"):
        what = _item(d, titles, lang)
        verb = {"item_added": ("ajouté", "added"), "item_edited": ("modifié", "edited"),
                "item_deleted": ("supprimé", "deleted")}[kind]
        return _t(lang, f"Vous avez {verb[0]} {what}.", f"You {verb[1]} {what}.")
    if kind == "keys_changed":
        slots = str(d.get("slots", "")).split(",")
        names = [_t(lang, "votre phrase secrète", "your passphrase") if s == "passphrase"
                 else _t(lang, "votre code de secours", "your recovery code")
                 for s in slots if s]
        return _t(lang, f"Vous avez changé {' et '.join(names) or 'vos clés'}.",
                  f"You changed {' and '.join(names) or 'your keys'}.")
    if kind == "recovery_used":
        return _t(lang, "Vous avez retrouvé l'accès avec votre code de secours.",
                  "You got back in with your recovery code.")
    if kind == "deposit_filed":
        depositor = story.deposits.get(str(d.get("deposit", "")))
        by = _t(lang, f" par {_person(depositor, people, lang)}",
                f" by {_person(depositor, people, lang)}") if depositor else ""
        return _t(lang, f"Vous avez classé dans votre dossier un document déposé{by}.",
                  f"You filed a document left{by} into your dossier.")
    count = d.get("count")
    items = (_plural(count, lang, ("élément", "éléments"), ("item", "items"))
             if isinstance(count, int) else "")
    if kind == "export":
        return _t(lang, f"Vous avez exporté votre dossier{f' ({items})' if items else ''}.",
                  f"You exported your dossier{f' ({items})' if items else ''}.")
    if kind == "import":
        added = (_plural(count, lang, ("élément ajouté", "éléments ajoutés"),
                         ("item added", "items added")) if isinstance(count, int) else "")
        return _t(lang, f"Vous avez importé une archive{f' ({added})' if added else ''}.",
                  f"You imported an archive{f' ({added})' if added else ''}.")
    if kind in ("item_masked", "item_unmasked", "section_masked", "section_unmasked"):
        verb = ("masqué", "masked") if kind.endswith("_masked") else ("démasqué", "unmasked")
        target = (_t(lang, "une section", "a section") if kind.startswith("section")
                  else _t(lang, "un élément", "an item"))
        return (f"Vous avez {verb[0]} {target}{_what(d, lang)}." if fr
                else f"You {verb[1]} {target}{_what(d, lang)}.")
    if kind == "login":
        return _t(lang, "Vous vous êtes connecté à votre dossier.", "You signed in.")
    if kind == "closure":
        return _t(lang, "Vous avez fermé votre dossier.", "You closed your dossier.")
    return None


_REFUSED: Final = {"revoked": ("un accès que vous aviez révoqué", "an access you had revoked"),
                   "expired": ("un accès expiré", "an expired access"),
                   "blocked": ("un accès alors que vous l'avez bloqué",
                               "an access although you blocked them")}


def _other(kind: str, who: str, d: Detail, lang: Lang) -> str:
    """What someone else (a professional, a contact, a card holder) did."""
    if kind == "token_scanned":
        n = d.get("items")
        count = f" ; {_plural(n, lang, ('élément', 'éléments'), ('item', 'items'))}" if (
            isinstance(n, int)) else ""
        return _t(lang, f"{who} a ouvert votre dossier : {_sections(d.get('sections'), lang)}"
                  f"{count}.", f"{who} opened your dossier: "
                  f"{_sections(d.get('sections'), lang)}{count.replace(' ;', ';')}.")
    if kind == "token_refused":
        what = _REFUSED.get(str(d.get("result")), _REFUSED["revoked"])
        return _t(lang, f"{who} a présenté {what[0]} : refusé, rien n'a été ouvert.",
                  f"{who} presented {what[1]}: refused, nothing was opened.")
    if kind == "section_read":
        return _t(lang, f"{who} a ouvert une pièce jointe de votre dossier.",
                  f"{who} opened an attachment of your dossier.")
    if kind == "item_written":
        return _t(lang, f"{who} a ajouté un document à votre dossier.",
                  f"{who} added a document to your dossier.")
    if kind == "item_deposited":
        return _t(lang, f"{who} a déposé un document pour vous (à classer).",
                  f"{who} left a document for you (to file).")
    if kind == "emergency_access":
        said = _said(d, "reason", lang)
        if d.get("result") == "opened":
            return _t(lang, f"{who} a ouvert votre résumé d'urgence en bris de glace.{said}",
                      f"{who} opened your emergency summary by break-glass.{said}")
        return _t(lang, f"{who} a tenté un bris de glace : refusé, vous ne l'autorisez pas."
                  f"{said}", f"{who} tried break-glass: refused, you do not allow it.{said}")
    if kind == "card_used":
        result = d.get("result")
        if result == "opened":
            return _t(lang, f"{who[0].upper()}{who[1:]} a ouvert votre résumé d'urgence."
                      f"{_said(d, 'by', lang)}",
                      f"{who[0].upper()}{who[1:]} opened your emergency summary."
                      f"{_said(d, 'by', lang)}")
        if result == "locked":
            return _t(lang, f"{who[0].upper()}{who[1:]} a saisi un code erroné : la carte est "
                      "maintenant bloquée.", f"{who[0].upper()}{who[1:]} typed a wrong "
                      "passcode: the card is now locked.")
        left = d.get("attempts_left")
        rest = ""
        if isinstance(left, int):
            counted = _plural(left, lang, ("essai restant", "essais restants"),
                              ("attempt left", "attempts left"))
            rest = f" ({counted})"
        return _t(lang, f"{who[0].upper()}{who[1:]} a saisi un code erroné{rest} : rien n'a "
                  "été ouvert.", f"{who[0].upper()}{who[1:]} typed a wrong passcode{rest}: "
                  "nothing was opened.")
    return _t(lang, f"{who} : {kind}.", f"{who}: {kind}.")


def sentence(event: Event, detail: Detail, *, people: Mapping[str, Person],
             titles: Mapping[str, str] | None = None, story: Story | None = None,
             lang: Lang = "fr", tz: dt.tzinfo = PARIS) -> str:
    """One event as a sentence, without its date. ``detail`` is the event's readable detail
    (notes opened); ``titles`` the patient's item titles by id; ``story`` what earlier
    events said (``lines`` keeps it)."""
    story = story or Story()
    titles = titles or {}
    if event.actor == "patient":
        said = _patient(event.kind, detail, people=people, titles=titles, story=story,
                        lang=lang, tz=tz)
        if said is not None:
            return said
    who = _person(event.actor, people, lang)
    text = _other(event.kind, who, detail, lang)
    return text[0].upper() + text[1:]


def line(event: Event, detail: Detail, *, people: Mapping[str, Person],
         titles: Mapping[str, str] | None = None, story: Story | None = None,
         lang: Lang = "fr", tz: dt.tzinfo = PARIS) -> str:
    """"1er décembre 2026 à 14 h 05 — Vous avez ..." (the sentence after its date)."""
    when = moment_text(event.at, lang, tz)
    text = sentence(event, detail, people=people, titles=titles, story=story, lang=lang, tz=tz)
    return f"{when[0].upper()}{when[1:]} — {text}"


def lines(events: Sequence[Event], details: Sequence[Detail], *,
          people: Mapping[str, Person], titles: Mapping[str, str] | None = None,
          lang: Lang = "fr", tz: dt.tzinfo = PARIS) -> list[str]:
    """Every event as a dated sentence, in log order (who a grant was for, who left a
    deposit, carried from earlier events to later ones)."""
    story = Story()
    out: list[str] = []
    for event, detail in zip(events, details, strict=True):
        out.append(line(event, detail, people=people, titles=titles, story=story, lang=lang,
                        tz=tz))
        if event.kind == "grant_issued" and isinstance(detail.get("grant"), str):
            story.grants[str(detail["grant"])] = _recipient_actor(detail.get("recipient"))
        if event.kind == "item_deposited" and isinstance(detail.get("deposit"), str):
            story.deposits[str(detail["deposit"])] = event.actor
    return out
