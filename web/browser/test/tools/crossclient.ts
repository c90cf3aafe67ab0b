/** Drive the browser library from a test in another language (tests/web/browser/): one
 * command per run, its result as one JSON line on stdout. The passphrase comes from the
 * environment (CARNET_PASSPHRASE), never from the command line.
 *
 *   node build/test/tools/crossclient.js list SERVER NIR
 *   node build/test/tools/crossclient.js add SERVER NIR SECTION TYPE TITLE DATE BODY_JSON
 *   node build/test/tools/crossclient.js mask|unmask SERVER NIR ITEM_ID
 *   node build/test/tools/crossclient.js mask-section|unmask-section SERVER NIR SECTION
 *   node build/test/tools/crossclient.js export SERVER NIR FILE | close SERVER NIR
 *   node build/test/tools/crossclient.js open-archive FILE
 *   node build/test/tools/crossclient.js grant SERVER NIR PS_ID SECTION,... SECONDS [write]
 *   node build/test/tools/crossclient.js revoke SERVER NIR GRANT_ID
 *   node build/test/tools/crossclient.js break-glass SERVER NIR on|off
 */

import { readFileSync, writeFileSync } from "node:fs";

import { Api, ApiError } from "../../src/api.js";
import { openArchive } from "../../src/archive.js";
import { fromHex } from "../../src/bytes.js";
import { entryOf, verifyEntry } from "../../src/directory.js";
import type { Section } from "../../src/sections.js";
import { tokenLink } from "../../src/token.js";
import { ready } from "../../src/crypto.js";
import { PatientSession, UnreadableItem } from "../../src/patient.js";

async function main(argv: string[]): Promise<unknown> {
  await ready();
  const [command, server, nir, ...rest] = argv;
  const passphrase = process.env["CARNET_PASSPHRASE"];
  if (command === "open-archive" && server && passphrase) { // offline: SERVER is the file
    const contents = openArchive(new Uint8Array(readFileSync(server)), { passphrase });
    return contents.entries.map((e) => ({ item_id: e.item.itemId, revision: e.item.revision,
      title: e.item.title, masked: e.item.masked, attachment: e.attachment?.length ?? null }));
  }
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
    if (command === "export") {
      const [file] = rest;
      if (!file) throw new Error("export FILE");
      writeFileSync(file, await session.exportArchive(Math.floor(Date.now() / 1000)));
      return { written: file };
    }
    if (command === "close") {
      await session.close(Math.floor(Date.now() / 1000));
      return { closed: session.dossierId };
    }
    if (command === "grant") {
      const [psId, sections, seconds, write] = rest;
      if (!psId || !sections || !seconds) throw new Error("grant PS_ID SECTIONS SECONDS [write]");
      const authority = process.env["CARNET_AUTHORITY_PUBLIC"];
      if (!authority) throw new Error("CARNET_AUTHORITY_PUBLIC (hex) pins the directory authority");
      const found = await session.api.json("GET", "/directory", undefined, { params: { q: psId } });
      const row = (found["professionals"] as Record<string, unknown>[]).find((p) => p["ps_id"] === psId);
      if (!row) throw new Error("no such professional");
      const { entry, signature } = entryOf(row);
      verifyEntry(entry, signature, fromHex(authority));
      const now = Math.floor(Date.now() / 1000);
      const issued = await session.issue(entry, new Set(sections.split(",") as Section[]),
        write === "write", Number(seconds), now);
      const published = (await session.api.json("GET", "/links"))["origin"];
      const origin = typeof published === "string" ? published : new URL(server).origin;
      return { grant_id: issued.grantId, link: tokenLink(issued.token, origin) };
    }
    if (command === "revoke") {
      const [grantId] = rest;
      if (!grantId) throw new Error("revoke GRANT_ID");
      await session.revoke(grantId, Math.floor(Date.now() / 1000));
      return { revoked: grantId };
    }
    if (command === "break-glass") {
      if (rest[0] === "on") await session.allowBreakGlass();
      else await session.refuseBreakGlass();
      return { break_glass: rest[0] };
    }
    const [target] = rest;
    if (!target) throw new Error(`${command} needs an item id or a section`);
    if (command === "mask") return await session.mask(target), { masked: target };
    if (command === "unmask") return await session.unmask(target), { unmasked: target };
    if (command === "mask-section") return await session.maskSection(target as never), { masked: target };
    if (command === "unmask-section") return await session.unmaskSection(target as never), { unmasked: target };
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
