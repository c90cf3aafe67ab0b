"""Page texts of the professional's writes: reports, prescriptions, deposits, IPS export."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    # in the dossier view
    "pro_writes.title": ("Ajouter au dossier", "Add to the record"),
    "pro_writes.readonly": ("Ce consentement est en lecture seule : le patient ne vous a pas "
                            "autorisé à écrire dans son dossier.",
                            "This consent is read-only: the patient has not allowed you to "
                            "write in their record."),
    "pro_writes.no_section": ("Ce consentement n'ouvre pas toutes les rubriques où l'on écrit "
                              "une prescription (traitements en cours) ou un compte rendu "
                              "(historique des soins).",
                              "This consent does not open every section a prescription "
                              "(current treatments) or a report (care history) goes in."),
    "pro_writes.date": ("Date", "Date"),
    "pro_writes.rx_title": ("Prescription", "Prescription"),
    "pro_writes.rx_drug": ("Médicament", "Medicine"),
    "pro_writes.rx_drug_hint": ("Le nom de la substance (par exemple : Amoxicilline), vérifié "
                                "contre les allergies et les traitements en cours.",
                                "The substance's name (for example: Amoxicilline), checked "
                                "against the allergies and current treatments."),
    "pro_writes.rx_code": ("Code RxNorm (facultatif)", "RxNorm code (optional)"),
    "pro_writes.rx_code_hint": ("Le code rend la vérification plus sûre qu'un nom.",
                                "A code makes the check surer than a name."),
    "pro_writes.rx_dosage": ("Posologie", "Dosage"),
    "pro_writes.rx_duration": ("Durée", "Duration"),
    "pro_writes.rx_check": ("Vérifier et enregistrer", "Check and save"),
    "pro_writes.alerts_title": ("Alertes pour cette prescription",
                                "Alerts for this prescription"),
    "pro_writes.alerts_count": ("{count} alerte(s) pour {title} : rien n'est enregistré tant que "
                                "vous ne confirmez pas.",
                                "{count} alert(s) for {title}: nothing is saved until you "
                                "confirm."),
    "pro_writes.alerts_found": ("Alertes trouvées : lisez-les avant de confirmer.",
                                "Alerts found: read them before confirming."),
    "pro_writes.ack": ("J'ai pris connaissance de ces alertes et je maintiens la prescription "
                       "(elles seront enregistrées avec elle).",
                       "I have read these alerts and maintain the prescription (they are "
                       "recorded with it)."),
    "pro_writes.confirm": ("Enregistrer malgré les alertes", "Save despite the alerts"),
    "pro_writes.cancel": ("Ne pas enregistrer", "Do not save"),
    "pro_writes.not_saved": ("Rien n'a été enregistré.", "Nothing was saved."),
    "pro_writes.alert_interaction": ("Interaction : {drugs}", "Interaction: {drugs}"),
    "pro_writes.alert_allergy": ("Allergie : {allergy} — {drug}", "Allergy: {allergy} — {drug}"),
    "pro_writes.alert_unchecked": ("Non vérifié : {drug}", "Not checked: {drug}"),
    "pro_writes.alert_partial": ("Vue partielle", "Partial view"),
    "pro_writes.alert_matched": ("Thésaurus ANSM : {matched}", "ANSM thesaurus: {matched}"),
    "pro_writes.alert_family": ("Allergie de famille : {matched} (même substance, même famille "
                                "ou allergie croisée)",
                                "Allergy family: {matched} (same substance, same family or "
                                "cross-reactivity)"),
    "pro_writes.level_0": ("Contre-indication", "Contraindication"),
    "pro_writes.level_1": ("Association déconseillée", "Not recommended"),
    "pro_writes.level_2": ("Précaution d'emploi", "Precaution for use"),
    "pro_writes.level_3": ("À prendre en compte", "To be taken into account"),
    "pro_writes.unchecked_index": ("Contrôles d'interactions indisponibles dans ce navigateur.",
                                   "Interaction checks are unavailable in this browser."),
    "pro_writes.checking": ("Vérification des interactions et allergies…",
                            "Checking interactions and allergies…"),
    "pro_writes.saving": ("Chiffrement et enregistrement…", "Encrypting and saving…"),
    "pro_writes.saved_rx": ("Prescription « {title} » enregistrée dans le dossier (le patient "
                            "vous voit comme son auteur).",
                            "Prescription \"{title}\" saved in the record (the patient sees "
                            "you as its author)."),
    "pro_writes.saved_rx_ack": ("Prescription « {title} » enregistrée, avec les alertes que vous "
                                "avez confirmées.",
                                "Prescription \"{title}\" saved, with the alerts you "
                                "confirmed."),
    "pro_writes.saved_unchecked": ("Ce médicament n'a pas pu être vérifié : contrôlez-le "
                                   "vous-même.",
                                   "This medicine could not be checked: check it yourself."),
    "pro_writes.report_title": ("Compte rendu de consultation", "Consultation report"),
    "pro_writes.report_name": ("Titre", "Title"),
    "pro_writes.report_text": ("Texte du compte rendu", "Report text"),
    "pro_writes.report_file": ("PDF joint (facultatif)", "Attached PDF (optional)"),
    "pro_writes.report_file_hint": ("Chiffré dans ce navigateur avant l'envoi ; 25 Mo au plus.",
                                    "Encrypted in this browser before it is sent; 25 MB at "
                                    "most."),
    "pro_writes.report_save": ("Enregistrer le compte rendu", "Save the report"),
    "pro_writes.saved_report": ("Compte rendu « {title} » enregistré dans le dossier.",
                                "Report \"{title}\" saved in the record."),
    "pro_writes.ips": ("Exporter en IPS (FHIR)", "Export as IPS (FHIR)"),
    "pro_writes.ips_hint": ("Le résumé patient international de ce que ce consentement vous "
                            "ouvre, construit dans ce navigateur.",
                            "The International Patient Summary of what this consent opens to "
                            "you, built in this browser."),
    "pro_writes.ips_done": ("Export IPS prêt.", "IPS export ready."),
    # the deposit view
    "pro_writes.go_deposit": ("Dépôt de document (laboratoire, hôpital)",
                              "Deposit a document (laboratory, hospital)"),
    "pro_writes.deposit_title": ("Dépôt de document", "Deposit a document"),
    "pro_writes.deposit_back": ("Retour", "Back"),
    "pro_writes.deposit_text": ("Déposez un résultat ou un compte rendu pour un patient connu par "
                                "son numéro de sécurité sociale : il est chiffré ici pour lui "
                                "seul et signé par vous. Vous ne lisez rien de son dossier.",
                                "Leave a result or a report for a patient known by their social "
                                "security number: it is encrypted here for them alone and "
                                "signed by you. You read nothing of their record."),
    "pro_writes.deposit_nir": ("Numéro de sécurité sociale (NIR) du patient",
                               "Patient's social security number (NIR)"),
    "pro_writes.deposit_nir_hint": ("15 caractères, clé comprise ; espaces permis.",
                                    "15 characters, key included; spaces allowed."),
    "pro_writes.deposit_kind": ("Type de document", "Kind of document"),
    "pro_writes.kind_lab_result": ("Résultat de biologie", "Laboratory result"),
    "pro_writes.kind_imaging": ("Imagerie", "Imaging"),
    "pro_writes.kind_exam_result": ("Autre examen", "Other exam"),
    "pro_writes.kind_discharge_summary": ("Lettre de sortie", "Discharge summary"),
    "pro_writes.kind_hospital_stay": ("Séjour hospitalier", "Hospital stay"),
    "pro_writes.kind_consultation_report": ("Compte rendu de consultation",
                                            "Consultation report"),
    "pro_writes.deposit_name": ("Titre", "Title"),
    "pro_writes.deposit_content": ("Contenu", "Content"),
    "pro_writes.deposit_submit": ("Déposer", "Deposit"),
    "pro_writes.depositing": ("Chiffrement et dépôt…", "Encrypting and depositing…"),
    "pro_writes.deposited": ("« {title} » déposé. Si ce NIR a un dossier, le patient le classera ; "
                             "Carnet ne dit jamais qui en a un : envoyez aussi le document par "
                             "votre canal habituel.",
                             "\"{title}\" deposited. If this NIR has a record, the patient "
                             "files it there; Carnet never says who has one: send the document "
                             "by your usual channel too."),
    "pro_writes.deposit_notice": ("Un dépôt ne donne accès à rien. Le patient le classe dans "
                                  "son dossier et voit qui l'a déposé. Sans pièce jointe : "
                                  "le contenu est un texte.",
                                  "A deposit opens nothing. The patient files it in their "
                                  "record and sees who left it. No attachment: the content "
                                  "is text."),
    # errors
    "pro_writes.error_no_dossier": ("Aucun dossier ouvert : scannez d'abord le consentement.",
                                    "No record open: scan the consent first."),
    "pro_writes.error_not_allowed": ("Ce consentement ne permet pas d'écrire dans cette rubrique.",
                                     "This consent does not allow writing in this section."),
    "pro_writes.error_nir": ("Ce n'est pas un numéro de sécurité sociale valide (vérifiez la "
                             "clé, les 2 derniers chiffres).",
                             "This is not a valid social security number (check the key, the "
                             "last 2 digits)."),
    "pro_writes.error_invalid": ("Saisie refusée : {detail}", "Input refused: {detail}"),
    "pro_writes.error_date": ("Indiquez une date.", "Give a date."),
    "pro_writes.error_future": ("Cette date est dans le futur.", "This date is in the future."),
    "pro_writes.error_drug": ("Indiquez le médicament.", "Name the medicine."),
    "pro_writes.error_code": ("Un code RxNorm ne contient que des chiffres.",
                              "An RxNorm code holds digits only."),
    "pro_writes.error_title": ("Indiquez un titre.", "Give a title."),
    "pro_writes.error_pdf": ("Le fichier joint doit être un PDF.",
                             "The attached file must be a PDF."),
    "pro_writes.error_ack": ("Cochez la case pour confirmer que vous avez lu les alertes.",
                             "Tick the box to confirm you have read the alerts."),
}
