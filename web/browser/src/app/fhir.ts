/** The patient page's FHIR panel: import a FHIR R4 file (read, mapped and encrypted here,
 * with a progress bar, then what was added per section and what was not), and download the
 * dossier's unmasked items as an HL7 IPS document bundle made here. */

import { utf8 } from "../bytes.js";
import { FhirImportError, type ImportReport, importPrepared, ipsBundle, prepare } from "../fhirimport.js";
import { SECTIONS } from "../sections.js";
import type { PatientContext } from "./context.js";
import { $, el, input, msg } from "./dom.js";

function localDay(now: number): string {
  const d = new Date(now * 1000);
  const two = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

function sectionName(s: string): string {
  return msg(`section.${s}`);
}

function summary(r: ImportReport): HTMLElement[] {
  const added = SECTIONS.filter((s) => r.sections[s]).map((s) =>
    el("li", {}, msg("fhir.section_count", { section: sectionName(s), count: String(r.sections[s]) })));
  const skipped = Object.entries(r.skipped).sort(([a], [b]) => a.localeCompare(b)).map(([type, n]) =>
    el("li", {}, msg("fhir.unsupported", { type, count: String(n) })));
  if (r.already) skipped.unshift(el("li", {}, msg("fhir.already", { count: String(r.already) })));
  const context = Object.values(r.context).reduce((a, b) => a + b, 0);
  return [
    el("p", {}, msg("fhir.done", { added: String(r.added), resources: String(r.resources) })),
    el("h3", {}, msg("fhir.added_title")),
    added.length ? el("ul", { "data-fhir": "added" }, ...added) : el("p", {}, msg("fhir.added_none")),
    skipped.length ? el("h3", {}, msg("fhir.skipped_title")) : null,
    skipped.length ? el("ul", { "data-fhir": "skipped" }, ...skipped) : null,
    context ? el("p", { class: "meta" }, msg("fhir.context", { count: String(context) })) : null,
  ].filter((x): x is HTMLElement => x !== null);
}

export function setup(ctx: PatientContext): void {
  const box = $("#fhir-progress-box");
  const bar = $("#fhir-progress") as HTMLProgressElement;
  const barText = $("#fhir-progress-text");
  const result = $("#fhir-summary");
  const reset = (): void => {
    box.hidden = true;
    result.hidden = true;
    result.replaceChildren();
    bar.value = 0;
    barText.textContent = "";
  };
  ctx.onLock(() => {
    reset();
    ($("#fhir-form") as HTMLFormElement).reset();
  });
  $("#fhir-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = ctx.session();
    const file = input("#fhir-file").files?.[0];
    if (!s) return;
    if (!file) return ctx.alert(msg("fhir.no_file"));
    reset();
    void ctx.busy(msg("fhir.reading"), async () => {
      const data = new Uint8Array(await file.arrayBuffer());
      let plan;
      try {
        plan = await prepare([{ name: file.name, data }], localDay(ctx.now()));
      } catch (e) {
        if (!(e instanceof FhirImportError)) throw e;
        ctx.status("");
        ctx.alert(msg("fhir.invalid", { detail: e.message }));
        return;
      }
      box.hidden = false;
      ctx.status(msg("fhir.progress"));
      const report = await importPrepared(s, plan, ctx.now(), (done, total) => {
        bar.max = Math.max(total, 1);
        bar.value = total ? done : 1;
        barText.textContent = msg("fhir.progress_text", { done: String(done), total: String(total) });
        // An import the patient is watching is activity: keep the idle lock from firing midway.
        document.dispatchEvent(new Event("keydown"));
      });
      await ctx.reload();
      // The types not imported are listed above; a bad NIR is said in the page's language.
      const nir = report.warnings.some((w) => w.includes("not a valid NIR"));
      result.replaceChildren(...summary(report),
        ...(nir ? [el("p", { class: "fhir-warning" }, msg("fhir.nir_warning"))] : []));
      result.hidden = false;
      ($("#fhir-form") as HTMLFormElement).reset();
      ctx.status("");
    });
  });
  $("#fhir-export").addEventListener("click", () => {
    const s = ctx.session();
    if (!s) return;
    void ctx.busy(msg("state.working"), async () => {
      await ctx.reload();
      const text = ipsBundle(ctx.items(), { dossierId: s.dossierId, shown: SECTIONS, now: ctx.now() });
      const count = (JSON.parse(text) as { entry: unknown[] }).entry.length - 2;
      ctx.saveFile(utf8(text), `carnet-ips-${localDay(ctx.now())}.json`, "application/fhir+json");
      ctx.status(msg("fhir.exported", { count: String(count) }));
    });
  });
}
