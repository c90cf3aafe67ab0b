/** Key slots (vault/keys.py): the passphrase and the recovery code each wrap the master key. */

import { FormatError, type Random } from "./bytes.js";
import {
  associatedData, derive, KEY_BYTES, type KdfParams, normalizePassphrase, open, seal,
  signingKeypair, stretch, systemRandom,
} from "./crypto.js";
import { parse as parseRecoveryCode } from "./recovery.js";

export const SLOT_PASSPHRASE = "passphrase";
export const SLOT_RECOVERY = "recovery";
export type SlotName = typeof SLOT_PASSPHRASE | typeof SLOT_RECOVERY;

export interface KeySlot extends KdfParams {
  name: SlotName;
  wrapped: Uint8Array;
  loginPublic: Uint8Array;
}

export class UnlockFailed extends Error {
  override name = "UnlockFailed";
  constructor() {
    super("the passphrase or the recovery code does not open this dossier");
  }
}

export interface SlotSecrets {
  wrapKey: Uint8Array;
  loginSeed: Uint8Array;
  loginPublic: Uint8Array;
}

export function secretBytes(name: SlotName, secret: string): Uint8Array {
  return name === SLOT_RECOVERY ? parseRecoveryCode(secret) : normalizePassphrase(secret);
}

/** Argon2id once (the slow step), then both keys. */
export function stretchSecret(name: SlotName, secret: string, params: KdfParams): SlotSecrets {
  const root = stretch(secretBytes(name, secret), params);
  const loginSeed = derive(root, "carnet.login");
  return { wrapKey: derive(root, "carnet.wrap"), loginSeed,
    loginPublic: signingKeypair(loginSeed).publicKey };
}

function ad(dossierId: string, name: SlotName): Uint8Array {
  return associatedData("master", dossierId, name);
}

export function makeSlot(name: SlotName, secret: string, master: Uint8Array, dossierId: string,
  params: KdfParams, rng: Random = systemRandom): KeySlot {
  const s = stretchSecret(name, secret, params);
  return { name, salt: params.salt, opslimit: params.opslimit, memlimit: params.memlimit,
    wrapped: seal(s.wrapKey, master, ad(dossierId, name), rng), loginPublic: s.loginPublic };
}

export function openSlotWith(secrets: SlotSecrets, slot: KeySlot, dossierId: string): Uint8Array {
  let master: Uint8Array;
  try {
    master = open(secrets.wrapKey, slot.wrapped, ad(dossierId, slot.name));
  } catch {
    throw new UnlockFailed();
  }
  if (master.length !== KEY_BYTES) throw new UnlockFailed();
  return master;
}

/** The master key; one UnlockFailed whatever was wrong (a mistyped recovery code says so). */
export function openSlot(slot: KeySlot, secret: string, dossierId: string): Uint8Array {
  let secrets: SlotSecrets;
  try {
    secrets = stretchSecret(slot.name, secret, slot);
  } catch (e) {
    if (slot.name === SLOT_RECOVERY || !(e instanceof FormatError) ||
        e.message.includes("parameters")) throw e;
    throw new UnlockFailed();
  }
  return openSlotWith(secrets, slot, dossierId);
}
