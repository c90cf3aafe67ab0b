"""The real-server fixtures of the end-to-end tests, for the browser tests."""

from tests.e2e.conftest import server, smtp

__all__ = ["server", "smtp"]
