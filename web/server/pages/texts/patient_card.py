"""Page texts of the emergency card, break-glass and emergency contacts (patient)."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
}
