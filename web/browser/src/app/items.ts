/** The patient's own items: the add form (moved out of patient.ts). */

import type { Section } from "../sections.js";
import { ITEM_TYPES, SECTIONS } from "../sections.js";
import type { PatientContext } from "./context.js";
import { $, el, input, msg } from "./dom.js";

// The body field a free-text detail goes to, per item type (the Python CLI's names).
const DETAIL_FIELD: Record<string, string> = { allergy: "reaction", intolerance: "reaction",
  medication: "dosage", prescription: "dosage", contact: "phone" };

function fillTypes(): void {
  const section = input("#i-section").value as Section;
  const types = ITEM_TYPES[section] ?? [];
  $("#i-type").replaceChildren(...types.map((t) => el("option", { value: t }, t)));
}

export function setup(ctx: PatientContext): void {
  $("#i-section").replaceChildren(...SECTIONS.map((s) => el("option", { value: s }, msg(`section.${s}`))));
  input("#i-section").addEventListener("change", fillTypes);
  fillTypes();
  $("#add-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = ctx.session();
    if (!s) return;
    const type = input("#i-type").value;
    const details = ($("#i-details") as HTMLTextAreaElement).value.trim();
    const body: Record<string, unknown> = details ? { [DETAIL_FIELD[type] ?? "note"]: details } : {};
    const picked = input("#i-file").files?.[0];
    void ctx.busy(msg("state.working"), async () => {
      const file = picked ? { name: picked.name, mediaType: picked.type || "application/octet-stream",
        data: new Uint8Array(await picked.arrayBuffer()) } : undefined;
      await s.add({ section: input("#i-section").value as Section, type,
        title: input("#i-title").value.trim(), date: input("#i-date").value, body }, ctx.now(), file);
      ($("#add-form") as HTMLFormElement).reset();
      fillTypes();
      await ctx.reload();
      ctx.status("");
    });
  });
}
