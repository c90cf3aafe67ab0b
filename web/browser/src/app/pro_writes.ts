/** The professional's writes on the pro page (prowrite.ts does the formats): in the dossier
 * view, a prescription checked for interactions and allergies before it is saved (the
 * alerts shown, an explicit confirmation, the acknowledged alerts recorded in the item as
 * the Python client does), a consultation report with an optional PDF, both through a
 * read+write consent; the IPS export of what the consent opens; and the "Dépôt de document"
 * view, where a laboratory or a hospital leaves a document for a patient known by NIR
 * without reading anything. */

import { ApiError } from "../api.js";
import { FormatError } from "../bytes.js";
import { type Alert, checkPrescription, fetchIndex, levelRank } from "../clinical/items.js";
import type { NewFile } from "../core.js";
import type { ProSession, ScannedDossier } from "../pro.js";
import { acknowledged, deposit, type Draft, ipsExport, seriousAlerts,
  writeItem } from "../prowrite.js";
import type { Section } from "../sections.js";
import { $, el, input, msg } from "./dom.js";
import type { ProContext } from "./procontext.js";

/** The kinds of document a deposit carries: where each is filed. */
const DEPOSIT_KINDS: Record<string, [Section, string]> = {
  lab_result: ["exam_results", "lab_result"],
  imaging: ["exam_results", "imaging"],
  exam_result: ["exam_results", "exam_result"],
  discharge_summary: ["care_history", "discharge_summary"],
  hospital_stay: ["care_history", "hospital_stay"],
  consultation_report: ["care_history", "consultation_report"],
};

interface Pending {
  draft: Draft;
  body: Record<string, unknown>;
  alerts: Alert[];
}

function today(now: number): string {
  return new Date(now * 1000).toISOString().slice(0, 10);
}

