// One organisation's day of offline work, end to end (DOMAIN.md section 12): `crm serve` on
// PostgreSQL behind a proxy that can drop answers and kill the server; two Kotlin phones (one JVM
// process per step, replicas in SQLite files), a manager's Node laptop, a Python field device and
// the web example (examples/web) in headless Chromium. Checks, in order:
//  1. both phones claim the same pool customer offline; after syncing exactly one owns it and the
//     other holds an ALREADY_OWNED refusal;
//  2. the manager's stale offline edit merges by field and records the overwritten value;
//  3. a push whose answer is lost, then a push cut off by killing the server half-way, then a retry
//     on a restarted server: every offline operation is applied exactly once;
//  4. the browser page claims and records offline (the daily limit refuses a third claim on the
//     spot), reloads without a network and still has everything, then syncs; a claim another rep
//     won meanwhile comes back refused. Screenshots go to $CRM_E2E_ARTIFACTS.
// Run by tests/e2e/run.sh, which names the binaries; figures are printed at the end.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, request } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const env = (name) => process.env[name] ?? assert.fail(`${name} is not set (tests/e2e/run.sh sets it)`);
const bin = env("CRM_BIN");
const pgUrl = env("CRM_PG_URL");
const kotlinCp = env("CRM_E2E_KOTLIN_CP");
const python = env("CRM_E2E_PYTHON");
const artifacts = env("CRM_E2E_ARTIFACTS");
const { RemoteCrm, Replica, memoryStorage } = await import(join(env("CRM_WASM_PKG"), "node.js"));
const { chromium } = createRequire(join(env("CRM_E2E_PLAYWRIGHT"), "x.js"))("playwright-core");

const ORG = `story${process.pid}`;
const work = mkdtempSync(join(tmpdir(), "crm-e2e-"));
mkdirSync(artifacts, { recursive: true });
const figures = [];
const cleanups = [];
const step = (text) => console.log(`ok - ${text}`);

// ---- the server, and the proxy in front of it ------------------------------------------------

let server;
let upstream;
function startServer() {
  const child = spawn(bin, ["serve", "--db", pgUrl, "--listen", "127.0.0.1:0"], { stdio: ["ignore", "ignore", "pipe"] });
  return new Promise((resolve, reject) => {
    let text = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk) => {
      text += chunk;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(text);
      if (m && upstream !== m[1]) {
        upstream = m[1];
        server = child;
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`crm serve exited (${code}): ${text}`)));
    setTimeout(() => reject(new Error(`crm serve did not start: ${text}`)), 20_000).unref();
  });
}

