"""Page texts of the patient's items: detail, revisions, edit, delete, typed forms."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
}
