/** The printed emergency card and its passcode slip as PDF files, written by hand (no
 * dependency): web/client/cardprint.py's layout and texts, card-sized (ISO/IEC 7810 ID-1,
 * 85.6 x 54 mm). The passcode is never on the card: it is on a separate slip, a file of its
 * own, for the emergency contact (a card found with its passcode opens the summary).
 *
 * A face is a list of drawing steps in millimetres (origin bottom left, text at its
 * baseline). The PDF uses the standard Helvetica fonts in WinAnsi encoding (every French
 * accent; nothing to embed, the text extracts as written); the QR code is drawn as filled
 * rectangles, one per run of dark modules in a row, with its 4-module quiet zone. Pure. */

import type { Card } from "./card.js";
import { linkQr } from "./qr.js";

export const CARD_MM = [85.6, 54.0] as const;
const PT_MM = 25.4 / 72; // one point in millimetres
type Color = readonly [number, number, number];
const RED: Color = [0.75, 0.07, 0.11];
const BLACK: Color = [0, 0, 0];
const WHITE: Color = [1, 1, 1];
const GREY: Color = [0.3, 0.3, 0.3];
const NBSP = "\u00a0";
const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
  "septembre", "octobre", "novembre", "décembre"];

/** Whose card it is, as the patient entered it in their dossier; an empty name leaves a line
 * to write it by hand. */
export interface Holder {
  name: string;
  birthDate?: string | null; // ISO date
}

interface Text { kind: "text"; x: number; y: number; size: number; text: string; bold: boolean; color: Color }
interface Box { kind: "box"; x: number; y: number; w: number; h: number; color: Color }
interface Code { kind: "code"; x: number; y: number; size: number; link: string }
type Step = Text | Box | Code;

const text = (x: number, y: number, size: number, t: string, bold = false, color: Color = BLACK): Text =>
  ({ kind: "text", x, y, size, text: t, bold, color });

