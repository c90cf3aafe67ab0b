/** The professional's pages: welcome, registration (keys made here, the key file sealed
 * under the passphrase, kept in this browser and offered as a download), sign-in, waiting
 * for the operator's approval (with the identity QR), the scan of a consent QR (camera,
 * photo, paste), and the dossier it opens with the alerts first. Keys live in the
 * ProSession only; a reload, a lock or 5 minutes idle forget them. */

import { Api, ApiError, b64, unb64 } from "../api.js";
import { FormatError, toHex } from "../bytes.js";
import { fetchIndex, type Index } from "../clinical/items.js";
import { verifyEntry, entryOf } from "../directory.js";
import type { Item } from "../item.js";
import { identityLink } from "../identity.js";
import { PS_ID, ProSession, type ScannedDossier } from "../pro.js";
import { linkQr, pixels } from "../qr.js";
import { acceptable, score } from "../strength.js";
import { TokenError } from "../token.js";
import { $, alert, el, input, msg, showView, status } from "./dom.js";
import { authority } from "./grants.js";
import { clearDossier, renderDossier } from "./pro_dossier.js";
import { setupScanner } from "./pro_scan.js";
import { setup as setupWrites } from "./pro_writes.js";
import type { ProContext } from "./procontext.js";

const IDLE_MS = 5 * 60 * 1000;
const HOME_KEY = "carnet.pro.home"; // the sealed key file (ciphertext under the passphrase)
const ID_KEY = "carnet.pro.id"; // the idNat_PS it holds (public)
const EXAMPLE = "cerise fanfare lampion boussole matelot orage";

const api = new Api("");
let session: ProSession | null = null;
let dossier: ScannedDossier | null = null;
let showOlder = false;
let index: Index | null = null;
let indexError = "";
let authors = new Map<string, string>();
let idle: number | undefined;
const dossierHooks: ((d: ScannedDossier, s: ProSession) => void | Promise<void>)[] = [];
const lockHooks: (() => void)[] = [];
let stopCamera: () => void = () => undefined;

