/** The web app's one script module: load libsodium (WebAssembly), then start the page's
 * controller (``<body data-page>``). */

import { ready } from "../crypto.js";
import { start as patient } from "./patient.js";

const pages: Record<string, () => void> = { patient };

async function main(): Promise<void> {
  const page = document.body.dataset["page"] ?? "";
  const run = pages[page];
  if (!run) return;
  await ready();
  run();
}

void main();
