/** Consent in the patient's browser (web/client/consent.py, web/client/rotation.py): issue a
 * grant to a professional checked against the countersigned directory, list and revoke
 * grants, and keep keys right after a grant ends (P5): rotate what an ex-grantee holds and
 * re-seal the new keys to the grantees that remain. Stateless and idempotent. */

import { ApiError, b64, type Json, unb64 } from "./api.js";
import { concat, equal, fromHex, toHex } from "./bytes.js";
import { CARDS_PURPOSE, refsOf, resealCard, summaryKeys } from "./card.js";
import { sealTo } from "./crypto.js";
import { type EmergencyRecord, emergencyRecord, emptyRecord, grantKeys } from "./keyring.js";
import { encode as mpEncode, type MsgMap, type Value } from "./msgpack.js";
import { EMERGENCY_SUMMARY } from "./sections.js";
import { type Entry } from "./directory.js";
import { decodeGrant, type GrantCore, issueGrant, resealGrant } from "./grant.js";
import { MaskingSession } from "./masking.js";
import type { Section } from "./sections.js";
import { signToken } from "./token.js";

export interface GrantInfo {
  grantId: string;
  recipientId: string;
  write: boolean;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
  core: GrantCore;
}

export interface IssuedGrant {
  grantId: string;
  token: Uint8Array; // the consent token; shown as a QR link, never stored
}

export class ConsentSession extends MaskingSession {
  async grants(): Promise<GrantInfo[]> {
    const body = await this.api.json("GET", `/dossiers/${this.dossierId}/grants`);
    return (body["grants"] as Json[]).map((g) => ({
      grantId: String(g["grant_id"]), recipientId: String(g["recipient_id"]),
      write: Boolean(g["write"]), issuedAt: Number(g["issued_at"]), expiresAt: Number(g["expires_at"]),
      revokedAt: g["revoked_at"] === null ? null : Number(g["revoked_at"]),
      core: decodeGrant(unb64(g["grant"])).core,
    }));
  }

  /** Rotate the sections whose current key an ended grant carries, finish interrupted
   * maskings, re-seal to every active grant missing a current key. */
  async syncGrants(now: number): Promise<{ rotated: Section[]; resealed: string[] }> {
    const infos = await this.grants();
    const ended = (g: GrantInfo): boolean => g.revokedAt !== null || g.expiresAt <= now;
    const rotate = new Set<Section>();
    for (const g of infos.filter(ended)) {
      for (const s of g.core.sections) {
        if (g.core.keyRefs.includes(this.ring.sections.get(s)?.current ?? "")) rotate.add(s);
      }
    }
    // and what is marked to rotate (a card revoked, break-glass turned off:
    // rotatedAfterWithdrawal), now rather than at the patient's next write
    for (const s of this.ring.rotatePending) rotate.add(s);
    await this.rotateNow(rotate);
    await this.finishRotations();
    const resealed: string[] = [];
    for (const g of infos) {
      if (ended(g)) continue;
      const stale = [...g.core.sections].some((s) =>
        !g.core.keyRefs.includes(this.ring.sections.get(s)?.current ?? ""));
      if (!stale) continue;
      const { bytes } = resealGrant(this.ring, g.core, this.rng);
      await this.api.json("POST", `/dossiers/${this.dossierId}/grants`, { grant: b64(bytes) });
      resealed.push(g.grantId);
    }
    return { rotated: [...rotate], resealed };
  }

  /** Seal the sections' keys to a professional whose entry the caller checked against the
   * pinned directory authority, store the grant, return the consent token. */
  async issue(entry: Entry, sections: Set<Section>, write: boolean, seconds: number,
    now: number): Promise<IssuedGrant> {
    await this.finishRotations();
    const grantId = toHex(this.rng(16));
    const terms = { grantId, dossierId: this.dossierId, recipientId: entry.psId,
      recipientSignPublic: entry.signPublic, recipientBoxPublic: entry.boxPublic, sections,
      write, emergency: false, issuedAt: now, expiresAt: now + seconds };
    const { bytes } = issueGrant(this.ring, terms, { rng: this.rng });
    await this.api.json("POST", `/dossiers/${this.dossierId}/grants`, { grant: b64(bytes) });
    return { grantId, token: signToken(this.ring.signSeed, terms) };
  }

