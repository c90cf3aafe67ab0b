// Bundle the web app (src/app/main.ts and what it imports, libsodium included) into ES
// modules under web/static/dist, minified, with no source map (nothing to leak): app.js, and
// chunks loaded on demand (zxcvbn's dictionaries, only when a new passphrase is chosen).
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("../static/dist/chunks", { recursive: true, force: true });
await build({
  entryPoints: { app: "src/app/main.ts" },
  bundle: true,
  splitting: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "external",
  outdir: "../static/dist",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
