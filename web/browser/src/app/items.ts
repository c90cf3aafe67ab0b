/** The patient's own items: the add form typed per item type (the Python CLI's body field
 * names, so the Python client reads them), and the detail view of one item (every field, its
 * file, every version with who wrote it and when) with edit (a new version) and delete for
 * the patient's own items only (vault.Dossier.edit). A stale write (another device changed
 * or deleted the item) reloads it and tells the patient; nothing is merged. */

import { ApiError } from "../api.js";
import type { Entry } from "../directory.js";
import { authorOf, DATELESS, dated, editable, FUTURE_ALLOWED, history, type ItemChanges,
  professionalIds, trustedEntries, type Who, dayOf } from "../editing.js";
import type { Item } from "../item.js";
import { type NewFile, UnreadableItem } from "../patient.js";
import { ITEM_TYPES, type Section, SECTIONS } from "../sections.js";
import type { PatientContext } from "./context.js";
import { $, el, input, lang, msg } from "./dom.js";
import { derivedTitle, type Field, fieldInputs, fieldLabel, formOf, readFields, text, TITLE_FROM,
  typeLabel } from "./item_forms.js";
import { authority } from "./grants.js";

function checkDate(ctx: PatientContext, type: string, date: string): string | null {
  if (!date && !DATELESS.has(type)) {
    ctx.alert(msg("items.need_date"));
    return null;
  }
  const day = dated(type, date, ctx.now());
  if (day > dayOf(ctx.now()) && !FUTURE_ALLOWED.has(type)) {
    ctx.alert(msg("items.future", { date: day }));
    return null;
  }
  return day;
}

async function fileOf(picked: File | undefined): Promise<NewFile | undefined> {
  return picked ? { name: picked.name, mediaType: picked.type || "application/octet-stream",
    data: new Uint8Array(await picked.arrayBuffer()) } : undefined;
}

// ------------------------------------------------------------------------------ add form
function fillTypes(): void {
  const section = input("#i-section").value as Section;
  const types = (ITEM_TYPES[section] ?? []).filter((t) => t !== "identity");
  $("#i-type").replaceChildren(...types.map((t) => el("option", { value: t }, typeLabel(t))));
  fillFields();
}

function fillFields(): void {
  const type = input("#i-type").value;
  $("#i-fields").replaceChildren(...fieldInputs("i", formOf(type), {}));
  const hint = $("#i-title-hint");
  const from = type === "blood_group" ? "abo" : TITLE_FROM[type];
  hint.textContent = from ? msg("items.title_optional", { field: fieldLabel(from) }) : "";
  hint.hidden = !from;
  $("#i-date-hint").hidden = !DATELESS.has(type);
}

function setupAdd(ctx: PatientContext): void {
  $("#i-section").replaceChildren(...SECTIONS.map((s) => el("option", { value: s }, msg(`section.${s}`))));
  input("#i-section").addEventListener("change", fillTypes);
  input("#i-type").addEventListener("change", fillFields);
  fillTypes();
  $("#add-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = ctx.session();
    if (!s) return;
    const type = input("#i-type").value;
    const fields = readFields($("#i-fields"));
    const body = Object.fromEntries(Object.entries(fields).filter(([, v]) => v));
    const title = input("#i-title").value.trim() || derivedTitle(type, fields);
    if (!title) return ctx.alert(msg("items.need_title"));
    const date = checkDate(ctx, type, input("#i-date").value);
    if (date === null) return;
    const picked = input("#i-file").files?.[0];
    void ctx.busy(msg("state.working"), async () => {
      await s.add({ section: input("#i-section").value as Section, type, title, date, body },
        ctx.now(), await fileOf(picked));
      ($("#add-form") as HTMLFormElement).reset();
      fillTypes();
      await ctx.reload();
      ctx.status("");
    });
  });
}

// ------------------------------------------------------------------------------ detail view
let shown: Item | null = null;
let revisions: (Item | UnreadableItem)[] = [];
let directory = new Map<string, Entry>();
let viewUrl: string | null = null;

function forget(): void {
  shown = null;
  revisions = [];
  directory = new Map();
  if (viewUrl) URL.revokeObjectURL(viewUrl);
  viewUrl = null;
  for (const id of ["#item-view-title", "#item-view-meta", "#item-view-badges", "#item-view-fields",
    "#item-view-file", "#item-view-actions", "#item-edit", "#item-revisions"]) $(id).replaceChildren();
}

function who(w: Who): string {
  if (w.kind === "you") return msg("items.who_you");
  if (w.kind === "unverified") return msg("items.who_unverified", { id: w.id, name: w.claimed || "?" });
  return w.laboratory ? msg("items.who_lab", { name: w.name })
    : msg("items.who_pro", { name: w.name, profession: w.profession });
}

function when(unix: number): string {
  return new Date(unix * 1000).toLocaleString(lang(), { dateStyle: "long", timeStyle: "short" });
}

