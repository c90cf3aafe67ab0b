/** The grant pages: find a professional in the directory (each entry checked against the
 * directory authority's key this browser pinned), choose sections (the profession's
 * defaults) and a duration, then the consent QR full screen; the current grants with revoke.
 * Or scan the professional's identity QR (camera or photo): the directory's countersigned
 * entry for that idNat_PS is chosen only if its key has the fingerprint the code shows. */

import type { Api } from "../api.js";
import { fromHex, toHex } from "../bytes.js";
import { type Entry, entryOf, verifyEntry } from "../directory.js";
import { identityMatches, parseIdentity } from "../identity.js";
import type { PatientSession } from "../patient.js";
import { defaultSections, DURATIONS } from "../profiles.js";
import { linkQr, pixels } from "../qr.js";
import { type Section, SECTIONS } from "../sections.js";
import { tokenLink } from "../token.js";
import { readImageFile, Scanner } from "./camera.js";
import { $, el, input, msg } from "./dom.js";

export interface PageContext {
  api: Api;
  session: () => PatientSession | null;
  busy: (text: string, work: () => Promise<void>) => Promise<void>;
  status: (text: string) => void;
  alert: (text: string) => void;
  show: (view: string) => void;
  now: () => number;
}

const PS_ID = /^(?:8\d{11}|0\d{9})$/;
const PIN = "carnet.directory-authority"; // a public key (not a secret), pinned on first use

export async function authority(api: Api): Promise<Uint8Array> {
  const body = await api.json("GET", "/directory/authority");
  const raw = body["authority_public"];
  const served = typeof raw === "string" ? toHex(Uint8Array.from(atob(raw), (c) => c.charCodeAt(0))) : "";
  const pinned = window.localStorage.getItem(PIN);
  if (pinned && pinned !== served) throw new Error(msg("grant.authority_changed"));
  if (!pinned) window.localStorage.setItem(PIN, served);
  return fromHex(served);
}

function day(unix: number): string {
  return new Date(unix * 1000).toLocaleString(document.documentElement.lang || "fr",
    { dateStyle: "long", timeStyle: "short" });
}

