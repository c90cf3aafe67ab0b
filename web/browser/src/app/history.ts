/** The patient page's history: a panel in the dossier opens the history view, where the
 * history is fetched and verified in this browser (``history.ts``: the chain, the server's
 * head, every professional's signature against the countersigned directory), then listed
 * newest first in people's words (``historytext.ts``), under a green "Historique vérifié"
 * badge, or a red alert (and no entries) when it does not verify.
 *
 * Pinned here: the server's audit key and the directory authority's key (public values, in
 * local storage, trusted on first use), and the last verified head of each dossier (memory
 * only: a history that shrinks or changes while the page is open is refused). */

import { type Api, unb64 } from "../api.js";
import { fromHex, toHex } from "../bytes.js";
import { type ChainHead, loadHistory, type Verdict } from "../history.js";
import { entries, type Lang } from "../historytext.js";
import { UnreadableItem } from "../patient.js";
import type { PatientContext } from "./context.js";
import { $, el, lang, msg } from "./dom.js";

const AUTHORITY_PIN = "carnet.directory-authority"; // shared with grants.ts
const AUDIT_PIN = "carnet.audit-key";
const URGENT = new Set(["emergency_access", "card_used", "token_refused"]);

const lastSeen = new Map<string, ChainHead>(); // dossier id -> last verified head

function pinned(name: string): Uint8Array | null {
  try {
    const value = window.localStorage.getItem(name);
    return value ? fromHex(value) : null;
  } catch {
    return null;
  }
}

function pin(name: string, key: Uint8Array): void {
  try {
    window.localStorage.setItem(name, toHex(key));
  } catch { /* storage refused: trusted for this page only */ }
}

/** The pinned directory authority key, else the server's (pinned now). */
async function authority(api: Api): Promise<Uint8Array> {
  const known = pinned(AUTHORITY_PIN);
  if (known) return known;
  const served = unb64((await api.json("GET", "/directory/authority"))["authority_public"]);
  pin(AUTHORITY_PIN, served);
  return served;
}

function byClass(actor: string): string {
  if (actor === "patient") return "by-patient";
  if (actor.startsWith("ps:")) return "by-pro";
  if (actor.startsWith("contact:")) return "by-contact";
  return actor.startsWith("card:") ? "by-card" : "by-other";
}

function byLabel(actor: string): string {
  const tag = byClass(actor).slice(3);
  return tag === "other" ? "" : msg(`history.by_${tag === "patient" ? "you" : tag}`);
}

function clear(): void {
  $("#history-verdict").replaceChildren();
  $("#history-list").replaceChildren();
}

function showVerdict(v: Verdict, ctx: PatientContext): void {
  const box = $("#history-verdict");
  const list = $("#history-list");
  if (!v.ok) {
    box.replaceChildren(
      el("p", { class: "history-badge bad", id: "history-badge" }, msg("history.failed")),
      el("p", { class: "alert", role: "alert" }, msg("history.failed_text",
        { reason: msg(`history.reason.${v.reason}`) })),
      el("p", { class: "technical" }, msg("history.technical", { detail: v.detail })));
    list.replaceChildren();
    return;
  }
  const h = v.history;
  const titles = new Map<string, string>();
  for (const i of ctx.items()) if (!(i instanceof UnreadableItem)) titles.set(i.itemId, i.title);
  const language: Lang = lang() === "en" ? "en" : "fr";
  const said = entries(h.events, h.details, { people: h.people, titles, lang: language });
  box.replaceChildren(
    el("p", { class: "history-badge ok", id: "history-badge", role: "status" }, msg("history.verified")),
    el("p", { class: "hint" }, msg("history.verified_text", { count: String(h.events.length) })));
  // Newest first; a run of identical sentences at the same minute (the identity written
  // into every section at activation) is one line with its count.
  const rows: HTMLElement[] = [];
  let previous: { key: string; li: HTMLElement; count: number; text: HTMLElement } | null = null;
  h.events.forEach((e, i) => {
    const line = said[i] as { when: string; text: string };
    const key = `${e.actor}\n${e.kind}\n${line.when}\n${line.text}`;
    if (previous && previous.key === key) {
      previous.count += 1;
      previous.li.dataset["count"] = String(previous.count);
      previous.li.dataset["seq"] = String(e.seq);
      previous.text.textContent = `${line.text} ${msg("history.times", { count: String(previous.count) })}`;
      return;
    }
    const cls = `${byClass(e.actor)}${URGENT.has(e.kind) ? " urgent" : ""}`;
    const who = byLabel(e.actor);
    const text = el("p", {}, line.text);
    const li = el("li", { class: cls, "data-kind": e.kind, "data-seq": String(e.seq), "data-count": "1" },
      el("time", { datetime: new Date(e.at * 1000).toISOString() }, line.when),
      who ? el("span", { class: "who" }, who) : null, text);
    rows.push(li);
    previous = { key, li, count: 1, text };
  });
  rows.reverse();
  list.replaceChildren(...(rows.length ? rows : [el("li", {}, msg("history.empty"))]));
}

export function setup(ctx: PatientContext): void {
  const check = (): void => {
    const s = ctx.session();
    if (!s) return;
    clear();
    void ctx.busy(msg("history.checking"), async () => {
      const verdict = await loadHistory(s, { serverPublic: pinned(AUDIT_PIN),
        lastSeen: lastSeen.get(s.dossierId) ?? null, authority: await authority(ctx.api) });
      if (ctx.session() !== s) return; // locked meanwhile
      if (verdict.ok) {
        if (!pinned(AUDIT_PIN)) pin(AUDIT_PIN, verdict.history.serverPublic);
        lastSeen.set(s.dossierId, verdict.history.head);
      }
      showVerdict(verdict, ctx);
      ctx.status("");
    });
  };
  $("#history-open").addEventListener("click", () => {
    ctx.show("history");
    check();
  });
  $("#history-refresh").addEventListener("click", check);
  $("#history-back").addEventListener("click", () => ctx.show("dossier"));
  ctx.onLock(clear); // the opened notes and sentences go with the keys
}
