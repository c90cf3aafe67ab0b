"""Page texts of the professional's writes: reports, prescriptions, deposits, IPS export."""

from __future__ import annotations

from typing import Final

TEXT: Final[dict[str, tuple[str, str]]] = {
}
