"""French catalog, part: the command line itself: argparse, the command tree, errors in the user's
terms, secrets and files, passphrases, the local home, sessions (merged into
:data:`web.i18n.fr.MESSAGES`)."""

from typing import Final

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
}
