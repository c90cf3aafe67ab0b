"""Page texts of the emergency pages (card scan, break-glass): ``key -> (fr, en)``."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "urgence.lead": (
        "Pour les secours et les professionnels des urgences : le résumé d'urgence d'un patient "
        "(allergies, groupe sanguin, traitements en cours, directives anticipées, personnes à "
        "prévenir), déchiffré sur cet appareil. Chaque accès est enregistré et le patient en "
        "est prévenu.",
        "For emergency staff: a patient's emergency summary (allergies, blood group, current "
        "treatments, advance directives, emergency contacts), decrypted on this device. Every "
        "access is logged and the patient is told."),
    "urgence.nav_label": ("Mode d'accès", "Way in"),
    "urgence.nav_card": ("Carte d'urgence", "Emergency card"),
    "urgence.nav_glass": ("Bris de glace (professionnel)", "Break-glass (professional)"),
    "urgence.scan_title": ("Lire la carte d'urgence du patient",
                           "Read the patient's emergency card"),
    "urgence.scan_text": (
        "Présentez le code QR de la carte à la caméra, ou choisissez une photo de la carte, ou "
        "collez le lien qu'elle porte. Le code d'accès, imprimé à part, vous sera demandé "
        "ensuite.",
        "Show the card's QR code to the camera, or choose a photo of the card, or paste the "
        "link it carries. The passcode, printed separately, is asked next."),
    "urgence.camera": ("Scanner avec la caméra", "Scan with the camera"),
    "urgence.camera_stop": ("Arrêter la caméra", "Stop the camera"),
    "urgence.video_label": ("Image de la caméra", "Camera picture"),
    "urgence.photo": ("Ou une photo de la carte", "Or a photo of the card"),
    "urgence.paste": ("Ou le lien de la carte", "Or the card's link"),
    "urgence.paste_hint": ("Il commence par https:// et contient /E#",
                           "It starts with https:// and contains /E#"),
    "urgence.paste_submit": ("Lire ce lien", "Read this link"),
    "urgence.scanning": ("Caméra active : présentez le code QR de la carte.",
                         "Camera on: show the card's QR code."),
    "urgence.no_camera": (
        "La caméra n'est pas disponible ({detail}). Choisissez une photo de la carte ou collez "
        "son lien.",
        "The camera is not available ({detail}). Choose a photo of the card or paste its link."),
    "urgence.no_qr": ("Aucun code QR lisible sur cette image. Essayez une photo plus nette.",
                      "No readable QR code in this picture. Try a sharper photo."),
    "urgence.not_a_card": (
        "Ce code n'est pas une carte d'urgence Carnet.",
        "This code is not a Carnet emergency card."),
    "urgence.passcode_title": ("Code d'accès de la carte", "The card's passcode"),
    "urgence.card_read": ("Carte n° {card} lue.", "Card no. {card} read."),
    "urgence.passcode": ("Code d'accès", "Passcode"),
    "urgence.passcode_hint": (
        "8 chiffres, sur le feuillet que détient la personne à prévenir. Après 5 codes faux, "
        "la carte est bloquée définitivement.",
        "8 digits, on the slip the emergency contact holds. After 5 wrong passcodes the card "
        "locks for good."),
    "urgence.who": ("Qui ouvre la carte ? (facultatif)", "Who is opening the card? (optional)"),
    "urgence.who_hint": (
        "Par exemple « SAMU 69, Dr Martin ». Transmis chiffré au patient : lui seul peut le lire.",
        "For example \"SAMU 69, Dr Martin\". Sent encrypted to the patient: only they can read "
        "it."),
    "urgence.open": ("Ouvrir le résumé d'urgence", "Open the emergency summary"),
    "urgence.other_card": ("Lire une autre carte", "Read another card"),
    "urgence.opening": ("Ouverture du résumé…", "Opening the summary…"),
    "urgence.wrong_passcode": (
        "Code d'accès incorrect. Il reste {left} essai(s) avant le blocage de la carte.",
        "Wrong passcode. {left} attempt(s) left before the card locks."),
    "urgence.attempts_left": ("Essais restants : {left}", "Attempts left: {left}"),
    "urgence.locked_title": ("Carte bloquée", "Card locked"),
    "urgence.locked_text": (
        "Trop de codes faux : cette carte n'ouvre plus rien, et le patient en a été prévenu. "
        "Un professionnel des urgences peut demander le bris de glace.",
        "Too many wrong passcodes: this card opens nothing any more, and the patient was told. "
        "An emergency professional can ask for break-glass."),
    "urgence.server_said": ("Réponse du serveur : {detail}", "The server said: {detail}"),
    "urgence.expired": ("Cette carte a expiré ou a été révoquée par le patient.",
                        "This card has expired or the patient revoked it."),
    "urgence.unknown_card": ("Cette carte est inconnue du serveur.",
                             "The server does not know this card."),
    "urgence.glass_title": ("Bris de glace", "Break-glass"),
    "urgence.glass_text": (
        "Réservé aux professionnels ayant le rôle « urgence », lorsque la carte n'est pas "
        "disponible. Le motif est obligatoire : il est enregistré et transmis chiffré au "
        "patient, qui est prévenu aussitôt. Le patient peut avoir refusé cet accès.",
        "For professionals with the emergency role, when no card is at hand. The reason is "
        "required: it is logged and sent encrypted to the patient, who is told at once. The "
        "patient may have refused this access."),
    "urgence.pro_file": ("Votre fichier de clés professionnel (pro.carnet)",
                         "Your professional key file (pro.carnet)"),
    "urgence.pro_pass": ("Sa phrase secrète", "Its passphrase"),
    "urgence.service_file": ("Clé du service d'urgence (fichier)",
                             "The emergency service's key (file)"),
    "urgence.service_hint": (
        "Détenue par votre service, jamais par le serveur Carnet : elle seule ouvre les résumés "
        "confiés au service.",
        "Held by your service, never by the Carnet server: only it opens the summaries given to "
        "the service."),
    "urgence.nir": ("NIR du patient", "The patient's NIR"),
    "urgence.reason": ("Motif de l'accès", "Reason for the access"),
    "urgence.reason_hint": ("10 à 500 caractères. Le patient le lira.",
                            "10 to 500 characters. The patient will read it."),
    "urgence.glass_submit": ("Briser la glace et ouvrir le résumé",
                             "Break the glass and open the summary"),
    "urgence.glass_working": ("Connexion et ouverture du résumé…",
                              "Signing in and opening the summary…"),
    "urgence.reason_short": (
        "Indiquez le motif (10 à 500 caractères) : il est transmis au patient.",
        "State the reason (10 to 500 characters): it is sent to the patient."),
    "urgence.glass_off": (
        "Ce patient a refusé l'accès par bris de glace : son résumé d'urgence ne peut pas être "
        "ouvert ainsi. Cherchez sa carte d'urgence ou sa personne à prévenir.",
        "This patient refused break-glass access: their emergency summary cannot be opened this "
        "way. Look for their emergency card or their emergency contact."),
    "urgence.no_role": (
        "Votre compte n'a pas le rôle « urgence » : le bris de glace vous est refusé.",
        "Your account does not have the emergency role: break-glass is refused."),
    "urgence.bad_files": (
        "Fichier de clés ou phrase secrète incorrects, ou clé du service illisible.",
        "Wrong key file or passphrase, or unreadable service key."),
    "urgence.no_patient": ("Aucun dossier ouvert pour ce NIR.", "No open record for this NIR."),
    "urgence.summary_title": ("Résumé d'urgence", "Emergency summary"),
    "urgence.notified": (
        "Le patient est prévenu de cet accès (e-mail immédiat) et le retrouve dans son "
        "historique.",
        "The patient is notified of this access (immediate e-mail) and sees it in their "
        "history."),
    "urgence.summary_only": (
        "Seul le résumé d'urgence est montré. Le patient a pu masquer certaines informations : "
        "ce résumé peut être incomplet.",
        "Only the emergency summary is shown. The patient may have masked some items: this "
        "summary may be incomplete."),
    "urgence.by_card": ("Ouvert avec la carte d'urgence.", "Opened with the emergency card."),
    "urgence.by_glass": ("Ouvert par bris de glace.", "Opened by break-glass."),
    "urgence.empty_section": ("Rien d'indiqué.", "Nothing recorded."),
    "urgence.unreadable": ("{count} information(s) n'ont pas pu être déchiffrées.",
                           "{count} item(s) could not be decrypted."),
    "urgence.close": ("Fermer le résumé", "Close the summary"),
    "urgence.closed_idle": ("Résumé fermé après 5 minutes d'inactivité.",
                            "Summary closed after 5 minutes without activity."),
}
