"""Page texts of the drug alerts (``web/browser/src/clinical/alerts.ts``: each alert's ``key``
with its ``args``), as the professional's pages show them."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
    "clinical.alert_interaction": (
        "Interaction entre {first} et {second} ({matched}) : {levels}",
        "Interaction between {first} and {second} ({matched}): {levels}"),
    "clinical.alert_allergy_same": (
        "Allergie à {allergy} : {drug} contient {substance}",
        "Allergy to {allergy}: {drug} contains {substance}"),
    "clinical.alert_allergy_family": (
        "Allergie à {allergy} ({family}) : {drug} contient {substance}, de la même famille",
        "Allergy to {allergy} ({family}): {drug} contains {substance}, of the same family"),
    "clinical.alert_allergy_cross": (
        "Allergie à {allergy} ({family}) : réaction croisée possible avec {other} "
        "({substance} dans {drug})",
        "Allergy to {allergy} ({family}): possible cross-reactivity with {other} "
        "({substance} in {drug})"),
    "clinical.alert_unchecked_missing": (
        "{drug} n'est pas (entièrement) vérifié : {substances} absent(s) du thésaurus ANSM",
        "{drug} is not (fully) checked: {substances} not in the ANSM thesaurus"),
    "clinical.alert_unchecked_product": (
        "{drug} n'est pas vérifié : produit inconnu du thésaurus ANSM",
        "{drug} is not checked: product unknown to the ANSM thesaurus"),
    "clinical.alert_unchecked_code": (
        "{drug} n'est pas vérifié : son code n'est pas reconnu",
        "{drug} is not checked: its code is not recognised"),
    "clinical.alert_partial_masking": (
        "Vue partielle : le patient a masqué des informations ; les alertes ne portent que "
        "sur ce que vous voyez.",
        "Partial view: the patient masked some information; the alerts cover only what you "
        "see."),
    "clinical.alert_partial_masked": (
        "Vue partielle : {count} information(s) masquée(s) ne sont pas vérifiées.",
        "Partial view: {count} masked item(s) are not checked."),
    "clinical.alert_partial_sections": (
        "Vue partielle : ce consentement ne vous ouvre pas {sections}.",
        "Partial view: this consent does not open {sections} to you."),
    "clinical.alert_partial_sections_checks": (
        "Vue partielle : ce consentement ne vous ouvre pas {sections} ; les interactions et "
        "allergies qui s'y trouvent ne sont pas vérifiées.",
        "Partial view: this consent does not open {sections} to you; interactions and "
        "allergies recorded there are not checked."),
}
