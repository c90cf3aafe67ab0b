/** The web app's one script module: load libsodium (WebAssembly), then start the page's
 * controller (``<body data-page>``). */

import { ready } from "../crypto.js";
import { start as contact } from "./contact.js";
import { start as emergency } from "./emergency.js";
import { start as patient } from "./patient.js";
import { start as pro } from "./pro.js";

const pages: Record<string, () => void> = { patient, pro, emergency, contact };

async function main(): Promise<void> {
  const page = document.body.dataset["page"] ?? "";
  const run = pages[page];
  if (!run) return;
  await ready();
  run();
}

void main();