function value(selector: string): string {
  return (($(selector) as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value ?? "").trim();
}

/** One alert, said in the page's language, most useful first. */
function alertItem(a: Alert): HTMLElement {
  const rank = a.level ? levelRank(a.level) : -1;
  const names = a.drugs.map((d) => d.name);
  const head = a.kind === "interaction"
    ? msg("pro_writes.alert_interaction", { drugs: names.join(" + ") })
    : a.kind === "allergy"
      ? msg("pro_writes.alert_allergy", { allergy: names[0] ?? "", drug: names[1] ?? "" })
      : a.kind === "unchecked"
        ? msg("pro_writes.alert_unchecked", { drug: names.join(", ") })
        : msg("pro_writes.alert_partial");
  return el("li", { class: `pw-alert ${rank >= 0 ? `level-${rank}` : "notice"}` },
    rank >= 0 ? el("span", { class: "pw-level" }, msg(`pro_writes.level_${rank}`)) : null,
    el("span", { class: "pw-alert-head" }, head),
    a.matched.length ? el("span", { class: "pw-alert-meta" },
      msg(a.kind === "allergy" ? "pro_writes.alert_family" : "pro_writes.alert_matched",
        { matched: a.matched.join(" / ") })) : null,
    a.kind === "allergy" ? null : el("span", { class: "pw-alert-text" }, a.text));
}

async function fileOf(selector: string): Promise<NewFile | undefined> {
  const f = input(selector).files?.[0];
  if (!f) return undefined;
  return { name: f.name, mediaType: f.type || "application/octet-stream",
    data: new Uint8Array(await f.arrayBuffer()) };
}

function explain(e: unknown): string {
  if (e instanceof ApiError && e.code === "not_allowed") return msg("pro_writes.error_not_allowed");
  if (e instanceof ApiError && e.code === "invalid_nir") return msg("pro_writes.error_nir");
  if (e instanceof FormatError && /NIR|key/.test(e.message)) return msg("pro_writes.error_nir");
  if (e instanceof FormatError) return msg("pro_writes.error_invalid", { detail: e.message });
  throw e; // the page's busy() maps the server's codes
}

export function setup(ctx: ProContext): void {
  let pending: Pending | null = null;

  const writer = (): { s: ProSession; d: ScannedDossier } => {
    const s = ctx.session();
    const d = ctx.dossier();
    if (!s || !d) throw new ApiError(0, "locked", msg("pro_writes.error_no_dossier"));
    return { s, d };
  };

  const hideCheck = (): void => {
    pending = null;
    $("#pw-rx-check").hidden = true;
    $("#pw-rx-alerts").replaceChildren();
    input("#pw-rx-ack").checked = false;
  };

  const reset = (): void => {
    hideCheck();
    for (const id of ["#pw-rx-form", "#pw-report-form", "#pw-deposit-form"]) ($(id) as HTMLFormElement).reset();
    $("#pw").hidden = true;
    $("#pw-done").textContent = "";
  };

  const render = (d: ScannedDossier): void => {
    hideCheck();
    $("#pw").hidden = false;
    $("#pw-done").textContent = "";
    const day = today(ctx.now());
    for (const id of ["#pw-rx-date", "#pw-report-date"]) {
      input(id).max = day;
      if (!input(id).value) input(id).value = day;
    }
    const can = (s: Section): boolean => d.write && d.sections.has(s);
    $("#pw-readonly").hidden = d.write;
    $("#pw-rx-panel").hidden = !can("current_treatments");
    $("#pw-report-panel").hidden = !can("care_history");
    $("#pw-no-section").hidden = !d.write || (can("current_treatments") && can("care_history"));
  };

  const save = async (p: Pending, done: string): Promise<void> => {
    const { s, d } = writer();
    await writeItem(s, d, { ...p.draft, body: p.body }, ctx.now(),
      { reopen: () => s.scan(d.text, ctx.now()) });
    hideCheck();
    ($("#pw-rx-form") as HTMLFormElement).reset();
    await ctx.reload();
    $("#pw-done").textContent = done;
    ctx.status(done);
  };

  const checkDate = (date: string): void => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new FormatError(msg("pro_writes.error_date"));
    if (date > today(ctx.now())) throw new FormatError(msg("pro_writes.error_future"));
  };

  // The prescription: checked first; serious alerts wait for an explicit confirmation.
  $("#pw-rx-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void ctx.busy(msg("pro_writes.checking"), async () => {
      try {
        const title = value("#pw-rx-drug");
        const date = value("#pw-rx-date");
        if (!title) throw new FormatError(msg("pro_writes.error_drug"));
        checkDate(date);
        const body: Record<string, unknown> = {};
        const code = value("#pw-rx-code");
        if (code) {
          if (!/^\d{1,12}$/.test(code)) throw new FormatError(msg("pro_writes.error_code"));
          body["rxnorm"] = code;
        }
        for (const [field, id] of [["dosage", "#pw-rx-dosage"], ["duration", "#pw-rx-duration"]] as const) {
          if (value(id)) body[field] = value(id);
        }
        const { d } = writer();
        let alerts: Alert[];
        try {
          alerts = checkPrescription(title, body, ctx.items(), await fetchIndex(ctx.api),
            { carried: d.sections, masked: null });
        } catch (e) {
          if (e instanceof ApiError && e.code === "locked") throw e;
          alerts = [{ kind: "unchecked", level: null, levels: [], drugs: [], matched: [], details: [],
            mechanism: "", key: "", args: {}, text: msg("pro_writes.unchecked_index") }];
        }
        const p: Pending = { draft: { section: "current_treatments", type: "prescription", title, date },
          body, alerts };
        if (!seriousAlerts(alerts).length) {
          await save(p, msg("pro_writes.saved_rx", { title }));
          const notes = alerts.filter((a) => a.kind === "unchecked");
          if (notes.length) $("#pw-done").textContent += ` ${msg("pro_writes.saved_unchecked")}`;
          return;
        }
        pending = p;
        // The partial-view notice is the dossier's own, above: here what this drug raises.
        $("#pw-rx-alerts").replaceChildren(...alerts.filter((a) => a.kind !== "partial_view")
          .map(alertItem));
        $("#pw-rx-count").textContent = msg("pro_writes.alerts_count",
          { count: String(seriousAlerts(alerts).length), title });
        $("#pw-rx-check").hidden = false;
        ($("#pw-rx-check-title") as HTMLElement).focus();
        ctx.status(msg("pro_writes.alerts_found"));
      } catch (e) {
        ctx.alert(explain(e));
      }
    });
  });

  $("#pw-rx-confirm").addEventListener("click", () => {
    const p = pending;
    if (!p) return;
    if (!input("#pw-rx-ack").checked) {
      ctx.alert(msg("pro_writes.error_ack"));
      input("#pw-rx-ack").focus();
      return;
    }
    void ctx.busy(msg("pro_writes.saving"), async () => {
      try {
        await save({ ...p, body: acknowledged(p.body, p.alerts) },
          msg("pro_writes.saved_rx_ack", { title: String(p.draft.title) }));
      } catch (e) {
        ctx.alert(explain(e));
      }
    });
  });

  $("#pw-rx-cancel").addEventListener("click", () => {
    hideCheck();
    ctx.status(msg("pro_writes.not_saved"));
    input("#pw-rx-drug").focus();
  });

  // The consultation report, with an optional PDF.
  $("#pw-report-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void ctx.busy(msg("pro_writes.saving"), async () => {
      try {
        const title = value("#pw-report-title");
        const date = value("#pw-report-date");
        const text = value("#pw-report-text");
        if (!title) throw new FormatError(msg("pro_writes.error_title"));
        checkDate(date);
        const file = await fileOf("#pw-report-file");
        if (file && file.mediaType !== "application/pdf") throw new FormatError(msg("pro_writes.error_pdf"));
        const { s, d } = writer();
        await writeItem(s, d, { section: "care_history", type: "consultation_report", title, date,
          body: text ? { text } : {} }, ctx.now(), { ...(file ? { file } : {}),
          reopen: () => s.scan(d.text, ctx.now()) });
        ($("#pw-report-form") as HTMLFormElement).reset();
        await ctx.reload();
        const done = msg("pro_writes.saved_report", { title });
        $("#pw-done").textContent = done;
        ctx.status(done);
      } catch (e) {
        ctx.alert(explain(e));
      }
    });
  });

  // The IPS export of what the consent opens (built here; nothing is sent).
  $("#pw-ips").addEventListener("click", () => {
    const s = ctx.session();
    const d = ctx.dossier();
    if (!s || !d) return;
    const now = ctx.now();
    const data = ipsExport(ctx.items(), { dossierId: d.dossierId, sections: d.sections, psId: s.psId,
      name: s.name || null, now });
    ctx.saveFile(data, `ips-${today(now)}.json`, "application/fhir+json");
    ctx.status(msg("pro_writes.ips_done"));
  });

  // The deposit: by NIR, sealed to the patient; nothing of the dossier is read.
  $("#pw-go-deposit").addEventListener("click", () => {
    if (!ctx.session()) return;
    input("#pw-deposit-date").max = today(ctx.now());
    if (!input("#pw-deposit-date").value) input("#pw-deposit-date").value = today(ctx.now());
    $("#pw-deposit-done").textContent = "";
    ctx.show("deposit");
  });
  $("#pw-deposit-back").addEventListener("click", () => ctx.show("scan"));
  $("#pw-deposit-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    void ctx.busy(msg("pro_writes.depositing"), async () => {
      try {
        const s = ctx.session();
        if (!s) throw new ApiError(0, "locked", msg("pro_writes.error_no_dossier"));
        const kind = DEPOSIT_KINDS[value("#pw-deposit-kind")] ?? DEPOSIT_KINDS["lab_result"] as [Section, string];
        const title = value("#pw-deposit-title-field");
        const date = value("#pw-deposit-date");
        const text = value("#pw-deposit-text");
        if (!title) throw new FormatError(msg("pro_writes.error_title"));
        checkDate(date);
        await deposit(s, value("#pw-deposit-nir"), { section: kind[0], type: kind[1], title, date,
          body: text ? { text } : {} }, ctx.now());
        ($("#pw-deposit-form") as HTMLFormElement).reset();
        input("#pw-deposit-date").value = today(ctx.now());
        const done = msg("pro_writes.deposited", { title });
        $("#pw-deposit-done").textContent = done;
        ctx.status(done);
      } catch (e) {
        ctx.alert(explain(e));
      }
    });
  });

  ctx.onDossier((d) => render(d));
  ctx.onLock(reset);
}
