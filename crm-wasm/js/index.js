// crm-wasm for browsers and bundlers: `await init()` once, then use `Crm` and the functions.
// Node's entry (node.js) loads the engine on import. `RemoteCrm` (crm-server over HTTP) needs no
// engine: it works before or without `init()`.

export { init as default, initSync, Crm, CrmError } from "./calls.js";
export { rfmScoreColumns, slaDueColumns } from "./columns.js";
export { RemoteCrm, buildRequest, readResponse } from "./remote.js";
export { Replica, indexedDbStorage, memoryStorage, syncOperations } from "./replica.js";
export * from "./generated/api.js";
