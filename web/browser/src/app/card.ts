/** The emergency panel: make, renew or revoke the emergency card (a print view, then the
 * access code on a step of its own, each downloadable as a PDF), break-glass on and off with
 * its current state, the emergency contacts (items of the summary, and a standing grant to a
 * contact who has a Carnet record). The card's link and passcode live in this module's
 * memory only until "done" or a lock. */

import { type Card, type CardState, breakGlassAllowed, isActive, issueContactGrant, issueCard,
  listCards, parseContact, publicOrigin, renewCard, revokeCards } from "../card.js";
import { cardPdf, frenchDate, groupedPasscode, type Holder, slipPdf } from "../cardpdf.js";
import type { Item } from "../item.js";
import { UnreadableItem } from "../patient.js";
import type { PatientSession } from "../patient.js";
import { DURATIONS } from "../profiles.js";
import { linkQr, pixels } from "../qr.js";
import type { PatientContext } from "./context.js";
import { $, el, input, lang, msg } from "./dom.js";

let made: Card | null = null;
let holder: Holder = { name: "" };
let cards: CardState[] = [];
let glass: boolean | null = null;

function day(unix: number): string {
  if (lang() === "fr") return frenchDate(unix);
  return new Date(unix * 1000).toLocaleDateString("en-GB", { dateStyle: "long", timeZone: "UTC" });
}

function isoDay(iso: string): string {
  const t = Date.parse(`${iso}T00:00:00Z`);
  return Number.isNaN(t) ? iso : day(t / 1000);
}

function mine(items: readonly (Item | UnreadableItem)[]): Item[] {
  return items.filter((i): i is Item => !(i instanceof UnreadableItem));
}

/** The name and birth date the patient entered in their dossier (their newest identity). */
function holderOf(items: readonly (Item | UnreadableItem)[]): Holder {
  const own = mine(items).filter((i) => i.type === "identity" && i.author.kind === "patient")
    .sort((a, b) => b.createdAt - a.createdAt)[0];
  const name = own?.body["name"];
  const born = own?.body["birth_date"];
  return { name: typeof name === "string" ? name : "", birthDate: typeof born === "string" ? born : null };
}

function drawQr(canvas: HTMLCanvasElement, link: string): void {
  const img = pixels(linkQr(link), 8);
  canvas.width = canvas.height = img.width;
  canvas.getContext("2d")?.putImageData(new ImageData(img.data, img.width, img.width), 0, 0);
}