function size(bytes: number): string {
  const [b, k, m] = lang() === "en" ? ["B", "KB", "MB"] : ["o", "Ko", "Mo"];
  if (bytes < 1024) return `${bytes} ${b}`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} ${k}`;
  return `${(bytes / 1024 / 1024).toFixed(1)} ${m}`;
}

/** The body's fields in the form's order first, then any other; empty ones left out. */
function details(i: Item): [string, string][] {
  const first = formOf(i.type).map((f) => f.name).filter((k) => k in i.body);
  const rest = Object.keys(i.body).filter((k) => !first.includes(k)).sort();
  return [...first, ...rest].map((k): [string, string] => [fieldLabel(k), text(i.body[k])])
    .filter(([, v]) => v !== "");
}

function button(label: string, cls: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLElement {
  const b = el("button", { type: "button", class: cls, ...attrs }, label);
  b.addEventListener("click", onClick);
  return b;
}

function renderFile(ctx: PatientContext, i: Item): void {
  const root = $("#item-view-file");
  root.replaceChildren();
  const a = i.attachment;
  if (!a) return;
  const preview = el("div", { class: "item-preview" });
  const fetchBytes = async (): Promise<Uint8Array> => {
    const s = ctx.session();
    if (!s) throw new ApiError(0, "locked", "the dossier is locked");
    return s.attachment(i);
  };
  root.append(el("p", {}, msg("items.file", { name: a.name, size: size(a.size) })),
    el("div", { class: "actions" },
      button(msg("items.view_file", { name: a.name }), "secondary", () => void ctx.busy(msg("state.working"), async () => {
        const data = await fetchBytes();
        if (viewUrl) URL.revokeObjectURL(viewUrl);
        viewUrl = URL.createObjectURL(new Blob([data as BlobPart], { type: a.mediaType }));
        if (a.mediaType.startsWith("image/")) {
          preview.replaceChildren(el("img", { src: viewUrl, alt: a.name }));
        } else if (a.mediaType === "text/plain") {
          preview.replaceChildren(el("pre", {}, new TextDecoder().decode(data)));
        } else {
          window.open(viewUrl, "_blank", "noopener");
          preview.replaceChildren(el("p", { class: "hint" }, msg("items.file_opened", { name: a.name })));
        }
        ctx.status("");
      })),
      button(msg("item.download", { name: a.name }), "secondary", () => void ctx.busy(msg("state.working"), async () => {
        ctx.saveFile(await fetchBytes(), a.name, a.mediaType);
        ctx.status("");
      }))),
    preview);
}

function renderRevisions(): void {
  const latest = revisions[revisions.length - 1]?.revision;
  $("#item-revisions").replaceChildren(...[...revisions].reverse().map((r) => {
    if (r instanceof UnreadableItem) {
      return el("li", { "data-revision": String(r.revision) }, msg("items.revision_unreadable", { revision: String(r.revision) }));
    }
    return el("li", { "data-revision": String(r.revision) },
      el("span", {}, msg("items.revision", { revision: String(r.revision), when: when(r.createdAt),
        who: who(authorOf(r, directory)) }), r.revision === latest ? ` ${msg("items.revision_current")}` : ""),
      el("span", { class: "meta" }, [r.title, r.date, ...details(r).map(([k, v]) => `${k} : ${v}`)].join(" · ")));
  }));
}

function renderDetail(ctx: PatientContext, i: Item): void {
  shown = i;
  $("#item-view-title").textContent = i.title;
  $("#item-view-meta").textContent = msg("items.meta", { section: msg(`section.${i.section}`),
    type: typeLabel(i.type), date: i.date });
  $("#item-view-badges").replaceChildren(i.masked ? el("span", { class: "badge masked" }, msg("item.masked")) : "");
  const rows = details(i);
  $("#item-view-fields").replaceChildren(...(rows.length ? rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)])
    : [el("dd", { class: "hint" }, msg("items.no_fields"))]));
  renderFile(ctx, i);
  const own = editable(i);
  $("#item-view-readonly").hidden = own;
  $("#item-view-actions").replaceChildren(...(own ? [
    button(msg("items.edit"), "", () => renderEdit(ctx, i), { "aria-controls": "item-edit" }),
    button(msg("items.delete"), "danger", () => remove(ctx, i)),
  ] : []));
  $("#item-edit").replaceChildren();
  renderRevisions();
}

/** Show one item: its latest revision, read again from the server, and all its versions. */
async function openDetail(ctx: PatientContext, itemId: string): Promise<void> {
  const s = ctx.session();
  if (!s) return;
  forget();
  revisions = await history(s, itemId);
  const ids = professionalIds(revisions);
  if (ids.length) {
    try {
      directory = await trustedEntries(ctx.api, ids, await authority(ctx.api));
    } catch { directory = new Map(); } // authority changed or unreachable: shown unverified
  }
  const latest = [...revisions].reverse().find((r): r is Item => !(r instanceof UnreadableItem));
  if (!latest) throw new ApiError(0, "unreadable", msg("item.unreadable"));
  renderDetail(ctx, latest);
  ctx.show("item");
}

/** Another device changed or deleted the item: show what is there now, and say so. */
async function stale(ctx: PatientContext, e: unknown, itemId: string): Promise<boolean> {
  if (!(e instanceof ApiError) || !["stale_revision", "item_gone", "not_found"].includes(e.code)) return false;
  await ctx.reload();
  if (e.code === "stale_revision") {
    await openDetail(ctx, itemId);
    ctx.alert(msg("items.stale"));
  } else {
    forget();
    ctx.show("dossier");
    ctx.alert(msg("items.gone"));
  }
  return true;
}

function renderEdit(ctx: PatientContext, i: Item): void {
  const fields = formOf(i.type);
  const names = new Set(fields.map((f) => f.name));
  const others: Field[] = Object.entries(i.body)
    .filter(([k, v]) => !names.has(k) && (typeof v === "string" || typeof v === "number"))
    .map(([k]) => ({ name: k }));
  const title = el("input", { id: "e-title", name: "title", maxlength: "200", required: "" }) as HTMLInputElement;
  title.value = i.title;
  const date = el("input", { id: "e-date", name: "date", type: "date" }) as HTMLInputElement;
  date.value = i.date;
  const typed = el("div", { class: "item-form-fields" }, ...fieldInputs("e", fields, i.body));
  const extra = others.length ? el("fieldset", {}, el("legend", {}, msg("items.other_fields")),
    ...fieldInputs("e-x", others, i.body)) : null;
  const remove = el("input", { id: "e-remove-file", type: "checkbox", name: "remove_file" }) as HTMLInputElement;
  const file = el("input", { id: "e-file", name: "file", type: "file",
    accept: "application/pdf,image/png,image/jpeg,image/webp,text/plain" }) as HTMLInputElement;
  const form = el("form", { id: "item-edit-form", novalidate: "", "aria-labelledby": "item-edit-title" },
    el("h2", { id: "item-edit-title" }, msg("items.edit_title", { title: i.title })),
    el("p", { class: "hint" }, msg("items.edit_hint")),
    el("label", { for: "e-title" }, msg("item.title")), title,
    el("label", { for: "e-date" }, msg("item.date")), date,
    typed, extra,
    i.attachment ? el("p", { class: "meta" }, msg("items.keep_file", { name: i.attachment.name })) : null,
    i.attachment ? el("div", { class: "check" }, remove, el("label", { for: "e-remove-file" }, msg("items.remove_file"))) : null,
    el("label", { for: "e-file" }, msg("items.replace_file")), file,
    el("div", { class: "actions" }, el("button", { type: "submit" }, msg("items.save_edit")),
      button(msg("items.cancel"), "secondary", () => $("#item-edit").replaceChildren())));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const s = ctx.session();
    if (!s) return;
    const values = { ...readFields(typed), ...(extra ? readFields(extra) : {}) };
    const body: Record<string, unknown> = { ...i.body };
    for (const [k, v] of Object.entries(values)) {
      if (v) body[k] = v;
      else delete body[k];
    }
    const newTitle = title.value.trim() || derivedTitle(i.type, values);
    if (!newTitle) return ctx.alert(msg("items.need_title"));
    const day = checkDate(ctx, i.type, date.value);
    if (day === null) return;
    const picked = file.files?.[0];
    void ctx.busy(msg("state.working"), async () => {
      const changes: ItemChanges = { title: newTitle, date: day, body };
      const newFile = await fileOf(picked);
      if (newFile) changes.file = newFile;
      else if (remove.checked) changes.file = null;
      let written: Item;
      try {
        written = await s.editItem(i, changes, ctx.now());
      } catch (e) {
        if (await stale(ctx, e, i.itemId)) return;
        throw e;
      }
      await ctx.reload();
      await openDetail(ctx, written.itemId);
      ctx.status(msg("items.edited", { revision: String(written.revision) }));
    });
  });
  $("#item-edit").replaceChildren(form);
  title.focus();
}

function remove(ctx: PatientContext, i: Item): void {
  const s = ctx.session();
  if (!s || !window.confirm(msg("items.delete_confirm", { title: i.title }))) return;
  void ctx.busy(msg("state.working"), async () => {
    try {
      await s.deleteItem(i);
    } catch (e) {
      if (await stale(ctx, e, i.itemId)) return;
      throw e;
    }
    forget();
    await ctx.reload();
    ctx.show("dossier");
    ctx.status(msg("items.deleted", { title: i.title }));
  });
}

export function setup(ctx: PatientContext): void {
  setupAdd(ctx);
  ctx.itemAction((i) => button(msg("items.open"), "secondary",
    () => void ctx.busy(msg("state.working"), () => openDetail(ctx, i.itemId)),
    { "aria-label": msg("items.open_named", { title: i.title }) }));
  $("#item-back").addEventListener("click", () => {
    const id = shown?.itemId;
    forget();
    ctx.show("dossier");
    if (id) document.querySelector<HTMLElement>(`[data-item="${id}"] button`)?.focus();
  });
  ctx.onLock(forget);
}
