"""Page texts of the professional's pages: ``key -> (fr, en)``."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    # welcome
    "pro.welcome_title": ("Espace professionnel de santé", "Health professional area"),
    "pro.welcome_register": ("Créer mon identité professionnelle",
                             "Create my professional identity"),
    "pro.welcome_register_text": (
        "Vos clés sont créées dans ce navigateur et gardées chiffrées par votre phrase secrète. "
        "L'opérateur valide ensuite votre inscription.",
        "Your keys are made in this browser and kept encrypted under your passphrase. The "
        "operator then approves your registration."),
    "pro.welcome_signin": ("Me connecter", "Sign in"),
    "pro.welcome_signin_text": ("Votre identité est déjà créée (dans ce navigateur ou dans un "
                                "fichier pro.carnet).",
                                "Your identity already exists (in this browser or in a "
                                "pro.carnet file)."),
    # registration
    "pro.register_title": ("Créer mon identité professionnelle",
                           "Create my professional identity"),
    "pro.field_ps_id": ("Identifiant national (idNat_PS)", "National identifier (idNat_PS)"),
    "pro.field_ps_id_hint": ("8 suivi de votre RPPS (12 chiffres), ou 0 suivi de votre ADELI "
                             "(10 chiffres)",
                             "8 then your RPPS (12 digits), or 0 then your ADELI (10 digits)"),
    "pro.field_name": ("Nom affiché aux patients", "Name shown to patients"),
    "pro.field_profession": ("Profession", "Profession"),
    "pro.field_profession_hint": ("Par exemple : médecin, pharmacien, infirmier",
                                  "For example: médecin, pharmacien, infirmier"),
    "pro.field_specialty": ("Spécialité (facultatif)", "Specialty (optional)"),
    "pro.field_city": ("Ville d'exercice", "City of practice"),
    "pro.field_email": ("E-mail professionnel (facultatif)", "Professional e-mail (optional)"),
    "pro.register_submit": ("Créer mes clés et m'inscrire", "Create my keys and register"),
    "pro.registered_title": ("Inscription envoyée", "Registration sent"),
    "pro.registered_text": (
        "Vos clés sont enregistrées dans ce navigateur, chiffrées par votre phrase secrète. "
        "Téléchargez aussi le fichier de clés : c'est le même que celui du client en ligne de "
        "commande (carnet pro), et le seul moyen de vous connecter depuis un autre appareil.",
        "Your keys are stored in this browser, encrypted under your passphrase. Download the "
        "key file as well: it is the same as the command-line client's (carnet pro), and the "
        "only way to sign in from another device."),
    "pro.download_keys": ("Télécharger mon fichier de clés (pro.carnet)",
                          "Download my key file (pro.carnet)"),
    "pro.identity_title": ("Mon code d'identité", "My identity code"),
    "pro.identity_text": (
        "Le patient scanne ce code pour vérifier qu'il donne accès à vos clés, et à nulles "
        "autres.", "The patient scans this code to check that access goes to your keys and no "
        "one else's."),
    "pro.identity_for": ("Code d'identité de {ps_id}, empreinte de clé {fpr}",
                         "Identity code of {ps_id}, key fingerprint {fpr}"),
    # sign-in
    "pro.signin_title": ("Me connecter", "Sign in"),
    "pro.signin_stored": ("Identité enregistrée dans ce navigateur : {ps_id}",
                          "Identity stored in this browser: {ps_id}"),
    "pro.signin_none": ("Aucune identité dans ce navigateur : choisissez votre fichier "
                        "pro.carnet.", "No identity in this browser: choose your pro.carnet "
                        "file."),
    "pro.field_keyfile": ("Fichier de clés pro.carnet (facultatif)",
                          "Key file pro.carnet (optional)"),
    "pro.signin_submit": ("Déverrouiller mes clés", "Unlock my keys"),
    "pro.forget": ("Oublier l'identité de ce navigateur", "Forget the identity in this browser"),
    "pro.forget_confirm": ("Effacer les clés chiffrées de ce navigateur ? Sans votre fichier "
                           "pro.carnet, elles seront perdues.",
                           "Erase the encrypted keys from this browser? Without your "
                           "pro.carnet file they will be lost."),
    # waiting
    "pro.waiting_title": ("En attente de validation", "Waiting for approval"),
    "pro.waiting_text": (
        "L'opérateur n'a pas encore validé votre inscription (ou l'a suspendue). Vous pourrez "
        "scanner les codes des patients dès qu'elle sera validée.",
        "The operator has not approved your registration yet (or has suspended it). You will "
        "be able to scan patients' codes as soon as it is approved."),
    "pro.waiting_check": ("Vérifier à nouveau", "Check again"),
    "pro.waiting_unreachable": ("Le serveur ne répond pas : réessayez dans un instant.",
                                "The server does not answer: try again in a moment."),
    # scan
    "pro.scan_title": ("Scanner un code de consentement", "Scan a consent code"),
    "pro.who": ("Connecté : {name} ({ps_id})", "Signed in: {name} ({ps_id})"),
    "pro.lock": ("Verrouiller", "Lock"),
    "pro.camera_start": ("Scanner avec la caméra", "Scan with the camera"),
    "pro.camera_stop": ("Arrêter la caméra", "Stop the camera"),
    "pro.camera_label": ("Image de la caméra", "Camera picture"),
    "pro.camera_hint": ("Présentez le code QR du patient devant la caméra.",
                        "Hold the patient's QR code in front of the camera."),
    "pro.camera_denied": ("La caméra n'est pas disponible (refusée ou absente) : importez une "
                          "photo ou collez le texte du code.",
                          "The camera is not available (refused or missing): upload a photo "
                          "or paste the code's text."),
    "pro.photo_label": ("Ou une photo du code QR", "Or a photo of the QR code"),
    "pro.photo_none": ("Aucun code QR lisible sur cette photo.",
                       "No readable QR code in this photo."),
    "pro.paste_label": ("Ou le texte ou le lien du code", "Or the code's text or link"),
    "pro.paste_submit": ("Ouvrir", "Open"),
    "pro.scanning": ("Vérification du consentement et déchiffrement…",
                     "Checking the consent and decrypting…"),
    "pro.unlocking": ("Ouverture de vos clés (quelques secondes)…",
                      "Opening your keys (a few seconds)…"),
    "pro.registering": ("Création de vos clés (quelques secondes)…",
                        "Making your keys (a few seconds)…"),
    "pro.locked_idle": ("Session verrouillée après une période d'inactivité.",
                        "Session locked after a period of inactivity."),
    # scan refusals (the server's and the token's codes)
    "pro.error_not_a_carnet_token": ("Ce code n'est pas un consentement Carnet.",
                                     "This code is not a Carnet consent."),
    "pro.error_invalid_token": ("Ce consentement n'est pas valide (abîmé ou falsifié).",
                                "This consent is not valid (damaged or forged)."),
    "pro.error_token_expired": ("Ce consentement a expiré : demandez au patient un nouveau code.",
                                "This consent has expired: ask the patient for a new code."),
    "pro.error_token_revoked": ("Le patient a retiré ce consentement : il n'ouvre plus rien.",
                                "The patient revoked this consent: it opens nothing any more."),
    "pro.error_wrong_recipient": ("Ce consentement a été donné à un autre professionnel : il "
                                  "n'ouvre rien pour vous.",
                                  "This consent was given to another professional: it opens "
                                  "nothing for you."),
    "pro.error_professional_blocked": ("Le patient a bloqué l'accès à votre nom.",
                                       "The patient has blocked access for you."),
    "pro.error_not_approved": ("Votre inscription n'est pas (ou plus) validée.",
                               "Your registration is not (or no longer) approved."),
    "pro.error_unauthorized": ("Votre session a expiré : reconnectez-vous.",
                               "Your session has expired: sign in again."),
    "pro.error_unlock": ("Cette phrase secrète n'ouvre pas ces clés.",
                         "This passphrase does not open these keys."),
    "pro.error_keyfile": ("Ce fichier n'est pas un fichier de clés professionnel Carnet.",
                          "This file is not a Carnet professional key file."),
    "pro.error_ps_id": ("Identifiant national invalide : 8 + RPPS ou 0 + ADELI.",
                        "Invalid national identifier: 8 + RPPS or 0 + ADELI."),
    "pro.error_known": ("Cet identifiant est déjà inscrit.",
                        "This identifier is already registered."),
    # dossier
    "pro.dossier_title": ("Dossier du patient", "Patient's record"),
    "pro.dossier_who": ("{name}, né(e) le {date}", "{name}, born {date}"),
    "pro.dossier_no_identity": (
        "Le patient n'a pas indiqué son nom et sa date de naissance (ou les a masqués) : "
        "vérifiez son identité autrement.",
        "The patient has not entered their name and birth date (or masked them): check who "
        "the patient is another way."),
    "pro.dossier_until": ("Accès en lecture jusqu'au {until}", "Read access until {until}"),
    "pro.dossier_until_write": ("Accès en lecture et écriture jusqu'au {until}",
                                "Read and write access until {until}"),
    "pro.dossier_close": ("Fermer ce dossier", "Close this record"),
    "pro.alerts_title": ("Alertes", "Alerts"),
    "pro.alerts_none": ("Aucune interaction ni allergie détectée parmi ce que vous voyez.",
                        "No interaction or allergy found in what you can see."),
    "pro.alerts_unavailable": ("Contrôles d'interactions indisponibles : {detail}",
                               "Interaction checks unavailable: {detail}"),
    "pro.alert_interaction": ("Interaction : {drugs}", "Interaction: {drugs}"),
    "pro.alert_matched": ("Thésaurus ANSM : {matched} — {levels}",
                          "ANSM thesaurus: {matched} — {levels}"),
    "pro.alert_allergy": ("Allergie : {allergy} — {drug}", "Allergy: {allergy} — {drug}"),
    "pro.alert_unchecked": ("Non vérifié : {drug}", "Not checked: {drug}"),
    "pro.level_0": ("Contre-indication", "Contraindication"),
    "pro.level_1": ("Association déconseillée", "Not recommended"),
    "pro.level_2": ("Précaution d'emploi", "Precaution for use"),
    "pro.level_3": ("À prendre en compte", "To be taken into account"),
    "pro.partial_title": ("Vue partielle", "Partial view"),
    "pro.partial_masking": (
        "Le patient peut masquer toute information ou rubrique : cette vue peut être "
        "incomplète. Elle ne dit jamais si quelque chose est masqué, et une rubrique vide ne "
        "veut pas dire qu'il n'y a rien à savoir.",
        "The patient can mask any item or section: this view may be incomplete. It never says "
        "whether something is masked, and an empty section does not mean there is nothing to "
        "know."),
    "pro.partial_sections": ("Non ouvert par ce consentement (demandez au patient) : {sections}.",
                             "Not opened by this consent (ask the patient): {sections}."),
    "pro.partial_checks": ("Les contrôles d'allergies et d'interactions sont donc incomplets.",
                           "Allergy and interaction checks are therefore incomplete."),
    "pro.unreadable": ("{count} information(s) n'ont pas pu être ouvertes et ne sont pas "
                       "affichées.", "{count} item(s) could not be opened and are not shown."),
    "pro.empty": ("Rien d'enregistré ici, ou masqué par le patient.",
                  "Nothing recorded here, or masked by the patient."),
    "pro.empty_allergies": ("Rien d'enregistré ici, ou masqué par le patient (ce n'est pas "
                            "« aucune allergie connue » : demandez au patient).",
                            "Nothing recorded here, or masked by the patient (this is not "
                            "\"no known allergy\": ask the patient)."),
    "pro.history_window": ("Les 24 derniers mois.", "The last 24 months."),
    "pro.show_older": ("Afficher les soins de plus de 24 mois ({count})",
                       "Show care older than 24 months ({count})"),
    "pro.by_patient": ("par le patient", "by the patient"),
    "pro.by_pro": ("par {name}", "by {name}"),
    "pro.attachment_view": ("Voir {name}", "View {name}"),
    "pro.attachment_download": ("Télécharger {name}", "Download {name}"),
}