export function setupGrants(ctx: PageContext): { refresh: () => Promise<void> } {
  let chosen: Entry | null = null;

  const showQr = (link: string, entry: Entry, until: number): void => {
    const q = linkQr(link);
    const img = pixels(q, 8);
    const canvas = $("#qr-canvas") as HTMLCanvasElement;
    canvas.width = canvas.height = img.width;
    const g = canvas.getContext("2d");
    if (g) g.putImageData(new ImageData(img.data, img.width, img.width), 0, 0);
    canvas.dataset["link"] = link; // what the test reads back; never sent anywhere
    $("#qr-for").textContent = msg("qr.for", { name: entry.name, profession: entry.profession });
    $("#qr-until").textContent = msg("qr.until", { until: day(until) });
    ctx.show("qr");
  };

  const pick = (entry: Entry): void => {
    chosen = entry;
    $("#g-who").textContent = msg("grant.who", { name: entry.name, profession: entry.profession,
      city: entry.city });
    const defaults = new Set(defaultSections(entry.profession));
    $("#g-sections").replaceChildren(...SECTIONS.map((s) => {
      const box = el("input", { type: "checkbox", id: `g-s-${s}`, value: s });
      (box as HTMLInputElement).checked = defaults.has(s);
      return el("div", { class: "check" }, box, el("label", { for: `g-s-${s}` }, msg(`section.${s}`)));
    }));
    $("#grant-form").hidden = false;
    input("#g-s-" + SECTIONS[0]).focus();
  };

  /** The identity code's professional, from the countersigned directory, if its key is the
   * one the code shows; otherwise a clear refusal and nothing chosen. */
  const fromIdentity = (text: string): void => {
    let id;
    try {
      id = parseIdentity(text);
    } catch {
      ctx.alert(msg("grant.not_identity"));
      return;
    }
    const who = id;
    void ctx.busy(msg("state.working"), async () => {
      const key = await authority(ctx.api);
      const found = await ctx.api.json("GET", "/directory", undefined, { params: { q: who.psId } });
      const row = (found["professionals"] as Record<string, unknown>[]).map(entryOf)
        .find((r) => r.entry.psId === who.psId && r.status === "approved");
      let trusted = false;
      if (row) {
        try {
          verifyEntry(row.entry, row.signature, key);
          trusted = true;
        } catch { /* not countersigned: refused below */ }
      }
      ctx.status("");
      if (!row || !trusted) return ctx.alert(msg("grant.identity_unknown", { ps_id: who.psId }));
      if (!identityMatches(who, row.entry.signPublic)) {
        return ctx.alert(msg("grant.identity_mismatch", { ps_id: who.psId }));
      }
      pick(row.entry);
    });
  };
  const scanner = new Scanner($("#g-video") as HTMLVideoElement, (text) => {
    $("#g-scan").textContent = msg("grant.scan");
    fromIdentity(text);
    return true;
  });
  $("#g-scan").addEventListener("click", () => {
    if (scanner.running) {
      scanner.stop();
      $("#g-scan").textContent = msg("grant.scan");
      return;
    }
    ctx.alert("");
    $("#g-scan").textContent = msg("grant.scan_stop");
    scanner.start().catch(() => {
      $("#g-scan").textContent = msg("grant.scan");
      ctx.alert(msg("grant.no_camera"));
    });
  });
  input("#g-photo").addEventListener("change", () => {
    const file = input("#g-photo").files?.[0];
    if (!file) return;
    void readImageFile(file).then((text) => {
      input("#g-photo").value = "";
      if (text === null) ctx.alert(msg("grant.not_identity"));
      else fromIdentity(text);
    });
  });

  $("#search-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = input("#g-query").value.trim();
    void ctx.busy(msg("state.working"), async () => {
      const key = await authority(ctx.api);
      const found = await ctx.api.json("GET", "/directory", undefined, { params: { q } });
      const rows = (found["professionals"] as Record<string, unknown>[]).map(entryOf)
        .filter((r) => r.status === "approved");
      const list = $("#g-results");
      list.replaceChildren();
      for (const r of rows) {
        try {
          verifyEntry(r.entry, r.signature, key);
        } catch {
          continue; // an entry the authority did not countersign is not offered
        }
        const b = el("button", { type: "button", class: "secondary" }, msg("grant.choose", { name: r.entry.name }));
        b.addEventListener("click", () => pick(r.entry));
        list.append(el("li", {}, el("span", { class: "item-title" }, r.entry.name),
          el("span", { class: "meta" }, `${r.entry.profession} · ${r.entry.city} · ${r.entry.psId}`), b));
      }
      if (!list.childElementCount) list.append(el("li", {}, msg("grant.none")));
      ctx.status("");
    });
  });

  $("#grant-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = ctx.session();
    const entry = chosen;
    if (!s || !entry) return;
    const sections = new Set(SECTIONS.filter((x) => input(`#g-s-${x}`).checked)) as Set<Section>;
    if (!sections.size) return ctx.alert(msg("grant.no_section"));
    const seconds = DURATIONS[input("#g-duration").value] ?? DURATIONS["consultation"] as number;
    void ctx.busy(msg("state.working"), async () => {
      const now = ctx.now();
      const issued = await s.issue(entry, sections, input("#g-write").checked, seconds, now);
      const published = (await ctx.api.json("GET", "/links"))["origin"];
      const origin = typeof published === "string" ? published : window.location.origin;
      ($("#grant-form") as HTMLFormElement).reset();
      $("#grant-form").hidden = true;
      showQr(tokenLink(issued.token, origin), entry, now + seconds);
    });
  });

  const refresh = async (): Promise<void> => {
    const s = ctx.session();
    if (!s) return;
    const list = $("#grants");
    list.replaceChildren();
    const now = ctx.now();
    // Both lists in one round trip (a lock right after unlocking must not find a request of
    // this page still to send).
    const [grants, blocks] = await Promise.all([s.grants(), s.blocks()]);
    if (ctx.session() !== s) return;
    const blockedIds = new Set(blocks.map((b) => b.psId)); // one button each
    for (const g of grants.sort((a, b) => b.issuedAt - a.issuedAt)) {
      const state = g.revokedAt !== null ? msg("grants.revoked") : g.expiresAt <= now ? msg("grants.expired") : "";
      const line = msg("grants.line", { who: g.recipientId, until: day(g.expiresAt) });
      const li = el("li", { "data-grant": g.grantId }, el("span", {}, line),
        state ? el("span", { class: "badge" }, state) : null);
      if (!state) {
        const b = el("button", { type: "button", class: "danger" }, msg("grants.revoke", { who: g.recipientId }));
        b.addEventListener("click", () => void ctx.busy(msg("state.working"), async () => {
          await s.revoke(g.grantId, ctx.now());
          await refresh();
          ctx.status("");
        }));
        li.append(b);
      }
      const psId = g.recipientId.replace(/^ps:/, "");
      if (PS_ID.test(psId) && !blockedIds.has(psId)) { // professionals only (not contacts)
        const stop = el("button", { type: "button", class: "danger" }, msg("grants.block", { who: psId }));
        stop.addEventListener("click", () => {
          if (!window.confirm(msg("grants.block_confirm", { who: psId }))) return;
          void ctx.busy(msg("state.working"), async () => {
            await s.block(psId, ctx.now());
            await refresh();
            ctx.status(msg("grants.blocked", { who: psId }));
          });
        });
        blockedIds.add(psId);
        li.append(stop);
      }
      list.append(li);
    }
    if (!list.childElementCount) list.append(el("li", {}, msg("grants.none")));
    const blocked = $("#blocks");
    blocked.replaceChildren();
    for (const b of blocks) {
      const lift = el("button", { type: "button", class: "secondary" }, msg("grants.unblock", { who: b.psId }));
      lift.addEventListener("click", () => void ctx.busy(msg("state.working"), async () => {
        await s.unblock(b.psId);
        await refresh();
        ctx.status("");
      }));
      blocked.append(el("li", { "data-block": b.psId },
        el("span", {}, msg("grants.blocked_line", { who: b.psId, at: day(b.at) })), lift));
    }
    if (!blocked.childElementCount) blocked.append(el("li", {}, msg("grants.no_blocks")));
  };

  $("#qr-done").addEventListener("click", () => {
    ($("#qr-canvas") as HTMLCanvasElement).dataset["link"] = "";
    ctx.show("dossier");
    void refresh();
  });
  return { refresh };
}