  /** Revoke on the server, then at once rotate and re-seal (P5). */
  async revoke(grantId: string, now: number): Promise<void> {
    await this.api.call("POST", `/dossiers/${this.dossierId}/grants/${grantId}/revoke`);
    await this.syncGrants(now);
  }

  /** Block a professional (web/client/writes.py ``block``): the server refuses their tokens
   * and revokes their grants; the keys those grants carried are rotated at once (P5). */
  async block(psId: string, now: number): Promise<void> {
    await this.api.json("POST", `/dossiers/${this.dossierId}/blocks`, { ps_id: psId });
    await this.syncGrants(now);
  }

  async unblock(psId: string): Promise<void> {
    await this.api.call("DELETE", `/dossiers/${this.dossierId}/blocks/${psId}`);
  }

  /** The professionals this patient blocked: idNat_PS and when. */
  async blocks(): Promise<{ psId: string; at: number }[]> {
    const found = (await this.api.json("GET", `/dossiers/${this.dossierId}/blocks`))["blocks"];
    return (Array.isArray(found) ? found as Record<string, unknown>[] : [])
      .map((b) => ({ psId: String(b["ps_id"]), at: Number(b["at"]) }));
  }

  /** What the server says the patient made (to adopt, for a keyring from before the
   * record; web/client/emergency_sync.py ``_server_state``). */
  private async serverState(now: number): Promise<EmergencyRecord> {
    const cards = (await this.api.json("GET", `/dossiers/${this.dossierId}/cards`))["cards"];
    const on = (await this.api.json("GET", `/dossiers/${this.dossierId}/break-glass`))["allowed"];
    const found = new Map<string, number>();
    for (const c of Array.isArray(cards) ? cards as Json[] : []) {
      if (!c["revoked"] && Number(c["expires_at"]) > now) found.set(String(c["card_id"]), Number(c["expires_at"]));
    }
    return { cards: found, breakGlass: on ? await this.serviceKey() : null };
  }

  private async serviceKey(): Promise<Uint8Array> {
    return unb64((await this.api.json("GET", "/emergency/service-key"))["box_public"]);
  }

  /** The keyring's emergency record after ``change`` (one CAS); a keyring from before the
   * record adopts the server's state first, once. ``withdrawn`` (a card revoked, break-glass
   * off): the same write marks the summary's keys to rotate, which the sync that follows does
   * (``rotatedAfterWithdrawal``; else the next sync or write). */
  async recorded(change: (r: EmergencyRecord) => EmergencyRecord = (r) => r,
    withdrawn = false): Promise<EmergencyRecord> {
    if (!emergencyRecord(this.ring)) {
      const found = await this.serverState(Math.floor(Date.now() / 1000));
      await this.keepEmergency((r) => r ?? found);
    }
    return this.keepEmergency((r) => change(r ?? emptyRecord()),
      withdrawn ? [...EMERGENCY_SUMMARY].sort() : []);
  }

  /** Break-glass allowed: every version of the emergency summary's keys (never the mask
   * key) sealed to the emergency service's key (consent/card.py ``seal_for_service``). The
   * keyring records that key; a re-seal (``reseal``) seals only to it, and only while the
   * record has break-glass on. */
  async allowBreakGlass(reseal = false): Promise<void> {
    let service: Uint8Array;
    if (reseal) {
      const on = (await this.recorded()).breakGlass;
      if (!on) return;
      service = on;
    } else {
      const fresh = await this.serviceKey();
      await this.recorded((r) => ({ cards: r.cards, breakGlass: fresh }));
      service = fresh;
    }
    const keys: MsgMap = new Map();
    const refs: string[] = [];
    for (const s of [...EMERGENCY_SUMMARY].sort()) {
      const ks = grantKeys(this.ring, s);
      for (const [ref, key] of ks) {
        if (ref === this.ring.maskRef || equal(key, this.ring.maskKey)) throw new Error("unsafe package");
        refs.push(ref);
      }
      keys.set(s, new Map<string, Value>([...ks]));
    }
    const pkg = sealTo(service, concat(new Uint8Array([0x01]), mpEncode(keys)), this.rng);
    await this.api.call("PUT", `/dossiers/${this.dossierId}/break-glass`,
      { package: b64(pkg), key_refs: refs.sort(), ...(reseal ? { reseal: true } : {}) });
  }

