"""French catalog, part: the dossier: the patient's commands and items, vault's checks, the NIR,
professionals, writes and deposits, the demo, consent (merged into
:data:`web.i18n.fr.MESSAGES`)."""

from typing import Final

MESSAGES: Final[dict[str, str]] = {
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
}
