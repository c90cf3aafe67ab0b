"""The local home: one encrypted file per identity (``patient.carnet``, ``pro.carnet``; the
operator's ``authority.carnet`` and the emergency service's ``emergency.carnet``).

File format (version 1)::

    file    = 0x01 | u32 BE header length | header (JSON) | envelope
    header  = {"salt": base64 (16 bytes), "opslimit": int, "memlimit": int}
    root    = Argon2id(NFKC(passphrase), salt, opslimit, memlimit)      (vault.crypto.stretch)
    key     = derive(root, "carnet.home")
    envelope = vault.envelope.seal(key, MessagePack(Profile), AD("home", role))

A second copy of a profile may sit beside it, ``<role>.recovery.carnet``, in the same format
but opened with a recovery code (the code's 144-bit secret, :mod:`vault.recovery`, in place of
the passphrase; purpose ``carnet.home.rcv``, AD ``("home-recovery", role)``): a
professional's keys and a patient's NIR survive a forgotten passphrase, as the patient's
dossier does with its own recovery slot.

Files are written atomically (temporary file, fsync, rename) with mode 0600, in a directory
created with mode 0700. A wrong passphrase is :class:`vault.UnlockFailed`; a damaged file is
:class:`vault.FormatError`; a missing one is :class:`vault.NotFound`. Nothing here prints or
logs a secret.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import struct
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Final, Literal

import msgspec

from vault import envelope, recovery
from vault.crypto import (
    MEMLIMIT_FLOOR,
    OPSLIMIT_FLOOR,
    KdfParams,
    Random,
    associated_data,
    derive,
    normalize_passphrase,
    stretch,
    system_random,
)
from vault.errors import DecryptionFailed, FormatError, InvalidInput, NotFound, UnlockFailed

Role = Literal["patient", "pro", "authority", "emergency"]
ROLES: Final[tuple[Role, ...]] = ("patient", "pro", "authority", "emergency")
VERSION: Final = 0x01
HEADER_MAX: Final = 4096
DEFAULT_HOME: Final = "~/.carnet"
_PURPOSE: Final = "carnet.home"
_RECOVERY_PURPOSE: Final = "carnet.home.rcv"
_LABELS: Final = {"patient": "patient", "pro": "professional",
                  "authority": "directory authority", "emergency": "emergency service"}


class Profile(msgspec.Struct, frozen=True, omit_defaults=True, forbid_unknown_fields=True):
    """What one identity keeps on this device.

    ``login`` is the NIR (patient) or the idNat_PS (professional). ``dossier_id`` is set for a
    patient; ``sign_seed`` and ``box_secret`` (the professional's private keys) for a
    professional; ``sign_seed`` alone for the directory authority (the operator's
    countersigning key), ``box_secret`` alone for the emergency service. ``name`` and
    ``profession`` are the professional's own entry, for display.
    """

    role: Role
    server: str
    login: str
    dossier_id: str | None = None
    sign_seed: bytes | None = None
    box_secret: bytes | None = None
    name: str | None = None
    profession: str | None = None

    def __repr__(self) -> str:  # never show the private keys
        return f"Profile(role={self.role!r}, server={self.server!r}, login=<set>)"


def default_home(env: Mapping[str, str] | None = None) -> Path:
    """``$CARNET_HOME`` if set, else ``~/.carnet``."""
    env = os.environ if env is None else env
    return Path(env.get("CARNET_HOME") or DEFAULT_HOME).expanduser()


def path_of(home: Path, role: Role) -> Path:
    """Where the profile of ``role`` lives in ``home``."""
    if role not in ROLES:
        raise InvalidInput("role must be patient, pro, authority or emergency")
    return home / f"{role}.carnet"


def exists(home: Path, role: Role) -> bool:
    return path_of(home, role).is_file()


# ------------------------------------------------------------------------------ pure codec
def _key(passphrase: str, params: KdfParams) -> bytes:
    return derive(stretch(normalize_passphrase(passphrase), params), _PURPOSE)


def _code_key(code: str, params: KdfParams) -> bytes:
    return derive(stretch(recovery.parse(code), params), _RECOVERY_PURPOSE)


def seal(profile: Profile, passphrase: str, *, rng: Random = system_random,
         opslimit: int = OPSLIMIT_FLOOR, memlimit: int = MEMLIMIT_FLOOR) -> bytes:
    """The file bytes of ``profile`` under ``passphrase`` (fresh salt and nonce)."""
    return _seal(profile, lambda params: _key(passphrase, params), "home", rng=rng,
                 opslimit=opslimit, memlimit=memlimit)


def seal_with_code(profile: Profile, code: str, *, rng: Random = system_random) -> bytes:
    """The recovery copy's bytes: ``profile`` under the recovery ``code``."""
    return _seal(profile, lambda params: _code_key(code, params), "home-recovery", rng=rng,
                 opslimit=OPSLIMIT_FLOOR, memlimit=MEMLIMIT_FLOOR)


def _seal(profile: Profile, key_of: Callable[[KdfParams], bytes], purpose: str, *,
          rng: Random, opslimit: int, memlimit: int) -> bytes:
    params = KdfParams.new(rng, opslimit, memlimit)
    header = json.dumps({"salt": base64.b64encode(params.salt).decode("ascii"),
                         "opslimit": params.opslimit, "memlimit": params.memlimit},
                        separators=(",", ":")).encode("ascii")
    body = envelope.seal(key_of(params), msgspec.msgpack.encode(profile),
                         associated_data(purpose, profile.role), rng)
    return bytes([VERSION]) + struct.pack(">I", len(header)) + header + body


def _read_header(blob: bytes) -> tuple[KdfParams, bytes]:
    if len(blob) < 5 or blob[0] != VERSION:
        raise FormatError("this is not a Carnet home file (or an unknown version)")
    (size,) = struct.unpack(">I", blob[1:5])
    if size > HEADER_MAX or 5 + size > len(blob):
        raise FormatError("the home file is truncated")
    try:
        header = json.loads(blob[5:5 + size])
        params = KdfParams(base64.b64decode(header["salt"], validate=True),
                           int(header["opslimit"]), int(header["memlimit"]))
    except (ValueError, KeyError, TypeError, binascii.Error, InvalidInput) as exc:
        raise FormatError("the home file's header is damaged") from exc
    return params, blob[5 + size:]


def unseal(blob: bytes, role: Role, passphrase: str) -> Profile:
    """Open file bytes sealed by :func:`seal` for ``role``.

    Raises UnlockFailed (wrong passphrase, or a file tampered with), FormatError (not a home
    file), WeakParameters (a header below the Argon2id floor).
    """
    params, body = _read_header(blob)
    try:
        plaintext = envelope.open_(_key(passphrase, params), body,
                                   associated_data("home", role))
    except DecryptionFailed:
        raise UnlockFailed("this passphrase does not open the local "
                           f"{_LABELS[role]} profile") from None
    return _profile(plaintext, role)


def unseal_with_code(blob: bytes, role: Role, code: str) -> Profile:
    """Open a recovery copy (:func:`seal_with_code`). InvalidInput for a mistyped code,
    UnlockFailed for another one."""
    params, body = _read_header(blob)
    try:
        plaintext = envelope.open_(_code_key(code, params), body,
                                   associated_data("home-recovery", role))
    except DecryptionFailed:
        raise UnlockFailed("this recovery code does not open the local "
                           f"{_LABELS[role]} profile") from None
    return _profile(plaintext, role)


def _profile(plaintext: bytes, role: Role) -> Profile:
    try:
        profile = msgspec.msgpack.decode(plaintext, type=Profile)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise FormatError("the home file's content is damaged") from exc
    if profile.role != role:
        raise FormatError("the home file holds another kind of profile")
    return profile


# ------------------------------------------------------------------------------ files
def ensure_dir(home: Path) -> None:
    """Create ``home`` and its missing parents with mode 0700; existing directories are left
    as they are."""
    missing = [d for d in (home, *home.parents) if not d.is_dir()]
    for directory in reversed(missing):
        directory.mkdir(mode=0o700, exist_ok=True)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically with mode 0600 (replaces an existing file)."""
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o600)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(home: Path, profile: Profile, passphrase: str, *,
         rng: Random = system_random) -> Path:
    """Seal ``profile`` under ``passphrase`` into ``home``; returns the file's path."""
    path = path_of(home, profile.role)
    write_private(path, seal(profile, passphrase, rng=rng))
    return path


def load(home: Path, role: Role, passphrase: str) -> Profile:
    """Open the ``role`` profile of ``home``; NotFound if there is none (see :func:`unseal`)."""
    path = path_of(home, role)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no {_LABELS[role]} profile in {home}") from None
    return unseal(blob, role, passphrase)


def remove(home: Path, role: Role) -> bool:
    """Delete the ``role`` profile of ``home`` (and its recovery copy); False if there was
    none."""
    with contextlib.suppress(FileNotFoundError):
        recovery_path_of(home, role).unlink()
    try:
        path_of(home, role).unlink()
    except FileNotFoundError:
        return False
    _fsync_dir(home)
    return True


# ------------------------------------------------------------------------------ recovery copy
def recovery_path_of(home: Path, role: Role) -> Path:
    """Where the recovery copy of the ``role`` profile lives in ``home``."""
    return path_of(home, role).with_name(f"{role}.recovery.carnet")


def has_recovery(home: Path, role: Role) -> bool:
    return recovery_path_of(home, role).is_file()


def new_recovery_code(rng: Random = system_random) -> str:
    """A fresh recovery code (the dossier's format: 144 bits and a typing check)."""
    return recovery.generate(rng)


def save_recovery(home: Path, profile: Profile, code: str, *,
                  rng: Random = system_random) -> Path:
    """Seal ``profile`` under the recovery ``code`` beside the profile; returns the path."""
    path = recovery_path_of(home, profile.role)
    write_private(path, seal_with_code(profile, code, rng=rng))
    return path


def load_recovery(home: Path, role: Role, code: str) -> Profile:
    """Open the recovery copy of the ``role`` profile; NotFound if there is none."""
    try:
        blob = recovery_path_of(home, role).read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no recovery copy of the {_LABELS[role]} profile in {home}") from None
    return unseal_with_code(blob, role, code)
