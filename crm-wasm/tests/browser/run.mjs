// Replays every parity scenario in headless Chromium (Debian's /usr/bin/chromium; no browser is
// downloaded): serves the built package, the replay module and the scenarios on 127.0.0.1, opens
// index.html, and waits for the page to post its report. Exits 1 on any failure.
import { createServer } from "node:http";
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const here = fileURLToPath(new URL(".", import.meta.url));
const roots = {
  "/pkg/": join(here, "../../pkg"),
  "/js/": join(here, "../js"),
  "/scenarios/": join(here, "../../../tests/scenarios"),
};
const types = { ".js": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };

let done;
const result = new Promise((resolve) => (done = resolve));
const server = createServer((req, res) => {
  if (req.method === "POST" && req.url === "/result") {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => (res.end("ok"), done(JSON.parse(body))));
    return;
  }
  if (req.url === "/") return res.end(readFileSync(join(here, "index.html")));
  if (req.url === "/scenarios/") {
    const files = readdirSync(roots["/scenarios/"]).filter((f) => f.endsWith(".json")).sort();
    return res.setHeader("content-type", types[".json"]).end(JSON.stringify(files));
  }
  const prefix = Object.keys(roots).find((p) => req.url.startsWith(p));
  const path = prefix && normalize(join(roots[prefix], decodeURIComponent(req.url.slice(prefix.length))));
  try {
    if (!path || !path.startsWith(roots[prefix])) throw new Error("outside");
    const body = readFileSync(path);
    res.setHeader("content-type", types[extname(path)] ?? "application/octet-stream");
    res.end(body);
  } catch {
    res.statusCode = 404;
    res.end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), "crm-chromium-"));
const browser = spawn("/usr/bin/chromium", [
  "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
  `--user-data-dir=${profile}`, url,
], { stdio: "ignore", detached: true });
const timeout = setTimeout(() => done({ failures: ["no report from Chromium within 180 s"] }), 180_000);
const report = await result;
clearTimeout(timeout);
for (const f of report.failures) console.log(`FAIL ${f}`);
const exited = new Promise((r) => browser.once("exit", r));
// Chromium's helpers (zygote, renderers, crashpad) outlive the main process and keep writing to the
// profile, so the whole process group is stopped, and the profile's removal is best effort: a left
// temporary directory is not a test failure.
try {
  process.kill(-browser.pid, "SIGKILL");
} catch {
  browser.kill("SIGKILL");
}
await exited;
server.close();
try {
  rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
} catch (e) {
  console.log(`note: could not remove ${profile}: ${e.code ?? e}`);
}
console.log(`chromium (${report.userAgent ?? "?"}): ${report.files ?? 0} scenario files, ${report.checked ?? 0} results and errors checked against the type facts, ${report.failures.length} failures`);
process.exit(report.failures.length === 0 && report.files > 0 ? 0 : 1);
