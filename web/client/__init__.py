"""The Python client: acts as a patient, professional, pharmacist or operator, over HTTP only.

It does every encryption and decryption itself (through ``vault``); the server sees
ciphertext, wrapped keys and signatures.
"""

from web.client.api import Api, ApiError
from web.client.patient import activate, login, recover
from web.client.professional import ProfessionalIdentity
from web.client.store import HttpStore

__all__ = ["Api", "ApiError", "HttpStore", "ProfessionalIdentity", "activate", "login", "recover"]
