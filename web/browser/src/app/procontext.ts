/** What the professional page's controller (``pro.ts``) shares with its feature modules
 * (``pro_writes.ts``: reports, prescriptions, deposits, IPS export). A feature module exports
 * ``setup(ctx: ProContext)``; ``pro.ts`` calls it once at start. */

import type { Api } from "../api.js";
import type { Item } from "../item.js";
import type { ProSession, ScannedDossier } from "../pro.js";

export interface ProContext {
  readonly api: Api;
  /** The signed-in professional, or null when locked (keys are in it, nowhere else). */
  session(): ProSession | null;
  /** Run ``work`` with a progress line; errors become the alert line (server codes mapped). */
  busy(text: string, work: () => Promise<void>): Promise<void>;
  status(text: string): void;
  alert(text: string): void;
  /** Show one ``[data-view]`` section (and focus its heading). Views of pro.html:
   * welcome, register, registered, signin, waiting, scan, dossier. */
  show(view: string): void;
  /** Unix seconds. */
  now(): number;
  /** The dossier the last scan opened (null before a scan and after a lock). */
  dossier(): ScannedDossier | null;
  /** Its decrypted items (the same as ``dossier()?.items``, empty without a dossier). */
  items(): readonly Item[];
  /** Scan the current dossier's token again (items re-read, alerts redrawn, hooks called). */
  reload(): Promise<void>;
  /** Hand bytes to the browser as a download. */
  saveFile(data: Uint8Array, name: string, type: string): void;
  /** Called after each scan opens a dossier (and after ``reload``). */
  onDossier(hook: (d: ScannedDossier, s: ProSession) => void | Promise<void>): void;
  /** Called when the session locks or the dossier is closed: forget anything decrypted. */
  onLock(hook: () => void): void;
}