function fillCard(card: Card, who: Holder): void {
  $("#ec-name").textContent = who.name || msg("card.no_name");
  $("#ec-birth").textContent = who.birthDate ? msg("card.born", { date: isoDay(who.birthDate) }) : "";
  $("#ec-until").textContent = msg("card.until", { until: day(card.expiresAt) });
  $("#ec-number").textContent = msg("card.number", { number: card.cardId.slice(0, 8),
    date: day(card.createdAt) });
  $("#ec-site").textContent = (/^https?:\/\/([^/#]+)/i.exec(card.link)?.[1] ?? "").toLowerCase();
  drawQr($("#ec-qr") as HTMLCanvasElement, card.link);
}

function fillSlip(card: Card, who: Holder): void {
  $("#sl-for").textContent = who.name ? msg("card.slip_for", { name: who.name }) : msg("card.slip_for_anyone");
  $("#sl-code").textContent = groupedPasscode(card.passcode);
  $("#sl-number").textContent = msg("card.slip_number", { number: card.cardId.slice(0, 8),
    until: day(card.expiresAt) });
}

/** Forget the card's link and passcode (and blank what showed them). */
function forget(): void {
  made = null;
  holder = { name: "" };
  for (const id of ["#ec-name", "#ec-birth", "#ec-until", "#ec-number", "#ec-site", "#sl-for",
    "#sl-code", "#sl-number"]) $(id).textContent = "";
  const canvas = $("#ec-qr") as HTMLCanvasElement;
  canvas.width = canvas.height = 0;
}

function renderState(now: number): void {
  const active = cards.find((c) => isActive(c, now));
  const state = $("#card-state");
  state.replaceChildren(active
    ? msg("card.active", { number: active.cardId.slice(0, 8), until: day(active.expiresAt) })
    : msg("card.none"));
  if (active?.attempts) state.append(" ", msg("card.attempts", { count: String(active.attempts) }));
  if (active && !active.followsKeys) state.append(" ", msg("card.stale"));
  $("#card-create").hidden = Boolean(active);
  $("#card-renew").hidden = $("#card-revoke").hidden = !active;
  $("#glass-state").textContent = glass === null ? ""
    : msg(glass ? "card.glass_state_on" : "card.glass_state_off");
  $("#glass-state").dataset["state"] = glass === null ? "" : glass ? "on" : "off";
}

function renderContacts(items: readonly (Item | UnreadableItem)[]): void {
  const list = $("#card-contacts");
  const found = mine(items).filter((i) => i.section === "emergency_contacts" && i.type !== "identity")
    .sort((a, b) => a.title.localeCompare(b.title));
  list.replaceChildren(...found.map((i) => {
    const details = Object.entries(i.body).filter(([, v]) => typeof v === "string" && v !== "")
      .map(([, v]) => String(v));
    return el("li", {}, el("span", { class: "item-title" }, i.title),
      details.length ? el("span", { class: "meta" }, details.join(" · ")) : null);
  }));
  if (!found.length) list.append(el("li", { class: "hint" }, msg("card.contacts_none")));
}

/** Open the add panel on the emergency-contacts section (the items feature's form). */
function pointToAddForm(): void {
  const panel = document.querySelector<HTMLDetailsElement>("#add-panel");
  if (!panel) return;
  panel.open = true;
  const section = document.querySelector<HTMLSelectElement>("#i-section");
  if (section && [...section.options].some((o) => o.value === "emergency_contacts")) {
    section.value = "emergency_contacts";
    section.dispatchEvent(new Event("change"));
  }
  panel.scrollIntoView({ block: "start" });
  (section ?? panel).focus();
}

export function setup(ctx: PatientContext): void {
  const refresh = async (s: PatientSession): Promise<void> => {
    [cards, glass] = await Promise.all([listCards(s), breakGlassAllowed(s)]);
    renderState(ctx.now());
    renderContacts(ctx.items());
  };
  const origin = (): Promise<string> => publicOrigin(ctx.api, window.location.origin);
  const withSession = (work: (s: PatientSession) => Promise<void>, confirmText = ""): (() => void) => () => {
    const s = ctx.session();
    if (!s || (confirmText && !window.confirm(confirmText))) return;
    void ctx.busy(msg("state.working"), () => work(s));
  };
  const present = async (s: PatientSession, card: Card): Promise<void> => {
    made = card;
    holder = holderOf(ctx.items());
    fillCard(card, holder);
    ctx.show("card");
    ctx.status(msg("card.made"));
    [cards, glass] = await Promise.all([listCards(s), breakGlassAllowed(s)]);
    renderState(ctx.now());
  };

  ctx.onOpen(refresh);
  ctx.onLock(() => {
    forget();
    cards = [];
    glass = null;
    $("#card-contacts").replaceChildren();
    $("#cg-link").textContent = "";
    $("#cg-done").hidden = true;
  });
  // The dossier redraws after every change: the contacts list follows it.
  new MutationObserver(() => renderContacts(ctx.items())).observe($("#sections"), { childList: true });

  $("#card-create").addEventListener("click", withSession(async (s) => present(s, await issueCard(s, await origin()))));
  $("#card-renew").addEventListener("click", withSession(async (s) =>
    present(s, await renewCard(s, await origin(), ctx.now()))));
  $("#card-revoke").addEventListener("click", withSession(async (s) => {
    await revokeCards(s, ctx.now());
    await refresh(s);
    ctx.status(msg("card.revoked"));
  }, msg("card.revoke_confirm")));

  $("#card-print").addEventListener("click", () => window.print());
  $("#slip-print").addEventListener("click", () => window.print());
  $("#card-pdf").addEventListener("click", () => {
    if (made) ctx.saveFile(cardPdf(made, holder), `carte-urgence-${made.cardId.slice(0, 8)}.pdf`, "application/pdf");
  });
  $("#slip-pdf").addEventListener("click", () => {
    if (made) ctx.saveFile(slipPdf(made, holder), `code-carte-urgence-${made.cardId.slice(0, 8)}.pdf`, "application/pdf");
  });
  $("#card-next").addEventListener("click", () => {
    if (!made) return;
    fillSlip(made, holder); // the passcode reaches the page only on its own step
    ctx.show("card-passcode");
  });
  $("#card-done").addEventListener("click", () => {
    forget();
    ctx.show("dossier");
    ($("#emergency-panel") as HTMLDetailsElement).open = true;
    $("#card-title").setAttribute("tabindex", "-1");
    $("#card-title").focus();
  });

  for (const [id, on] of [["#glass-on", true], ["#glass-off", false]] as const) {
    $(id).addEventListener("click", withSession(async (s) => {
      await (on ? s.allowBreakGlass() : s.refuseBreakGlass());
      glass = await breakGlassAllowed(s);
      renderState(ctx.now());
      ctx.status(msg(on ? "glass.done_on" : "glass.done_off"));
    }));
  }

  $("#card-contact-add").addEventListener("click", pointToAddForm);
  $("#emergency-panel").addEventListener("toggle", () => renderContacts(ctx.items()));
  $("#contact-grant-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const code = ($("#cg-code") as HTMLTextAreaElement).value.trim();
    const seconds = DURATIONS[input("#cg-duration").value] ?? (DURATIONS["1y"] as number);
    withSession(async (s) => {
      try {
        parseContact(code);
      } catch {
        throw new Error(msg("card.account_bad"));
      }
      await s.finishRotations();
      const given = await issueContactGrant(s, code, seconds, ctx.now(), await origin());
      ($("#contact-grant-form") as HTMLFormElement).reset();
      $("#cg-link").textContent = given.link;
      $("#cg-done").hidden = false;
      ctx.status("");
    })();
  });
}