/** ``1er décembre 2027``, ``2 janvier 2028``: as people write dates in French (UTC). */
export function frenchDate(when: number | string): string {
  const d = typeof when === "number" ? new Date(when * 1000) : new Date(`${when}T00:00:00Z`);
  const day = d.getUTCDate();
  return `${day === 1 ? "1er" : day} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

function birth(iso: string | null | undefined): string | null {
  if (!iso || !/^\d{4}-\d{2}-\d{2}$/.test(iso) || Number.isNaN(Date.parse(iso))) return null;
  return frenchDate(iso);
}

// Advance widths (1/1000 em) of Helvetica and Helvetica-Bold for the codes 32 to 126.
const REGULAR = [278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667,
  722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
  667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556,
  222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334,
  260, 334, 584];
const BOLD = [278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
  556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722,
  722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
  667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611,
  278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389,
  280, 389, 584];
const SPECIAL: Record<string, number> = { [NBSP]: 278, "°": 400, "«": 556, "»": 556, "…": 1000,
  "’": 222, "œ": 944, "Œ": 1000, "€": 556, "–": 556, "—": 1000 };

function charWidth(ch: string, bold: boolean): number {
  const base = ch.normalize("NFD")[0] ?? ch; // an accented letter is as wide as its letter
  const code = base.charCodeAt(0);
  if (code >= 32 && code <= 126) return (bold ? BOLD : REGULAR)[code - 32] as number;
  return SPECIAL[ch] ?? 556;
}

/** Width of ``t`` in millimetres. */
export function textWidth(t: string, size: number, bold: boolean): number {
  let units = 0;
  for (const ch of t) units += charWidth(ch, bold);
  return (units / 1000) * size * PT_MM;
}

/** ``t`` shortened with an ellipsis until it fits ``width`` mm. */
function fit(t: string, size: number, bold: boolean, width: number): string {
  if (textWidth(t, size, bold) <= width) return t;
  let chars = [...t];
  while (chars.length && textWidth(`${chars.join("")}…`, size, bold) > width) chars = chars.slice(0, -1);
  return `${chars.join("").trimEnd()}…`;
}

function wrap(t: string, size: number, bold: boolean, width: number): string[] {
  const lines: string[] = [];
  for (const word of t.split(" ").filter((w) => w)) { // a no-break space stays
    const last = lines[lines.length - 1];
    if (last !== undefined && textWidth(`${last} ${word}`, size, bold) <= width) {
      lines[lines.length - 1] = `${last} ${word}`;
    } else {
      lines.push(fit(word, size, bold, width));
    }
  }
  return lines;
}

/** Wrapped text whose first line's top is at ``top``; the steps and the y under the last line. */
function lines(x: number, top: number, t: string, size: number, width: number,
  o: { bold?: boolean; color?: Color; leading?: number } = {}): [Step[], number] {
  const step = size * (o.leading ?? 1.25) * PT_MM;
  const out: Step[] = [];
  let y = top;
  for (const line of wrap(t, size, o.bold ?? false, width)) {
    y -= step;
    out.push(text(x, y + 0.25 * size * PT_MM, size, line, o.bold ?? false, o.color ?? BLACK));
  }
  return [out, y];
}

function band(title: string, right: string): Step[] {
  const [w, h] = CARD_MM;
  return [{ kind: "box", x: 0, y: h - 8.5, w, h: 8.5, color: RED }, text(3.5, h - 5.8, 9.5, title, true, WHITE),
    text(w - 3.5 - textWidth(right, 7, false), h - 5.6, 7, right, false, WHITE)];
}

function host(link: string): string {
  const m = /^https?:\/\/([^/#]+)/i.exec(link);
  return (m?.[1] ?? "").toLowerCase();
}

export function cardFace(card: Card, holder: Holder): Step[] {
  const [w, h] = CARD_MM;
  const side = 31.0;
  const left = w - side - 2.5 - 3.5 - 1.0; // the text column's width
  const steps: Step[] = band("CARTE D'URGENCE", "Carnet");
  steps.push({ kind: "code", x: w - side - 2.5, y: 3.0, size: side, link: card.link });
  const site = host(card.link);
  if (site) {
    const t = fit(site, 5, false, side);
    steps.push(text(w - 2.5 - side / 2 - textWidth(t, 5, false) / 2, 3.0 + side + 0.6, 5, t, false, GREY));
  }
  const name = holder.name.split(/\s+/).filter((x) => x).join(" ").slice(0, 120);
  if (name) {
    steps.push(text(3.5, h - 14.5, 10, fit(name, 10, true, left), true));
  } else { // written by hand
    steps.push(text(3.5, h - 14.5, 7, `Nom${NBSP}:`, false, GREY));
    steps.push({ kind: "box", x: 12.5, y: h - 14.8, w: left - 9.0, h: 0.25, color: GREY });
  }
  let y = h - 15.5;
  const born = birth(holder.birthDate);
  if (born) {
    steps.push(text(3.5, h - 18.5, 6.5, `Date de naissance${NBSP}: ${born}`, false, GREY));
    y = h - 19.5;
  }
  let more: Step[];
  [more, y] = lines(3.5, y - 1.0, `En cas d'urgence${NBSP}: appelez le 15`, 10, left,
    { bold: true, color: RED, leading: 1.15 });
  steps.push(...more);
  [more, y] = lines(3.5, y - 0.8, "Scannez ce code avec l'application Carnet (ou l'appareil photo " +
    `d'un téléphone). Le code d'accès est détenu par le contact d'urgence${NBSP}; chaque ouverture ` +
    "est tracée.", 5.6, left);
  steps.push(...more);
  steps.push(text(3.5, 6.2, 5.6, `Valable jusqu'au ${frenchDate(card.expiresAt)}`, false, GREY));
  steps.push(text(3.5, 3.4, 5.2, fit(`Carte n° ${card.cardId.slice(0, 8)}, émise le ` +
    frenchDate(card.createdAt), 5.2, false, left), false, GREY));
  return steps;
}

export function groupedPasscode(passcode: string): string {
  return (passcode.match(/.{1,4}/g) ?? []).join(" ");
}

