// Re-exports the CrmError class of the inline snippet from the package entry points, so that
// `err instanceof CrmError` works for users of either build.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const pkg = process.argv[2];
for (const target of ["node", "web"]) {
  const dir = join(pkg, target);
  const snippetDir = readdirSync(join(dir, "snippets"))[0];
  const snippet = `./snippets/${snippetDir}/inline0.js`;
  const entry = join(dir, "crm_wasm.js");
  const js = readFileSync(entry, "utf8");
  const line = target === "node"
    ? `\nmodule.exports.CrmError = require("${snippet}").CrmError;\n`
    : `\nexport { CrmError } from "${snippet}";\n`;
  if (!js.includes("CrmError = require") && !js.includes("export { CrmError }")) writeFileSync(entry, js + line);
}