/** What the proxy does to the `nth` call of `op` from now: `drop` its answer, or `kill` the server `afterMs` into it. */
let fault = null;
let killed = null;
const proxy = createServer((req, res) => {
  const op = /^\/v1\/ops\/(\w+)/.exec(req.url)?.[1];
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const f = fault !== null && op === fault.op && ++fault.seen === fault.nth ? fault : null;
    if (f !== null) fault = null;
    const forward = request(upstream + req.url, { method: req.method, headers: req.headers }, (answer) => {
      if (f?.kind === "drop") {
        // The server has answered in full (its work is committed); the device never hears it.
        answer.resume();
        answer.on("end", () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => req.socket.destroy());
    forward.end(Buffer.concat(chunks));
    if (f?.kind === "kill") {
      setTimeout(() => {
        killed = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGKILL");
      }, f.afterMs);
    }
  });
});
await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${proxy.address().port}`;
cleanups.push(() => proxy.close());

// ---- the clients ---------------------------------------------------------------------------

/** Runs a client process (asynchronously: the proxy lives in this process) and parses its last line. */
async function run(command, args, what) {
  const t0 = performance.now();
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: 180_000 });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c) => (stderr += c));
  const [code, signal] = await new Promise((resolve) => child.on("close", (c, s) => resolve([c, s])));
  assert.equal(code, 0, `${what} failed (${code ?? signal}): ${stderr}\n${stdout}`);
  return { ...JSON.parse(stdout.trim().split("\n").at(-1)), ms: performance.now() - t0 };
}
const kotlin = (...args) => run("java", ["-cp", kotlinCp, "SyncClient", ...args], `Kotlin ${args[0]}`);
const py = (...args) => run(python, [join(root, "tests/e2e/python_client.py"), ...args], `Python ${args[0]}`);

try {
  // ---- the organisation -----------------------------------------------------------------------
  const boot = spawnSync(bin, ["token", "bootstrap", "--db", pgUrl, "--org", ORG, "--admin-name", "周总"], { encoding: "utf8" });
  assert.equal(boot.status, 0, boot.stderr);
  const adminCredential = boot.stdout.split("\n").find((l) => l.startsWith("crm1."));
  await startServer();
  cleanups.push(() => server.exitCode === null && server.kill("SIGTERM"));
  const admin = new RemoteCrm(url, adminCredential);
  const me = (await admin.me()).id;
  const east = await admin.createTeam(me, "华东销售");
  const west = await admin.createTeam(me, "华西销售");
  const user = (name, role, teamId) => admin.createUser(me, { name, role, teamId });
  const li = await user("李雷", "rep", east.id);
  const han = await user("韩梅梅", "rep", east.id);
  const wang = await user("王经理", "manager", east.id);
  const zhao = await user("赵六", "rep", east.id);
  const mei = await user("梅晓", "rep", west.id);
  const token = async (u) => (await admin.issueToken(u.id, "device")).credential;
  const [liToken, hanToken, wangToken, zhaoToken, meiToken] = await Promise.all([li, han, wang, zhao, mei].map(token));
  const settings = await admin.settings();
  await admin.updateSettings(me, settings.version, { claims: { dailyLimit: 2 } });
  const pool = await admin.createPool(me, { name: "公海", memberIds: [li.id, han.id, mei.id], adminIds: [me] });
  const pooled = async (name) => (await admin.createCustomer(me, { name, poolId: pool.id })).customer;
  const contested = await pooled("上海海鸥贸易有限公司");
  const [yunfan, jinggong, zijin] = [await pooled("杭州云帆科技股份有限公司"), await pooled("苏州精工机械有限公司"), await pooled("南京紫金文化传媒有限公司")];
  const meiRemote = new RemoteCrm(url, meiToken);
  const { customer: keda } = await meiRemote.createCustomer(mei.id, { name: "合肥科大讯通有限公司", level: "A" });
  const deal = await meiRemote.createOpportunity(mei.id, keda.id, { name: "首批设备采购", amount: "126000.00" });
  step(`organisation ${ORG} on PostgreSQL: 5 users, a pool of 4, a deal in ${deal.stage}`);

  // ---- 1. two Kotlin phones claim the same customer offline ------------------------------------
  const liFile = join(work, "li-phone.db");
  const hanFile = join(work, "han-phone.db");
  const liClaim = await kotlin("claim", url, liToken, liFile, "li-phone", contested.id);
  const hanClaim = await kotlin("claim", url, hanToken, hanFile, "han-phone", contested.id);
  assert.equal(liClaim.owner, li.id);
  assert.equal(hanClaim.owner, han.id);
  assert.deepEqual([liClaim.outbox, hanClaim.outbox], [["claim_customer"], ["claim_customer"]]);
  const liSync = await kotlin("sync", url, liToken, liFile, "li-phone", contested.id);
  const hanSync = await kotlin("sync", url, hanToken, hanFile, "han-phone", contested.id);
  assert.deepEqual([liSync.applied, liSync.rejected, liSync.owner], [1, 0, li.id]);
  assert.deepEqual([hanSync.applied, hanSync.rejected, hanSync.owner], [0, 1, null]);
  assert.deepEqual(hanSync.rejections, [{ op: "claim_customer", code: "ALREADY_OWNED" }]);
  assert.equal((await admin.customer(me, contested.id)).ownerId, li.id);
  step("Kotlin: both phones claimed 上海海鸥 offline; Li's phone owns it, Han's holds ALREADY_OWNED");

  // ---- the manager's laptop (Node) takes its snapshot, then edits Li's new customer offline ------------------------
  const wangRemote = new RemoteCrm(url, wangToken);
  const laptop = await Replica.open({ userId: wang.id, deviceId: "wang-laptop", storage: memoryStorage() });
  await laptop.sync(wangRemote);
  const seen = laptop.customer("", contested.id);
  laptop.updateCustomer("", contested.id, seen.version, { level: "A", region: "上海" });
  step("Node: the manager's laptop synced, then edited Li's 上海海鸥 offline (level A, region 上海)");

  // ---- 2. the laptop's stale edit merges by field --------------------------------------------
  const current = await admin.customer(me, contested.id);
  await admin.updateCustomer(me, contested.id, current.version, { level: "B" });
  const merged = await laptop.sync(wangRemote);
  assert.deepEqual([merged.applied, merged.conflicts], [1, 1]);
  const after = await admin.customer(me, contested.id);
  assert.deepEqual([after.level, after.region, after.ownerId], ["A", "上海", li.id]);
  const [conflict] = await admin.syncConflicts(me);
  assert.deepEqual([conflict.field, conflict.kept, conflict.lost, conflict.deviceId], ["level", "A", "B", "wang-laptop"]);
  assert.deepEqual(laptop.syncConflicts("").map((c) => c.id), [conflict.id]);
  step("Node: the laptop's stale edit merged by field (region kept, level A over B, conflict sc kept)");

  // ---- 3. a Python device's pushes cut off, retried -----------------------------------------
  const zhaoFile = join(work, "zhao-device.db");
  const N = 1250;
  await py("sync", url, zhaoToken, zhaoFile, "zhao-device");
  const offline = await py("offline", url, zhaoToken, zhaoFile, "zhao-device", String(N));
  assert.equal(offline.outbox, 2 * N);
  const serverCount = async () => (await admin.customers(me)).filter((c) => c.name.startsWith("巡检客户")).length;

  fault = { op: "sync_push", nth: 1, seen: 0, kind: "drop" };
  const lost = await py("sync", url, zhaoToken, zhaoFile, "zhao-device");
  assert.equal(lost.ok, false, "the device heard no answer");
  assert.equal(lost.outbox, 2 * N, "nothing leaves the outbox without an answer");
  assert.equal(await serverCount(), 500, "the first push (1000 operations) was applied all the same");

  fault = { op: "sync_push", nth: 2, seen: 0, kind: "kill", afterMs: 150 };
  const cut = await py("sync", url, zhaoToken, zhaoFile, "zhao-device");
  await killed;
  assert.equal(cut.ok, false, "the server died under the second push");
  // The first push's repeat was answered, so its operations left the outbox; on a machine fast
  // enough to finish the second push within 150 ms the third one meets the dead server instead.
  assert.ok([2 * N - 1000, 2 * N - 2000].includes(cut.outbox), `outbox ${cut.outbox}`);
  await startServer();
  const halfway = await serverCount();
  assert.ok(halfway >= 500 && halfway <= N, `${halfway}`);
  const t0 = performance.now();
  const retried = await py("sync", url, zhaoToken, zhaoFile, "zhao-device");
  const retryMs = performance.now() - t0;
  assert.deepEqual([retried.ok, retried.rejected, retried.outbox], [true, 0, 0]);
  const state = await py("state", url, zhaoToken, zhaoFile, "zhao-device");
  assert.deepEqual(state, { customers: N, distinct_names: N, local_ids: 0, follow_ups: N, outbox: 0, rejections: [], ms: state.ms });
  const onServer = (await admin.customers(me)).filter((c) => c.name.startsWith("巡检客户"));
  assert.equal(onServer.length, N);
  assert.equal(new Set(onServer.map((c) => c.name)).size, N);
  const followUps = (await Promise.all(onServer.map((c) => admin.followUps(me, c.id)))).map((f) => f.length);
  assert.ok(followUps.every((n) => n === 1), "one follow-up per customer");
  step(`Python: ${2 * N} offline operations; an answer lost, the server killed with ${halfway - 500} of the second push's customers committed, restarted: each applied exactly once`);
  const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
  figures.push(`Python device: ${2 * N} operations made offline in ${secs(offline.ms)}; the push whose answer was lost (1000 operations) ${secs(lost.ms)}; the retry on the restarted server (${retried.applied} operations, then the pull) ${secs(retryMs)}`);

  // ---- 4. the web app in headless Chromium -------------------------------------------------
  const web = spawn("node", [join(root, "examples/web/serve.mjs"), "--api", url, "--listen", "127.0.0.1:0", "--pkg", env("CRM_WASM_PKG")], { stdio: ["ignore", "pipe", "inherit"] });
  cleanups.push(() => web.kill());
  const page_url = await new Promise((resolve, reject) => {
    web.stdout.setEncoding("utf8");
    web.stdout.once("data", (line) => resolve(/http:\/\/\S+/.exec(line)[0]));
    web.on("exit", (code) => reject(new Error(`serve.mjs exited ${code}`)));
  });
  const profile = join(work, "chromium");
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width: 1280, height: 860 },
  });
  cleanups.push(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
  const status = () => page.textContent("[data-testid=status]");
  const waitStatus = (re) => page.waitForFunction((s) => new RegExp(s).test(document.querySelector("[data-testid=status]").textContent), re.source, { timeout: 30_000 });
  const waiting = async () => Number(await page.getAttribute("[data-testid=waiting]", "data-count"));
  const message = () => page.textContent("[data-testid=message]");

  await page.goto(page_url);
  await page.fill("[data-testid=credential]", meiToken);
  await page.click("#signin button");
  await waitStatus(/synced at/);
  await page.waitForSelector('[data-testid=customer-row][data-name="合肥科大讯通有限公司"]');
  assert.equal(await page.locator("[data-testid=pool-customer]").count(), 3, "the pool shows what is still unowned");
  await shot("1-first-sync");

  // The network goes: every API call fails as with no connection.
  await page.route("**/v1/**", (route) => route.abort("internetdisconnected"));
  await page.click("[data-testid=sync]");
  await waitStatus(/offline/);
  await page.click('[data-testid="follow-up-合肥科大讯通有限公司"]');
  await page.fill(".follow-up input[name=note]", "现场演示，客户要求下周报价");
  await page.selectOption(".follow-up select", "visit");
  await page.click(".follow-up button");
  await page.click('[data-testid="advance-首批设备采购"]');
  await page.click('[data-testid="claim-杭州云帆科技股份有限公司"]');
  await page.click('[data-testid="claim-苏州精工机械有限公司"]');
  await page.click('[data-testid="claim-南京紫金文化传媒有限公司"]');
  assert.match(await message(), /DAILY_LIMIT_REACHED/, "the third claim of the day is refused on the device");
  assert.equal(await waiting(), 4);
  await shot("2-offline-third-claim-refused");

  // Meanwhile Li wins one of those customers on the server.
  const liRemote = new RemoteCrm(url, liToken);
  await liRemote.claimCustomer(li.id, jinggong.id);

  // Reload with no network: the replica comes back from IndexedDB.
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  await waitStatus(/offline/);
  assert.equal(await waiting(), 4, "the outbox survived the reload");
  assert.equal(await page.locator('[data-testid=customer-row][data-name="杭州云帆科技股份有限公司"]').count(), 1);
  assert.match(await page.textContent('[data-testid=customer-row][data-name="合肥科大讯通有限公司"] [data-testid=follow-ups]'), /\(1\)/);
  assert.equal(await page.locator(`[data-testid="stage-${deal.stage}"] [data-testid=deal]`).count(), 0);
  await shot("3-reloaded-offline");

  // The network is back.
  await page.unroute("**/v1/**");
  await page.click("[data-testid=sync]");
  await waitStatus(/synced at/);
  assert.match(await status(), /3 sent, 1 refused/);
  await page.waitForSelector('[data-testid=rejection][data-code="ALREADY_OWNED"]');
  assert.equal(await waiting(), 0);
  assert.equal(await page.locator('[data-testid=customer-row][data-name="苏州精工机械有限公司"]').count(), 0, "the customer Li won left Mei's list");
  await shot("4-synced-with-a-refusal");
  assert.deepEqual(errors, []);

  assert.equal((await admin.customer(me, yunfan.id)).ownerId, mei.id);
  assert.equal((await admin.customer(me, jinggong.id)).ownerId, li.id);
  assert.equal((await admin.customer(me, zijin.id)).poolId, pool.id);
  const notes = (await admin.followUps(me, keda.id)).map((f) => [f.channel, f.note]);
  assert.deepEqual(notes, [["visit", "现场演示，客户要求下周报价"]]);
  assert.notEqual((await admin.opportunity(me, deal.id)).stage, deal.stage);
  step("browser: claimed and recorded offline (third claim refused by the daily limit), reloaded with its data, synced; Li's win came back as ALREADY_OWNED");
  figures.push(`screenshots: ${artifacts}`);
  for (const f of figures) console.log(`  ${f}`);
} finally {
  for (const f of cleanups.reverse()) {
    try {
      await f();
    } catch {
      // best effort
    }
  }
  if (server?.exitCode === null) server.kill("SIGTERM");
  rmSync(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
