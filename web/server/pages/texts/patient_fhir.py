"""Page texts of FHIR import and IPS export (patient): ``key -> (fr, en)``."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "fhir.panel": ("Importer ou exporter (FHIR, IPS)", "Import or export (FHIR, IPS)"),
    "fhir.import_title": ("Importer un dossier FHIR", "Import a FHIR record"),
    "fhir.import_text": (
        "Un fichier FHIR R4 (.json, ou .json.gz) : export d'un hôpital, d'un logiciel médical, "
        "résumé patient IPS, document du DMP. Il est lu et chiffré sur cet appareil ; le "
        "serveur ne voit jamais son contenu. Importer deux fois le même fichier n'ajoute rien.",
        "A FHIR R4 file (.json, or .json.gz): an export from a hospital or medical software, an "
        "IPS patient summary, a DMP document. It is read and encrypted on this device; the "
        "server never sees its content. Importing the same file twice adds nothing."),
    "fhir.file": ("Fichier FHIR", "FHIR file"),
    "fhir.file_hint": ("Format JSON (FHIR R4), 32 Mio au plus.",
                       "JSON format (FHIR R4), at most 32 MiB."),
    "fhir.import": ("Importer", "Import"),
    "fhir.no_file": ("Choisissez d'abord un fichier.", "Choose a file first."),
    "fhir.reading": ("Lecture et vérification du fichier…", "Reading and checking the file…"),
    "fhir.progress": ("Chiffrement et envoi", "Encrypting and sending"),
    "fhir.progress_text": ("{done} sur {total}", "{done} of {total}"),
    "fhir.invalid": ("Ce fichier ne peut pas être importé ({detail}). Rien n'a été ajouté.",
                     "This file cannot be imported ({detail}). Nothing was added."),
    "fhir.done": ("{added} information(s) ajoutée(s) à partir de {resources} ressources FHIR.",
                  "{added} entries added from {resources} FHIR resources."),
    "fhir.added_title": ("Ajouté, par rubrique", "Added, by section"),
    "fhir.added_none": ("Rien de nouveau : tout était déjà dans votre dossier.",
                        "Nothing new: everything was already in your record."),
    "fhir.section_count": ("{section} : {count}", "{section}: {count}"),
    "fhir.skipped_title": ("Non ajouté", "Not added"),
    "fhir.already": ("{count} déjà présente(s) dans votre dossier",
                     "{count} already in your record"),
    "fhir.unsupported": ("{type} : {count} (type non pris en charge)",
                         "{type}: {count} (type not supported)"),
    "fhir.context": ("{count} ressource(s) de contexte lue(s) sans être enregistrée(s) "
                     "(patient, professionnels, établissements…)",
                     "{count} context resource(s) read, not stored (patient, professionals, "
                     "organisations…)"),
    "fhir.nir_warning": (
        "Le numéro de sécurité sociale (NIR) du patient dans ce fichier n'est pas valide : le "
        "reste a été importé, ce numéro n'est pas utilisé.",
        "The patient's social security number (NIR) in this file is not valid: the rest was "
        "imported, that number is not used."),
    "fhir.export_title": ("Exporter au format IPS", "Export as IPS"),
    "fhir.export_text": (
        "Un résumé patient international (HL7 IPS, FHIR R4) de vos informations non masquées : "
        "allergies, traitements, antécédents, vaccinations, résultats, actes. Vos notes "
        "personnelles et les informations masquées n'y figurent jamais. Le fichier est créé "
        "sur cet appareil et n'est pas chiffré : gardez-le en lieu sûr.",
        "An international patient summary (HL7 IPS, FHIR R4) of your unmasked entries: "
        "allergies, treatments, history, vaccinations, results, procedures. Your personal "
        "notes and masked entries never appear in it. The file is made on this device and is "
        "not encrypted: keep it safe."),
    "fhir.export": ("Télécharger le résumé IPS", "Download the IPS summary"),
    "fhir.exported": ("Résumé IPS téléchargé ({count} informations).",
                      "IPS summary downloaded ({count} entries)."),
}
