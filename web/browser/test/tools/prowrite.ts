/** Drive the professional's writes of the browser library (src/prowrite.ts) from a Python
 * test (tests/e2e/test_browser_pro_writes.py): one command per run, its result as one JSON
 * line on stdout. The professional's keys come from the environment (CARNET_PRO_SEED and
 * CARNET_PRO_BOX, hex), never from the command line; the token from a file.
 *
 *   node build/test/tools/prowrite.js prescribe SERVER PS_ID TOKEN_FILE TITLE DATE BODY_JSON [confirm]
 *       the interaction and allergy check first (the index: CARNET_CLINICAL_INDEX, else the
 *       server's); alerts without ``confirm``: nothing saved, {saved: false, alerts}
 *   node build/test/tools/prowrite.js write SERVER PS_ID TOKEN_FILE SECTION TYPE TITLE DATE BODY_JSON
 *   node build/test/tools/prowrite.js deposit SERVER PS_ID NIR SECTION TYPE TITLE DATE BODY_JSON
 *   node build/test/tools/prowrite.js ips SERVER PS_ID TOKEN_FILE OUT_FILE
 *       the IPS bundle of what the consent opens (CARNET_NOW: its time, Unix seconds)
 */

import { readFileSync, writeFileSync } from "node:fs";

import { Api, ApiError, b64 } from "../../src/api.js";
import { fromHex } from "../../src/bytes.js";
import { alertJson, checkPrescription, fetchIndex, type Index, loadIndex } from "../../src/clinical/items.js";
import { ready, sign } from "../../src/crypto.js";
import { acknowledged, deposit, ipsExport, keysWriter, seriousAlerts, writeItem } from "../../src/prowrite.js";
import { loginMessage } from "../../src/request.js";

async function login(api: Api, psId: string, seed: Uint8Array): Promise<void> {
  const c = await api.json("POST", "/auth/challenge", { login: psId, kind: "professional" }, { auth: false });
  const challenge = String(c["challenge"]);
  const s = await api.json("POST", "/auth/login", { challenge,
    signature: b64(sign(seed, loginMessage(challenge))) }, { auth: false });
  api.session = String(s["session"]);
}

async function index(api: Api): Promise<Index> {
  const file = process.env["CARNET_CLINICAL_INDEX"];
  return file ? loadIndex(JSON.parse(readFileSync(file, "utf8"))) : fetchIndex(api);
}

async function main(argv: string[]): Promise<unknown> {
  await ready();
  const [command, server, psId, target, ...rest] = argv;
  const seed = process.env["CARNET_PRO_SEED"];
  const box = process.env["CARNET_PRO_BOX"];
  if (!command || !server || !psId || !target || !seed || !box) throw new Error("usage: see the module comment");
  const api = new Api(server);
  const w = keysWriter(api, { psId, signSeed: fromHex(seed), boxSecret: fromHex(box),
    name: process.env["CARNET_PRO_NAME"] ?? null });
  await login(api, psId, fromHex(seed));
  const now = Math.floor(Date.now() / 1000);
  if (command === "deposit") {
    const [section, type, title, date, body] = rest;
    if (!section || !type || !title || !date) throw new Error("deposit NIR SECTION TYPE TITLE DATE BODY");
    const done = await deposit(w, target, { section, type, title, date,
      body: JSON.parse(body ?? "{}") as Record<string, unknown> }, now);
    return { deposit_id: done.depositId, dossier_id: done.dossierId };
  }
  const text = readFileSync(target, "utf8").trim();
  const opened = await w.scan(text, now);
  const reopen = () => w.scan(text, now);
  if (command === "write") {
    const [section, type, title, date, body] = rest;
    if (!section || !type || !title || !date) throw new Error("write TOKEN_FILE SECTION TYPE TITLE DATE BODY");
    const { item } = await writeItem(w, opened, { section, type, title, date,
      body: JSON.parse(body ?? "{}") as Record<string, unknown> }, now, { reopen });
    return { dossier_id: opened.dossierId, item_id: item.itemId, section: item.section };
  }
  if (command === "ips") {
    const [file] = rest;
    if (!file) throw new Error("ips TOKEN_FILE OUT_FILE");
    const data = ipsExport(opened.items, { dossierId: opened.dossierId, sections: opened.sections,
      psId, name: w.name, now: Number(process.env["CARNET_NOW"] ?? now) });
    writeFileSync(file, data);
    return { file, bytes: data.length, dossier_id: opened.dossierId };
  }
  if (command === "prescribe") {
    const [title, date, raw, confirm] = rest;
    if (!title || !date) throw new Error("prescribe TOKEN_FILE TITLE DATE BODY [confirm]");
    const body = JSON.parse(raw ?? "{}") as Record<string, unknown>;
    const alerts = checkPrescription(title, body, opened.items, await index(api),
      { carried: opened.sections, masked: null });
    const serious = seriousAlerts(alerts);
    if (serious.length && confirm !== "confirm") {
      return { saved: false, alerts: alerts.map(alertJson) };
    }
    const { item } = await writeItem(w, opened, { section: "current_treatments", type: "prescription",
      title, date, body: acknowledged(body, alerts) }, now, { reopen });
    return { saved: true, dossier_id: opened.dossierId, item_id: item.itemId,
      alerts: alerts.map(alertJson), body: item.body };
  }
  throw new Error(`unknown command ${command}`);
}

main(process.argv.slice(2)).then(
  (out) => { process.stdout.write(`${JSON.stringify(out)}\n`); },
  (e: unknown) => {
    const code = e instanceof ApiError ? e.code : e instanceof Error ? e.name : "error";
    process.stderr.write(`${code}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  });
