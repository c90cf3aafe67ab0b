"""The Python client: acts as a patient, professional, pharmacist or operator, over HTTP only.

It does every encryption and decryption itself (through ``vault`` and ``consent``); the server
sees ciphertext, wrapped keys and signatures. ``__all__`` is what the CLI and other programs
use (``tests/test_public_api.py`` keeps it exact): the HTTP client, the sign-in journeys and
the feature modules, used by name (``consent.scan``, ``writes.deposit``, ``emergency.issue_card``).
"""

from web.client import consent, directory, emergency, home, writes
from web.client.api import DEFAULT_SERVER, Api, ApiError
from web.client.patient import activate, login, logout, recover
from web.client.professional import ProfessionalIdentity
from web.client.store import HttpStore

__all__ = [
    "DEFAULT_SERVER",
    "Api",
    "ApiError",
    "HttpStore",
    "ProfessionalIdentity",
    "activate",
    "consent",
    "directory",
    "emergency",
    "home",
    "login",
    "logout",
    "recover",
    "writes",
]
