/** The patient's pages: welcome, activation (with the recovery code shown once), unlock,
 * the dossier by section, adding an item, lock and idle auto-lock. Keys live in the
 * PatientSession object only; a reload or a lock forgets them. */

import { Api, ApiError } from "../api.js";
import type { Item } from "../item.js";
import { PatientSession, UnreadableItem } from "../patient.js";
import { EMERGENCY_SUMMARY, type Section, SECTIONS } from "../sections.js";
import { acceptable, loadStrength, score } from "../strength.js";
import { $, alert, el, input, msg, showView, status } from "./dom.js";
import { setup as setupCard } from "./card.js";
import type { PatientContext } from "./context.js";
import { setup as setupFhir } from "./fhir.js";
import { setupGrants } from "./grants.js";
import { setup as setupHistory } from "./history.js";
import { setup as setupItems } from "./items.js";

const IDLE_MS = 5 * 60 * 1000;
const CARE_WINDOW_MONTHS = 24;

let session: PatientSession | null = null;
let idle: number | undefined;
let showOlder = false;
let items: (Item | UnreadableItem)[] = [];
const openHooks: ((s: PatientSession) => Promise<void>)[] = [];
const lockHooks: (() => void)[] = [];
const itemActions: ((i: Item) => HTMLElement | null)[] = [];

function show(view: string): void {
  showView(view);
  status("");
}

function explain(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return msg("error.network");
    if (e.code === "keyring_rolled_back") return msg("error.rolled_back");
    return msg("error.generic", { detail: e.message });
  }
  if (e instanceof Error && e.name === "UnlockFailed") return msg("error.unlock");
  return msg("error.generic", { detail: e instanceof Error ? e.message : String(e) });
}

