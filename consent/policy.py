"""The pure accept/refuse rules for a presented consent token, shared by the server (which
admits a scan or a write) and the recipient's client (which checks what the server answered).

Each check looks at values already decoded and verified (``token.decode`` + ``Token.verify``,
``SignedGrant.decode`` + ``grant.verify``); none does I/O or reads a clock. The server runs,
in this order: the request signature and nonce, ``Token.verify``, ``Token.check_time``,
``token_matches_grant``, its block and revocation lists, then ``presenter_is_recipient``. The
client runs ``token_matches_grant`` and ``presenter_is_recipient`` on the grant the server
returned, so a server that swaps, widens or invents a grant is caught by the recipient.
"""

from __future__ import annotations

import hmac

from consent.errors import InvalidToken, WrongRecipient
from consent.grant import GrantCore
from consent.recipient import Recipient
from consent.token import TokenClaims
from vault.crypto import fingerprint


def token_matches_grant(claims: TokenClaims, core: GrantCore) -> None:
    """``InvalidToken`` unless the token says what the patient's grant says: the same grant
    id, sections, write and emergency flags, the fingerprint of the grant's recipient key, and
    an expiry no later than the grant's (one opaque error whatever differs)."""
    if (claims.grant_id != core.grant_id or claims.sections != core.sections
            or claims.write != core.write or claims.emergency != core.emergency
            or claims.expires_at > core.expires_at
            or not hmac.compare_digest(fingerprint(core.recipient_sign_public),
                                       claims.recipient_fpr)):
        raise InvalidToken()


def presenter_is_recipient(claims: TokenClaims, core: GrantCore, presenter: Recipient) -> None:
    """``WrongRecipient`` unless ``presenter`` is who the grant and the token name: the
    grant's recipient id and signing key, whose fingerprint the token carries."""
    if (presenter.id != core.recipient_id
            or presenter.sign_public != core.recipient_sign_public
            or not hmac.compare_digest(fingerprint(presenter.sign_public),
                                       claims.recipient_fpr)):
        raise WrongRecipient()
