"""The French catalog, the product's language.

``MESSAGES``: English source strings, exact or templates with ``{name}`` placeholders (the
same names as the English: ``tests/web/i18n`` checks it), to French. ``LABELS``: display
names of identifiers (sections, item types, flags, statuses, roles), which stay English in
``--json`` and on the command line. ``SAME``: texts that read the same in French.

Terms: passphrase = phrase secrète, recovery code = code de secours, grant = accès, consent
token = code de consentement, item = élément, mask = masquer, break-glass = bris de glace,
deposit = dépôt, home = répertoire local, profile = profil.
"""

from typing import Final

LABELS: Final[dict[str, str]] = {
    # sections
    "care_history": "historique des soins", "medical_history": "antécédents médicaux",
    "exam_results": "résultats d'examens", "current_treatments": "traitements en cours",
    "allergies": "allergies", "blood_group": "groupe sanguin", "vaccinations": "vaccinations",
    "advance_directives": "directives anticipées",
    "emergency_contacts": "contacts d'urgence", "personal_notes": "notes personnelles",
    # item types (blood_group above)
    "consultation_report": "compte rendu de consultation", "hospital_stay": "hospitalisation",
    "procedure": "acte", "discharge_summary": "compte rendu de sortie", "encounter": "venue",
    "appointment": "rendez-vous", "condition": "pathologie", "surgery": "chirurgie",
    "family_history": "antécédent familial", "lab_result": "résultat de biologie",
    "imaging": "imagerie", "exam_result": "résultat d'examen", "observation": "observation",
    "medication": "médicament", "prescription": "ordonnance", "allergy": "allergie",
    "intolerance": "intolérance", "vaccination": "vaccination",
    "advance_directive": "directive anticipée", "trusted_person": "personne de confiance",
    "contact": "contact", "note": "note", "document": "document", "identity": "identité",
    "measurement": "mesure",
    # flags, states, statuses, roles
    "masked": "masqué", "own": "à vous", "attachment": "pièce jointe",
    "active": "actif", "revoked": "révoqué", "expired": "expiré", "locked": "bloqué",
    "approved": "approuvé", "pending": "en attente", "blocked": "bloqué",
    "unreachable": "injoignable", "not approved (pending or blocked)":
        "non approuvé (en attente ou bloqué)",
    "pharmacist": "pharmacien", "doctor": "médecin", "laboratory": "laboratoire",
    "patient": "patient", "professional": "professionnel",
    "directory authority": "autorité d'annuaire", "emergency service": "service d'urgence",
    "email": "e-mail", "post": "courrier", "nothing": "rien",
}