async function busy(text: string, work: () => Promise<void>): Promise<void> {
  alert("");
  status(text);
  document.body.setAttribute("aria-busy", "true");
  // Let the status paint before Argon2id takes the main thread for a few seconds.
  await new Promise((r) => setTimeout(r, 30));
  try {
    await work();
  } catch (e) {
    status("");
    alert(explain(e));
  } finally {
    document.body.removeAttribute("aria-busy");
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function armIdle(): void {
  window.clearTimeout(idle);
  if (session) idle = window.setTimeout(() => void lock(msg("state.locked_idle")), IDLE_MS);
}

async function lock(reason = ""): Promise<void> {
  const s = session;
  session = null;
  items = [];
  $("#sections").replaceChildren();
  for (const hook of lockHooks) hook();
  if (s) {
    try {
      await s.lock();
    } catch { /* the keys are gone from memory either way */ }
  }
  show("unlock");
  if (reason) status(reason);
}

function sectionLabel(s: Section): string {
  return msg(`section.${s}`);
}

function cutoff(): string {
  const d = new Date();
  d.setMonth(d.getMonth() - CARE_WINDOW_MONTHS);
  return d.toISOString().slice(0, 10);
}

function describe(i: Item): HTMLElement {
  const details = Object.entries(i.body).filter(([k, v]) => k !== "fhir" && v !== null && v !== "")
    .map(([k, v]) => `${k} : ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  const author = i.author.kind === "patient" ? msg("item.by_you")
    : msg("item.by_pro", { name: i.author.name ?? i.author.id ?? "" });
  return el("li", { "data-item": i.itemId },
    el("div", { class: "item-head" }, el("span", { class: "item-title" }, i.title),
      i.masked ? el("span", { class: "badge masked" }, msg("item.masked")) : null),
    el("span", { class: "meta" }, `${i.date} · ${author}`),
    details.length ? el("span", {}, details.join(" · ")) : null,
    el("div", { class: "actions" }, i.attachment ? downloadButton(i) : null, maskButton(i),
      ...itemActions.map((make) => make(i))));
}

function act(label: string, cls: string, work: (s: PatientSession) => Promise<void>,
  confirmText = ""): HTMLElement {
  const b = el("button", { type: "button", class: cls }, label);
  b.addEventListener("click", () => {
    const s = session;
    if (!s || (confirmText && !window.confirm(confirmText))) return;
    void busy(msg("state.working"), async () => {
      await work(s);
      items = await s.list();
      render();
      status("");
    });
  });
  return b;
}

function maskButton(i: Item): HTMLElement | null {
  const s = session;
  if (!s) return null;
  if (s.keyring.maskedSections.has(i.section)) return null; // the section's button does it
  const urgent = EMERGENCY_SUMMARY.includes(i.section) ? msg("mask.emergency_warning") : "";
  return i.masked
    ? act(msg("item.unmask", { title: i.title }), "secondary", (x) => x.unmask(i.itemId))
    : act(msg("item.mask", { title: i.title }), "secondary", (x) => x.mask(i.itemId), urgent);
}

function sectionMaskButton(sec: Section): HTMLElement | null {
  const s = session;
  if (!s) return null;
  const label = { section: sectionLabel(sec) };
  const urgent = EMERGENCY_SUMMARY.includes(sec) ? msg("mask.emergency_warning") : "";
  return s.keyring.maskedSections.has(sec)
    ? act(msg("section.unmask", label), "secondary", (x) => x.unmaskSection(sec))
    : act(msg("section.mask", label), "danger", (x) => x.maskSection(sec), urgent);
}

/** Hand decrypted bytes to the browser as a download (a blob: URL, revoked soon after). */
function saveFile(data: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function downloadButton(i: Item): HTMLElement {
  const name = i.attachment?.name ?? "";
  const b = el("button", { type: "button", class: "secondary" }, msg("item.download", { name }));
  b.addEventListener("click", () => {
    const s = session;
    if (!s || !i.attachment) return;
    const type = i.attachment.mediaType;
    void busy(msg("state.working"), async () => {
      saveFile(await s.attachment(i), name, type);
      status("");
    });
  });
  return b;
}

function renderWho(): void {
  const own = items.filter((i): i is Item => !(i instanceof UnreadableItem) && i.type === "identity"
    && i.author.kind === "patient").sort((a, b) => b.createdAt - a.createdAt)[0];
  const name = own?.body["name"];
  const born = own?.body["birth_date"];
  $("#dossier-who").textContent = typeof name === "string" && typeof born === "string"
    ? msg("dossier.who", { name, date: born }) : "";
}

function render(): void {
  renderWho();
  const query = input("#search").value.trim().toLowerCase();
  const limit = cutoff();
  const root = $("#sections");
  root.replaceChildren();
  let older = 0;
  for (const s of SECTIONS) {
    const mine = items.filter((i): i is Item => !(i instanceof UnreadableItem) && i.section === s
      && i.type !== "identity")
      .filter((i) => !query || `${i.title} ${JSON.stringify(i.body)}`.toLowerCase().includes(query))
      .sort((a, b) => b.date.localeCompare(a.date));
    let shown = mine;
    if (s === "care_history" && !showOlder) {
      shown = mine.filter((i) => i.date >= limit);
      older = mine.length - shown.length;
    }
    const list = el("ul", { class: "items" }, ...shown.map(describe));
    root.append(el("section", { class: "section", "aria-labelledby": `h-${s}` },
      el("h2", { id: `h-${s}` }, sectionLabel(s)),
      session?.keyring.maskedSections.has(s) ? el("p", { class: "notice" }, msg("section.masked")) : null,
      s === "care_history" ? el("p", { class: "hint" }, msg("dossier.history_window")) : null,
      shown.length ? list : el("p", { class: "hint" }, msg("dossier.empty")),
      s === "care_history" && older > 0 ? olderButton(older) : null,
      el("div", { class: "actions" }, sectionMaskButton(s))));
  }
  const bad = items.filter((i) => i instanceof UnreadableItem);
  if (bad.length) root.append(el("p", { class: "notice" }, `${msg("item.unreadable")} (${bad.length})`));
}

function olderButton(count: number): HTMLElement {
  const b = el("button", { type: "button", class: "secondary" }, `${msg("dossier.show_older")} (${count})`);
  b.addEventListener("click", () => { showOlder = true; render(); });
  return b;
}

async function openDossier(s: PatientSession): Promise<void> {
  session = s;
  items = await s.list();
  show("dossier");
  render();
  await refreshGrants();
  for (const hook of openHooks) await hook(s);
  armIdle();
}

let refreshGrants: () => Promise<void> = async () => undefined;

function setup(): void {
  const api = new Api("");
  const ctx: PatientContext = {
    api, session: () => session, busy, status, alert, show, now, items: () => items,
    reload: async () => {
      if (session) items = await session.list();
      render();
    },
    render, saveFile,
    onOpen: (hook) => { openHooks.push(hook); },
    onLock: (hook) => { lockHooks.push(hook); },
    itemAction: (make) => { itemActions.push(make); },
  };
  refreshGrants = setupGrants({ api, session: () => session, busy, status, alert, show, now }).refresh;
  setupItems(ctx);
  setupHistory(ctx);
  setupFhir(ctx);
  setupCard(ctx);
  for (const b of document.querySelectorAll<HTMLElement>("[data-go]")) {
    b.addEventListener("click", () => show(b.dataset["go"] as string));
  }
  const pass = input("#a-pass");
  const meter = (): void => {
    const n = score(pass.value, [input("#a-nir").value]);
    ($("#a-meter") as HTMLMeterElement).value = n;
    $("#a-meter-text").textContent = msg(`strength.${n}`);
  };
  pass.addEventListener("input", meter);
  // zxcvbn's dictionaries come as a chunk of their own, when a new passphrase is typed.
  document.addEventListener("focusin", (ev) => {
    const field = ev.target;
    if (field instanceof HTMLInputElement && field.autocomplete === "new-password") {
      void loadStrength().then(meter);
    }
  });
  $("#activate-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void loadStrength().then(() => activateSubmit());
  });
  const activateSubmit = (): void => {
    const nir = input("#a-nir").value.replace(/\s/g, "");
    const code = input("#a-code").value.trim();
    const p1 = pass.value;
    if (p1 !== input("#a-pass2").value) return alert(msg("error.mismatch"));
    if (!acceptable(p1, [nir])) return alert(msg("error.weak", { example: "cerise fanfare lampion boussole matelot orage" }));
    const name = input("#a-name").value.trim().split(/\s+/).join(" ");
    const born = input("#a-birth").value;
    void busy(msg("state.activating"), async () => {
      const done = await PatientSession.activate(api, nir, code, p1, now());
      if (name && born) await done.session.setIdentity(name, born, now());
      pass.value = "";
      input("#a-pass2").value = "";
      $("#recovery-code").textContent = done.recoveryCode;
      session = done.session;
      show("recovery");
    });
  };
  $("#recovery-print").addEventListener("click", () => window.print());
  $("#recovery-done").addEventListener("click", () => {
    $("#recovery-code").textContent = "";
    if (session) void busy(msg("state.working"), () => openDossier(session as PatientSession));
  });
  $("#unlock-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const nir = input("#u-nir").value.replace(/\s/g, "");
    const secret = input("#u-pass").value;
    void busy(msg("state.unlocking"), async () => {
      const s = await PatientSession.login(api, nir, secret);
      input("#u-pass").value = "";
      await openDossier(s);
    });
  });
  const newSecret = (a: string, b: string, known: string[]): string | null => {
    const p1 = input(a).value;
    if (p1 !== input(b).value) { alert(msg("error.mismatch")); return null; }
    if (!acceptable(p1, known)) {
      alert(msg("error.weak", { example: "cerise fanfare lampion boussole matelot orage" }));
      return null;
    }
    return p1;
  };
  $("#recover-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void loadStrength().then(() => submitRecover());
  });
  const submitRecover = (): void => {
    const nir = input("#r-nir").value.replace(/\s/g, "");
    const secret = newSecret("#r-pass", "#r-pass2", [nir]);
    if (secret === null) return;
    void busy(msg("state.unlocking"), async () => {
      const s = await PatientSession.recover(api, nir, input("#r-code").value, secret);
      for (const f of ["#r-code", "#r-pass", "#r-pass2"]) input(f).value = "";
      await openDossier(s);
      status(msg("state.passphrase_changed"));
    });
  };
  $("#passphrase-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void loadStrength().then(() => submitPassphrase());
  });
  const submitPassphrase = (): void => {
    const s = session;
    const secret = newSecret("#p-pass", "#p-pass2", []);
    if (!s || secret === null) return;
    void busy(msg("state.working"), async () => {
      await s.changePassphrase(secret);
      input("#p-pass").value = "";
      input("#p-pass2").value = "";
      status(msg("state.passphrase_changed"));
    });
  };
  $("#export").addEventListener("click", () => {
    const s = session;
    if (!s) return;
    void busy(msg("state.working"), async () => {
      const data = await s.exportArchive(now());
      saveFile(data, `carnet-${new Date().toISOString().slice(0, 10)}.carnet`, "application/octet-stream");
      status("");
    });
  });
  $("#close-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = session;
    if (!s) return;
    if (input("#c-confirm").value.trim().toUpperCase() !== msg("close.word")) return alert(msg("close.mismatch"));
    void busy(msg("state.working"), async () => {
      session = null;
      items = [];
      $("#sections").replaceChildren();
      for (const hook of lockHooks) hook();
      await s.close(now());
      show("closed");
    });
  });
  $("#lock").addEventListener("click", () => void lock());
  input("#search").addEventListener("input", render);
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, armIdle, { passive: true });
  window.addEventListener("pagehide", () => void lock());
  show("welcome");
}

export function start(): void {
  setup();
}
