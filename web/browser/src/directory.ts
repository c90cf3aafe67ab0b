/** Directory entries countersigned by the deployment's directory authority
 * (consent/directory.py): a client checks an entry before sealing anything to its keys, so
 * the server cannot swap a professional's keys for its own. */

import { unb64, type Json } from "./api.js";
import { concat, u16, utf8 } from "./bytes.js";
import { verify } from "./crypto.js";

const CONTEXT = utf8("CARNET-DIRECTORY");

export interface Entry {
  psId: string;
  name: string;
  profession: string;
  specialty: string;
  city: string;
  roles: string[];
  signPublic: Uint8Array;
  boxPublic: Uint8Array;
}

export class UntrustedEntry extends Error {
  override name = "UntrustedEntry";
  constructor() {
    super("this directory entry is not countersigned by the directory authority");
  }
}

export function entryMessage(e: Entry): Uint8Array {
  if (e.signPublic.length !== 32 || e.boxPublic.length !== 32) throw new RangeError("keys are 32 bytes");
  const fields = [e.psId, e.name, e.profession, e.specialty, e.city, [...e.roles].sort().join(",")];
  return concat(CONTEXT, new Uint8Array([0x01]), ...fields.flatMap((f) => {
    const raw = utf8(f);
    return [u16(raw.length), raw];
  }), e.signPublic, e.boxPublic);
}

export function verifyEntry(e: Entry, signature: Uint8Array, authorityPublic: Uint8Array): void {
  if (!verify(authorityPublic, entryMessage(e), signature)) throw new UntrustedEntry();
}

/** An entry as the server lists it (``/directory``), with its countersignature. */
export function entryOf(b: Json): { entry: Entry; signature: Uint8Array; status: string } {
  return {
    entry: { psId: String(b["ps_id"]), name: String(b["name"]), profession: String(b["profession"]),
      specialty: String(b["specialty"]), city: String(b["city"]),
      roles: (b["roles"] as unknown[]).map(String), signPublic: unb64(b["sign_public"]),
      boxPublic: unb64(b["box_public"]) },
    signature: unb64(b["countersignature"] ?? ""), status: String(b["status"]),
  };
}
