"""The origin a client puts in every QR code it makes (``consent.link``): the deployment's
``CARNET_PUBLIC_URL`` as its server publishes it at ``GET /links``, else the server URL this
client uses (an operator who set none, a server older than the setting, or a server that does
not answer: a professional draws their identity QR offline)."""

from __future__ import annotations

from consent import link
from vault.errors import VaultError
from web import schemas
from web.client.api import Api, ApiError

__all__ = ["public_origin", "server_origin"]


def server_origin(server: str) -> str:
    """The origin of a server URL (``http://127.0.0.1:8000/`` -> ``http://127.0.0.1:8000``);
    InvalidInput (a ValueError) if it cannot be put in a link."""
    head, sep, _ = server.partition("://")
    host = server[len(head) + len(sep):].split("/", 1)[0]
    return link.normalize_origin(f"{head}{sep}{host}")


async def public_origin(api: Api) -> str:
    """The deployment's origin for links: what the server publishes, else its own URL's."""
    try:
        body = await api.get("/links", schemas.LinksBody, auth=False)
    except (ApiError, VaultError):  # not published (404), unreachable: the URL we use
        return server_origin(api.server)
    return link.normalize_origin(body.origin) if body.origin else server_origin(api.server)
