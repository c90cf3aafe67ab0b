"""The service's own tables (accounts, sessions, registry, activation codes, professionals)."""

from web.server.storage.repo import ServiceDb

__all__ = ["ServiceDb"]
