// `crm serve` for the Node suites: the binary test.sh builds ($CRM_BIN) on a temporary SQLite file
// with a bootstrapped administrator, on a free loopback port.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const bin = process.env.CRM_BIN ?? fileURLToPath(new URL("../../../target/debug/crm", import.meta.url));
/** Why a suite needing the server skips, or false. */
export const skip = existsSync(bin) ? false : `no crm binary at ${bin} (test.sh builds it and sets CRM_BIN)`;

/** Starts a server (`extra`: more `crm serve` flags); resolves to `{ url, adminCredential, stop }`. */
export async function startServer(prefix, extra = []) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const db = join(dir, "crm.db");
  const boot = spawnSync(bin, ["token", "bootstrap", "--db", db, "--admin-name", "Ada"], { encoding: "utf8" });
  assert.equal(boot.status, 0, boot.stderr);
  const adminCredential = boot.stdout.split("\n").find((l) => l.startsWith("crm1."))?.trim();
  assert.ok(adminCredential, boot.stdout);
  const server = spawn(bin, ["serve", "--db", db, "--listen", "127.0.0.1:0", ...extra], { stdio: ["ignore", "ignore", "pipe"] });
  const url = await new Promise((resolve, reject) => {
    let text = "";
    server.stderr.setEncoding("utf8");
    server.stderr.on("data", (chunk) => {
      text += chunk;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(text.split("\n")[0]);
      if (m) resolve(m[1]);
    });
    server.on("exit", (code) => reject(new Error(`crm serve exited (${code}): ${text}`)));
    setTimeout(() => reject(new Error(`crm serve did not say where it listens: ${text}`)), 10_000).unref();
  });
  server.stderr.resume();
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.on("exit", resolve));
      server.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, adminCredential, stop };
}
