"""A thin HTTP caller: msgspec bodies in and out, ``{code, detail}`` errors turned into
exceptions (vault's own where the vault needs them, ApiError otherwise)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeVar

import httpx
import msgspec

from vault import errors as vault_errors
from web.schemas import MSGPACK

T = TypeVar("T")

DEFAULT_SERVER: Final = "http://127.0.0.1:8000"

_VAULT_CODES: Final[dict[str, type[vault_errors.VaultError]]] = {
    "not_found": vault_errors.NotFound,
    "conflict": vault_errors.Conflict,
    "stale_keyring": vault_errors.StaleKeyring,
    "stale_revision": vault_errors.StaleRevision,
    "item_gone": vault_errors.ItemGone,
    "dossier_closed": vault_errors.DossierClosed,
    "invalid_input": vault_errors.InvalidInput,
    "too_large": vault_errors.LimitExceeded,
    "not_allowed": vault_errors.NotAllowed,
}


_DECODERS: Final[dict[type[Any], msgspec.msgpack.Decoder[Any]]] = {}


def _msgpack_decoder(expect: type[T]) -> msgspec.msgpack.Decoder[T]:
    """One decoder per body type, built once."""
    found = _DECODERS.get(expect)
    if found is None:
        found = _DECODERS[expect] = msgspec.msgpack.Decoder(expect)
    return found


class ApiError(Exception):
    """The server refused: HTTP status, stable code and a human detail."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail


class Api:
    def __init__(self, server: str = DEFAULT_SERVER, *, session: str | None = None,
                 transport: httpx.AsyncBaseTransport | None = None,
                 timeout: float = 60.0) -> None:
        self.server = server.rstrip("/")
        self.session = session
        self._http = httpx.AsyncClient(base_url=self.server, transport=transport,
                                       timeout=timeout, follow_redirects=False)

    async def __aenter__(self) -> Api:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(self, method: str, path: str, body: msgspec.Struct | None = None, *,
                   expect: type[T] | None = None,
                   params: Mapping[str, Any] | None = None, auth: bool = True,
                   signer: Callable[[str, str, bytes], Mapping[str, str]] | None = None,
                   msgpack: bool = False) -> T | None:
        content = msgspec.json.encode(body) if body is not None else b""
        headers = {"content-type": "application/json"} if body is not None else {}
        if msgpack:  # the answer as MessagePack if the route can (bytes as bin, no base64)
            headers["accept"] = MSGPACK
        if signer is not None:  # a professional's signed request (P6)
            headers.update(signer(method, path, content))
        if auth and self.session:
            headers["authorization"] = f"Bearer {self.session}"
        try:
            response = await self._http.request(
                method, path, headers=headers, params=params,
                content=content if body is not None else None)
        except httpx.HTTPError as exc:
            raise ApiError(0, "unreachable",
                           f"cannot reach the Carnet server at {self.server} "
                           f"({type(exc).__name__})") from None
        if response.status_code >= 400:
            raise self._error(response)
        if expect is None or response.status_code == 204:
            return None
        try:
            if msgpack and response.headers.get("content-type", "").startswith(MSGPACK):
                return _msgpack_decoder(expect).decode(response.content)
            return msgspec.json.decode(response.content, type=expect)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise ApiError(response.status_code, "bad_response",
                           "the server's answer was not understood") from exc

    async def get_msgpack(self, path: str, expect: type[T], *,
                          params: Mapping[str, Any] | None = None) -> T:
        """GET a body the server can send as MessagePack (``schemas.MSGPACK``: bytes as bin,
        no base64 and no JSON); a server answering JSON is understood too."""
        out = await self.call("GET", path, expect=expect, params=params, msgpack=True)
        assert out is not None  # noqa: S101 (GET with expect always decodes)
        return out

    async def get(self, path: str, expect: type[T], **kw: Any) -> T:
        out = await self.call("GET", path, expect=expect, **kw)
        assert out is not None  # noqa: S101 (GET with expect always decodes)
        return out

    async def send(self, method: str, path: str, body: msgspec.Struct | None,
                   expect: type[T], **kw: Any) -> T:
        out = await self.call(method, path, body, expect=expect, **kw)
        if out is None:
            raise ApiError(204, "bad_response", "the server returned no body")
        return out

    @staticmethod
    def _error(response: httpx.Response) -> Exception:
        try:
            data = response.json()
            code, detail = str(data["code"]), str(data["detail"])
        except (ValueError, KeyError, TypeError):
            code, detail = "http_error", f"HTTP {response.status_code}"
        vault_error = _VAULT_CODES.get(code)
        if vault_error is not None:
            return vault_error(detail)
        return ApiError(response.status_code, code, detail)
