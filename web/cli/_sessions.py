"""Who the command acts as: a patient session, a professional session (logged in, logged out
after, whatever happens), the operator's token, the directory authority's key and the
emergency service's key, and the authority key this home pinned.

The directory authority's key and the emergency service's key never live on the server: they
are sealed in their holder's home (``authority.carnet``, ``emergency.carnet``, made by
``carnet operator init-authority`` / ``carnet emergency init-service``) or kept in a file a
flag names. The server's ``operator.token`` is read only when a flag or variable names it, or
in development when ``$CARNET_DEV_VAR_DIR`` points at its data dir; the development stand-ins
of the two keys only when ``$CARNET_DEV_KEYS_DIR`` points at their folder: a client does not
go looking for secrets.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import nacl.signing

from vault import Dossier, VaultError
from web.cli._context import CliError, Ctx, clock, read_secret_file
from web.client import home as local_home
from web.client import pins
from web.client.api import Api, ApiError
from web.client.patient import login, logout
from web.client.professional import ProfessionalIdentity
from web.nir import parse_nir

DEV_VAR_DIR: Final = "CARNET_DEV_VAR_DIR"
DEV_KEYS_DIR: Final = "CARNET_DEV_KEYS_DIR"


# ------------------------------------------------------------------------------ patient
@dataclass
class PatientSession:
    api: Api
    dossier: Dossier
    profile: local_home.Profile | None


def _patient_profile(ctx: Ctx) -> tuple[str, local_home.Profile | None]:
    """The NIR to log in with and the home profile (None when --nir names someone else)."""
    nir_option = ctx.opt("nir")
    has_home = local_home.exists(ctx.home, "patient")
    if nir_option is None and not has_home:
        raise CliError(f"no patient profile in {ctx.home}: activate first "
                       "(carnet patient activate), or pass --nir")
    if nir_option is None:
        profile = local_home.load(ctx.home, "patient", ctx.passphrase())
        return profile.login, profile
    nir = parse_nir(nir_option)
    if has_home:
        with contextlib.suppress(VaultError):
            profile = local_home.load(ctx.home, "patient", ctx.passphrase())
            if profile.login == nir:
                return nir, profile
    return nir, None


@contextlib.asynccontextmanager
async def patient_session(ctx: Ctx) -> AsyncIterator[PatientSession]:
    """Log in as the patient (NIR from the home or --nir, the passphrase); logs out after."""
    nir, profile = _patient_profile(ctx)
    passphrase = ctx.passphrase()
    async with ctx.api(ctx.server(profile)) as api:
        # A keyring older than this home last saw is refused (rolled back: vault._keeping).
        dossier = await login(api, nir, passphrase, clock=clock,
                              floor_of=lambda d: pins.keyring_floor(ctx.home, d))
        try:
            yield PatientSession(api, dossier, profile)
        finally:
            with contextlib.suppress(OSError):  # remembered for the next session's check
                pins.save_keyring_floor(ctx.home, dossier.dossier_id, dossier.ring_version)
            await quiet_logout(api)


async def quiet_logout(api: Api) -> None:
    """End the session if it still exists; a failure here changes nothing for the user."""
    with contextlib.suppress(ApiError, VaultError, OSError):
        await logout(api)


# ------------------------------------------------------------------------------ professional
@dataclass
class ProSession:
    api: Api
    identity: ProfessionalIdentity
    profile: local_home.Profile


def pro_identity(ctx: Ctx) -> tuple[local_home.Profile, ProfessionalIdentity]:
    """The professional's profile and keys, unsealed from the home with the passphrase."""
    if not local_home.exists(ctx.home, "pro"):
        raise CliError(f"no professional identity in {ctx.home}: run carnet pro register")
    profile = local_home.load(ctx.home, "pro", ctx.passphrase())
    if profile.sign_seed is None or profile.box_secret is None:
        raise CliError("the professional profile in the home has no keys")
    return profile, ProfessionalIdentity(profile.login, profile.sign_seed, profile.box_secret)


@contextlib.asynccontextmanager
async def pro_session(ctx: Ctx) -> AsyncIterator[ProSession]:
    """Log in as the professional of the home (their key signs the challenge); logs out
    after. A refused log-in says what to check."""
    profile, identity = pro_identity(ctx)
    async with ctx.api(ctx.server(profile)) as api:
        try:
            await identity.login(api)
        except ApiError as exc:
            if exc.status != 401:
                raise
            raise CliError(f"the server refused the login of {identity.ps_id}: is it "
                           "approved (carnet pro whoami) and is this the right server?"
                           ) from None
        try:
            yield ProSession(api, identity, profile)
        finally:
            await quiet_logout(api)


# ------------------------------------------------------------------------------ server secrets
def dev_file(ctx: Ctx, name: str) -> Path | None:
    """``$CARNET_DEV_VAR_DIR/name`` when that variable is set and the file exists."""
    root = ctx.env.get(DEV_VAR_DIR)
    if not root:
        return None
    path = Path(root) / name
    return path if path.is_file() else None


