"""Clinical content, pure: FHIR R4 reading and mapping (``clinical.fhir``), the ANSM
interaction index (``clinical.index``) and the alert rules (``clinical.alerts``). No web
framework, no database, nothing from ``web``: the same rules run in any client."""

from clinical.alerts import Alert, Code, Drug, Substance, View, check_prescription, review
from clinical.errors import ClinicalError, IndexUnavailable, InvalidFhir
from clinical.index import Index, Interaction, Level, load
from clinical.text import normalise

__all__ = ["Alert", "ClinicalError", "Code", "Drug", "Index", "IndexUnavailable",
           "Interaction", "InvalidFhir", "Level", "Substance", "View", "check_prescription",
           "load", "normalise", "review"]
