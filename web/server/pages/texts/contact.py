"""Page texts of the emergency contact's pages: ``key -> (fr, en)``."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "proche.signin_title": ("Personne à prévenir", "Emergency contact"),
    "proche.signin_text": (
        "Un patient vous a désigné comme personne à prévenir ? Connectez-vous avec votre propre "
        "dossier Carnet : c'est avec ses clés, sur cet appareil, que s'ouvre le résumé d'urgence "
        "que le patient vous a confié.",
        "Did a patient name you as their emergency contact? Sign in with your own Carnet "
        "record: the emergency summary the patient gave you opens with its keys, on this "
        "device."),
    "proche.signin_submit": ("Me connecter", "Sign in"),
    "proche.signing_in": ("Ouverture de votre dossier… (quelques secondes)",
                          "Opening your record… (a few seconds)"),
    "proche.bad_login": ("Le NIR ou la phrase secrète ne correspondent pas.",
                         "The NIR or the passphrase does not match."),
    "proche.home_title": ("Mon espace de personne à prévenir", "My emergency contact area"),
    "proche.code_title": ("Mon code de personne à prévenir", "My emergency contact code"),
    "proche.code_text": (
        "Montrez ce code, en personne, au patient qui vous désigne : il le scanne dans Carnet et "
        "vous donne en retour le lien de son résumé d'urgence. Ce code ne contient que vos clés "
        "publiques.",
        "Show this code, in person, to the patient naming you: they scan it in Carnet and give "
        "you back the link to their emergency summary. It holds only your public keys."),
    "proche.qr_label": ("Code QR de personne à prévenir", "Emergency contact QR code"),
    "proche.read_title": ("Ouvrir le résumé qu'un patient m'a confié",
                          "Open the summary a patient gave me"),
    "proche.read_text": (
        "Scannez le code QR que le patient vous a remis, choisissez-en une photo, ou collez le "
        "lien. Carnet ne le garde pas : conservez-le.",
        "Scan the QR code the patient gave you, choose a photo of it, or paste the link. Carnet "
        "does not keep it: keep it yourself."),
    "proche.camera": ("Scanner avec la caméra", "Scan with the camera"),
    "proche.camera_stop": ("Arrêter la caméra", "Stop the camera"),
    "proche.video_label": ("Image de la caméra", "Camera picture"),
    "proche.photo": ("Ou une photo du code", "Or a photo of the code"),
    "proche.paste": ("Ou le lien que le patient vous a donné", "Or the link the patient gave you"),
    "proche.paste_hint": ("Il commence par https:// et contient /C#",
                          "It starts with https:// and contains /C#"),
    "proche.open": ("Ouvrir le résumé", "Open the summary"),
    "proche.opening": ("Ouverture du résumé…", "Opening the summary…"),
    "proche.scanning": ("Caméra active : présentez le code QR.", "Camera on: show the QR code."),
    "proche.no_camera": ("La caméra n'est pas disponible ({detail}). Choisissez une photo ou "
                         "collez le lien.",
                         "The camera is not available ({detail}). Choose a photo or paste the "
                         "link."),
    "proche.no_qr": ("Aucun code QR lisible sur cette image.",
                     "No readable QR code in this picture."),
    "proche.not_a_token": ("Ce code n'est pas un consentement Carnet.",
                           "This code is not a Carnet consent."),
    "proche.is_card": (
        "C'est une carte d'urgence : ouvrez-la sur la page Urgence, avec son code d'accès.",
        "This is an emergency card: open it on the Emergency page, with its passcode."),
    "proche.wrong_recipient": (
        "Ce résumé a été confié à quelqu'un d'autre : il ne s'ouvre pas avec votre dossier.",
        "This summary was given to someone else: it does not open with your record."),
    "proche.expired": ("Ce partage a expiré.", "This share has expired."),
    "proche.revoked": ("Le patient a retiré ce partage.", "The patient withdrew this share."),
    "proche.invalid": ("Ce lien n'est pas valide.", "This link is not valid."),
    "proche.lock": ("Verrouiller", "Lock"),
    "proche.locked": ("Dossier verrouillé : vos clés ont été effacées de cet appareil.",
                      "Locked: your keys were erased from this device."),
    "proche.locked_idle": ("Verrouillé après 5 minutes d'inactivité.",
                           "Locked after 5 minutes without activity."),
    "proche.summary_title": ("Résumé d'urgence confié", "Emergency summary given to you"),
    "proche.logged": (
        "Cet accès est enregistré dans l'historique du patient.",
        "This access is recorded in the patient's history."),
    "proche.until": ("Partage valable jusqu'au {date}.", "Shared until {date}."),
    "proche.summary_only": (
        "Seul le résumé d'urgence vous est confié ; le patient a pu masquer certaines "
        "informations.",
        "Only the emergency summary is given to you; the patient may have masked some items."),
    "proche.back": ("Retour", "Back"),
}