def operator_token(ctx: Ctx) -> str:
    """--operator-token-file, else $CARNET_OPERATOR_TOKEN, else (in development)
    $CARNET_DEV_VAR_DIR/operator.token."""
    path = ctx.opt("operator_token_file")
    if path:
        return read_secret_file(path, "operator token").strip()
    if ctx.env.get("CARNET_OPERATOR_TOKEN"):
        return ctx.env["CARNET_OPERATOR_TOKEN"].strip()
    found = dev_file(ctx, "operator.token")
    if found is not None:
        return read_secret_file(str(found), "operator token").strip()
    raise CliError("no operator token: use --operator-token-file F or $CARNET_OPERATOR_TOKEN "
                   f"(in development, ${DEV_VAR_DIR} names the server's data dir)")


def operator_api(ctx: Ctx) -> Api:
    return ctx.api(ctx.server(), session=operator_token(ctx))


def _dev_key_file(ctx: Ctx, name: str) -> Path | None:
    """``$CARNET_DEV_KEYS_DIR/name`` (the server's development keys folder) when that
    variable is set and the file exists."""
    root = ctx.env.get(DEV_KEYS_DIR)
    if not root:
        return None
    path = Path(root) / name
    return path if path.is_file() else None


def _hex_key_file(path: str, what: str) -> bytes:
    """A 32-byte key kept as 64 hex digits in a file (mode checked by read_secret_file)."""
    try:
        key = bytes.fromhex(read_secret_file(path, what).strip())
    except ValueError:
        key = b""
    if len(key) != 32:
        raise CliError(f"{path} does not hold {what} (64 hex)")
    return key


def authority_key(ctx: Ctx) -> nacl.signing.SigningKey:
    """The directory authority's signing key, which only the operator holds (never the
    server): --authority-key-file or $CARNET_AUTHORITY_KEY_FILE (64 hex, e.g. kept offline),
    else the home's ``authority.carnet`` (``carnet operator init-authority``; opened with the
    passphrase), else (in development) $CARNET_DEV_KEYS_DIR/authority.key."""
    path = ctx.opt("authority_key_file") or ctx.env.get("CARNET_AUTHORITY_KEY_FILE")
    if path:
        return nacl.signing.SigningKey(_hex_key_file(path, "a directory authority key"))
    if local_home.exists(ctx.home, "authority"):
        profile = local_home.load(ctx.home, "authority", ctx.passphrase())
        if profile.sign_seed is None:
            raise CliError(f"the directory authority profile in {ctx.home} has no key")
        return nacl.signing.SigningKey(profile.sign_seed)
    found = _dev_key_file(ctx, "authority.key")
    if found is None:
        raise CliError(f"no directory authority key in {ctx.home}: run carnet operator "
                       "init-authority there, or use --authority-key-file F (in development, "
                       f"${DEV_KEYS_DIR} names the server's dev-keys folder)")
    return nacl.signing.SigningKey(_hex_key_file(str(found), "a directory authority key"))


def emergency_service_secret(ctx: Ctx) -> bytes:
    """The emergency service's X25519 key, which only that service holds (never the server):
    --service-key-file (64 hex), else the home's ``emergency.carnet`` (``carnet emergency
    init-service``; opened with the passphrase), else (in development)
    $CARNET_DEV_KEYS_DIR/emergency.key."""
    path = ctx.opt("service_key_file")
    if path:
        return _hex_key_file(path, "an emergency service key")
    if local_home.exists(ctx.home, "emergency"):
        profile = local_home.load(ctx.home, "emergency", ctx.passphrase())
        if profile.box_secret is None:
            raise CliError(f"the emergency service profile in {ctx.home} has no key")
        return profile.box_secret
    found = _dev_key_file(ctx, "emergency.key")
    if found is None:
        raise CliError(f"no emergency service key in {ctx.home}: run carnet emergency "
                       "init-service there, or use --service-key-file F (in development, "
                       f"${DEV_KEYS_DIR} names the server's dev-keys folder)")
    return _hex_key_file(str(found), "an emergency service key")


def create_key_profile(ctx: Ctx, role: local_home.Role, *, force: bool,
                       sign_seed: bytes | None = None,
                       box_secret: bytes | None = None) -> Path:
    """Seal a key that must stay off the server (the directory authority's or the emergency
    service's) into this home under a new passphrase; refuses to replace one without
    ``force``. Returns the file's path."""
    if local_home.exists(ctx.home, role) and not force:
        raise CliError(f"{local_home.path_of(ctx.home, role)} already holds a key: --force "
                       "replaces it (what the old key signed or opened stops working)")
    profile = local_home.Profile(role=role, server=ctx.server(), login=role,
                                 sign_seed=sign_seed, box_secret=box_secret)
    return local_home.save(ctx.home, profile, ctx.new_passphrase(from_global=True))


# ------------------------------------------------------------------------------ pinned keys
async def pinned_authority(ctx: Ctx, api: Api) -> bytes:
    """--authority-key HEX, else the key this home pinned, else the server's, pinned now
    (trust on first use: compare it with the operator's published key)."""
    given = ctx.opt("authority_key")
    if given:
        try:
            key = bytes.fromhex(given)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise CliError("--authority-key must be 64 hex digits")
        return key
    key, pinned_now = await pins.pinned_authority(ctx.home, api)
    if pinned_now is not None:
        ctx.out.note(f"pinned the directory authority key {key.hex()[:16]}... in {pinned_now}")
    return key