MESSAGES: Final[dict[str, str]] = {
    "({n} care-history items older than 24 months not shown: --all shows them)":
        "({n} éléments de l'historique des soins de plus de 24 mois non affichés : --all les "
        "affiche)",
    "also the care history older than 24 months":
        "aussi l'historique des soins de plus de 24 mois",
    # ---------------------------------------------------------------- argparse's own phrases
    "usage: ": "usage : ",
    "positional arguments": "arguments positionnels",
    "options": "options",
    "show this help message and exit": "afficher cette aide et quitter",
    "show program's version number and exit": "afficher la version et quitter",
    "the following arguments are required: {args}":
        "ces arguments sont obligatoires : {args}",
    "unrecognized arguments: {args}": "arguments non reconnus : {args}",
    "argument {argument}: {message}": "argument {argument} : {message}",
    "invalid choice: {value} (choose from {choices})":
        "choix invalide : {value} (possibles : {choices})",
    "unknown parser {value} (choices: {choices})":
        "commande inconnue : {value} (possibles : {choices})",
    "expected one argument": "une valeur est attendue",
    "expected at most one argument": "une valeur au plus est attendue",
    "expected at least one argument": "au moins une valeur est attendue",
    "not allowed with argument {other}": "incompatible avec l'argument {other}",
    "one of the arguments {args} is required": "l'un des arguments {args} est obligatoire",
    "ambiguous option: {option} could match {matches}":
        "option ambiguë : {option} peut désigner {matches}",
    "invalid {kind} value: {value}": "valeur invalide ({kind}) : {value}",
    "ignored explicit argument {value}": "argument explicite ignoré : {value}",
    "{message} (see: {prog} --help)": "{message} (voir : {prog} --help)",
    # ---------------------------------------------------------------- the command tree
    "Carnet, the encrypted shared medical record, from a terminal.":
        "Carnet, le dossier médical partagé chiffré, depuis un terminal.",
    "server URL (default: $CARNET_SERVER, the profile's, {server})":
        "adresse du serveur (par défaut : $CARNET_SERVER, celle du profil, {server})",
    "local home (default: $CARNET_HOME or {home})":
        "répertoire local (par défaut : $CARNET_HOME ou {home})",
    "machine output: one JSON document on stdout":
        "sortie pour les programmes : un document JSON sur la sortie standard",
    "read the passphrase from F ('-' for stdin); else $CARNET_PASSPHRASE, else a prompt at a "
    "terminal": "lire la phrase secrète dans F (« - » pour l'entrée standard) ; sinon "
                "$CARNET_PASSPHRASE, sinon elle est demandée au terminal",
    "language of messages and help: fr (default) or en (else $CARNET_LANG, else $LANG)":
        "langue des messages et de l'aide : fr (par défaut) ou en (sinon $CARNET_LANG, "
        "sinon $LANG)",
    "operator token file (else $CARNET_OPERATOR_TOKEN, else {dev}operator.token)":
        "fichier du jeton d'opérateur (sinon $CARNET_OPERATOR_TOKEN, sinon "
        "{dev}operator.token)",
    "the directory authority's key, 64 hex (else $CARNET_AUTHORITY_KEY_FILE, else the home's, "
    "see init-authority, else $CARNET_DEV_KEYS_DIR/authority.key); it countersigns approved "
    "entries": "la clé de l'autorité d'annuaire, 64 caractères hexadécimaux (sinon "
               "$CARNET_AUTHORITY_KEY_FILE, sinon celle du répertoire local, voir "
               "init-authority, sinon $CARNET_DEV_KEYS_DIR/authority.key) ; elle contresigne "
               "les inscriptions approuvées",
    "log in with this NIR instead of the home's":
        "se connecter avec ce NIR plutôt que celui du répertoire local",
    "one detail of the item, e.g. --field reaction=urticaire (repeat it for each detail)":
        "un détail de l'élément, par exemple --field reaction=urticaire (à répéter pour "
        "chaque détail)",
    "the item's details, a JSON object": "les détails de l'élément, un objet JSON",
    "a file holding the JSON object": "un fichier contenant l'objet JSON",
    "the directory authority's public key (else the one this home pinned)":
        "la clé publique de l'autorité d'annuaire (sinon celle qu'a retenue ce répertoire "
        "local)",
    "attach a file (pdf, png, jpg, webp, txt)": "joindre un fichier (pdf, png, jpg, webp, txt)",
    "the attachment's type if not guessed": "le type de la pièce jointe s'il n'est pas deviné",
    "the operator's desk (needs the operator token)":
        "le poste de l'opérateur (il faut le jeton d'opérateur)",
    "a health professional's identity": "l'identité d'un professionnel de santé",
    "a pharmacist's desk": "le comptoir du pharmacien",
    "your dossier": "votre dossier",
    "emergency access": "l'accès en urgence",
    # ---------------------------------------------------------------- errors, in user's terms
    "a whole number": "un nombre entier",
    "a text": "un texte",
    "yes or no": "oui ou non",
    "a list": "une liste",
    "a JSON object": "un objet JSON",
    "a valid value": "une valeur valide",
    "{option} must be {kind}": "{option} doit être {kind}",
    "{option} must be {kind}, at least {bound}": "{option} doit être {kind}, au moins {bound}",
    "{option} must be {kind}, at most {bound}": "{option} doit être {kind}, au plus {bound}",
    "the server refused ({status} {code}): {detail}":
        "le serveur a refusé ({status} {code}) : {detail}",
    "{detail}: check --server (or $CARNET_SERVER) and that the server is running":
        "{detail} : vérifiez --server (ou $CARNET_SERVER) et que le serveur est en marche",
    "cannot reach the Carnet server at {server} ({error})":
        "impossible de joindre le serveur Carnet à {server} ({error})",
    "this server does not answer as a Carnet server does ({detail}): check --server (or "
    "$CARNET_SERVER)": "ce serveur ne répond pas comme un serveur Carnet ({detail}) : "
                       "vérifiez --server (ou $CARNET_SERVER)",
    "the server refused a value of this command: check its options (carnet ... --help)":
        "le serveur a refusé une valeur de cette commande : vérifiez ses options "
        "(carnet ... --help)",
    "the server's answer was not understood": "la réponse du serveur n'a pas été comprise",
    "the server returned no body": "le serveur n'a rien renvoyé",
    "{message}; forgotten? set a new one with your recovery code: carnet pro recover":
        "{message} ; oubliée ? choisissez-en une nouvelle avec votre code de secours : "
        "carnet pro recover",
    "{message}; forgotten? set a new one with your recovery code: carnet patient recover":
        "{message} ; oubliée ? choisissez-en une nouvelle avec votre code de secours : "
        "carnet patient recover",
    "internal error ({name}); please report it":
        "erreur interne ({name}) ; merci de la signaler",
    "interrupted": "interrompu",
    "the passphrase or recovery code is not valid":
        "la phrase secrète ou le code de secours n'est pas valable",
    "the database is unavailable; try again shortly":
        "la base de données est indisponible ; réessayez dans un instant",
    "could not decrypt": "déchiffrement impossible",
    # ---------------------------------------------------------------- secrets and files
    "passphrase": "phrase secrète",
    "new passphrase": "nouvelle phrase secrète",
    "recovery code": "code de secours",
    "archive passphrase": "phrase secrète de l'archive",
    "operator token": "jeton d'opérateur",
    "card passcode": "code d'accès de la carte",
    "a directory authority key": "une clé d'autorité d'annuaire",
    "an emergency service key": "une clé de service d'urgence",
    "{what} again: ": "{what}, à nouveau : ",
    "{what}: ": "{what} : ",
    "no {what}: use {flag} F or ${env} (stdin is not a terminal)":
        "pas de {what} : utilisez {flag} F ou ${env} (l'entrée standard n'est pas un "
        "terminal)",
    "the {what} file {path} does not exist: check the path given to the option":
        "le fichier {path} ({what}) n'existe pas : vérifiez le chemin donné à l'option",
    "the {what} file {path} is not text (UTF-8): put the {what} alone on the first line of a "
    "text file": "le fichier {path} ({what}) n'est pas du texte (UTF-8) : mettez la valeur "
                 "seule sur la première ligne d'un fichier texte",
    "the {what} file {path} is empty": "le fichier {path} ({what}) est vide",
    "no {what} given": "aucune valeur donnée ({what})",
    "the two {what}s differ": "les deux saisies ({what}) diffèrent",
    "{path} exists; pass --force to overwrite it":
        "{path} existe déjà ; ajoutez --force pour le remplacer",
    "{target} exists; pass --force to overwrite it":
        "{target} existe déjà ; ajoutez --force pour le remplacer",
    "--server must be an http:// or https:// URL":
        "--server doit être une adresse http:// ou https://",
    "{option} must be a date written YYYY-MM-DD":
        "{option} doit être une date écrite AAAA-MM-JJ",
    "an idNat_PS is 8 followed by the 11-digit RPPS, or 0 followed by the 9-digit ADELI":
        "un idNat_PS est 8 suivi des 11 chiffres du RPPS, ou 0 suivi des 9 chiffres de "
        "l'ADELI",
    "{where} is not valid JSON ({problem}, line {line})":
        "{where} n'est pas du JSON valide ({problem}, ligne {line})",
    "{where} is nested too deeply to be an item's details":
        "{where} est trop imbriqué pour être le détail d'un élément",
    "{where} must be a JSON object": "{where} doit être un objet JSON",
    "cannot tell the type of {name}; pass --media-type (one of: {types})":
        "type de {name} inconnu ; précisez --media-type (parmi : {types})",
    "{path} does not hold {what} (64 hex)":
        "{path} ne contient pas {what} (64 caractères hexadécimaux)",
    "{path} is damaged; remove it to trust the server's key again":
        "{path} est abîmé ; supprimez-le pour faire à nouveau confiance à la clé du serveur",
    # ---------------------------------------------------------------- passphrases (item 11)
    "it has fewer than {count} characters": "elle a moins de {count} caractères",
    "common words, names, dates or patterns make it quick to guess":
        "des mots courants, des noms, des dates ou des motifs la rendent vite devinable",
    "this passphrase is too easy to guess: {reason}. Choose several words at random, for "
    "example \"{example}\" ({words} words drawn among {size}: {bits} bits)":
        "cette phrase secrète est trop facile à deviner : {reason}. Choisissez plusieurs "
        "mots au hasard, par exemple « {example} » ({words} mots tirés parmi {size} : "
        "{bits} bits)",
    # ---------------------------------------------------------------- the local home
    "this is not a Carnet home file (or an unknown version)":
        "ce n'est pas un fichier de profil Carnet (ou une version inconnue)",
    "the home file is truncated": "le fichier de profil est tronqué",
    "the home file's header is damaged": "l'en-tête du fichier de profil est abîmé",
    "the home file's content is damaged": "le contenu du fichier de profil est abîmé",
    "the home file holds another kind of profile":
        "le fichier de profil contient un autre type de profil",
    "this passphrase does not open the local {role} profile":
        "cette phrase secrète n'ouvre pas le profil local ({role})",
    "this recovery code does not open the local {role} profile":
        "ce code de secours n'ouvre pas le profil local ({role})",
    "no {role} profile in {home}": "aucun profil ({role}) dans {home}",
    "no recovery copy of the {role} profile in {home}":
        "aucune copie de secours du profil ({role}) dans {home}",
    # ---------------------------------------------------------------- sessions
    "no patient profile in {home}: activate first (carnet patient activate), or pass --nir":
        "aucun profil patient dans {home} : activez d'abord votre dossier (carnet patient "
        "activate), ou donnez --nir",
    "no professional identity in {home}: run carnet pro register":
        "aucune identité professionnelle dans {home} : lancez carnet pro register",
    "the professional profile in the home has no keys":
        "le profil professionnel du répertoire local n'a pas de clés",
    "the server refused the login of {ps_id}: is it approved (carnet pro whoami) and is this "
    "the right server?": "le serveur a refusé la connexion de {ps_id} : est-il approuvé "
                         "(carnet pro whoami) et est-ce le bon serveur ?",
    "no operator token: use --operator-token-file F or $CARNET_OPERATOR_TOKEN (in "
    "development, ${dev} names the server's data dir)":
        "pas de jeton d'opérateur : utilisez --operator-token-file F ou "
        "$CARNET_OPERATOR_TOKEN (en développement, ${dev} désigne le répertoire de données "
        "du serveur)",
    "the directory authority profile in {home} has no key":
        "le profil de l'autorité d'annuaire dans {home} n'a pas de clé",
    "no directory authority key in {home}: run carnet operator init-authority there, or use "
    "--authority-key-file F (in development, ${dev} names the server's dev-keys folder)":
        "pas de clé d'autorité d'annuaire dans {home} : lancez-y carnet operator "
        "init-authority, ou utilisez --authority-key-file F (en développement, ${dev} "
        "désigne le dossier des clés de développement du serveur)",
    "the emergency service profile in {home} has no key":
        "le profil du service d'urgence dans {home} n'a pas de clé",
    "no emergency service key in {home}: run carnet emergency init-service there, or use "
    "--service-key-file F (in development, ${dev} names the server's dev-keys folder)":
        "pas de clé du service d'urgence dans {home} : lancez-y carnet emergency "
        "init-service, ou utilisez --service-key-file F (en développement, ${dev} désigne "
        "le dossier des clés de développement du serveur)",
    "{path} already holds a key: --force replaces it (what the old key signed or opened stops "
    "working)": "{path} contient déjà une clé : --force la remplace (ce que l'ancienne clé "
                "a signé ou ouvert cesse de fonctionner)",
    "pinned the directory authority key {key}... in {path}":
        "clé de l'autorité d'annuaire {key}... retenue dans {path}",
    "--authority-key must be 64 hex digits":
        "--authority-key doit compter 64 caractères hexadécimaux",
    # ---------------------------------------------------------------- patient: the dossier
    "ask for an activation code by e-mail or post":
        "demander un code d'activation par e-mail ou par courrier",
    "create your dossier with the activation code; prints your recovery code once":
        "créer votre dossier avec le code d'activation ; affiche une seule fois votre code "
        "de secours",
    "let the emergency service open your emergency summary when you cannot consent (logged "
    "and e-mailed to you; default on, as in the DMP)":
        "permettre au service d'urgence d'ouvrir votre résumé d'urgence quand vous ne pouvez "
        "pas consentir (tracé et signalé par e-mail ; activé par défaut, comme dans le DMP)",
    "your name as professionals and emergency staff will see it (kept encrypted in your "
    "dossier; see patient identity)":
        "votre nom tel que le verront les professionnels et les secours (chiffré dans votre "
        "dossier ; voir patient identity)",
    "your birth date, shown with your name": "votre date de naissance, montrée avec votre nom",
    "check that you can log in": "vérifier que vous pouvez vous connecter",
    "change the passphrase": "changer la phrase secrète",
    "set a new passphrase with the recovery code":
        "choisir une nouvelle phrase secrète avec le code de secours",
    "your NIR (else the one of this home's profile)":
        "votre NIR (sinon celui du profil de ce répertoire local)",
    "replace the recovery code (prints the new one once)":
        "remplacer le code de secours (affiche une seule fois le nouveau)",
    "close the dossier for ever (export first)":
        "fermer le dossier pour toujours (exportez-le d'abord)",
    "yes, destroy the dossier": "oui, détruire le dossier",
    "{home} already holds a patient profile; use another --home":
        "{home} contient déjà un profil patient ; utilisez un autre --home",
    "the dossier is active but the profile could not be saved in {home} ({error}); use --nir "
    "with the patient commands": "le dossier est actif mais le profil n'a pas pu être "
                                 "enregistré dans {home} ({error}) ; utilisez --nir avec les "
                                 "commandes patient",
    "give both --name and --birth-date (or neither)":
        "donnez à la fois --name et --birth-date (ou aucun des deux)",
    "Dossier {dossier_id} is active.": "Le dossier {dossier_id} est actif.",
    "dossier {dossier_id} unlocked: {count} items":
        "dossier {dossier_id} ouvert : {count} éléments",
    "this device is set up: your profile is saved in {home} (sealed with your passphrase); "
    "the next commands need no --nir":
        "cet appareil est prêt : votre profil est enregistré dans {home} (scellé par votre "
        "phrase secrète) ; les prochaines commandes n'ont plus besoin de --nir",
    "the new passphrase is the same as the current one":
        "la nouvelle phrase secrète est identique à l'actuelle",
    "the passphrase is changed, but the profile in {home} could not be resealed ({error}): it "
    "still opens with the old passphrase; log in with --nir meanwhile":
        "la phrase secrète est changée, mais le profil de {home} n'a pas pu être rescellé "
        "({error}) : il s'ouvre encore avec l'ancienne ; connectez-vous avec --nir en "
        "attendant",
    "passphrase changed": "phrase secrète changée",
    "passphrase changed; the profile in {home} is sealed with it":
        "phrase secrète changée ; le profil de {home} est scellé avec elle",
    "give --nir: {home} holds no profile that the recovery code opens":
        "donnez --nir : {home} ne contient aucun profil que le code de secours ouvre",
    "passphrase replaced for dossier {dossier_id}; your recovery code still works (replace it "
    "with: carnet patient new-recovery-code)":
        "phrase secrète remplacée pour le dossier {dossier_id} ; votre code de secours reste "
        "valable (pour le remplacer : carnet patient new-recovery-code)",
    "the previous recovery code no longer works": "l'ancien code de secours ne marche plus",
    "closing deletes your dossier for ever; export it first (carnet patient export FILE), "
    "then run again with --yes": "fermer supprime votre dossier pour toujours ; exportez-le "
                                 "d'abord (carnet patient export FICHIER), puis relancez "
                                 "avec --yes",
    "dossier {dossier_id} closed: its keys and items are destroyed":
        "dossier {dossier_id} fermé : ses clés et ses éléments sont détruits",
    "dossier {dossier_id} closed: its keys and items are destroyed; profile removed from "
    "{home}": "dossier {dossier_id} fermé : ses clés et ses éléments sont détruits ; profil "
              "retiré de {home}",
    "Recovery code (shown once, never stored anywhere):":
        "Code de secours (affiché une seule fois, conservé nulle part) :",
    "Print it or write it down and keep it somewhere safe: it is the only way back into your "
    "dossier if you forget your passphrase. Carnet cannot recover it for you.":
        "Imprimez-le ou notez-le et gardez-le en lieu sûr : c'est le seul moyen de retrouver "
        "votre dossier si vous oubliez votre phrase secrète. Carnet ne peut pas le retrouver "
        "pour vous.",
    # ---------------------------------------------------------------- patient: items
    "add an item": "ajouter un élément",
    "where it goes (list below)": "où il va (liste ci-dessous)",
    "what it is (list below)": "ce que c'est (liste ci-dessous)",
    "a short title, in your words": "un titre court, avec vos mots",
    "when it happened (optional where a date means nothing: today)":
        "quand c'est arrivé (facultatif quand une date n'a pas de sens : aujourd'hui)",
    "Sections (SECTION) and the types (TYPE) each takes, typed as shown:":
        "Sections (SECTION) et les types (TYPE) que chacune accepte, à taper tels quels :",
    "--date may be left out for: {types} (today is used); only an appointment may be dated "
    "in the future ({future}).": "--date peut être omis pour : {types} (la date du jour est "
                                 "prise) ; seul un rendez-vous peut être daté dans le futur "
                                 "({future}).",
    "Details: --field name=value, repeated (or --body with a JSON object).":
        "Détails : --field nom=valeur, répété (ou --body avec un objet JSON).",
    "Examples:": "Exemples :",
    "write a new revision of one of your items":
        "écrire une nouvelle version d'un de vos éléments",
    "delete an item and its history": "supprimer un élément et son historique",
    "list items (latest revisions)": "lister les éléments (dernières versions)",
    "show an item": "montrer un élément",
    "every revision": "toutes les versions",
    "overwrite PATH": "remplacer PATH",
    "overwrite FILE": "remplacer FILE",
    "hide an item or a section from every professional":
        "cacher un élément ou une section à tous les professionnels",
    "undo a mask": "annuler un masquage",
    "write an encrypted archive of the dossier": "écrire une archive chiffrée du dossier",
    "import an archive into this dossier": "importer une archive dans ce dossier",
    "open the archive with this recovery code instead of the passphrase":
        "ouvrir l'archive avec ce code de secours plutôt qu'avec la phrase secrète",
    "open the archive with this (older) passphrase":
        "ouvrir l'archive avec cette (ancienne) phrase secrète",
    "added {item_id} (revision {revision})": "ajouté : {item_id} (version {revision})",
    "added {item_id} (revision {revision}, masked)":
        "ajouté : {item_id} (version {revision}, masqué)",
    "edited {item_id} (revision {revision})": "modifié : {item_id} (version {revision})",
    "edited {item_id} (revision {revision}, masked)":
        "modifié : {item_id} (version {revision}, masqué)",
    "nothing to change: give --title, --date, --type, --field, --body, --body-file, --attach "
    "or --remove-attachment": "rien à changer : donnez --title, --date, --type, --field, "
                              "--body, --body-file, --attach ou --remove-attachment",
    "deleted {item_id}": "supprimé : {item_id}",
    "no items": "aucun élément",
    "{count} item(s) could not be decrypted and are not shown: {ids} (see patient history; "
    "delete them with patient delete)": "{count} élément(s) n'ont pas pu être déchiffrés et "
                                        "ne sont pas montrés : {ids} (voir patient history ; "
                                        "supprimez-les avec patient delete)",
    "attachment saved to {path}": "pièce jointe enregistrée dans {path}",
    "{item_id} masked": "{item_id} masqué",
    "{item_id} unmasked": "{item_id} démasqué",
    "section {section} masked ({count} items, and every item added to it later)":
        "section {section} masquée ({count} éléments, et tout élément ajouté plus tard)",
    "section {section} unmasked ({count} items)": "section {section} démasquée ({count} "
                                                  "éléments)",
    "exporting (decrypting and re-encrypting)": "export (déchiffrement et rechiffrement)",
    "importing": "import",
    "archive written to {path} ({size} bytes); it opens with your passphrase or recovery code "
    "as they are today, even after closing":
        "archive écrite dans {path} ({size} octets) ; elle s'ouvre avec votre phrase secrète "
        "ou votre code de secours d'aujourd'hui, même après la fermeture",
    "this archive does not open with that secret; it opens with the passphrase or recovery "
    "code the dossier had when it was exported (--archive-passphrase-file F or "
    "--recovery-code-file F)": "cette archive ne s'ouvre pas avec ce secret ; elle s'ouvre "
                               "avec la phrase secrète ou le code de secours qu'avait le "
                               "dossier à l'export (--archive-passphrase-file F ou "
                               "--recovery-code-file F)",
    "imported {items} items ({revisions} revisions)":
        "importé : {items} éléments ({revisions} versions)",
    "imported {items} items ({revisions} revisions); skipped {skipped_items} items "
    "({skipped_revisions} revisions) already in this dossier":
        "importé : {items} éléments ({revisions} versions) ; ignoré : {skipped_items} "
        "éléments ({skipped_revisions} versions) déjà dans ce dossier",
    "--date YYYY-MM-DD is needed for a {type} (when was it?)":
        "il faut --date AAAA-MM-JJ pour un élément « {type} » (quand était-ce ?)",
    "the date {date} is in the future: a {type} has already happened (only an appointment "
    "may be dated later)": "la date {date} est dans le futur : un élément « {type} » a déjà "
                           "eu lieu (seul un rendez-vous peut être daté plus tard)",
    "--field takes name=value (e.g. --field reaction=urticaire), not {pair}":
        "--field attend nom=valeur (par exemple --field reaction=urticaire), pas {pair}",
    "a field name has at most {count} characters":
        "un nom de détail a au plus {count} caractères",
    "--field {name} is given twice": "--field {name} est donné deux fois",
    # item tables and lines (web/cli/_render.py)
    "id": "id", "date": "date", "section": "section", "type": "type", "title": "titre",
    "author": "auteur", "flags": "marques", "written": "écrit le", "attachment":
        "pièce jointe", "name": "nom", "profession": "profession", "specialty": "spécialité",
    "city": "ville", "status": "statut", "roles": "rôles", "you": "vous",
    "body": "détails",
    # ---------------------------------------------------------------- vault's checks
    "date must be an ISO date (YYYY-MM-DD)": "la date doit être écrite AAAA-MM-JJ",
    "date is before 1900": "la date est antérieure à 1900",
    "{what} must be text": "{what} doit être du texte",
    "{what} must not be empty": "{what} ne doit pas être vide",
    "{what} is longer than {count} characters": "{what} dépasse {count} caractères",
    "{what} contains control characters": "{what} contient des caractères de contrôle",
    "body must be a JSON object": "les détails doivent être un objet JSON",
    "body is nested deeper than {count} levels":
        "les détails sont imbriqués sur plus de {count} niveaux",
    "body is larger than {count} KiB": "les détails dépassent {count} Kio",
    "body keys must be text": "les noms des détails doivent être du texte",
    "body values must be JSON (text, numbers, booleans, lists, objects)":
        "les valeurs des détails doivent être du JSON (textes, nombres, booléens, listes, "
        "objets)",
    "attachment type must be one of: {allowed}":
        "le type de la pièce jointe doit être parmi : {allowed}",
    "attachment is larger than {count} MiB": "la pièce jointe dépasse {count} Mio",
    "item is larger than {count} KiB": "l'élément dépasse {count} Kio",
    "unknown section {section}; expected one of: {allowed}":
        "section inconnue : {section} ; attendu parmi : {allowed}",
    "item type {value} is not accepted in section {section}; expected one of: {allowed}":
        "le type {value} n'est pas accepté dans la section {section} ; attendu parmi : "
        "{allowed}",
    "the recovery code must be text": "le code de secours doit être du texte",
    "this is not a recovery code (32 letters and digits in groups of 4)":
        "ce n'est pas un code de secours (32 lettres et chiffres en groupes de 4)",
    "the recovery code has a typing mistake; check each group":
        "le code de secours contient une faute de frappe ; vérifiez chaque groupe",
    # ---------------------------------------------------------------- NIR
    "this is not a valid social security number (NIR)":
        "ce n'est pas un numéro de sécurité sociale (NIR) valide",
    "a NIR without its key has 13 characters": "un NIR sans sa clé a 13 caractères",
    "a NIR contains only digits, and 2A or 2B as Corsican department":
        "un NIR ne contient que des chiffres, et 2A ou 2B pour les départements corses",
    "too long for a social security number (NIR)":
        "trop long pour un numéro de sécurité sociale (NIR)",
    "the 2-digit key is missing: a NIR has 15 characters (13 + key)":
        "la clé à 2 chiffres manque : un NIR a 15 caractères (13 + la clé)",
    "a NIR has 15 characters (13 + a 2-digit key), not {count}":
        "un NIR a 15 caractères (13 + une clé à 2 chiffres), pas {count}",
    "a NIR contains only digits (letters only as 2A or 2B, at positions 6-7)":
        "un NIR ne contient que des chiffres (des lettres seulement en 2A ou 2B, aux "
        "positions 6-7)",
    "the first digit (sex) must be 1 or 2 (or 3, 4, 7, 8 for a provisional number)":
        "le premier chiffre (sexe) doit être 1 ou 2 (ou 3, 4, 7, 8 pour un numéro "
        "provisoire)",
    "the month of birth (positions 4-5) must be 01-12, or 20-42 or 50-99 when unknown":
        "le mois de naissance (positions 4-5) doit être 01-12, ou 20-42 ou 50-99 s'il est "
        "inconnu",
    "the department of birth (positions 6-7) must be two digits, or 2A or 2B for Corsica":
        "le département de naissance (positions 6-7) doit être deux chiffres, ou 2A ou 2B "
        "pour la Corse",
    "the key (last 2 digits) does not match: check for a typing error":
        "la clé (2 derniers chiffres) ne correspond pas : vérifiez la saisie",
    # ---------------------------------------------------------------- professionals
    "create keys, register them, keep them in the home (sealed with the passphrase)":
        "créer vos clés, les inscrire, les garder dans le répertoire local (scellées par la "
        "phrase secrète)",
    "the identity in the home and its status": "l'identité du répertoire local et son statut",
    "write your identity QR for patients": "écrire votre QR d'identité pour les patients",
    "{home} already holds a professional identity; use another --home":
        "{home} contient déjà une identité professionnelle ; utilisez un autre --home",
    "{ps_id} registered ({status}): the operator must approve you before you can log in. Keys "
    "saved in {home}.": "{ps_id} inscrit ({status}) : l'opérateur doit vous approuver avant "
                        "que vous puissiez vous connecter. Clés enregistrées dans {home}.",
    "identity QR of {ps_id} (key {key}...) written to {path}":
        "QR d'identité de {ps_id} (clé {key}...) écrit dans {path}",
    "--out must name a .png or .svg file": "--out doit désigner un fichier .png ou .svg",
    "change the passphrase that seals your keys":
        "changer la phrase secrète qui scelle vos clés",
    "make a recovery code for your keys (prints it once)":
        "créer un code de secours pour vos clés (affiché une seule fois)",
    "set a new passphrase with your recovery code":
        "choisir une nouvelle phrase secrète avec votre code de secours",
    "passphrase changed; your keys in {home} are sealed with it":
        "phrase secrète changée ; vos clés dans {home} sont scellées avec elle",
    "you have no recovery code yet: carnet pro new-recovery-code":
        "vous n'avez pas encore de code de secours : carnet pro new-recovery-code",
    "the previous recovery code, if any, no longer works":
        "l'ancien code de secours, s'il y en avait un, ne marche plus",
    "Recovery code of your professional keys (shown once, kept nowhere else):":
        "Code de secours de vos clés professionnelles (affiché une seule fois, conservé nulle "
        "part ailleurs) :",
    "Write it down and keep it apart from this device: if you forget your passphrase, carnet "
    "pro recover sets a new one with it.": "Notez-le et gardez-le loin de cet appareil : si "
                                           "vous oubliez votre phrase secrète, carnet pro "
                                           "recover en choisit une nouvelle avec lui.",
    "no recovery code was made for the professional keys in {home} (carnet pro "
    "new-recovery-code): without the passphrase they cannot be opened; register new keys in "
    "another --home and ask the operator to approve them":
        "aucun code de secours n'a été créé pour les clés professionnelles de {home} (carnet "
        "pro new-recovery-code) : sans la phrase secrète, elles ne s'ouvrent pas ; inscrivez "
        "de nouvelles clés dans un autre --home et demandez à l'opérateur de les approuver",
    "new passphrase set for {ps_id}; your recovery code still works (replace it with: carnet "
    "pro new-recovery-code)": "nouvelle phrase secrète pour {ps_id} ; votre code de secours "
                              "reste valable (pour le remplacer : carnet pro "
                              "new-recovery-code)",
    "not approved (pending or blocked)": "non approuvé (en attente ou bloqué)",
    "keep a way back to your keys if you forget the passphrase: carnet pro new-recovery-code":
        "gardez un moyen de retrouver vos clés si vous oubliez la phrase secrète : carnet pro "
        "new-recovery-code",
    # ---------------------------------------------------------------- writes, deposits, blocks
    "add an item to a patient's dossier through their read+write consent token":
        "ajouter un élément au dossier d'un patient grâce à son code de consentement en "
        "lecture et écriture",
    "deposit an item for a patient (by NIR), sealed to them: you read nothing":
        "déposer un élément pour un patient (par son NIR), scellé pour lui : vous ne lisez "
        "rien",
    "file the items professionals deposited for you (each checked)":
        "classer les éléments que des professionnels ont déposés pour vous (chacun vérifié)",
    "block a professional (their consents stop working)":
        "bloquer un professionnel (ses codes de consentement ne marchent plus)",
    "lift a block": "lever un blocage",
    "the professionals you blocked": "les professionnels que vous avez bloqués",
    "the consent token's text form": "le code de consentement sous forme de texte",
    "the token's text form": "le code sous forme de texte",
    "a file holding the token's text": "un fichier contenant le texte du code",
    "a photo or scan of the QR code": "une photo ou un scan du QR code",
    "added {item_id} to {section} in the patient's dossier (the patient sees you as its "
    "author)": "ajouté : {item_id} dans {section} du dossier du patient (le patient vous voit "
               "comme son auteur)",
    "deposited {deposit_id}: the patient files it into their dossier":
        "déposé : {deposit_id} ; le patient le classe dans son dossier",
    "deposited {deposit_id}: if this NIR has a dossier, the patient files it there (Carnet "
    "never says who has one: send results by your usual channel too)":
        "déposé : {deposit_id} ; si ce NIR a un dossier, le patient l'y classera (Carnet ne "
        "dit jamais qui en a un : envoyez aussi les résultats par votre canal habituel)",
    "no deposits waiting": "aucun dépôt en attente",
    "filed {item_id} into {section} (from {author})":
        "classé : {item_id} dans {section} (de {author})",
    "REJECTED deposit {deposit_id} from {ps_id}: {reason} (left on the server)":
        "dépôt REFUSÉ {deposit_id} de {ps_id} : {reason} (laissé sur le serveur)",
    "blocked {ps_id}; grants revoked: {count}": "{ps_id} bloqué ; accès révoqués : {count}",
    "unblocked {ps_id}": "{ps_id} débloqué",
    "{ps_id}  blocked {at}": "{ps_id}  bloqué le {at}",
    "nobody is blocked": "personne n'est bloqué",
    "the depositor has no countersigned directory entry":
        "le déposant n'a pas d'inscription contresignée dans l'annuaire",
    "the depositor's signature does not check": "la signature du déposant n'est pas valide",
    "the sealed item does not open": "l'élément scellé ne s'ouvre pas",
    "the item's author is not the depositor": "l'auteur de l'élément n'est pas le déposant",
    "the item is not valid ({error})": "l'élément n'est pas valide ({error})",
    "this consent does not open the section {section}":
        "ce consentement n'ouvre pas la section {section}",
    # ---------------------------------------------------------------- demo
    "seed a running server with fictitious demo data":
        "remplir un serveur en marche de données de démonstration fictives",
    "replace an earlier demo's files": "remplacer les fichiers d'une démonstration précédente",
    "seeding the demo": "préparation de la démonstration",
    "Demo ready on {server}: {count} patients and a pharmacist (NIRs, homes, passphrases in "
    "{file}).": "Démonstration prête sur {server} : {count} patients et un pharmacien (NIR, "
                "répertoires locaux et phrases secrètes dans {file}).",
    "Try this:": "Essayez :",
    # ---------------------------------------------------------------- consent (web/cli/consent.py)
    "let a named professional in (consent token/QR)":
        "ouvrir votre dossier à un professionnel nommé (code de consentement / QR)",
    "list your grants": "lister vos accès accordés",
    "revoke a grant": "révoquer un accès",
    "every access and change, verified": "chaque accès et chaque changement, vérifiés",
    "the professional's idNat_PS": "l'idNat_PS du professionnel",
    "a photo of the professional's identity QR (carnet pro identity-qr): grants to exactly "
    "that key": "une photo du QR d'identité du professionnel (carnet pro identity-qr) : "
                "l'accès va exactement à cette clé",
    "a section to open (repeat for several; default: by the profession, see docs/consent.md)":
        "une section à ouvrir (à répéter ; par défaut : selon la profession, voir "
        "docs/consent.md)",
    "the professional may add items": "le professionnel peut ajouter des éléments",
    "the profession you expect (the countersigned directory must agree)":
        "la profession attendue (l'annuaire contresigné doit la confirmer)",
    "issue without asking to confirm (the summary is still shown)":
        "accorder sans demander de confirmation (le résumé est tout de même affiché)",
    "write the QR code (.png or .svg)": "écrire le QR code (.png ou .svg)",
    "--qr must name a .png or .svg file": "--qr doit désigner un fichier .png ou .svg",
    "You are about to grant:": "Vous allez accorder :",
    "Issue this grant?": "Accorder cet accès ?",
    "nothing was issued: you did not confirm": "rien n'a été accordé : vous n'avez pas "
                                               "confirmé",
    "yes: they may add items to these sections":
        "oui : il peut ajouter des éléments à ces sections",
    "no (read only)": "non (lecture seule)",
    "not given in the directory": "non indiqué dans l'annuaire",
    "QR code written to {path}": "QR code écrit dans {path}",
    "no grants": "aucun accès accordé",
    "revoked {grant_id}": "révoqué : {grant_id}",
    "history verified: intact, consistent with what this device saw before, every "
    "professional's entry signed by them":
        "historique vérifié : intact, cohérent avec ce que cet appareil a vu avant, chaque "
        "entrée d'un professionnel signée par lui",
    "emergency contact": "contact d'urgence",
    # ---------------------------------------------------------------- emergency
    "make an emergency card (PDF or PNG) and its passcode slip":
        "créer une carte d'urgence (PDF ou PNG) et le feuillet de son code d'accès",
    "list your emergency cards (for revoke-card)":
        "lister vos cartes d'urgence (pour revoke-card)",
    "your emergency-contact code": "votre code pour un contact d'urgence",
    "name an emergency contact who has an account (standing grant on your summary)":
        "désigner un contact d'urgence qui a un compte (accès permanent à votre résumé)",
    "as an emergency contact, open what a patient granted you":
        "en tant que contact d'urgence, ouvrir ce qu'un patient vous a accordé",
    "revoke an emergency card": "révoquer une carte d'urgence",
    "allow or refuse break-glass": "autoriser ou refuser le bris de glace",
    "allow or refuse break-glass (or show its status)":
        "autoriser ou refuser le bris de glace (ou dire s'il est autorisé)",
    "break-glass is allowed": "le bris de glace est autorisé",
    "break-glass is refused": "le bris de glace est refusé",
    "create the emergency service's key in this home (never on the server) and print its "
    "public key": "créer la clé du service d'urgence dans ce répertoire local (jamais sur le "
                  "serveur) et afficher sa clé publique",
    "open an emergency card with its passcode":
        "ouvrir une carte d'urgence avec son code d'accès",
    "open a patient's emergency summary as the emergency service (logged, e-mailed to the "
    "patient)": "ouvrir le résumé d'urgence d'un patient en tant que service d'urgence "
                "(tracé, signalé par e-mail au patient)",
    "the card (card-sized PDF, or PNG at 300 dpi)":
        "la carte (PDF au format carte, ou PNG à 300 dpi)",
    "the passcode slip for your emergency contact (default: OUT-code)":
        "le feuillet du code d'accès pour votre contact d'urgence (par défaut : OUT-code)",
    "the name on the card (default: the identity in your dossier)":
        "le nom sur la carte (par défaut : l'identité de votre dossier)",
    "replace the key this home holds": "remplacer la clé de ce répertoire local",
    "who opens it (logged, sealed to the patient: only they can read it)":
        "qui l'ouvre (tracé, scellé pour le patient : lui seul peut le lire)",
    "why (10 to 500 characters; logged, sealed to the patient: only they can read it)":
        "pourquoi (10 à 500 caractères ; tracé, scellé pour le patient : lui seul peut le "
        "lire)",
    "the emergency service's key, 64 hex (else the home's, else "
    "$CARNET_DEV_KEYS_DIR/emergency.key)": "la clé du service d'urgence, 64 caractères "
                                            "hexadécimaux (sinon celle du répertoire local, "
                                            "sinon $CARNET_DEV_KEYS_DIR/emergency.key)",
    "{option} must name a .pdf or .png file": "{option} doit désigner un fichier .pdf ou .png",
    "--slip must be another file than --out: the passcode is kept apart from the card":
        "--slip doit être un autre fichier que --out : le code d'accès reste à part de la "
        "carte",
    "no cards": "aucune carte",
    "no code found in this image": "aucun code trouvé dans cette image",
    "this image holds no Carnet professional identity code":
        "cette image ne contient pas de code d'identité professionnelle Carnet",
    "this image holds no Carnet emergency card":
        "cette image ne contient pas de carte d'urgence Carnet",
    "state the reason (10 to 500 characters): it is logged and sent to the patient":
        "indiquez le motif (10 à 500 caractères) : il est tracé et envoyé au patient",
    "allowed: the emergency service can open your emergency summary; every use is logged and "
    "e-mailed to you": "autorisé : le service d'urgence peut ouvrir votre résumé d'urgence ; "
                       "chaque usage est tracé et vous est signalé par e-mail",
    "emergency-contact code:": "code pour un contact d'urgence :",
    "QR written to {path}": "QR écrit dans {path}",
    # ---------------------------------------------------------------- operator, pharmacist
    "create the directory authority's key in this home (never on the server) and print its "
    "public key": "créer la clé de l'autorité d'annuaire dans ce répertoire local (jamais "
                  "sur le serveur) et afficher sa clé publique",
    "load or update beneficiaries from a CSV (nir,last_name,first_name,birth_date,address,"
    "email)": "charger ou mettre à jour les bénéficiaires depuis un CSV (nir,last_name,"
              "first_name,birth_date,address,email)",
    "send activation codes to beneficiaries without a dossier":
        "envoyer les codes d'activation aux bénéficiaires sans dossier",
    "list professionals": "lister les professionnels",
    "approve a registered professional": "approuver un professionnel inscrit",
    "block a professional": "bloquer un professionnel",
    "only this NIR (repeatable)": "seulement ce NIR (répétable)",
    "replace codes sent earlier that are still valid (they stop working); without it they are "
    "kept": "remplacer les codes envoyés plus tôt et encore valables (ils ne marchent plus) ; "
            "sans cette option, ils sont gardés",
    "grant a role (repeatable)": "accorder un rôle (répétable)",
    "the registry file is empty": "le fichier des bénéficiaires est vide",
    "loading the registry": "chargement des bénéficiaires",
    "codes sent by {channel}: {count}": "codes envoyés par {channel} : {count}",
    "skipped (already activated, or no address for this channel): {count}":
        "ignorés (déjà activés, ou sans adresse pour ce canal) : {count}",
    "kept (a code sent earlier is still valid; --resend replaces it): {count}":
        "gardés (un code envoyé plus tôt est encore valable ; --resend le remplace) : {count}",
    "of which {count} replaced a code still valid: that earlier code no longer works":
        "dont {count} ont remplacé un code encore valable : l'ancien code ne marche plus",
    "{ps_id} ({name}) blocked: their sessions are closed":
        "{ps_id} ({name}) bloqué : ses sessions sont fermées",
    "print an activation code for the patient in front of you":
        "imprimer un code d'activation pour le patient devant vous",
    "replace the patient's code sent earlier if it is still valid (it stops working)":
        "remplacer le code du patient envoyé plus tôt s'il est encore valable (il ne marche "
        "plus)",
    "by e-mail": "par e-mail", "by post": "par courrier", "at a pharmacy": "en pharmacie",
    # ---------------------------------------------------------------- more of the commands
    "import FHIR R4 files (bundles or resources, JSON or gzip) into this dossier":
        "importer des fichiers FHIR R4 (bundles ou ressources, JSON ou gzip) dans ce dossier",
    "import an archive into this dossier; or FHIR R4 files (JSON or gzip)":
        "importer une archive dans ce dossier ; ou des fichiers FHIR R4 (JSON ou gzip)",
    "refuse a file whose patient NIR is not valid (default: warn)":
        "refuser un fichier dont le NIR du patient n'est pas valide (par défaut : "
        "avertir)",
    "import one Carnet archive at a time (FHIR files may be several)":
        "importez une seule archive Carnet à la fois (les fichiers FHIR peuvent être "
        "plusieurs)",
    "{path}: larger than {count} MiB; nothing was imported":
        "{path} : plus de {count} Mio ; rien n'a été importé",
    "warning: {warning}": "attention : {warning}",
    "[{mark}] interaction: {names} ({via}; ANSM: {levels})":
        "[{mark}] interaction : {names} ({via} ; ANSM : {levels})",
    "[{mark}] allergy: {names}: {text}": "[{mark}] allergie : {names} : {text}",
    "[not checked] {names}: {text}": "[non vérifié] {names} : {text}",
    "[partial view] {text}": "[vue partielle] {text}",
    "one item a consent token opens, in full (give the token again)":
        "un élément qu'ouvre un code de consentement, en entier (redonnez le code)",
    "open what a patient's consent token grants you: whose dossier, what is opened, each item "
    "with its details": "ouvrir ce que le code de consentement d'un patient vous accorde : "
                        "le dossier de qui, ce qui est ouvert, chaque élément avec ses "
                        "détails",
    "overwrite files in DIR": "remplacer les fichiers de DIR",
    "write the decrypted attachments into DIR (files readable by you only)":
        "écrire les pièces jointes déchiffrées dans DIR (fichiers lisibles par vous seul)",
    "--save-attachment needs a directory: {path} is a file":
        "--save-attachment attend un répertoire : {path} est un fichier",
    "item {item_id} is not among what this consent opens (it may not exist, be in a section "
    "not granted, or be masked by the patient)": "l'élément {item_id} ne fait pas partie de "
                                                 "ce qu'ouvre ce consentement (il peut ne pas "
                                                 "exister, être dans une section non "
                                                 "accordée, ou masqué par le patient)",
    "Attachment: {name} ({media_type}, {size} bytes)":
        "Pièce jointe : {name} ({media_type}, {size} octets)",
    "id {item_id}": "id {item_id}",
    "line {line}: {reason}": "ligne {line} : {reason}",
    "loaded {loaded}, updated {updated}, rejected {rejected}":
        "chargés : {loaded}, mis à jour : {updated}, refusés : {rejected}",
    "{ps_id} ({name}) approved; roles: {roles}": "{ps_id} ({name}) approuvé ; rôles : {roles}",
    "{message} (carnet pharmacist start-activation --resend)":
        "{message} (carnet pharmacist start-activation --resend)",
    "{name}, born {birth_date} (shown to whoever you let in, and on emergency access, as whose "
    "dossier it is)": "{name}, né(e) le {birth_date} (montré à qui vous ouvrez votre dossier, "
                      "et lors d'un accès en urgence, comme titulaire du dossier)",
    "no name in your dossier yet: professionals and emergency staff are told so; set it with "
    "patient identity --name NAME --birth-date YYYY-MM-DD":
        "pas encore de nom dans votre dossier : les professionnels et les secours en sont "
        "avertis ; indiquez-le avec patient identity --name NOM --birth-date AAAA-MM-JJ",
    "card {card_id} revoked": "carte {card_id} révoquée",
    "contact grant {grant_id}; give your contact this token:\n{text}":
        "accès du contact {grant_id} ; donnez ce code à votre contact :\n{text}",
    "directory authority key created in {path} (sealed with your passphrase: keep this home "
    "off the server)\npublic key: {public}\nset on the server: {setting}\npublish its "
    "fingerprint so that clients can check what they pin":
        "clé de l'autorité d'annuaire créée dans {path} (scellée par votre phrase secrète : "
        "gardez ce répertoire local hors du serveur)\nclé publique : {public}\nà régler sur "
        "le serveur : {setting}\npubliez son empreinte pour que les clients vérifient ce "
        "qu'ils retiennent",
    "emergency service key created in {path} (sealed with your passphrase: keep this home off "
    "the server)\npublic key: {public}\nset on the server: {setting}":
        "clé du service d'urgence créée dans {path} (scellée par votre phrase secrète : "
        "gardez ce répertoire local hors du serveur)\nclé publique : {public}\nà régler sur "
        "le serveur : {setting}",
    "imported {items} items ({revisions} revisions){skipped}":
        "importé : {items} éléments ({revisions} versions){skipped}",
    "drug interaction and allergy alerts for your active treatments":
        "alertes d'interactions médicamenteuses et d'allergies pour vos traitements en cours",
    "older items too": "les éléments plus anciens aussi",
    "the care history (last 24 months; --all for everything)":
        "l'historique des soins (24 derniers mois ; --all pour tout)",
    "write the dossier as an IPS summary (FHIR R4 document bundle)":
        "écrire le dossier en résumé IPS (document FHIR R4)",
    "write what a consent token opens as an IPS summary (FHIR R4 document bundle)":
        "écrire ce qu'ouvre un code de consentement en résumé IPS (document FHIR R4)",
    "IPS summary of what the consent opens written to {path}":
        "résumé IPS de ce qu'ouvre le consentement écrit dans {path}",
    "IPS summary written to {path} ({size} bytes)":
        "résumé IPS écrit dans {path} ({size} octets)",
    "check interactions and allergies before saving (the drug's code: --field rxnorm=CODE)":
        "vérifier les interactions et les allergies avant d'enregistrer (le code du "
        "médicament : --field rxnorm=CODE)",
    "what the clinical checks rest on (ANSM thesaurus, sources)":
        "sur quoi reposent les vérifications cliniques (thésaurus de l'ANSM, sources)",
    "with --prescription: save despite the alerts, recording them as acknowledged":
        "avec --prescription : enregistrer malgré les alertes, notées comme prises en compte",
    # ---------------------------------------------------------------- the server's and consent's
    "not a Carnet consent token": "ce n'est pas un code de consentement Carnet",
    "this consent token is not valid": "ce code de consentement n'est pas valable",
    "this consent token has expired": "ce code de consentement a expiré",
    "this consent was revoked by the patient": "le patient a révoqué ce consentement",
    "this consent token was issued to someone else":
        "ce code de consentement a été émis pour quelqu'un d'autre",
    "no QR code could be read from this image": "aucun QR code n'a pu être lu sur cette image",
    "not a Carnet emergency-contact code": "ce n'est pas un code de contact d'urgence Carnet",
    "not a Carnet professional identity code":
        "ce n'est pas un code d'identité professionnelle Carnet",
    "the directory's key for this professional is not the one their identity code shows: "
    "refusing": "la clé de ce professionnel dans l'annuaire n'est pas celle que montre son "
                "code d'identité : refus",
    "not a Carnet emergency card": "ce n'est pas une carte d'urgence Carnet",
    "the emergency package does not open": "le paquet d'urgence ne s'ouvre pas",
    "this deposit does not verify": "ce dépôt ne se vérifie pas",
    "this professional's directory entry is not signed by the directory authority: refusing "
    "to trust its keys": "l'inscription de ce professionnel n'est pas signée par l'autorité "
                         "d'annuaire : ses clés ne sont pas dignes de confiance",
    "the access history does not verify": "l'historique des accès ne se vérifie pas",
    "a consent must cover at least one section":
        "un consentement doit couvrir au moins une section",
    "activation failed: check the NIR and the code; after five wrong codes, ask for a new one":
        "échec de l'activation : vérifiez le NIR et le code ; après cinq codes erronés, "
        "demandez-en un nouveau",
    "If this NIR and birth date are in the registry, an activation code is on its way to the "
    "postal or e-mail address on file.": "Si ce NIR et cette date de naissance figurent au "
                                         "registre, un code d'activation part vers l'adresse "
                                         "postale ou électronique enregistrée.",
    "activation failed: this code was replaced by a newer one, sent {channel} on "
    "{created_at}; use the newest code you received":
        "échec de l'activation : ce code a été remplacé par un plus récent, envoyé "
        "{channel} le {created_at} ; utilisez le dernier code reçu",
    "activation failed: this code has expired; ask for a new one":
        "échec de l'activation : ce code a expiré ; demandez-en un nouveau",
    "the NIR does not match the birth date": "le NIR ne correspond pas à la date de naissance",
    "no beneficiary with this NIR and birth date in the registry":
        "aucun bénéficiaire avec ce NIR et cette date de naissance au registre",
    "this patient already has an open dossier": "ce patient a déjà un dossier ouvert",
    "login failed: the passphrase, code or signature is not valid":
        "échec de la connexion : la phrase secrète, le code ou la signature n'est pas "
        "valable",
    "this login challenge has expired; ask for a new one":
        "ce défi de connexion a expiré ; demandez-en un nouveau",
    "this session is not valid or has expired; sign in again":
        "cette session n'est pas valable ou a expiré ; reconnectez-vous",
    "this session does not give access to that dossier":
        "cette session ne donne pas accès à ce dossier",
    "this grant has already expired": "cet accès a déjà expiré",
    "the request's time is outside the allowed window; check the computer's clock":
        "l'heure de la requête est hors de la fenêtre permise ; vérifiez l'horloge de "
        "l'ordinateur",
    "this request was already made (replayed nonce)": "cette requête a déjà été faite (rejeu)",
    "no such attachment among what this consent opens":
        "aucune pièce jointe de ce type parmi ce qu'ouvre ce consentement",
    "no approved professional with this idNat_PS": "aucun professionnel approuvé avec cet "
                                                   "idNat_PS",
    "you blocked this professional: lift the block before granting them access":
        "vous avez bloqué ce professionnel : levez le blocage avant de lui donner accès",
    "the request signature does not check": "la signature de la requête n'est pas valide",
    "this idNat_PS is already registered": "cet idNat_PS est déjà inscrit",
    "this professional is not approved": "ce professionnel n'est pas approuvé",
    "no such professional": "professionnel inconnu",
    "no such emergency card": "carte d'urgence inconnue",
    "wrong passcode ({count} attempt left before the card locks)":
        "code d'accès erroné ({count} essai restant avant le blocage de la carte)",
    "wrong passcode ({count} attempts left before the card locks)":
        "code d'accès erroné ({count} essais restants avant le blocage de la carte)",
    "break-glass needs the emergency role": "le bris de glace demande le rôle d'urgence",
    "state the reason (at least 10 characters): it is logged and sent to the patient":
        "indiquez le motif (au moins 10 caractères) : il est tracé et envoyé au patient",
    "no open dossier for this NIR": "aucun dossier ouvert pour ce NIR",
    "too many attempts, try again later": "trop de tentatives, réessayez plus tard",
    "this activation code is not valid": "ce code d'activation n'est pas valable",
    "this activation code was replaced by a newer one: use the newest code you received":
        "ce code d'activation a été remplacé par un plus récent : utilisez le dernier code "
        "reçu",
    "authentication required": "connexion requise",
    "not allowed": "non autorisé",
    "this item was written by a professional: you cannot delete it, but you can mask it "
    "(carnet patient mask ITEM_ID), and no grant will show it again":
        "cet élément a été écrit par un professionnel : vous ne pouvez pas le supprimer, mais "
        "vous pouvez le masquer (carnet patient mask ITEM_ID), et aucun accès ne le montrera "
        "plus",
    "the patient has blocked this professional": "le patient a bloqué ce professionnel",
    "this consent lets you read, not write": "ce consentement permet de lire, pas d'écrire",
    "this emergency card is locked after too many wrong passcodes":
        "cette carte d'urgence est bloquée après trop de codes erronés",
    "this emergency card has expired or was revoked":
        "cette carte d'urgence a expiré ou a été révoquée",
    "this patient did not allow break-glass access":
        "ce patient n'a pas autorisé l'accès en bris de glace",
    "wrong passcode": "code d'accès erroné",
    "not found": "introuvable",
    "conflict with the current state": "conflit avec l'état actuel",
    "this item is wrapped under a key the patient has replaced: scan the consent again to get "
    "the new key, then retry": "cet élément est chiffré sous une clé que le patient a "
                               "remplacée : scannez à nouveau le consentement pour obtenir la "
                               "nouvelle clé, puis réessayez",
    "an activation code sent earlier is still valid":
        "un code d'activation envoyé plus tôt est encore valable",
    "no professional with this idNat_PS in the directory":
        "aucun professionnel avec cet idNat_PS dans l'annuaire",
    "this professional is not blocked": "ce professionnel n'est pas bloqué",
    "this patient has too many deposits waiting; try again later":
        "ce patient a trop de dépôts en attente ; réessayez plus tard",
    "no such deposit in this dossier": "aucun dépôt de ce type dans ce dossier",
    "you blocked {name} ({ps_id}): a grant to them is refused; lift the block first (carnet "
    "patient unblock {ps_id})": "vous avez bloqué {name} ({ps_id}) : tout accès lui est "
                                "refusé ; levez d'abord le blocage (carnet patient unblock "
                                "{ps_id})",
    "{name} ({ps_id}) is '{listed}' in the countersigned directory, not '{expected}': check "
    "the idNat_PS; nothing was issued": "{name} ({ps_id}) est « {listed} » dans l'annuaire "
                                        "contresigné, pas « {expected} » : vérifiez "
                                        "l'idNat_PS ; rien n'a été accordé",
    "the directory gives {name} ({ps_id}) the profession '{listed}', which has no default "
    "sections: choose them with --section": "l'annuaire donne à {name} ({ps_id}) la "
                                            "profession « {listed} », qui n'a pas de sections "
                                            "par défaut : choisissez-les avec --section",
    # ---------------------------------------------------------------- views (web.client.reading)
    "Care history": "Historique des soins", "Medical history": "Antécédents médicaux",
    "Exam results": "Résultats d'examens", "Current treatments": "Traitements en cours",
    "Allergies": "Allergies", "Blood group": "Groupe sanguin",
    "Vaccinations": "Vaccinations", "Advance directives": "Directives anticipées",
    "Emergency contacts": "Contacts d'urgence", "Personal notes": "Notes personnelles",
    "Consent": "Consentement", "Emergency contact access": "Accès du contact d'urgence",
    "Emergency card": "Carte d'urgence",
    "Break-glass access (logged; the patient is notified)":
        "Accès en bris de glace (tracé ; le patient est prévenu)",
    "may add items": "peut ajouter des éléments", "read only": "lecture seule",
    "Dossier of {name}, born {birth_date}": "Dossier de {name}, né(e) le {birth_date}",
    "Dossier of a patient who has not entered their name":
        "Dossier d'un patient qui n'a pas indiqué son nom",
    "until {when}": "jusqu'au {when}",
    "the patient": "le patient", "the patient ({name})": "le patient ({name})",
    "this item": "cet élément", "the whole section {section}": "toute la section {section}",
    "The patient can mask any item or section: this view may be incomplete. It never says "
    "whether something is masked, and an empty section does not mean there is nothing to "
    "know.": "Le patient peut masquer tout élément ou toute section : cette vue peut être "
             "incomplète. Elle ne dit jamais si quelque chose est masqué, et une section vide "
             "ne veut pas dire qu'il n'y a rien à savoir.",
    "nothing recorded here, or masked by the patient":
        "rien d'enregistré ici, ou masqué par le patient",
    "The patient has not entered their name and birth date in the dossier (or masked them): "
    "check who the patient is another way.": "Le patient n'a pas indiqué son nom et sa date "
                                             "de naissance dans le dossier (ou les a "
                                             "masqués) : vérifiez son identité autrement.",
    "An emergency access opens only the emergency summary; not shown: {missing}.":
        "Un accès en urgence n'ouvre que le résumé d'urgence ; non montré : {missing}.",
    "An emergency contact sees only the emergency summary; not shown: {missing}.":
        "Un contact d'urgence ne voit que le résumé d'urgence ; non montré : {missing}.",
    "Not opened by this consent (ask the patient): {missing}.":
        "Non ouvert par ce consentement (demandez au patient) : {missing}.",
    "{count} item(s) could not be opened and are not shown.":
        "{count} élément(s) n'ont pas pu être ouverts et ne sont pas montrés.",
    "professional {ps_id} (not in the countersigned directory)":
        "professionnel {ps_id} (absent de l'annuaire contresigné)",
    "this item has no attachment": "cet élément n'a pas de pièce jointe",
    "no attachment to save": "aucune pièce jointe à enregistrer",
    "the name must be 1 to {count} characters": "le nom doit avoir de 1 à {count} caractères",
    "the birth date must be an ISO date (YYYY-MM-DD)":
        "la date de naissance doit être écrite AAAA-MM-JJ",
    "give both --name and --birth-date (or neither, to see them)":
        "donnez à la fois --name et --birth-date (ou aucun des deux, pour les voir)",
    "your name and birth date as your dossier shows them to professionals and emergency "
    "staff": "votre nom et votre date de naissance tels que votre dossier les montre aux "
             "professionnels et aux secours",
    "your name as you want it shown (e.g. Inès Petit)":
        "votre nom tel que vous voulez qu'il apparaisse (par exemple Inès Petit)",
}

SAME: Final[frozenset[str]] = frozenset({
    "options", "id", "date", "section", "type", "profession", "Allergies", "Vaccinations",
    "idNat_PS",
})
