"""What a client signs to log in: ``LOGIN_CONTEXT || challenge`` (ASCII).

The context prefix keeps a login signature from being valid as any other signed message.
"""

from __future__ import annotations

from typing import Final

LOGIN_CONTEXT: Final = b"CARNET-LOGIN\x01"


def login_message(challenge: str) -> bytes:
    """What a client signs to answer a login challenge."""
    return LOGIN_CONTEXT + challenge.encode("ascii")
