// crm-wasm for browsers and bundlers: `await init()` once, then use `Crm` and the functions.
// Node's entry (node.js) loads the engine on import.

export { init as default, initSync, Crm, CrmError } from "./calls.js";
export { rfmScoreColumns, slaDueColumns } from "./columns.js";
export * from "./generated/api.js";