  /** After a rotation (web/client/emergency_sync.py): every card of the patient's record
   * that is active and lacks one of the summary's key versions is sealed again under its own
   * key, and the break-glass package again to the service while the record has it on, so a
   * printed card keeps opening the current summary (P7); never on the server's word alone.
   * Returns the cards it could not re-seal (random-key cards: renew them). */
  async syncEmergency(now: number): Promise<{ resealed: string[]; stale: string[] }> {
    const record = await this.recorded();
    const ours = new Set([...record.cards].filter(([, until]) => until > now).map(([id]) => id));
    const keys = summaryKeys(this.ring);
    const wanted = refsOf(keys);
    const covered = (refs: unknown): boolean => {
      const have = new Set(Array.isArray(refs) ? refs.map(String) : []);
      return wanted.every((r) => have.has(r));
    };
    const resealed: string[] = [];
    const stale: string[] = [];
    const root = this.subkey(CARDS_PURPOSE);
    const cards = ours.size ? (await this.api.json("GET", `/dossiers/${this.dossierId}/cards`))["cards"] : [];
    for (const c of Array.isArray(cards) ? cards as Json[] : []) {
      const cardId = String(c["card_id"]);
      if (!ours.has(cardId) || c["revoked"] || Number(c["expires_at"]) <= now || covered(c["key_refs"])) continue;
      const again = resealCard(keys, this.dossierId, fromHex(cardId), unb64(c["package"]), root,
        this.rng);
      if (!again) {
        stale.push(cardId);
        continue;
      }
      try {
        await this.api.call("PUT", `/dossiers/${this.dossierId}/cards/${cardId}/package`,
          { package: b64(again.package), key_refs: again.keyRefs });
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) continue; // revoked meanwhile
        throw e;
      }
      resealed.push(cardId);
    }
    if (record.breakGlass) {
      const state = await this.api.json("GET", `/dossiers/${this.dossierId}/break-glass`);
      if (state["allowed"] && !covered(state["key_refs"])) {
        try { // only while it is on: a re-seal never turns it on again (409 break_glass_turned_off)
          await this.allowBreakGlass(true);
        } catch (e) {
          if (!(e instanceof ApiError && e.code === "break_glass_turned_off")) throw e;
        }
      }
    }
    return { resealed, stale };
  }

  /** Off in the keyring's record first (no re-seal from then on), then on the server, then
   * the summary's keys rotate (``rotatedAfterWithdrawal``). */
  async refuseBreakGlass(): Promise<void> {
    await this.recorded((r) => ({ cards: r.cards, breakGlass: null }), true);
    await this.api.call("DELETE", `/dossiers/${this.dossierId}/break-glass`);
    await this.rotatedAfterWithdrawal();
  }

  /** After a card is revoked or break-glass turned off, whose keyring write marked the
   * summary's sections to rotate (web/client/rotation.py ``rotated_after_withdrawal``): the
   * sync rotates them now, not at the next write (a professional's write or an unmasking
   * would still use a key the withdrawn package holds), and re-seals the grants on them;
   * cards and break-glass follow (``afterRotation``). False if it could not finish (the
   * network, the server): they stay marked for the next sync (sign-in, before every write).
   * A renewal never loses its new card to it. */
  async rotatedAfterWithdrawal(): Promise<boolean> {
    try {
      await this.syncGrants(Math.floor(Date.now() / 1000));
      return true;
    } catch (e) {
      if (e instanceof ApiError) return false;
      throw e;
    }
  }

}
