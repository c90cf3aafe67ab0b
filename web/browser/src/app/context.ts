/** What the patient page's controller shares with its feature modules (items, history,
 * import, emergency card): the session getter, the status and alert lines, view switching,
 * and hooks. A feature module exports ``setup(ctx)`` and is wired in ``patient.ts``. */

import type { Api } from "../api.js";
import type { Item } from "../item.js";
import type { PatientSession, UnreadableItem } from "../patient.js";

export interface PatientContext {
  readonly api: Api;
  /** The unlocked session, or null when locked (keys are in it, nowhere else). */
  session(): PatientSession | null;
  /** Run ``work`` with a progress line; errors become the alert line. */
  busy(text: string, work: () => Promise<void>): Promise<void>;
  status(text: string): void;
  alert(text: string): void;
  /** Show one ``[data-view]`` section (and focus its heading). */
  show(view: string): void;
  now(): number;
  /** The items as last listed (decrypted), unreadable ones included. */
  items(): readonly (Item | UnreadableItem)[];
  /** List the items again and redraw the dossier. */
  reload(): Promise<void>;
  /** Redraw the dossier from the items in memory. */
  render(): void;
  /** Hand bytes to the browser as a download. */
  saveFile(data: Uint8Array, name: string, type: string): void;
  /** Called after the dossier opens (unlock, activation, recovery). */
  onOpen(hook: (s: PatientSession) => Promise<void>): void;
  /** Called when the session locks or closes: forget anything decrypted. */
  onLock(hook: () => void): void;
  /** Add a button (or any element) to each item's actions in the dossier list. */
  itemAction(make: (i: Item) => HTMLElement | null): void;
}
