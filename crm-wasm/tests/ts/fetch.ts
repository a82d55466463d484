// With DOM typings (browsers), the global `fetch` is a RemoteCrm's `fetch` as it is: test.sh
// type-checks this file on its own, apart from usage.ts (which must stand without DOM typings).
/// <reference lib="dom" />
import { RemoteCrm } from "crm-wasm";

const remote = new RemoteCrm(new URL("https://crm.example.com/api"), "crm1.org.tk-1.secret", { fetch });
const wrapped = new RemoteCrm("https://crm.example.com/api", "crm1.org.tk-1.secret", {
  fetch: (url, init) => fetch(url, { ...init, credentials: "omit" }),
});
export const ids = Promise.all([remote.me(), wrapped.me()]).then(([a, b]) => [a.id, b.id]);
