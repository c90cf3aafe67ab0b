// Bundle the web app (src/app/main.ts and what it imports, libsodium included) into one ES
// module under web/static/dist, minified, with no source map (nothing to leak).
import { build } from "esbuild";

await build({
  entryPoints: ["src/app/main.ts"],
  bundle: true,
  format: "esm",
  target: "es2022",
  minify: true,
  legalComments: "external",
  outfile: "../static/dist/app.js",
  logLevel: "warning",
});
