/** DOM helpers: elements are built from text nodes only (never innerHTML), so nothing a
 * server or an item holds can become markup or script. */

export function $(selector: string, root: ParentNode = document): HTMLElement {
  const found = root.querySelector<HTMLElement>(selector);
  if (!found) throw new Error(`missing element ${selector}`);
  return found;
}

export function input(selector: string): HTMLInputElement {
  return $(selector) as HTMLInputElement;
}

type Child = Node | string | null | undefined | false;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) if (c) node.append(typeof c === "string" ? document.createTextNode(c) : c);
  return node;
}

let messages: Record<string, string> | null = null;

/** A message of the page's language (``{name}`` placeholders filled in). */
export function msg(key: string, values: Record<string, string> = {}): string {
  if (!messages) {
    const raw = document.getElementById("messages")?.textContent ?? "{}";
    messages = JSON.parse(raw) as Record<string, string>;
  }
  const text = messages[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? `{${name}}`);
}

export function lang(): string {
  return document.documentElement.lang || "fr";
}

/** The page's status line (polite live region). */
export function status(text: string): void {
  $("#status").textContent = text;
}

/** The page's alert line (shown only when there is something to say). */
export function alert(text: string): void {
  const box = $("#alert");
  box.textContent = text;
  box.hidden = !text;
}

/** Show one ``[data-view]`` section, hide the others, and move the focus to its heading. */
export function showView(view: string): void {
  for (const s of document.querySelectorAll<HTMLElement>("[data-view]")) s.hidden = s.dataset["view"] !== view;
  const heading = document.querySelector<HTMLElement>(`[data-view="${view}"] h1`);
  heading?.setAttribute("tabindex", "-1");
  heading?.focus();
}