function show(view: string): void {
  if (view !== "scan") stopCamera();
  showView(view);
  status("");
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

const CODES = new Set(["not_a_carnet_token", "invalid_token", "token_expired", "token_revoked",
  "wrong_recipient", "professional_blocked"]);

/** A refusal in the professional's words (the token's and the server's codes). */
export function explain(e: unknown): string {
  if (e instanceof TokenError) return msg(`pro.error_${e.code}`);
  if (e instanceof ApiError) {
    if (e.status === 0) return msg("error.network");
    if (CODES.has(e.code)) return msg(`pro.error_${e.code}`);
    if (e.code === "invalid_grant" || e.code === "malformed_grant") return msg("pro.error_invalid_token");
    if (e.status === 401) return msg("pro.error_unauthorized");
    if (e.status === 403) return msg("pro.error_not_approved");
    if (e.status === 409) return msg("pro.error_known");
    return msg("error.generic", { detail: e.message });
  }
  if (e instanceof Error && e.name === "UnlockFailed") return msg("pro.error_unlock");
  if (e instanceof Error && e.name === "InvalidGrant") return msg("pro.error_invalid_token");
  if (e instanceof FormatError) return msg("pro.error_keyfile");
  return msg("error.generic", { detail: e instanceof Error ? e.message : String(e) });
}

async function busy(text: string, work: () => Promise<void>): Promise<void> {
  alert("");
  status(text);
  document.body.setAttribute("aria-busy", "true");
  await new Promise((r) => setTimeout(r, 30)); // let the status paint before Argon2id
  try {
    await work();
  } catch (e) {
    status("");
    alert(explain(e));
  } finally {
    document.body.removeAttribute("aria-busy");
  }
}

function saveFile(data: Uint8Array, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function openFile(data: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  window.open(url, "_blank", "noopener");
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

function storedHome(): Uint8Array | null {
  const raw = window.localStorage.getItem(HOME_KEY);
  if (!raw) return null;
  try {
    return unb64(raw);
  } catch {
    return null;
  }
}

function keepHome(home: Uint8Array, psId: string): void {
  window.localStorage.setItem(HOME_KEY, b64(home));
  window.localStorage.setItem(ID_KEY, psId);
}

function armIdle(): void {
  window.clearTimeout(idle);
  if (session) idle = window.setTimeout(() => void lock(msg("pro.locked_idle")), IDLE_MS);
}

function closeDossier(): void {
  dossier = null;
  showOlder = false;
  authors = new Map();
  clearDossier();
  for (const hook of lockHooks) hook();
}

async function lock(reason = ""): Promise<void> {
  const s = session;
  session = null;
  closeDossier();
  stopCamera();
  if (s) await s.lock();
  refreshSignin();
  show("signin");
  if (reason) status(reason);
}

async function drawIdentity(s: ProSession, canvasId: string, captionId: string): Promise<void> {
  let origin = window.location.origin;
  try {
    const published = (await api.json("GET", "/links", undefined, { auth: false }))["origin"];
    if (typeof published === "string" && published) origin = published;
  } catch { /* not published: this page's origin */ }
  const link = identityLink(origin, s.psId, s.fingerprint);
  const img = pixels(linkQr(link), 6);
  const canvas = $(canvasId) as HTMLCanvasElement;
  canvas.width = canvas.height = img.width;
  canvas.getContext("2d")?.putImageData(new ImageData(img.data, img.width, img.width), 0, 0);
  canvas.dataset["link"] = link;
  $(captionId).textContent = msg("pro.identity_for", { ps_id: s.psId,
    fpr: toHex(s.fingerprint).match(/.{4}/g)?.join(" ") ?? "" });
}

/** Where a signed-in professional goes: the scan page if approved, else the waiting one. */
async function enter(s: ProSession): Promise<void> {
  const state = await s.status();
  if (state !== "approved") {
    session = s;
    await drawIdentity(s, "#pa-identity", "#pa-identity-for");
    show("waiting");
    if (state === "unreachable") status(msg("pro.waiting_unreachable"));
    return;
  }
  await s.login();
  session = s;
  $("#pc-who").textContent = msg("pro.who", { name: s.name, ps_id: s.psId });
  await drawIdentity(s, "#pc-identity", "#pc-identity-for");
  show("scan");
  armIdle();
}

async function authorNames(d: ScannedDossier): Promise<Map<string, string>> {
  const ids = [...new Set(d.items.filter((i) => i.author.kind === "professional" && i.author.id)
    .map((i) => i.author.id as string))];
  const found = new Map<string, string>();
  if (!ids.length) return found;
  let key: Uint8Array;
  try {
    key = await authority(api);
  } catch {
    return found;
  }
  for (const id of ids) {
    try {
      const { entry, signature } = entryOf(await api.json("GET", `/professionals/${encodeURIComponent(id)}`,
        undefined, { auth: false }));
      verifyEntry(entry, signature, key);
      found.set(id, entry.profession ? `${entry.name}, ${entry.profession}` : entry.name);
    } catch { /* not countersigned or unknown: shown by id only */ }
  }
  return found;
}

function render(): void {
  if (!dossier) return;
  renderDossier(dossier, { index, indexError, showOlder, today: new Date().toISOString().slice(0, 10),
    authors, onOlder: () => { showOlder = true; render(); }, onAttachment });
}

function onAttachment(item: Item, open: boolean): void {
  const s = session;
  const d = dossier;
  if (!s || !d || !item.attachment) return;
  const { name, mediaType } = item.attachment;
  void busy(msg("state.working"), async () => {
    const data = await s.attachment(d, item, now());
    if (open) openFile(data, mediaType);
    else saveFile(data, name, mediaType);
    status("");
  });
}

async function loadIndex(): Promise<void> {
  if (index) return;
  try {
    index = await fetchIndex(api);
    indexError = "";
  } catch (e) {
    indexError = e instanceof Error ? e.message : String(e);
  }
}

async function scan(text: string): Promise<void> {
  const s = session;
  if (!s) return;
  await busy(msg("pro.scanning"), async () => {
    const [opened] = await Promise.all([s.scan(text, now()), loadIndex()]);
    closeDossier();
    dossier = opened;
    showOlder = false;
    authors = await authorNames(opened);
    show("dossier");
    render();
    for (const hook of dossierHooks) await hook(opened, s);
    armIdle();
  });
}

function refreshSignin(): void {
  const id = window.localStorage.getItem(ID_KEY);
  const has = storedHome() !== null;
  $("#ps-stored").textContent = has ? msg("pro.signin_stored", { ps_id: id ?? "?" }) : msg("pro.signin_none");
  $("#ps-forget").hidden = !has;
}

function setupForms(): void {
  const pass = input("#pr-pass");
  pass.addEventListener("input", () => {
    const n = score(pass.value, [input("#pr-id").value, input("#pr-name").value]);
    ($("#pr-meter") as HTMLMeterElement).value = n;
    $("#pr-meter-text").textContent = msg(`strength.${n}`);
  });
  $("#pro-register-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const psId = input("#pr-id").value.replace(/\s/g, "");
    const name = input("#pr-name").value.trim().split(/\s+/).join(" ");
    const profession = input("#pr-profession").value.trim();
    const p1 = pass.value;
    if (!PS_ID.test(psId)) return alert(msg("pro.error_ps_id"));
    if (!name || !profession) return alert(msg("error.generic", { detail: msg("pro.field_name") }));
    if (p1 !== input("#pr-pass2").value) return alert(msg("error.mismatch"));
    if (!acceptable(p1, [psId, name])) return alert(msg("error.weak", { example: EXAMPLE }));
    if (storedHome() && !window.confirm(msg("pro.forget_confirm"))) return; // replaces the keys here
    void busy(msg("pro.registering"), async () => {
      const done = await ProSession.register(api, { psId, name, profession,
        specialty: input("#pr-specialty").value.trim(), city: input("#pr-city").value.trim(),
        email: input("#pr-email").value.trim() }, p1);
      pass.value = "";
      input("#pr-pass2").value = "";
      keepHome(done.home, psId);
      await done.session.lock(); // signed in only once approved, with the passphrase again
      refreshSignin();
      show("registered");
    });
  });
  $("#pro-signin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const secret = input("#ps-pass").value;
    const picked = input("#ps-file").files?.[0];
    void busy(msg("pro.unlocking"), async () => {
      const home = picked ? new Uint8Array(await picked.arrayBuffer()) : storedHome();
      if (!home) throw new FormatError("no key file");
      const s = ProSession.open(api, home, secret);
      input("#ps-pass").value = "";
      input("#ps-file").value = "";
      if (picked) keepHome(home, s.psId);
      await enter(s);
    });
  });
  $("#ps-forget").addEventListener("click", () => {
    if (!window.confirm(msg("pro.forget_confirm"))) return;
    window.localStorage.removeItem(HOME_KEY);
    window.localStorage.removeItem(ID_KEY);
    refreshSignin();
  });
  $("#pa-check").addEventListener("click", () => {
    const s = session;
    if (s) void busy(msg("state.working"), () => enter(s));
  });
  for (const b of document.querySelectorAll<HTMLElement>(".pro-download-keys")) {
    b.addEventListener("click", () => {
      const home = storedHome();
      if (home) saveFile(home, "pro.carnet", "application/octet-stream");
    });
  }
  for (const b of document.querySelectorAll<HTMLElement>(".pro-lock")) b.addEventListener("click", () => void lock());
  $("#pv-close").addEventListener("click", () => { closeDossier(); show("scan"); });
}

export function start(): void {
  const ctx: ProContext = {
    api, session: () => session, busy, status, alert, show, now,
    dossier: () => dossier, items: () => dossier?.items ?? [],
    reload: async () => { if (dossier) await scan(dossier.text); },
    saveFile,
    onDossier: (hook) => { dossierHooks.push(hook); },
    onLock: (hook) => { lockHooks.push(hook); },
  };
  for (const b of document.querySelectorAll<HTMLElement>("[data-go]")) {
    b.addEventListener("click", () => { refreshSignin(); show(b.dataset["go"] as string); });
  }
  setupForms();
  stopCamera = setupScanner((text) => void scan(text), alert).stop;
  setupWrites(ctx);
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, armIdle, { passive: true });
  window.addEventListener("pagehide", () => void lock());
  refreshSignin();
  show(storedHome() ? "signin" : "welcome");
  document.body.dataset["ready"] = "pro"; // the handlers are wired (tests wait for it)
}
