"""The French catalog, the product's language.

``MESSAGES``: English source strings, exact or templates with ``{name}`` placeholders (the
same names as the English: ``tests/web/i18n`` checks it), to French. ``LABELS``: display
names of identifiers (sections, item types, flags, statuses, roles), which stay English in
``--json`` and on the command line; the messages live in ``fr_cli``, ``fr_dossier`` and
``fr_service`` by what they speak of. ``SAME``: texts that read the same in French.

Terms: passphrase = phrase secrète, recovery code = code de secours, grant = accès, consent
token = code de consentement, item = élément, mask = masquer, break-glass = bris de glace,
deposit = dépôt, home = répertoire local, profile = profil.
"""

from typing import Final

from web.i18n import fr_cli, fr_dossier, fr_service

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

# English -> French, in three parts by what they speak of; a text in two parts is a mistake.
MESSAGES: Final[dict[str, str]] = {}
for _part in (fr_cli, fr_dossier, fr_service):
    _twice = MESSAGES.keys() & _part.MESSAGES.keys()
    if _twice:
        raise RuntimeError(f"French catalog: translated twice: {sorted(_twice)}")
    MESSAGES.update(_part.MESSAGES)

SAME: Final[frozenset[str]] = frozenset({
    "options", "id", "date", "section", "type", "profession", "Allergies", "Vaccinations",
    "idNat_PS",
})