export function slipFace(card: Card, holder: Holder): Step[] {
  const [w, h] = CARD_MM;
  const code = groupedPasscode(card.passcode);
  const steps: Step[] = band("CODE D'ACCÈS", "Carte d'urgence");
  const name = holder.name.split(/\s+/).filter((x) => x).join(" ").slice(0, 120);
  const whose = name ? `de ${name}` : "du titulaire de la carte";
  let [more, y] = lines(3.5, h - 10.0, `Pour le contact d'urgence ${whose}`, 7.5, w - 7, { bold: true });
  steps.push(...more);
  steps.push(text((w - textWidth(code, 22, true)) / 2, y - 10.0, 22, code, true));
  [more, y] = lines(3.5, y - 13.5, "Ce code ouvre, avec la carte d'urgence, le résumé d'urgence du " +
    "patient (groupe sanguin, allergies, traitements, directives anticipées, contacts). Gardez-le à " +
    `part de la carte et ne le donnez qu'aux secours${NBSP}: après cinq erreurs, la carte est bloquée.`,
  5.8, w - 7);
  steps.push(...more);
  steps.push(text(3.5, 6.2, 5.6, `Carte n° ${card.cardId.slice(0, 8)}, valable jusqu'au ` +
    frenchDate(card.expiresAt), false, GREY));
  steps.push(text(3.5, 3.2, 6.5, `En cas d'urgence${NBSP}: appelez le 15`, true, RED));
  return steps;
}

// ---------------------------------------------------------------- the PDF writer

const WIN_ANSI: Record<string, number> = { "€": 0x80, "‚": 0x82, "„": 0x84, "…": 0x85, "Œ": 0x8c,
  "‘": 0x91, "’": 0x92, "“": 0x93, "”": 0x94, "•": 0x95, "–": 0x96, "—": 0x97, "œ": 0x9c, "Ÿ": 0x9f };

/** ``t`` as a PDF hex string in WinAnsi encoding (anything outside it becomes ``?``). */
function winAnsi(t: string): string {
  let out = "";
  for (const ch of t.normalize("NFC")) {
    const c = ch.codePointAt(0) as number;
    const b = (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xff) ? c : WIN_ANSI[ch] ?? 0x3f;
    out += b.toString(16).padStart(2, "0").toUpperCase();
  }
  return `<${out}>`;
}

/** A number in points, two decimals at most. */
function pt(mm: number): string {
  return num(mm / PT_MM);
}

function num(n: number): string {
  const s = n.toFixed(2).replace(/\.?0+$/, "");
  return s === "-0" ? "0" : s;
}

const rgb = (c: Color): string => c.map(num).join(" ");

function content(steps: Step[]): string {
  const out: string[] = [];
  for (const s of steps) {
    if (s.kind === "box") {
      out.push(`${rgb(s.color)} rg\n${pt(s.x)} ${pt(s.y)} ${pt(s.w)} ${pt(s.h)} re\nf`);
    } else if (s.kind === "text") {
      out.push(`BT\n${rgb(s.color)} rg\n/${s.bold ? "F2" : "F1"} ${num(s.size)} Tf\n` +
        `${pt(s.x)} ${pt(s.y)} Td\n${winAnsi(s.text)} Tj\nET`);
    } else {
      const q = linkQr(s.link);
      const cell = s.size / (q.size + 8); // the quiet zone: 4 modules each side
      out.push("0 0 0 rg");
      for (let r = 0; r < q.size; r++) {
        const y = s.y + s.size - (r + 5) * cell;
        for (let c = 0; c < q.size;) {
          if (!q.dark(r, c)) { c++; continue; }
          let end = c;
          while (end < q.size && q.dark(r, end)) end++;
          out.push(`${pt(s.x + (c + 4) * cell)} ${pt(y)} ${pt((end - c) * cell)} ${pt(cell)} re\nf`);
          c = end;
        }
      }
    }
  }
  return `${out.join("\n")}\n`;
}

/** A one-page PDF 1.4 of ``steps`` (text in latin-1 bytes, so offsets are byte offsets). */
function pdf(steps: Step[], title: string): Uint8Array {
  const [w, h] = CARD_MM;
  const stream = content(steps);
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${pt(w)} ${pt(h)}] ` +
      "/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}endstream`,
    `<< /Title ${winAnsi(title)} /Author (Carnet) /Producer (Carnet) >>`,
  ];
  let out = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const at of offsets) out += `${String(at).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Info 7 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Uint8Array.from(out, (ch) => ch.charCodeAt(0) & 0xff);
}

/** The card (no passcode on it) as a one-page PDF. */
export function cardPdf(card: Card, holder: Holder): Uint8Array {
  return pdf(cardFace(card, holder), "Carte d'urgence");
}

/** The passcode slip, for the emergency contact (kept apart from the card). */
export function slipPdf(card: Card, holder: Holder): Uint8Array {
  return pdf(slipFace(card, holder), "Code d'accès de la carte d'urgence");
}
