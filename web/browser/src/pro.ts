/** The professional's session in the browser (web/client/professional.py, consent.py
 * ``scan``, views.py ``granted_attachment``): keys made here and kept in a ``pro.carnet``
 * file sealed under their passphrase (prohome.ts, the Python format), registration, sign-in
 * with the signing key, the directory status, and the scan of a consent token. Keys live in
 * this object only; ``lock()`` zeroes them. */

import { Api, ApiError, b64, type Json, unb64 } from "./api.js";
import { openAttachment } from "./attachment.js";
import { equal, type Random } from "./bytes.js";
import { boxPublic, fingerprint, lib, sign, signingKeypair, systemRandom } from "./crypto.js";
import type { Item } from "./item.js";
import { sealHome, type ProProfile, unsealHome } from "./prohome.js";
import { openScan, precheck, type ScannedDossier } from "./proscan.js";
import { loginMessage, signedHeaders } from "./request.js";
import { TokenError } from "./token.js";

export type { ScannedDossier } from "./proscan.js";

/** idNat_PS: 8 + RPPS (11 digits) or 0 + ADELI (9 digits), as the server checks. */
export const PS_ID = /^(8\d{11}|0\d{9})$/;

/** What the public directory says of a professional: approved, or not (pending and blocked
 * look the same from outside), or no answer. */
export type ProStatus = "approved" | "not_approved" | "unreachable";

export interface Registration {
  psId: string;
  name: string;
  profession: string;
  specialty?: string;
  city?: string;
  email?: string;
}

export class ProSession {
  private seed: Uint8Array | null;
  private box: Uint8Array | null;
  readonly signPublic: Uint8Array;
  readonly boxPublic: Uint8Array;

  private constructor(readonly api: Api, private readonly profile: ProProfile,
    private readonly rng: Random) {
    this.seed = profile.signSeed;
    this.box = profile.boxSecret;
    this.signPublic = signingKeypair(profile.signSeed).publicKey;
    this.boxPublic = boxPublic(profile.boxSecret);
  }

  get psId(): string { return this.profile.psId; }
  get name(): string { return this.profile.name ?? ""; }
  get profession(): string { return this.profile.profession ?? ""; }
  /** The fingerprint the patient's client checks against the identity QR (hex, 32 chars). */
  get fingerprint(): Uint8Array { return fingerprint(this.signPublic); }

  private get signSeed(): Uint8Array {
    if (!this.seed) throw new ApiError(0, "locked", "the session is locked");
    return this.seed;
  }

  private get boxSecret(): Uint8Array {
    if (!this.box) throw new ApiError(0, "locked", "the session is locked");
    return this.box;
  }

  /** New keys for ``r.psId``, their key file sealed under ``passphrase``, and the
   * registration sent (pending the operator's approval). */
  static async register(api: Api, r: Registration, passphrase: string, o: { rng?: Random;
    origin?: string } = {}): Promise<{ session: ProSession; home: Uint8Array }> {
    const rng = o.rng ?? systemRandom;
    const profile: ProProfile = { server: o.origin ?? globalThis.location?.origin ?? "", psId: r.psId,
      signSeed: rng(32), boxSecret: rng(32), name: r.name, profession: r.profession };
    const home = sealHome(profile, passphrase, { rng });
    const s = new ProSession(api, profile, rng);
    await api.json("POST", "/professionals/", { ps_id: r.psId, name: r.name,
      profession: r.profession, specialty: r.specialty ?? "", city: r.city ?? "",
      email: r.email ?? "", box_public: b64(s.boxPublic), sign_public: b64(s.signPublic) },
    { auth: false });
    return { session: s, home };
  }

  /** Open a key file (UnlockFailed for a wrong passphrase); not signed in yet. */
  static open(api: Api, home: Uint8Array, passphrase: string, rng: Random = systemRandom): ProSession {
    return new ProSession(api, unsealHome(home, passphrase), rng);
  }

  /** The directory's public answer about us (never raises for a refusal): the search of
   * approved professionals (``/directory``) lists us, with our own key, once approved. */
  async status(): Promise<ProStatus> {
    try {
      const found = await this.api.json("GET", "/directory", undefined, { auth: false,
        params: { q: this.psId } });
      const mine = ((found["professionals"] as Json[] | undefined) ?? []).find((p) =>
        p["ps_id"] === this.psId && p["status"] === "approved");
      return mine && equal(unb64(mine["sign_public"]), this.signPublic) ? "approved" : "not_approved";
    } catch (e) {
      if (e instanceof ApiError && e.status === 0) return "unreachable";
      return "not_approved";
    }
  }

  /** Sign the server's challenge with our key: a session (401 until approved). */
  async login(): Promise<void> {
    const c = await this.api.json("POST", "/auth/challenge", { login: this.psId, kind: "professional" },
      { auth: false });
    const challenge = String(c["challenge"]);
    const s = await this.api.json("POST", "/auth/login", { challenge,
      signature: b64(sign(this.signSeed, loginMessage(challenge))) }, { auth: false });
    this.api.session = String(s["session"]);
  }

  /** A request signed with our key (consent/request.py): nonce, time, signature headers. */
  async signed(method: string, path: string, body: Json, now: number): Promise<Json> {
    const raw = new TextEncoder().encode(JSON.stringify(body));
    const headers = signedHeaders(this.signSeed, method, path, raw, this.rng(16), now);
    return this.api.json(method, path, body, { headers });
  }

  /** An Ed25519 signature with our key (a deposit's, prowrite.ts ``ProWriter``). */
  sign(message: Uint8Array): Uint8Array {
    return sign(this.signSeed, message);
  }

  /** Present a consent token (link or text): local checks first (a Carnet consent, not
   * expired, issued to us: TokenError), then the server's (ApiError: revoked, expired...),
   * then every check of the Python client on what came back, and the items decrypted. */
  async scan(text: string, now: number): Promise<ScannedDossier> {
    const t = text.trim();
    const tok = precheck(t, this.signPublic, now);
    const body = await this.signed("POST", "/consent/scan", { token: t }, now);
    return openScan(t, tok, body, { signPublic: this.signPublic, boxSecret: this.boxSecret,
      psId: this.psId });
  }

  /** The decrypted attachment of an item the scan opened (the token presented again). */
  async attachment(d: ScannedDossier, item: Item, now: number): Promise<Uint8Array> {
    if (!item.attachment) throw new TokenError("invalid_token", "this item has no attachment");
    const body = await this.signed("POST", "/consent/attachment", { token: d.text,
      item_id: item.itemId, attachment_id: item.attachment.id }, now);
    return openAttachment(item.attachment, ((body["chunks"] as unknown[]) ?? []).map(unb64),
      d.dossierId);
  }

  /** End the session on the server (best effort) and zero the keys. */
  async lock(): Promise<void> {
    const seed = this.seed;
    const box = this.box;
    this.seed = null;
    this.box = null;
    if (seed) lib().memzero(seed);
    if (box) lib().memzero(box);
    if (this.api.session) {
      try {
        await this.api.call("POST", "/auth/logout");
      } catch { /* the keys are gone either way */ }
      this.api.session = null;
    }
  }
}
