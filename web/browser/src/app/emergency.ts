/** The emergency page (/urgence): read an emergency card (webcam, photo or pasted link), type
 * its passcode (attempts left shown, the lock and the server's message), or break the glass
 * as a professional with the emergency role and a stated reason. Both show the emergency
 * summary only, decrypted here, and say that the patient is notified. The summary and every
 * key are dropped on "Fermer", after 5 minutes without activity, or when the page goes.
 * ``renderSummary`` serves the contact page too (the camera is ``camera.ts``). */

import { Api, ApiError } from "../api.js";
import { FormatError } from "../bytes.js";
import { attemptsLeft, breakGlass, CardError, type CardCode, isCard, openCard, parseCard,
  serviceKeyFromText, type Summary } from "../emergency.js";
import type { Item } from "../item.js";
import { ProSession } from "../pro.js";
import { EMERGENCY_SUMMARY } from "../sections.js";
import { readImageFile, Scanner } from "./camera.js";
import { $, alert, el, input, msg, showView, status } from "./dom.js";

const IDLE_MS = 5 * 60 * 1000;

function details(i: Item): string {
  return Object.entries(i.body).filter(([, v]) => v !== null && v !== "")
    .map(([k, v]) => `${k} : ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

/** The summary by section, in the fixed order, identity items shown once as whose it is. */
export function renderSummary(box: HTMLElement, s: Summary): void {
  box.replaceChildren();
  const identity = s.items.find((i) => i.type === "identity" && typeof i.body["name"] === "string");
  if (identity) {
    box.append(el("p", { class: "urgence-who" }, msg("dossier.who", {
      name: String(identity.body["name"]), date: String(identity.body["birth_date"] ?? "") })));
  }
  for (const section of EMERGENCY_SUMMARY) {
    const found = s.items.filter((i) => i.section === section && i.type !== "identity")
      .sort((a, b) => b.date.localeCompare(a.date) || a.title.localeCompare(b.title));
    const id = `summary-${section}`;
    const list = found.length
      ? el("ul", { class: "items" }, ...found.map((i) => el("li", { "data-item": i.itemId },
        el("span", { class: "item-title" }, i.title),
        el("span", { class: "meta" }, i.date),
        details(i) ? el("span", {}, details(i)) : null)))
      : el("p", { class: "meta" }, msg("urgence.empty_section"));
    box.append(el("section", { class: `section urgence-${section}`, "aria-labelledby": id },
      el("h2", { id }, msg(`section.${section}`)), list));
  }
  if (s.unreadable.length) {
    box.append(el("p", { class: "notice" }, msg("urgence.unreadable", { count: String(s.unreadable.length) })));
  }
}

// ------------------------------------------------------------------ the page

let card: CardCode | null = null;
let cardText = "";
let idle: number | undefined;
let scanner: Scanner | null = null;

function show(view: string): void {
  showView(view);
  const mode = view === "glass" ? "glass" : view === "summary" ? "" : "card";
  for (const b of document.querySelectorAll<HTMLElement>("[data-mode]")) {
    b.setAttribute("aria-pressed", String(b.dataset["mode"] === mode));
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Forget the summary and the card (text nodes removed, inputs cleared). */
function forget(): void {
  card = null;
  cardText = "";
  $("#u-summary").replaceChildren();
  for (const id of ["#u-passcode", "#u-who", "#u-text", "#g-pro-pass", "#g-nir", "#g-reason",
    "#g-pro-file", "#g-service", "#u-photo"]) ($(id) as HTMLInputElement).value = "";
  window.clearTimeout(idle);
}

function armIdle(): void {
  window.clearTimeout(idle);
  if ($("#u-summary").childElementCount) {
    idle = window.setTimeout(() => {
      forget();
      show("card");
      status(msg("urgence.closed_idle"));
    }, IDLE_MS);
  }
}

function cardNumber(c: CardCode): string {
  return Array.from(c.cardId.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A scanned, photographed or pasted text: a card goes on to the passcode. */
function takeCard(text: string): boolean {
  if (!isCard(text)) {
    alert(msg("urgence.not_a_card"));
    return false;
  }
  alert("");
  status("");
  cardText = text.trim();
  card = parseCard(cardText);
  $("#u-card-read").textContent = msg("urgence.card_read", { card: cardNumber(card) });
  $("#u-attempts").hidden = true;
  input("#u-passcode").value = "";
  show("passcode");
  input("#u-passcode").focus();
  return true;
}

function showSummary(s: Summary, how: string): void {
  alert("");
  status("");
  renderSummary($("#u-summary"), s);
  $("#u-how").textContent = how;
  show("summary");
  armIdle();
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

function serverSaid(e: ApiError): string {
  return msg("urgence.server_said", { detail: e.message });
}

async function onPasscode(): Promise<void> {
  if (!card) return show("card");
  const passcode = input("#u-passcode").value.trim();
  if (!passcode) return alert(msg("urgence.passcode"));
  const api = new Api();
  await working(msg("urgence.opening"), async () => {
    try {
      const s = await openCard(api, cardText, passcode, input("#u-who").value);
      input("#u-passcode").value = "";
      showSummary(s, msg("urgence.by_card"));
    } catch (e) {
      status("");
      input("#u-passcode").value = "";
      if (e instanceof ApiError && e.code === "wrong_passcode") {
        const left = attemptsLeft(e);
        const shown = left === null ? "?" : String(left);
        $("#u-attempts").textContent = msg("urgence.attempts_left", { left: shown });
        $("#u-attempts").hidden = false;
        alert(`${msg("urgence.wrong_passcode", { left: shown })} ${serverSaid(e)}`);
        input("#u-passcode").focus();
      } else if (e instanceof ApiError && e.code === "card_locked") {
        $("#u-locked-detail").textContent = serverSaid(e);
        show("locked");
      } else if (e instanceof ApiError && e.code === "card_expired") {
        alert(`${msg("urgence.expired")} ${serverSaid(e)}`);
      } else if (e instanceof ApiError && e.status === 404) {
        alert(msg("urgence.unknown_card"));
      } else {
        alert(explain(e));
      }
    }
  });
}

function explain(e: unknown): string {
  if (e instanceof ApiError && e.status === 0) return msg("error.network");
  if (e instanceof CardError && e.code === "reason_length") return msg("urgence.reason_short");
  if (e instanceof CardError) return msg("urgence.not_a_card");
  return msg("error.generic", { detail: e instanceof Error ? e.message : String(e) });
}

async function fileBytes(id: string): Promise<Uint8Array | null> {
  const f = input(id).files?.[0];
  return f ? new Uint8Array(await f.arrayBuffer()) : null;
}

async function onBreakGlass(): Promise<void> {
  const home = await fileBytes("#g-pro-file");
  const service = await fileBytes("#g-service");
  const nir = input("#g-nir").value.trim();
  const reason = ($("#g-reason") as HTMLTextAreaElement).value;
  if (reason.trim().length < 10 || reason.trim().length > 500) return alert(msg("urgence.reason_short"));
  if (!home || !service || !nir) return alert(msg("urgence.bad_files"));
  const api = new Api();
  let pro: ProSession | null = null;
  await working(msg("urgence.glass_working"), async () => {
    try {
      let key: Uint8Array;
      try {
        key = serviceKeyFromText(new TextDecoder().decode(service));
        pro = ProSession.open(api, home, input("#g-pro-pass").value);
      } catch {
        throw new FormatError("files");
      }
      await pro.login();
      const s = await breakGlass(pro, key, nir, reason, now());
      key.fill(0);
      ($("#g-reason") as HTMLTextAreaElement).value = "";
      input("#g-pro-pass").value = "";
      showSummary(s, msg("urgence.by_glass"));
    } catch (e) {
      status("");
      if (e instanceof FormatError && e.message === "files") alert(msg("urgence.bad_files"));
      else if (e instanceof ApiError && e.code === "break_glass_off") alert(msg("urgence.glass_off"));
      else if (e instanceof ApiError && e.status === 403) alert(`${msg("urgence.no_role")} ${serverSaid(e)}`);
      else if (e instanceof ApiError && e.status === 401) alert(`${msg("urgence.bad_files")} ${serverSaid(e)}`);
      else if (e instanceof ApiError && e.status === 404) alert(msg("urgence.no_patient"));
      else if (e instanceof ApiError && e.status === 400) alert(serverSaid(e));
      else alert(explain(e));
    } finally {
      await (pro as ProSession | null)?.lock().catch(() => undefined);
    }
  });
}

export function start(): void {
  const video = $("#u-video") as HTMLVideoElement;
  scanner = new Scanner(video, (text) => takeCard(text));
  const cam = $("#u-camera");
  const stopCam = $("#u-camera-stop");
  const camState = (on: boolean): void => {
    cam.hidden = on;
    stopCam.hidden = !on;
  };
  cam.addEventListener("click", () => {
    alert("");
    camState(true);
    status(msg("urgence.scanning"));
    scanner?.start().catch((e: unknown) => {
      camState(false);
      status("");
      alert(msg("urgence.no_camera", { detail: e instanceof Error ? e.name : String(e) }));
    });
  });
  stopCam.addEventListener("click", () => {
    scanner?.stop();
    camState(false);
    status("");
  });
  // The scanner stops itself when it takes a card: keep the buttons in step.
  new MutationObserver(() => camState(!video.hidden)).observe(video, { attributes: true,
    attributeFilter: ["hidden"] });
  input("#u-photo").addEventListener("change", () => {
    const f = input("#u-photo").files?.[0];
    if (!f) return;
    void readImageFile(f).then((text) => {
      if (text === null) alert(msg("urgence.no_qr"));
      else takeCard(text);
    }, () => alert(msg("urgence.no_qr")));
  });
  $("#u-paste-form").addEventListener("submit", (e) => {
    e.preventDefault();
    takeCard(($("#u-text") as HTMLTextAreaElement).value);
  });
  $("#u-pass-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void onPasscode();
  });
  $("#u-glass-form").addEventListener("submit", (e) => {
    e.preventDefault();
    void onBreakGlass();
  });
  for (const b of document.querySelectorAll<HTMLElement>("[data-again]")) {
    b.addEventListener("click", () => {
      forget();
      alert("");
      show("card");
    });
  }
  for (const b of document.querySelectorAll<HTMLElement>("[data-mode]")) {
    b.addEventListener("click", () => {
      scanner?.stop();
      forget();
      alert("");
      status("");
      show(b.dataset["mode"] === "glass" ? "glass" : "card");
    });
  }
  $("#u-close").addEventListener("click", () => {
    forget();
    show("card");
  });
  for (const ev of ["pointerdown", "keydown"]) document.addEventListener(ev, armIdle, { passive: true });
  window.addEventListener("pagehide", () => {
    scanner?.stop();
    forget();
  });
  // /urgence#<digits>: a card's payload handed over in the fragment (never sent): read it.
  if (/^#[0-9]+$/.test(window.location.hash)) {
    const text = `${window.location.origin}/E${window.location.hash}`;
    history.replaceState(null, "", window.location.pathname + window.location.search);
    takeCard(text);
  }
}
