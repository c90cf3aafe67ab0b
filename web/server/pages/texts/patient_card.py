"""Page texts of the emergency card, break-glass and emergency contacts (patient)."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "card.panel": ("En cas d'urgence : carte, accès d'urgence, personnes à prévenir",
                   "In an emergency: card, emergency access, emergency contacts"),
    "card.title": ("Ma carte d'urgence", "My emergency card"),
    "card.text": (
        "Une carte à garder sur vous (avec votre carte Vitale) : son code QR ouvre votre résumé "
        "d'urgence (groupe sanguin, allergies, traitements, directives anticipées, personnes à "
        "prévenir) avec un code d'accès imprimé à part, que vous confiez à une personne à "
        "prévenir. Chaque ouverture est enregistrée et vous êtes prévenu.",
        "A card to carry (with your Vitale card): its QR code opens your emergency summary "
        "(blood group, allergies, treatments, advance directives, emergency contacts) with an "
        "access code printed apart, which you give to an emergency contact. Every opening is "
        "logged and you are told."),
    "card.none": ("Vous n'avez pas de carte d'urgence active.",
                  "You have no active emergency card."),
    "card.active": ("Carte n° {number} active, valable jusqu'au {until}.",
                    "Card no. {number} active, valid until {until}."),
    "card.attempts": ("{count} code(s) erroné(s) saisi(s) sur cette carte.",
                      "{count} wrong code(s) entered on this card."),
    "card.stale": ("Faite avant que les cartes suivent les changements de clés, elle peut ne "
                   "pas ouvrir ce qui a été écrit ou masqué depuis : renouvelez-la.",
                   "Made before cards followed key changes, it may not open what was written "
                   "or masked since: renew it."),
    "card.create": ("Créer ma carte d'urgence", "Create my emergency card"),
    "card.renew": ("Renouveler ma carte (l'ancienne ne marchera plus)",
                   "Renew my card (the old one stops working)"),
    "card.revoke": ("Révoquer ma carte", "Revoke my card"),
    "card.revoke_confirm": (
        "Révoquer la carte ? Son code QR et son code d'accès n'ouvriront plus rien.",
        "Revoke the card? Its QR code and access code will open nothing any more."),
    "card.revoked": ("Carte révoquée.", "Card revoked."),
    "card.view_title": ("Votre carte d'urgence", "Your emergency card"),
    "card.view_text": (
        "Imprimez la carte (ou téléchargez-la) et gardez-la sur vous. Le code d'accès vient à "
        "l'étape suivante, sur une feuille à part : la carte ne le porte jamais.",
        "Print the card (or download it) and carry it. The access code comes at the next step, "
        "on a separate sheet: the card never carries it."),
    "card.band": ("CARTE D'URGENCE", "EMERGENCY CARD"),
    "card.call": ("En cas d'urgence : appelez le 15", "In an emergency: call 15 (112)"),
    "card.how": (
        "Scannez ce code avec l'application Carnet (ou l'appareil photo d'un téléphone). Le "
        "code d'accès est détenu par le contact d'urgence ; chaque ouverture est tracée.",
        "Scan this code with the Carnet app (or a phone's camera). The emergency contact holds "
        "the access code; every opening is logged."),
    "card.born": ("Date de naissance : {date}", "Birth date: {date}"),
    "card.no_name": ("Nom : ________________", "Name: ________________"),
    "card.until": ("Valable jusqu'au {until}", "Valid until {until}"),
    "card.number": ("Carte n° {number}, émise le {date}", "Card no. {number}, issued {date}"),
    "card.qr_label": ("Code QR de la carte d'urgence", "The emergency card's QR code"),
    "card.print": ("Imprimer la carte", "Print the card"),
    "card.pdf": ("Télécharger la carte (PDF)", "Download the card (PDF)"),
    "card.next": ("Étape suivante : le code d'accès", "Next step: the access code"),
    "card.passcode_title": ("Le code d'accès de votre carte", "Your card's access code"),
    "card.passcode_warning": (
        "Gardez ce code à part de la carte : une carte trouvée avec son code ouvre votre résumé "
        "d'urgence. Imprimez-le sur une autre feuille et confiez-le à votre personne à prévenir. "
        "Il ne sera plus affiché.",
        "Keep this code apart from the card: a card found with its code opens your emergency "
        "summary. Print it on another sheet and give it to your emergency contact. It will not "
        "be shown again."),
    "card.slip_band": ("CODE D'ACCÈS", "ACCESS CODE"),
    "card.slip_right": ("Carte d'urgence", "Emergency card"),
    "card.slip_for": ("Pour le contact d'urgence de {name}", "For {name}'s emergency contact"),
    "card.slip_for_anyone": ("Pour le contact d'urgence du titulaire de la carte",
                             "For the card holder's emergency contact"),
    "card.slip_text": (
        "Ce code ouvre, avec la carte d'urgence, le résumé d'urgence du patient. Gardez-le à part "
        "de la carte et ne le donnez qu'aux secours : après cinq erreurs, la carte est bloquée.",
        "With the emergency card, this code opens the patient's emergency summary. Keep it apart "
        "from the card and give it only to emergency staff: five wrong tries lock the card."),
    "card.slip_number": ("Carte n° {number}, valable jusqu'au {until}",
                         "Card no. {number}, valid until {until}"),
    "card.slip_print": ("Imprimer le code (sur une autre feuille)",
                        "Print the code (on another sheet)"),
    "card.slip_pdf": ("Télécharger le code (PDF)", "Download the code (PDF)"),
    "card.done": ("J'ai imprimé la carte et le code à part",
                  "I printed the card and the code apart"),
    "card.made": ("Carte d'urgence créée.", "Emergency card created."),
    "card.glass_state_on": ("Actuellement : accès d'urgence autorisé.",
                            "Now: emergency access allowed."),
    "card.glass_state_off": ("Actuellement : accès d'urgence refusé.",
                             "Now: emergency access refused."),
    "card.contacts_title": ("Personnes à prévenir", "Emergency contacts"),
    "card.contacts_text": (
        "Elles font partie de votre résumé d'urgence : les secours les voient avec la carte.",
        "They are part of your emergency summary: emergency staff see them with the card."),
    "card.contacts_none": ("Aucune personne à prévenir pour l'instant.",
                           "No emergency contact yet."),
    "card.contacts_add": ("Ajouter une personne à prévenir", "Add an emergency contact"),
    "card.account_title": ("Une personne à prévenir qui a un dossier Carnet",
                           "An emergency contact who has a Carnet record"),
    "card.account_text": (
        "Elle peut lire votre résumé d'urgence depuis son propre dossier, sans carte : demandez-"
        "lui son code de personne à prévenir (dans son espace Carnet) et collez-le ici.",
        "They can read your emergency summary from their own record, without a card: ask them "
        "for their emergency-contact code (in their Carnet area) and paste it here."),
    "card.account_code": ("Code de la personne à prévenir", "The emergency contact's code"),
    "card.account_code_hint": ("Il commence par l'adresse du site et contient « /K# ».",
                               "It starts with the site's address and contains \"/K#\"."),
    "card.account_duration": ("Durée de l'accès", "Access duration"),
    "card.account_submit": ("Donner l'accès à mon résumé d'urgence",
                            "Give access to my emergency summary"),
    "card.account_done": (
        "Accès donné. Transmettez ce lien à votre personne à prévenir (il n'ouvre rien sans son "
        "propre dossier) :",
        "Access given. Send this link to your emergency contact (it opens nothing without their "
        "own record):"),
    "card.account_bad": ("Ce n'est pas un code de personne à prévenir Carnet.",
                         "This is not a Carnet emergency-contact code."),
}
