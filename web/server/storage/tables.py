"""Service tables. Logins and NIRs are stored only as keyed hashes (a server-side pepper).

The simulated insurance registry holds the beneficiaries' identity and postal/e-mail
addresses (needed to send activation codes): identity data, never medical data.
"""

from __future__ import annotations

from typing import Final

from piccolo.columns import BigInt, Bytea, Integer, Text, Varchar
from piccolo.table import Table

HASH_LENGTH: Final = 64


class AccountRow(Table, tablename="carnet_account"):
    """A patient's login (keyed hash of the NIR) -> their dossier."""

    login_hash = Varchar(length=HASH_LENGTH, unique=True)
    dossier_id = Varchar(length=32, unique=True)
    created_at = BigInt()


class SessionRow(Table, tablename="carnet_session"):
    sid = Varchar(length=HASH_LENGTH, unique=True)
    kind = Varchar(length=16)
    subject = Varchar(length=64, index=True)
    roles = Varchar(length=100, default="")
    expires_at = BigInt()


class NonceRow(Table, tablename="carnet_nonce"):
    """Login challenges already used (kept until they expire): single use."""

    nonce = Varchar(length=HASH_LENGTH, unique=True)
    expires_at = BigInt(index=True)


class BeneficiaryRow(Table, tablename="carnet_beneficiary"):
    nir_hash = Varchar(length=HASH_LENGTH, unique=True)
    last_name = Varchar(length=100)
    first_name = Varchar(length=100)
    birth_date = Varchar(length=10)
    address = Text()
    email = Varchar(length=254, default="")
    dossier_id = Varchar(length=32, null=True, default=None, index=True)


class ActivationCodeRow(Table, tablename="carnet_activation_code"):
    """At most one live code per beneficiary: a new one replaces the old."""

    nir_hash = Varchar(length=HASH_LENGTH, unique=True)
    code_hash = Bytea()
    channel = Varchar(length=16)
    created_at = BigInt()
    expires_at = BigInt()
    attempts = Integer(default=0)


class ProfessionalRow(Table, tablename="carnet_professional"):
    ps_id = Varchar(length=12, unique=True)
    name = Varchar(length=200)
    profession = Varchar(length=200)
    specialty = Varchar(length=200, default="")
    city = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    box_public = Bytea()
    sign_public = Bytea()
    status = Varchar(length=16, default="pending")
    roles = Varchar(length=100, default="")
    created_at = BigInt()
    countersignature = Bytea(default=b"")  # the directory authority's, over the entry




class GrantRow(Table, tablename="carnet_grant"):
    """A patient-signed grant: its sealed keys and signature are opaque; the server keeps
    what it must check (recipient fingerprint, key refs, validity, revocation)."""

    grant_id = Varchar(length=32, unique=True)
    dossier_id = Varchar(length=32, index=True)
    recipient_id = Varchar(length=64)
    recipient_fpr = Varchar(length=32)
    key_refs = Text()
    write = Integer(default=0)
    issued_at = BigInt()
    expires_at = BigInt()
    revoked_at = BigInt(null=True, default=None)
    blob = Bytea()


class AuditRow(Table, tablename="carnet_audit"):
    """One event of a dossier's hash chain (``seq`` from 0); ``hash`` is the chain hash
    after it."""

    dossier_id = Varchar(length=32, index=True)
    seq = BigInt()
    blob = Bytea()
    hash = Bytea()



class DepositRow(Table, tablename="carnet_deposit"):
    """An item a professional sealed to the patient's public key, waiting to be filed."""

    deposit_id = Varchar(length=32, unique=True)
    dossier_id = Varchar(length=32, index=True)
    ps_id = Varchar(length=12)
    at = BigInt()
    blob = Bytea()
    signature = Bytea()


class BlockRow(Table, tablename="carnet_block"):
    """A professional the patient blocked: no grant of theirs opens anything."""

    dossier_id = Varchar(length=32, index=True)
    ps_id = Varchar(length=12)
    at = BigInt()


class CardRow(Table, tablename="carnet_card"):
    """An emergency card: the server's share of the card key, released only after the right
    passcode, a lifetime attempt counter and an expiry. The package (summary keys sealed
    under the whole card key) is opaque to the server."""

    card_id = Varchar(length=32, unique=True)
    dossier_id = Varchar(length=32, index=True)
    server_share = Bytea()
    passcode_hash = Bytea()
    package = Bytea()
    key_refs = Text()
    attempts = Integer(default=0)
    created_at = BigInt()
    expires_at = BigInt()
    revoked_at = BigInt(null=True, default=None)


class BreakGlassRow(Table, tablename="carnet_break_glass"):
    """The emergency summary's keys sealed to the emergency service, if the patient allows."""

    dossier_id = Varchar(length=32, unique=True)
    package = Bytea()
    key_refs = Text()
    enabled = Integer(default=1)
    updated_at = BigInt()

ALL_TABLES: Final = (AccountRow, SessionRow, NonceRow, BeneficiaryRow, ActivationCodeRow,
                     ProfessionalRow, GrantRow, AuditRow, DepositRow, BlockRow, CardRow,
                     BreakGlassRow)
