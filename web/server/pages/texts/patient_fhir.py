"""Page texts of FHIR import and IPS export (patient): ``key -> (fr, en)``."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
}
