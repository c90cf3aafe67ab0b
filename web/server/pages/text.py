"""Every text the web pages show, in French (first) and English: ``key -> (fr, en)``.

``SCRIPT_KEYS`` are the ones the page's script shows (errors, progress, labels it builds):
they travel in the page as a JSON data block.
"""

from __future__ import annotations

from typing import Final

from web.server.pages.texts import (
    clinical,
    contact,
    emergency,
    patient_card,
    patient_fhir,
    patient_history,
    patient_items,
    pro,
    pro_writes,
)

TEXT: Final[dict[str, tuple[str, str]]] = {
    "app.name": ("Carnet", "Carnet"),
    "app.tagline": ("Votre dossier médical partagé, chiffré de bout en bout",
                    "Your shared medical record, end-to-end encrypted"),
    "app.zero_knowledge": (
        "Vos informations sont chiffrées sur cet appareil avant d'être envoyées : le serveur "
        "ne peut pas les lire, et votre phrase secrète ne quitte jamais cet appareil.",
        "Your information is encrypted on this device before it is sent: the server cannot "
        "read it, and your passphrase never leaves this device."),
    "nav.skip": ("Aller au contenu", "Skip to content"),
    "nav.lang": ("English", "Français"),
    "nav.lang_label": ("Read this page in English", "Lire cette page en français"),
    "nav.patient": ("Espace patient", "Patient area"),
    "nav.pro": ("Espace professionnel", "Professional area"),
    "nav.emergency": ("Urgence", "Emergency"),
    "nav.contact": ("Personne à prévenir", "Emergency contact"),
    "home.patient": ("Je suis patient ou patiente", "I am a patient"),
    "home.patient_text": ("Consultez et complétez votre dossier, choisissez qui peut le lire.",
                          "Read and complete your record, choose who may read it."),
    "home.open": ("Ouvrir mon espace", "Open my area"),
    "welcome.title": ("Bienvenue", "Welcome"),
    "welcome.activate": ("Activer mon dossier", "Activate my record"),
    "welcome.activate_text": (
        "Vous avez reçu un code d'activation par courrier, par e-mail ou à la pharmacie.",
        "You received an activation code by post, by e-mail or at the pharmacy."),
    "welcome.unlock": ("Me connecter", "Sign in"),
    "welcome.unlock_text": ("Votre dossier est déjà activé.", "Your record is already active."),
    "field.nir": ("Numéro de sécurité sociale (NIR)", "Social security number (NIR)"),
    "field.nir_hint": ("15 chiffres, sur votre carte Vitale", "15 digits, on your Vitale card"),
    "field.name": ("Vos prénom et nom", "Your first and last name"),
    "field.name_hint": (
        "Montrés, chiffrés, aux professionnels que vous autorisez et aux secours : ils savent "
        "ainsi à qui est le dossier.",
        "Shown, encrypted, to the professionals you let in and to emergency staff, so they know "
        "whose record it is."),
    "field.birth_date": ("Date de naissance", "Birth date"),
    "field.code": ("Code d'activation", "Activation code"),
    "field.code_hint": ("Tel qu'il figure sur le courrier ou l'e-mail",
                        "As printed in the letter or e-mail"),
    "field.passphrase": ("Phrase secrète", "Passphrase"),
    "field.passphrase_new_hint": (
        "Plusieurs mots que vous seul connaissez, par exemple quatre mots au hasard. "
        "Elle protège vos clés : personne ne peut la retrouver pour vous.",
        "Several words only you know, for example four random words. It protects your "
        "keys: nobody can recover it for you."),
    "field.passphrase_confirm": ("Confirmez la phrase secrète", "Confirm the passphrase"),
    "field.strength": ("Solidité de la phrase secrète", "Passphrase strength"),
    "activate.title": ("Activer mon dossier", "Activate my record"),
    "activate.submit": ("Activer", "Activate"),
    "unlock.title": ("Me connecter", "Sign in"),
    "unlock.submit": ("Déverrouiller", "Unlock"),
    "unlock.recover": ("Phrase secrète oubliée ? Utilisez votre code de secours.",
                       "Forgot your passphrase? Use your recovery code."),
    "recover.title": ("Rouvrir mon dossier avec le code de secours",
                      "Reopen my record with the recovery code"),
    "recover.submit": ("Rouvrir et changer de phrase secrète", "Reopen and set a new passphrase"),
    "field.recovery_code": ("Code de secours", "Recovery code"),
    "field.recovery_code_hint": ("32 lettres et chiffres en groupes de 4, donnés à l'activation",
                                 "32 letters and digits in groups of 4, given at activation"),
    "field.passphrase_new": ("Nouvelle phrase secrète", "New passphrase"),
    "account.title": ("Ma phrase secrète", "My passphrase"),
    "account.change": ("Changer de phrase secrète", "Change the passphrase"),
    "state.passphrase_changed": ("Phrase secrète changée. L'ancienne ne fonctionne plus.",
                                 "Passphrase changed. The old one no longer works."),
    "grant.title": ("Donner accès à un professionnel", "Let a professional in"),
    "grant.explain": (
        "Choisissez le professionnel, les rubriques et la durée : il ne verra que cela, jamais "
        "les informations masquées, et seulement avec le code QR que vous lui montrez.",
        "Choose the professional, the sections and how long: they will see only that, never "
        "masked entries, and only with the QR code you show them."),
    "grant.search": ("Nom, ville ou numéro RPPS du professionnel",
                     "The professional's name, city or RPPS number"),
    "grant.find": ("Chercher", "Search"),
    "grant.none": ("Aucun professionnel trouvé.", "No professional found."),
    "grant.choose": ("Choisir {name}", "Choose {name}"),
    "grant.who": ("Accès pour {name}, {profession}, {city}",
                  "Access for {name}, {profession}, {city}"),
    "grant.sections": ("Rubriques ouvertes", "Sections opened"),
    "grant.duration": ("Durée", "Duration"),
    "grant.write": ("Peut ajouter des informations (compte rendu, ordonnance)",
                    "May add entries (report, prescription)"),
    "grant.issue": ("Créer le code QR", "Make the QR code"),
    "grant.untrusted": (
        "Cette fiche de l'annuaire n'est pas contresignée par l'autorité : aucun accès donné.",
        "This directory entry is not countersigned by the authority: no access given."),
    "grant.authority_changed": (
        "La clé de l'autorité de l'annuaire a changé depuis votre dernière visite : aucun "
        "accès donné. Contactez le support.",
        "The directory authority's key changed since your last visit: no access given. "
        "Contact support."),
    "grant.no_section": ("Choisissez au moins une rubrique.", "Choose at least one section."),
    "grant.scan_hint": (
        "Ou scannez le code QR d'identité que le professionnel vous montre : l'accès sera donné "
        "exactement à la clé qu'il a devant vous.",
        "Or scan the identity QR code the professional shows you: access goes to exactly the "
        "key in front of you."),
    "grant.scan": ("Scanner le code du professionnel", "Scan the professional's code"),
    "grant.scan_stop": ("Arrêter la caméra", "Stop the camera"),
    "grant.photo": ("Ou une photo de son code", "Or a photo of their code"),
    "grant.video": ("Image de la caméra", "Camera picture"),
    "grant.not_identity": (
        "Ce code n'est pas un code d'identité de professionnel Carnet.",
        "This code is not a Carnet professional's identity code."),
    "grant.identity_unknown": (
        "Ce professionnel ({ps_id}) n'est pas dans l'annuaire vérifié : aucun accès possible.",
        "This professional ({ps_id}) is not in the verified directory: no access possible."),
    "grant.identity_mismatch": (
        "Attention : la clé de ce code ne correspond pas à celle de l'annuaire pour {ps_id}. "
        "N'accordez pas d'accès.",
        "Warning: this code's key does not match the directory's for {ps_id}. Do not grant "
        "access."),
    "grant.no_camera": ("Caméra indisponible : utilisez une photo.",
                        "No camera available: use a photo."),
    "grants.title": ("Accès en cours", "Current access"),
    "grants.none": ("Aucun accès donné.", "No access given."),
    "grants.line": ("{who} · jusqu'au {until}", "{who} · until {until}"),
    "grants.revoke": ("Retirer l'accès de {who}", "Revoke {who}'s access"),
    "grants.revoked": ("retiré", "revoked"),
    "grants.expired": ("expiré", "expired"),
    "grants.block": ("Bloquer {who}", "Block {who}"),
    "grants.block_confirm": (
        "Bloquer {who} ? Ses accès sont retirés et ses codes refusés, jusqu'à ce que vous le "
        "débloquiez. Il pourra encore vous déposer des documents.",
        "Block {who}? Their access is revoked and their codes refused until you unblock them. "
        "They can still deposit documents for you."),
    "grants.blocked": ("{who} est bloqué.", "{who} is blocked."),
    "grants.blocks_title": ("Professionnels bloqués", "Blocked professionals"),
    "grants.blocked_line": ("{who} · bloqué le {at}", "{who} · blocked on {at}"),
    "grants.unblock": ("Débloquer {who}", "Unblock {who}"),
    "grants.no_blocks": ("Aucun professionnel bloqué.", "No professional blocked."),
    "duration.consultation": ("Le temps d'une consultation (4 heures)",
                              "One consultation (4 hours)"),
    "duration.30d": ("30 jours", "30 days"),
    "duration.90d": ("90 jours", "90 days"),
    "duration.1y": ("Un an", "One year"),
    "qr.title": ("Montrez ce code au professionnel", "Show this code to the professional"),
    "qr.for": ("Pour {name} ({profession})", "For {name} ({profession})"),
    "qr.until": ("Valable jusqu'au {until}", "Valid until {until}"),
    "qr.done": ("Terminé", "Done"),
    "glass.title": ("Accès d'urgence (bris de glace)", "Emergency access (break-glass)"),
    "glass.text": (
        "Si vous êtes inconscient ou ne pouvez pas montrer de code, un médecin d'urgence "
        "habilité peut ouvrir votre résumé d'urgence (groupe sanguin, allergies, traitements, "
        "directives anticipées, personnes à prévenir). Chaque accès est enregistré avec sa "
        "raison et vous êtes prévenu.",
        "If you are unconscious or cannot show a code, an authorised emergency doctor can open "
        "your emergency summary (blood group, allergies, treatments, advance directives, "
        "emergency contacts). Every access is logged with its reason and you are told."),
    "glass.on": ("Autoriser l'accès d'urgence", "Allow emergency access"),
    "glass.off": ("Refuser l'accès d'urgence", "Refuse emergency access"),
    "glass.done_on": ("Accès d'urgence autorisé.", "Emergency access allowed."),
    "glass.done_off": ("Accès d'urgence refusé.", "Emergency access refused."),
    "archive.title": ("Archive et fermeture du dossier", "Archive and closing the record"),
    "archive.text": (
        "Une archive chiffrée de tout votre dossier, qui s'ouvre sans connexion avec votre "
        "phrase secrète ou votre code de secours, même après la fermeture du dossier.",
        "An encrypted archive of your whole record, which opens offline with your passphrase "
        "or recovery code, even after the record is closed."),
    "archive.export": ("Télécharger l'archive chiffrée", "Download the encrypted archive"),
    "close.title": ("Fermer mon dossier", "Close my record"),
    "close.text": (
        "La fermeture est définitive : toutes vos informations et vos clés sont effacées du "
        "serveur et aucun professionnel n'y aura plus accès. Téléchargez d'abord l'archive si "
        "vous voulez en garder une copie.",
        "Closing is final: all your information and keys are erased from the server and no "
        "professional will have access any more. Download the archive first if you want a "
        "copy."),
    "close.word": ("FERMER", "CLOSE"),
    "close.confirm": ("Pour confirmer, tapez {word}", "To confirm, type {word}"),
    "close.submit": ("Fermer définitivement", "Close for ever"),
    "close.mismatch": ("Tapez le mot demandé pour confirmer.", "Type the word asked to confirm."),
    "closed.title": ("Dossier fermé", "Record closed"),
    "closed.text": ("Votre dossier est fermé et ses clés sont effacées. Votre archive, si vous "
                    "l'avez téléchargée, reste lisible avec votre phrase secrète.",
                    "Your record is closed and its keys erased. Your archive, if you downloaded "
                    "it, stays readable with your passphrase."),
    "recovery.title": ("Votre code de secours", "Your recovery code"),
    "recovery.text": (
        "Notez ce code ou imprimez-le, et gardez-le en lieu sûr. Il est affiché une seule "
        "fois et n'est conservé nulle part : c'est le seul moyen de rouvrir votre dossier si "
        "vous oubliez votre phrase secrète.",
        "Write this code down or print it and keep it somewhere safe. It is shown once and "
        "stored nowhere: it is the only way back into your record if you forget your "
        "passphrase."),
    "recovery.print": ("Imprimer", "Print"),
    "recovery.done": ("J'ai noté mon code", "I have written my code down"),
    "dossier.title": ("Mon dossier", "My record"),
    "dossier.who": ("Dossier de {name}, né(e) le {date}", "Record of {name}, born {date}"),
    "dossier.lock": ("Verrouiller", "Lock"),
    "dossier.add": ("Ajouter une information", "Add an entry"),
    "dossier.empty": ("Rien d'enregistré dans cette rubrique.",
                      "Nothing recorded in this section."),
    "dossier.sections": ("Rubriques", "Sections"),
    "dossier.history_window": (
        "Historique des soins des 24 derniers mois.", "Care history of the last 24 months."),
    "dossier.show_older": ("Afficher les plus anciens", "Show older entries"),
    "dossier.search": ("Rechercher dans mon dossier", "Search my record"),
    "item.section": ("Rubrique", "Section"),
    "item.type": ("Type", "Type"),
    "item.title": ("Intitulé", "Title"),
    "item.date": ("Date", "Date"),
    "item.details": ("Précisions", "Details"),
    "item.save": ("Enregistrer", "Save"),
    "item.file": ("Fichier joint (facultatif)", "Attached file (optional)"),
    "item.file_hint": ("PDF, image ou texte, 25 Mo au plus ; chiffré sur cet appareil.",
                       "PDF, image or text, 25 MB at most; encrypted on this device."),
    "item.download": ("Télécharger {name}", "Download {name}"),
    "item.mask": ("Masquer « {title} »", "Mask “{title}”"),
    "item.unmask": ("Démasquer « {title} »", "Unmask “{title}”"),
    "section.mask": ("Masquer toute la rubrique {section}", "Mask the whole {section} section"),
    "section.unmask": ("Démasquer la rubrique {section}", "Unmask the {section} section"),
    "section.masked": ("Rubrique masquée : aucun professionnel ne la voit.",
                       "Section masked: no professional sees it."),
    "mask.emergency_warning": (
        "Cette information fait partie du résumé d'urgence (allergies, traitements, groupe "
        "sanguin, directives anticipées, personnes à prévenir). Masquée, elle ne sera pas vue "
        "par les équipes d'urgence. Masquer quand même ?",
        "This entry is part of the emergency summary (allergies, treatments, blood group, "
        "advance directives, emergency contacts). Masked, emergency teams will not see it. "
        "Mask it anyway?"),
    "item.cancel": ("Annuler", "Cancel"),
    "item.masked": ("Masqué", "Masked"),
    "item.by_you": ("Écrit par vous", "Written by you"),
    "item.by_pro": ("Écrit par {name}", "Written by {name}"),
    "item.unreadable": ("Information illisible (abîmée ou d'un format inconnu)",
                        "Unreadable entry (damaged or of an unknown format)"),
    "mask.explain": (
        "Masquer une information la cache à tous les professionnels, y compris ceux à qui "
        "vous avez déjà donné accès. Vous seul continuez de la voir.",
        "Masking an entry hides it from every professional, including those you already "
        "let in. Only you still see it."),
    "state.working": ("Un instant…", "One moment…"),
    "state.unlocking": (
        "Déverrouillage : calcul de vos clés sur cet appareil (quelques secondes)…",
        "Unlocking: computing your keys on this device (a few seconds)…"),
    "state.activating": (
        "Création de vos clés sur cet appareil (quelques secondes)…",
        "Creating your keys on this device (a few seconds)…"),
    "state.locked_idle": ("Dossier verrouillé après une période d'inactivité.",
                          "Record locked after a period of inactivity."),
    "error.unlock": (
        "Cette phrase secrète n'ouvre pas ce dossier. Vérifiez-la, ou utilisez votre code "
        "de secours.",
        "This passphrase does not open this record. Check it, or use your recovery code."),
    "error.rolled_back": (
        "Le serveur a renvoyé une version plus ancienne des clés de votre dossier que celle "
        "que cet appareil a déjà vue (restauration d'une sauvegarde, ou modification). Rien "
        "n'a été modifié. Prévenez le service Carnet.",
        "The server answered an older version of your record's keys than this device has "
        "already seen (a restored backup, or tampering). Nothing was changed. Tell the Carnet "
        "service."),
    "error.mismatch": ("Les deux phrases secrètes ne sont pas identiques.",
                       "The two passphrases differ."),
    "error.weak": ("Cette phrase secrète est trop facile à deviner. Exemple de phrase solide : "
                   "« {example} ».",
                   "This passphrase is too easy to guess. A strong one, for example: "
                   "“{example}”."),
    "error.network": ("Le serveur Carnet ne répond pas. Réessayez dans un instant.",
                      "The Carnet server does not answer. Try again in a moment."),
    "error.generic": ("Une erreur est survenue : {detail}", "Something went wrong: {detail}"),
    "strength.0": ("Très faible", "Very weak"),
    "strength.1": ("Faible", "Weak"),
    "strength.2": ("Moyenne", "Fair"),
    "strength.3": ("Solide", "Strong"),
    "strength.4": ("Très solide", "Very strong"),
    "section.care_history": ("Historique des soins", "Care history"),
    "section.medical_history": ("Antécédents médicaux", "Medical history"),
    "section.exam_results": ("Résultats d'examens", "Exam results"),
    "section.current_treatments": ("Traitements en cours", "Current treatments"),
    "section.allergies": ("Allergies", "Allergies"),
    "section.blood_group": ("Groupe sanguin", "Blood group"),
    "section.vaccinations": ("Vaccinations", "Vaccinations"),
    "section.advance_directives": ("Directives anticipées", "Advance directives"),
    "section.emergency_contacts": ("Personnes à prévenir", "Emergency contacts"),
    "section.personal_notes": ("Notes personnelles", "Personal notes"),
}

# Each feature's texts live in its own module (``texts/``); every one of them reaches the script.
_FEATURES: Final = (clinical, patient_items, patient_history, patient_fhir, patient_card, pro,
                    pro_writes, emergency, contact)
for _feature in _FEATURES:
    _clash = TEXT.keys() & _feature.TEXT.keys()
    if _clash:
        raise RuntimeError(f"page texts defined twice: {sorted(_clash)}")
    TEXT.update(_feature.TEXT)

_SCRIPT_GROUPS: Final = frozenset({"state", "error", "strength", "section", "item", "dossier",
                                   "mask", "grant", "grants", "qr", "glass"})
SCRIPT_KEYS: Final = (*(k for k in TEXT if k.split(".")[0] in _SCRIPT_GROUPS), "close.word",
                      "close.mismatch", *(k for f in _FEATURES for k in f.TEXT))
