// Serves the web example: the page, the npm package (crm-wasm/pkg, or --pkg DIR) under /pkg/, and
// the API of a running `crm serve` proxied under /v1/ (so the page and the API share one origin and
// the server needs no CORS). Prints the page's URL on its first line of output.
//   node examples/web/serve.mjs --api http://127.0.0.1:8080 [--listen 127.0.0.1:5173] [--pkg DIR]
import { createServer, request } from "node:http";
import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = fileURLToPath(new URL(".", import.meta.url));
const { values } = parseArgs({
  options: {
    api: { type: "string", default: "http://127.0.0.1:8080" },
    listen: { type: "string", default: "127.0.0.1:5173" },
    pkg: { type: "string", default: join(here, "../../crm-wasm/pkg") },
  },
});
const api = new URL(values.api);
const [host, port] = values.listen.split(/:(?=\d+$)/);
const types = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".css": "text/css", ".html": "text/html; charset=utf-8", ".json": "application/json" };
const files = { "/": "index.html", "/index.html": "index.html", "/app.js": "app.js", "/style.css": "style.css" };

/** Passes a call through to crm serve unchanged (status, headers, body, streaming both ways). */
function proxy(req, res) {
  const upstream = request(
    { host: api.hostname, port: api.port, path: req.url, method: req.method, headers: { ...req.headers, host: api.host } },
    (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ code: "UNAVAILABLE", message: `crm serve at ${api.origin} did not answer`, details: {} }));
  });
  req.pipe(upstream);
}

async function file(path, res) {
  try {
    const body = await readFile(path);
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream", "cache-control": "no-cache" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
}

const server = createServer((req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path.startsWith("/v1/")) return proxy(req, res);
  if (Object.hasOwn(files, path)) return file(join(here, files[path]), res);
  if (path.startsWith("/pkg/")) {
    const root = normalize(values.pkg);
    const target = normalize(join(root, decodeURIComponent(path.slice(5))));
    if (target.startsWith(root + sep)) return file(target, res);
  }
  res.writeHead(404).end();
});
server.listen(Number(port), host, () => {
  const { address, port: bound } = server.address();
  console.log(`web app on http://${address}:${bound}/ (API: ${api.origin})`);
});
