"""``GET /links``: the origin every QR code links to (``consent.link``)."""

from __future__ import annotations

from typing import Annotated

import msgspec

from web.schemas._types import Base


class LinksBody(Base):
    """``origin``: ``CARNET_PUBLIC_URL`` (``https://host[:port]``), or None when the operator
    set none (a client then links to the server URL it uses)."""

    origin: Annotated[str, msgspec.Meta(max_length=100)] | None = None
