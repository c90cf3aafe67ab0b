/** The professional's key file, byte for byte the Python client's ``pro.carnet``
 * (web/client/home.py, version 1): so the same keys open in the browser and with
 * ``carnet pro``.
 *
 *     file     = 0x01 | u32 BE header length | header (JSON {salt, opslimit, memlimit})
 *     key      = derive(Argon2id(NFKC(passphrase), salt, ops, mem), "carnet.home")
 *     envelope = seal(key, MessagePack(Profile), AD("home", "pro"))
 */

import { b64, unb64 } from "./api.js";
import { concat, DecryptionFailed, FormatError, fromUtf8, type Random, readU32, u32,
  utf8 } from "./bytes.js";
import { associatedData, derive, MEMLIMIT_FLOOR, normalizePassphrase, open, OPSLIMIT_FLOOR, seal,
  stretch, systemRandom, type KdfParams } from "./crypto.js";
import { decode as mpDecode, encode as mpEncode, Fields, type MsgMap, type Value } from "./msgpack.js";
import { UnlockFailed } from "./slots.js";

const VERSION = 0x01;
const HEADER_MAX = 4096;
const PURPOSE = "carnet.home";
const ROLE = "pro";

/** What a professional keeps (the Python ``Profile`` of role ``pro``). */
export interface ProProfile {
  server: string;
  psId: string;
  signSeed: Uint8Array;
  boxSecret: Uint8Array;
  name: string | null;
  profession: string | null;
}

function keyOf(passphrase: string, p: KdfParams): Uint8Array {
  return derive(stretch(normalizePassphrase(passphrase), p), PURPOSE);
}

/** msgspec's encoding of the Struct: fields in declaration order, None ones left out. */
function encodeProfile(p: ProProfile): Uint8Array {
  const m: MsgMap = new Map<string, Value>([["role", ROLE], ["server", p.server], ["login", p.psId],
    ["sign_seed", p.signSeed], ["box_secret", p.boxSecret]]);
  if (p.name !== null) m.set("name", p.name);
  if (p.profession !== null) m.set("profession", p.profession);
  return mpEncode(m);
}

const FIELDS = new Set(["role", "server", "login", "dossier_id", "sign_seed", "box_secret", "name",
  "profession"]);

function decodeProfile(data: Uint8Array): ProProfile {
  try {
    const v = mpDecode(data, { maxSize: 64 * 1024, maxDepth: 4, what: "home file" });
    const f = new Fields(v, "home file");
    if ([...(v as MsgMap).keys()].some((k) => !FIELDS.has(k))) throw new FormatError("unknown field");
    if (f.str("role") !== ROLE) throw new FormatError("the home file holds another kind of profile");
    const signSeed = f.bin("sign_seed");
    const boxSecret = f.bin("box_secret");
    if (signSeed.length !== 32 || boxSecret.length !== 32) throw new FormatError("bad keys");
    return { server: f.str("server"), psId: f.str("login"), signSeed, boxSecret,
      name: f.optStr("name"), profession: f.optStr("profession") };
  } catch (e) {
    if (e instanceof FormatError && e.message.includes("another kind")) throw e;
    throw new FormatError("the home file's content is damaged");
  }
}

/** The file bytes of ``p`` under ``passphrase`` (fresh salt and nonce). */
export function sealHome(p: ProProfile, passphrase: string, o: { rng?: Random; opslimit?: number;
  memlimit?: number } = {}): Uint8Array {
  const rng = o.rng ?? systemRandom;
  const params: KdfParams = { salt: rng(16), opslimit: o.opslimit ?? OPSLIMIT_FLOOR,
    memlimit: o.memlimit ?? MEMLIMIT_FLOOR };
  const header = utf8(JSON.stringify({ salt: b64(params.salt), opslimit: params.opslimit,
    memlimit: params.memlimit }));
  const body = seal(keyOf(passphrase, params), encodeProfile(p), associatedData("home", ROLE), rng);
  return concat(new Uint8Array([VERSION]), u32(header.length), header, body);
}

/** Open a ``pro.carnet`` file: UnlockFailed for a wrong passphrase (or a file tampered
 * with), FormatError for something that is not a professional's home file. */
export function unsealHome(blob: Uint8Array, passphrase: string): ProProfile {
  if (blob.length < 5 || blob[0] !== VERSION)
    throw new FormatError("this is not a Carnet home file (or an unknown version)");
  const size = readU32(blob, 1);
  if (size > HEADER_MAX || 5 + size > blob.length) throw new FormatError("the home file is truncated");
  let params: KdfParams;
  try {
    const h = JSON.parse(fromUtf8(blob.subarray(5, 5 + size))) as Record<string, unknown>;
    params = { salt: unb64(h["salt"]), opslimit: Number(h["opslimit"]), memlimit: Number(h["memlimit"]) };
    if (!Number.isInteger(params.opslimit) || !Number.isInteger(params.memlimit)) throw new Error();
  } catch {
    throw new FormatError("the home file's header is damaged");
  }
  let plaintext: Uint8Array;
  try {
    plaintext = open(keyOf(passphrase, params), blob.subarray(5 + size), associatedData("home", ROLE));
  } catch (e) {
    if (e instanceof DecryptionFailed) throw new UnlockFailed();
    throw e;
  }
  return decodeProfile(plaintext);
}
