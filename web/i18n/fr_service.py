"""French catalog, part: emergency, operator and pharmacist, the remaining commands, the server's
and consent's messages, the reader's views (merged into :data:`web.i18n.fr.MESSAGES`)."""

from typing import Final

MESSAGES: Final[dict[str, str]] = {
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
    "the emergency summary's keys could not be rotated now (the server did not answer): they "
    "will be at your next sign-in or change":
        "les clés du résumé d'urgence n'ont pas pu être renouvelées maintenant (le serveur n'a "
        "pas répondu) : elles le seront à votre prochaine connexion ou modification",
    "; renew it: made before cards followed key changes, it may not open what was written or "
    "masked since": " ; renouvelez-la : faite avant que les cartes suivent les changements "
                    "de clés, elle peut ne pas ouvrir ce qui a été écrit ou masqué depuis",
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
