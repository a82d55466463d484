// crm-wasm for Node: the same module as index.js, with the engine loaded synchronously on import
// (so `require("crm-wasm")` works where Node can require ES modules: 20.19 and later).

import { readFileSync } from "node:fs";
import { initSync } from "./index.js";

initSync(readFileSync(new URL("./crm_wasm_bg.wasm", import.meta.url)));

export * from "./index.js";
export { default } from "./index.js";
