"""A professional's identity (keys kept on their side) and their journeys."""

from __future__ import annotations

from dataclasses import dataclass

import nacl.public
import nacl.signing

from consent.recipient import Recipient
from consent.request import login_message
from vault.crypto import Random, system_random
from web import schemas
from web.client.api import Api


@dataclass(frozen=True, slots=True, repr=False)  # holds keys: no repr
class ProfessionalIdentity:
    ps_id: str
    sign_seed: bytes
    box_secret: bytes

    @classmethod
    def new(cls, ps_id: str, rng: Random = system_random) -> ProfessionalIdentity:
        return cls(ps_id=ps_id, sign_seed=rng(32), box_secret=rng(32))

    @property
    def signing_key(self) -> nacl.signing.SigningKey:
        return nacl.signing.SigningKey(self.sign_seed)

    @property
    def box_key(self) -> nacl.public.PrivateKey:
        return nacl.public.PrivateKey(self.box_secret)

    @property
    def recipient(self) -> Recipient:
        """This professional as a grant names them (idNat_PS and public keys)."""
        return Recipient(id=self.ps_id, sign_public=self.signing_key.verify_key.encode(),
                         box_public=self.box_key.public_key.encode(), label=self.ps_id)

    async def register(self, api: Api, *, name: str, profession: str, specialty: str = "",
                       city: str = "", email: str = "") -> schemas.ProfessionalBody:
        return await api.send("POST", "/professionals/", schemas.ProfessionalRegistration(
            ps_id=self.ps_id, name=name, profession=profession, specialty=specialty, city=city,
            email=email, box_public=self.box_key.public_key.encode(),
            sign_public=self.signing_key.verify_key.encode()), schemas.ProfessionalBody,
            auth=False)

    async def login(self, api: Api) -> schemas.SessionBody:
        challenge = await api.send("POST", "/auth/challenge",
                                   schemas.ChallengeRequest(login=self.ps_id, kind="professional"),
                                   schemas.ChallengeBody, auth=False)
        signature = self.signing_key.sign(login_message(challenge.challenge)).signature
        session = await api.send("POST", "/auth/login",
                                 schemas.LoginRequest(challenge=challenge.challenge,
                                                   signature=signature),
                                 schemas.SessionBody, auth=False)
        api.session = session.session
        return session

    @staticmethod
    async def start_activation(api: Api, nir: str, birth_date: str) -> schemas.PharmacyCodeBody:
        """As a pharmacist: a code for the patient in front of you."""
        return await api.send("POST", "/activation/pharmacy",
                              schemas.ActivationRequest(nir=nir, birth_date=birth_date),
                              schemas.PharmacyCodeBody)
