"""Shared field types of the HTTP bodies, defined once.

Bytes travel as standard base64 (msgspec's JSON encoding of ``bytes``). Nothing here is
plaintext medical content: every blob is ciphertext, a wrap, a public key or a signature.
Unknown fields are refused so that a typo in a client is an error, not silently ignored.
"""

from __future__ import annotations

from typing import Annotated, Final, Literal

import msgspec

_B64: Final = "[A-Za-z0-9+/]"


def base64_doc(min_bytes: int = 0, max_bytes: int | None = None) -> msgspec.Meta:
    """How a ``bytes`` field is documented: as the base64 text that travels, not the decoded
    bytes (litestar would give the byte bounds as the text's length, and call it UTF-8).
    msgspec still checks the decoded length, through the field's own ``Meta``."""
    def text(n: int) -> int:
        return 4 * -(-n // 3)
    extra: dict[str, object] = {"content_encoding": "base64"}
    if min_bytes == max_bytes:  # keys, salts, signatures: the exact base64 shape
        groups, rest = divmod(min_bytes, 3)
        tail = {0: "", 1: f"{_B64}{{2}}==", 2: f"{_B64}{{3}}="}[rest]
        extra["pattern"] = f"^(?:{_B64}{{4}}){{{groups}}}{tail}$"
    if min_bytes:
        extra["min_length"] = text(min_bytes)
    if max_bytes is not None:
        extra["max_length"] = text(max_bytes)
    return msgspec.Meta(extra_json_schema={"extra": extra})


Id = Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{32}$", description="32 lowercase hex")]
SlotName = Literal["passphrase", "recovery"]
Bytes = Annotated[bytes, base64_doc()]
Blob = Annotated[bytes, msgspec.Meta(max_length=1024 * 1024), base64_doc(0, 1024 * 1024)]
ChunkBlob = Annotated[bytes, msgspec.Meta(max_length=64 * 1024 + 64), base64_doc(0, 64 * 1024 + 64)]
Key32 = Annotated[bytes, msgspec.Meta(min_length=32, max_length=32), base64_doc(32, 32)]
Salt = Annotated[bytes, msgspec.Meta(min_length=16, max_length=16), base64_doc(16, 16)]
Wrapped = Annotated[bytes, msgspec.Meta(max_length=256), base64_doc(0, 256)]
Signature = Annotated[bytes, msgspec.Meta(min_length=64, max_length=64), base64_doc(64, 64)]
TombstoneBlob = Annotated[bytes, msgspec.Meta(min_length=121, max_length=121), base64_doc(121, 121)]
Login = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PsId = Annotated[str, msgspec.Meta(pattern=r"^(8\d{11}|0\d{9})$",
                                   description="idNat_PS: 8 + RPPS or 0 + ADELI")]
# One line of text: no control characters (PostgreSQL refuses NUL in text; a line break in a
# name or an address could end up in a mail header or a letter's layout).
ONE_LINE: Final = r"^[^\x00-\x1f\x7f]*$"
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]
OptionalText = Annotated[str, msgspec.Meta(max_length=200, pattern=ONE_LINE)]
# Integers that are stored go into signed 64-bit columns.
UnixTime = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Version = Annotated[int, msgspec.Meta(ge=1, le=2**63 - 1)]
Revision = Annotated[int, msgspec.Meta(ge=1, le=1_000_000)]


class Base(msgspec.Struct, forbid_unknown_fields=True):
    pass


class ErrorBody(Base):
    code: str
    detail: str
