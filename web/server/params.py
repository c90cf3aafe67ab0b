"""Path and query parameter types shared by the routes (validated by litestar, documented in
the OpenAPI schema). A malformed value is refused with 400 ``invalid_request``."""

from __future__ import annotations

import re
from typing import Annotated, Final

from litestar.params import Parameter

ID_PATTERN: Final = "^[0-9a-f]{32}$"
_ID: Final = re.compile(ID_PATTERN)

IdParam = Annotated[str, Parameter(pattern=ID_PATTERN, min_length=32, max_length=32,
                                   description="32 lowercase hex digits")]
PsIdParam = Annotated[str, Parameter(pattern=r"^(8\d{11}|0\d{9})$", min_length=10,
                                     max_length=12, description="idNat_PS")]


def is_id(text: str) -> bool:
    """Whether ``text`` is a well-formed id (what ``IdParam`` accepts)."""
    return _ID.fullmatch(text) is not None
