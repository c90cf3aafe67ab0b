/** The emergency contact's page (/proche): a person who holds a Carnet record of their own
 * signs in with it, shows their contact code (QR) to the patient naming them, and opens the
 * standing emergency summary the patient granted them from the token link the patient gave
 * (camera, photo or paste). The server keeps no list of the grants made to a contact: the
 * contact keeps the link. Keys live in the session only; "Verrouiller", 5 minutes without
 * activity or leaving the page drop them. */

import { Api, ApiError } from "../api.js";
import { type ContactKeys, contactCode, isCard, readAsContact } from "../emergency.js";
import { PatientSession } from "../patient.js";
import { linkQr, pixels } from "../qr.js";
import { TokenError } from "../token.js";
import { $, alert, input, lang, msg, showView, status } from "./dom.js";
import { readImageFile, Scanner } from "./camera.js";
import { renderSummary } from "./emergency.js";

const IDLE_MS = 5 * 60 * 1000;

let session: PatientSession | null = null;
let idle: number | undefined;
let scanner: Scanner | null = null;

function show(view: string): void {
  showView(view);
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function keys(s: PatientSession): ContactKeys {
  return { dossierId: s.dossierId, signSeed: s.keyring.signSeed, boxSecret: s.keyring.boxSecret };
}

async function working(text: string, work: () => Promise<void>): Promise<void> {
  alert("");
  status(text);
  document.body.setAttribute("aria-busy", "true");
  await new Promise((r) => setTimeout(r, 30)); // let the status paint before Argon2id
  try {
    await work();
  } finally {
    document.body.removeAttribute("aria-busy");
  }
}

function explain(e: unknown): string {
  const code = e instanceof ApiError || e instanceof TokenError ? e.code : "";
  const known: Record<string, string> = {
    not_a_carnet_token: "proche.not_a_token", wrong_recipient: "proche.wrong_recipient",
    token_expired: "proche.expired", token_revoked: "proche.revoked",
    invalid_token: "proche.invalid", invalid_grant: "proche.invalid",
    keyring_rolled_back: "error.rolled_back",
  };
  if (known[code]) return msg(known[code] as string);
  if (e instanceof Error && e.name === "InvalidGrant") return msg("proche.invalid");
  if (e instanceof ApiError && e.status === 0) return msg("error.network");
  return msg("error.generic", { detail: e instanceof Error ? e.message : String(e) });
}

async function lock(text: string): Promise<void> {
  window.clearTimeout(idle);
  scanner?.stop();
  const s = session;
  session = null;
  $("#k-summary").replaceChildren();
  $("#k-code").textContent = "";
  const canvas = $("#k-qr") as HTMLCanvasElement;
  canvas.width = canvas.height = 0;
  canvas.dataset["link"] = "";
  ($("#k-token") as HTMLTextAreaElement).value = "";
  input("#k-pass").value = "";
  await s?.lock().catch(() => undefined);
  show("signin");
  status(text);
}

function armIdle(): void {
  window.clearTimeout(idle);
  if (session) idle = window.setTimeout(() => void lock(msg("proche.locked_idle")), IDLE_MS);
}

async function showCode(s: PatientSession): Promise<void> {
  let origin = window.location.origin;
  try {
    const published = (await s.api.json("GET", "/links", undefined, { auth: false }))["origin"];
    if (typeof published === "string" && published) origin = published;
  } catch { /* not published: this page's origin */ }
  const code = contactCode(keys(s), origin);
  const img = pixels(linkQr(code), 6);
  const canvas = $("#k-qr") as HTMLCanvasElement;
  canvas.width = canvas.height = img.width;
  canvas.getContext("2d")?.putImageData(new ImageData(img.data, img.width, img.width), 0, 0);
  canvas.dataset["link"] = code; // what a test reads back; public keys only
  $("#k-code").textContent = code;
}

async function signIn(): Promise<void> {
  const nir = input("#k-nir").value.replace(/\s+/g, "");
  const passphrase = input("#k-pass").value;
  if (!nir || !passphrase) return alert(msg("proche.bad_login"));
  await working(msg("proche.signing_in"), async () => {
    try {
      session = await PatientSession.login(new Api(), nir, passphrase);
      input("#k-pass").value = "";
      await showCode(session);
      status("");
      show("home");
      armIdle();
    } catch (e) {
      status("");
      const bad = (e instanceof Error && e.name === "UnlockFailed") ||
        (e instanceof ApiError && (e.status === 401 || e.status === 404 || e.status === 400));
      alert(bad ? msg("proche.bad_login") : explain(e));
    }
  });
}

function day(seconds: number): string {
  return new Date(seconds * 1000).toLocaleDateString(lang() === "en" ? "en-GB" : "fr-FR",
    { year: "numeric", month: "long", day: "numeric" });
}

/** A scanned, photographed or pasted token: open what it grants us. */
function take(text: string): boolean {
  const s = session;
  if (!s) return false;
  if (isCard(text)) {
    alert(msg("proche.is_card"));
    return false;
  }
  void working(msg("proche.opening"), async () => {
    try {
      const got = await readAsContact(s.api, keys(s), text, now());
      renderSummary($("#k-summary"), got);
      $("#k-until").textContent = msg("proche.until", { date: day(got.expiresAt) });
      status("");
      show("summary");
    } catch (e) {
      status("");
      alert(explain(e));
    }
  });
  return true;
}

export function start(): void {
  const video = $("#k-video") as HTMLVideoElement;
  scanner = new Scanner(video, (text) => take(text));
  const cam = $("#k-camera");
  const stopCam = $("#k-camera-stop");
  new MutationObserver(() => {
    cam.hidden = !video.hidden;
    stopCam.hidden = video.hidden;
  }).observe(video, { attributes: true, attributeFilter: ["hidden"] });
  cam.addEventListener("click", () => {
    alert("");
    status(msg("proche.scanning"));
    scanner?.start().catch((e: unknown) => {
      status("");
      alert(msg("proche.no_camera", { detail: e instanceof Error ? e.name : String(e) }));
    });
  });
  stopCam.addEventListener("click", () => {
    scanner?.stop();
    status("");
  });
  input("#k-photo").addEventListener("change", () => {
    const f = input("#k-photo").files?.[0];
    input("#k-photo").value = "";
    if (!f) return;
    void readImageFile(f).then((text) => {
      if (text === null) alert(msg("proche.no_qr"));
      else take(text);
    }, () => alert(msg("proche.no_qr")));
  });
  $("#k-signin-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void signIn();
  });
  $("#k-token-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = ($("#k-token") as HTMLTextAreaElement).value.trim();
    if (!text) return alert(msg("proche.not_a_token"));
    take(text);
  });
  $("#k-back").addEventListener("click", () => {
    $("#k-summary").replaceChildren();
    show("home");
  });
  for (const b of document.querySelectorAll<HTMLElement>("[data-lock]")) {
    b.addEventListener("click", () => void lock(msg("proche.locked")));
  }
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, armIdle, { passive: true });
  window.addEventListener("pagehide", () => void lock(""));
}
