/** Drive the browser library from a test in another language (tests/web/browser/): one
 * command per run, its result as one JSON line on stdout. The passphrase comes from the
 * environment (CARNET_PASSPHRASE), never from the command line.
 *
 *   node build/test/tools/crossclient.js list SERVER NIR
 *   node build/test/tools/crossclient.js add SERVER NIR SECTION TYPE TITLE DATE BODY_JSON
 */

import { Api, ApiError } from "../../src/api.js";
import { ready } from "../../src/crypto.js";
import { PatientSession, UnreadableItem } from "../../src/patient.js";

async function main(argv: string[]): Promise<unknown> {
  await ready();
  const [command, server, nir, ...rest] = argv;
  const passphrase = process.env["CARNET_PASSPHRASE"];
  if (!command || !server || !nir || !passphrase) throw new Error("usage: see the module comment");
  const session = await PatientSession.login(new Api(server), nir, passphrase);
  try {
    if (command === "list") {
      return (await session.list()).map((i) => i instanceof UnreadableItem
        ? { item_id: i.itemId, unreadable: true }
        : { item_id: i.itemId, revision: i.revision, section: i.section, type: i.type,
            title: i.title, date: i.date, body: i.body, author: i.author.kind, masked: i.masked });
    }
    if (command === "add") {
      const [section, type, title, date, body] = rest;
      if (!section || !type || !title || !date) throw new Error("add SECTION TYPE TITLE DATE BODY");
      const item = await session.add({ section: section as never, type, title, date,
        body: JSON.parse(body ?? "{}") as Record<string, unknown> }, Math.floor(Date.now() / 1000));
      return { item_id: item.itemId, masked: item.masked };
    }
    throw new Error(`unknown command ${command}`);
  } finally {
    await session.lock();
  }
}

main(process.argv.slice(2)).then(
  (out) => { process.stdout.write(`${JSON.stringify(out)}\n`); },
  (e: unknown) => {
    const code = e instanceof ApiError ? e.code : e instanceof Error ? e.name : "error";
    process.stderr.write(`${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
