"""The clinical package's errors: one base, each with a stable code and a message that says
where (file, entry, field) but never quotes medical content."""

from __future__ import annotations

__all__ = ["ClinicalError", "IndexUnavailable", "InvalidFhir"]


class ClinicalError(ValueError):
    """Base of every error raised by ``clinical``."""

    code = "clinical_error"


class InvalidFhir(ClinicalError):
    """The input is not an acceptable FHIR R4 document (``where`` says which part)."""

    code = "invalid_fhir"

    def __init__(self, message: str, where: str = "") -> None:
        super().__init__(f"{where}: {message}" if where else message)
        self.where = where


class IndexUnavailable(ClinicalError):
    """The interaction index is missing or of an unknown format."""

    code = "index_unavailable"
