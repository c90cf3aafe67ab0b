"""Page texts of the patient's history page (the history verified in the browser):
``key -> (fr, en)``. The sentences themselves come from ``web/browser/src/historytext.ts``
(the same as ``web.client.history_text``)."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "history.panel_title": ("Historique de votre dossier", "Your record's history"),
    "history.panel_text": ("Qui a ouvert votre dossier, quand, et ce que vous y avez fait. "
                           "L'historique est vérifié sur cet appareil.",
                           "Who opened your record, when, and what you did in it. The history "
                           "is verified on this device."),
    "history.open": ("Historique", "History"),
    "history.title": ("Historique", "History"),
    "history.back": ("Retour au dossier", "Back to the record"),
    "history.refresh": ("Vérifier à nouveau", "Check again"),
    "history.checking": ("Vérification de l'historique…", "Checking the history…"),
    "history.verified": ("Historique vérifié", "History verified"),
    "history.verified_text": ("Chaque entrée est chaînée à la précédente et l'ensemble est signé "
                              "par le serveur ; chaque accès d'un professionnel porte sa propre "
                              "signature, vérifiée sur cet appareil avec l'annuaire. "
                              "Événements : {count}, du plus récent au plus ancien.",
                              "Each entry is chained to the one before and the whole is signed "
                              "by the server; each professional's access carries their own "
                              "signature, checked on this device against the directory. "
                              "Events: {count}, newest first."),
    "history.failed": ("Historique NON vérifié", "History NOT verified"),
    "history.failed_text": ("Cet historique a peut-être été falsifié : {reason} Par prudence, "
                            "ses entrées ne sont pas affichées. Ne vous fiez pas à ce que le "
                            "serveur en dit et prévenez l'équipe Carnet.",
                            "This history may have been tampered with: {reason} To be safe, "
                            "its entries are not shown. Do not trust what the server says of "
                            "it and tell the Carnet team."),
    "history.reason.dropped": ("des entrées ont disparu.", "entries are missing."),
    "history.reason.reordered": ("l'ordre des entrées a été modifié.",
                                 "the entries were put out of order."),
    "history.reason.rewritten": ("une entrée a été modifiée après coup.",
                                 "an entry was changed afterwards."),
    "history.reason.shrunk": ("il est plus court que lors de votre dernière consultation.",
                              "it is shorter than when you last looked."),
    "history.reason.bad_signature": ("une signature ne correspond pas (celle du serveur ou "
                                     "celle d'un professionnel).",
                                     "a signature does not check (the server's or a "
                                     "professional's)."),
    "history.reason.unknown_actor": ("une entrée est attribuée à un professionnel sans sa "
                                     "signature reconnue par l'annuaire.",
                                     "an entry is attributed to a professional without their "
                                     "signature as the directory knows it."),
    "history.reason.replayed": ("une même demande d'un professionnel apparaît deux fois.",
                                "the same request by a professional appears twice."),
    "history.reason.malformed": ("une entrée est illisible.", "an entry cannot be read."),
    "history.technical": ("Détail technique : {detail}", "Technical detail: {detail}"),
    "history.times": ("({count} fois)", "({count} times)"),
    "history.empty": ("Aucun événement pour l'instant.", "No event yet."),
    "history.by_you": ("Vous", "You"),
    "history.by_pro": ("Professionnel", "Professional"),
    "history.by_card": ("Carte d'urgence", "Emergency card"),
    "history.by_contact": ("Contact d'urgence", "Emergency contact"),
}
