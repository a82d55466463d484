// Where the benchmarks find the built package: crm-wasm/pkg, or $CRM_WASM_PKG (to compare builds).
import { pathToFileURL } from "node:url";

const dir = process.env.CRM_WASM_PKG ? pathToFileURL(`${process.env.CRM_WASM_PKG}/`) : new URL("../../crm-wasm/pkg/", import.meta.url);
export const pkg = (file) => new URL(file, dir);
