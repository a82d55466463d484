// One epoch of the fuzz harness in its own worker thread, so each epoch loads a fresh engine: a
// trap stops the engine for good (calls.js refuses every later call), and the next epoch must not
// inherit that. Seeds an organisation, makes `calls` generated calls and posts back a report.
import { workerData, parentPort } from "node:worker_threads";
import { generator, loadCorpus, rng, toJs } from "./gen.mjs";

const { pkg, scenarios, seed, epoch, calls, inject, replay } = workerData;
const api = await import(`${pkg}/node.js`);
const { TYPES, OPS } = await import(`${pkg}/generated/facts.js`);

/** The organisation of crm-core/tests/fuzz_ops.rs, in the core's spelling (converted to JS below). */
const SEED = [
  ["bootstrap", "", { admin_name: "Ada", settings: { timezone: "Asia/Shanghai", duplicates: { on_create: "warn", name_threshold: 0.85 }, claims: { daily_limit: 5, caps: [{ scope: { type: "everyone" }, max_owned: 20 }] }, locks: { max_locked: 3, max_days: 60 }, version: 0 } }],
  ["create_team", "u-1", { name: "East" }],
  ["create_team", "u-1", { name: "West" }],
  ["create_user", "u-1", { name: "Mia Manager", role: "manager", team_id: "t-1" }],
  ["create_user", "u-1", { name: "Li Lei", role: "rep", team_id: "t-1" }],
  ["create_user", "u-1", { name: "Han Mei", role: "rep", team_id: "t-1" }],
  ["create_user", "u-1", { name: "Wang Wu", role: "rep", team_id: "t-2" }],
  ["create_user", "u-1", { name: "Leaver", role: "rep", team_id: "t-2" }],
  ["create_pool", "u-1", { name: "East pool", member_team_ids: ["t-1"], admin_ids: ["u-2"], rules: { cool_down_days: 7, waiting_hours: 24, warn_days: 3, recycle: [{ kind: "no_follow_up", days: 30, days_by_level: { A: 60 } }, { kind: "no_won_deal", days: 90 }] } }],
  ["create_pool", "u-1", { name: "West pool", member_ids: ["u-5", "u-6"] }],
  ["update_settings", "u-1", { expected_version: 1, patch: { default_pool_id: "p-1" } }],
  ["create_customer", "u-3", { name: "Acme Trading Co., Ltd.", level: "A", tags: ["export"], phones: ["+86 139 1234 5678"], emails: ["buyer@acme.example"], custom_fields: { budget: { type: "number", value: "125000.50" } } }],
  ["create_customer", "u-3", { name: "北京星辰科技有限公司", phones: ["13800138000"], region: "Beijing" }],
  ["create_customer", "u-4", { name: "Bright Foods", kind: "company", source: "web" }],
  ["create_customer", "u-5", { name: "Zhang San", kind: "person", emails: ["zhang@example.cn"] }],
  ["create_customer", "u-1", { name: "Pooled One", pool_id: "p-1" }],
  ["create_customer", "u-1", { name: "Pooled Two", pool_id: "p-1", level: "B" }],
  ["create_customer", "u-1", { name: "West Pooled", pool_id: "p-2" }],
  ["create_customer", "u-6", { name: "Leaver's Client" }],
  ["add_contact", "u-3", { customer_id: "c-1", contact: { name: "Wile E.", emails: ["wile@acme.example"], role: "buyer" } }],
  ["record_follow_up", "u-3", { customer_id: "c-1", follow_up: { channel: "call", note: "asked for a quote", next_follow_up_at: "2026-03-09T01:00:00Z" } }],
  ["record_follow_up", "u-4", { customer_id: "c-3", follow_up: { channel: "visit", note: "met the owner" } }],
  ["lock_customer", "u-3", { customer_id: "c-2", days: 10 }],
  ["create_allocator", "u-1", { name: "Inbound", strategy: { type: "round_robin" }, reps: [{ rep_id: "u-3" }, { rep_id: "u-4", daily_cap: 5 }] }],
  ["capture_lead", "u-1", { name: "Lead One", phones: ["13800000001"], source: "web" }],
  ["capture_lead", "u-1", { name: "Lead Two", emails: ["two@lead.example"], level: "VIP" }],
  ["allocate_leads", "u-1", { allocator_id: "al-1", lead_ids: ["l-1"] }],
  ["save_pipeline", "u-1", { pipeline: { id: "renewal", name: "Renewal", stages: [{ key: "contact", name: "Contact", probability: "30", category: "pipeline" }, { key: "quote", name: "Quote", probability: "80", category: "commit", required_fields: ["po_number"], rot_days: 5 }, { key: "won", name: "Won", kind: "won", probability: "100", category: "closed" }, { key: "lost", name: "Lost", kind: "lost", probability: "0", category: "omitted" }], lost_reasons: ["price"], version: 0 } }],
  ["create_opportunity", "u-3", { customer_id: "c-1", opportunity: { name: "ERP rollout", amount: "100000.00", expected_close: "2026-04-15" } }],
  ["create_opportunity", "u-3", { customer_id: "c-1", opportunity: { name: "Support", amount: "20000.00", expected_close: "2026-03-20" } }],
  ["create_opportunity", "u-4", { customer_id: "c-3", opportunity: { name: "Renewal", amount: "5000", pipeline_id: "renewal" } }],
  ["close_opportunity", "u-3", { opportunity_id: "o-2", won: true }],
  ["create_contract", "u-3", { opportunity_id: "o-2", contract: { signed_on: "2026-03-02", instalments: [{ due_date: "2026-03-10", amount: "8000" }, { due_date: "2026-04-10", amount: "12000" }] } }],
  ["record_payment", "u-3", { contract_id: "k-1", expected_version: 1, payment: { received_on: "2026-03-02", amount: "5000" } }],
  ["handover", "u-1", { from_user_id: "u-6", to_user_id: "u-5", reason: "leaves" }],
  ["deactivate_user", "u-1", { id: "u-6", reason: "left" }],
];

/** Calls operation `name` through the public API: a `Crm` method or a module function. */
function invoke(crm, name, actor, values) {
  const [method, takesActor, onCrm] = OPS[name];
  if (!onCrm) return api[method](...values);
  return takesActor ? crm[method](actor, ...values) : crm[method](...values);
}

function jsValues(name, snake) {
  const [, , , input, params] = OPS[name];
  return input !== null ? [toJs(TYPES, snake, input)] : params.map(([, s, kind]) => toJs(TYPES, snake[s], kind));
}

/** What the organisation holds, as admin sees it: every list, per-customer lists and the log. */
function fingerprint(crm) {
  const a = "u-1";
  const customers = crm.customers(a);
  return JSON.stringify({
    settings: crm.settings(),
    teams: crm.teams(a),
    users: crm.users(a),
    customers,
    perCustomer: customers.map((c) => [crm.contacts(a, c.id), crm.followUps(a, c.id), crm.opportunities(a, c.id), crm.ownershipHistory(a, c.id)]),
    pools: crm.pools(a),
    allocators: crm.allocators(a),
    leads: crm.leads(a),
    pipelines: crm.pipelines(a),
    opportunities: crm.allOpportunities(a),
    contracts: crm.contracts(a),
    events: crm.events(a, 0),
  });
}

/** Ids and versions of live records, for arguments that name one. */
function liveIds(crm) {
  const a = "u-1";
  const versions = { settings: crm.settings().version };
  const list = (records) => records.map((x) => ((versions[x.id] = x.version), x.id));
  const pipelines = crm.pipelines(a);
  return {
    users: crm.users(a).map((u) => u.id),
    teams: crm.teams(a).map((t) => t.id),
    customers: list(crm.customers(a)),
    pools: list(crm.pools(a)),
    leads: list(crm.leads(a)),
    opportunities: list(crm.allOpportunities(a)),
    contracts: list(crm.contracts(a)),
    allocators: list(crm.allocators(a)),
    pipelines: pipelines.map((p) => p.id),
    stages: pipelines.flatMap((p) => p.stages.map((s) => s.key)),
    versions,
  };
}

const isTrap = (e) => e instanceof WebAssembly.RuntimeError || (e instanceof api.CrmError && e.code === "STORAGE" && /engine stopped/.test(e.message));
const describe = (e) => (e instanceof api.CrmError ? `${e.code}: ${e.message}` : `${e?.name}: ${e?.message ?? e}`).slice(0, 400);
const clip = (values) => {
  try {
    return JSON.stringify(values, (k, v) => (typeof v === "bigint" ? `${v}n` : v)).slice(0, 2000);
  } catch (e) {
    return `(unprintable: ${e.message})`;
  }
};

const r = rng(BigInt(seed) ^ BigInt.asUintN(64, BigInt(epoch) * 0xa24baed4963ee407n));
const corpus = loadCorpus(scenarios);
const gen = generator({ TYPES, OPS, corpus, r });
const report = { calls: 0, ok: 0, refused: 0, byOp: {}, findings: [], slowest: [] };
const now = new Date("2026-03-02T01:00:00Z");
const crm = new api.Crm({ now });
for (const [name, actor, snake] of SEED) invoke(crm, name, actor, jsValues(name, snake));
let ids = null;
const refresh = () => gen.setIds((ids = liveIds(crm)));
refresh();
const names = Object.keys(OPS);
let before = null;

/** The next call: generated, or (`replay`, the regression cases) given. */
function nextCall(i) {
  if (replay) return replay[i];
  if (r.oneIn(40)) {
    now.setTime(now.getTime() + r.below(24 * 20) * 3600000);
    crm.setNow(now);
  }
  const name = r.pick(names);
  const mode = r.pick(["valid", "valid", "valid", "valid", "valid", "nearly", "nearly", "nearly", "hostile", "hostile"]);
  const values = gen.args(name, mode);
  const actor = r.below(10) > 0 ? (r.oneIn(2) ? "u-1" : r.pick(ids.users)) : r.pick([undefined, null, 7, "", "u-999", "\ud800", "u-1".repeat(10000)]);
  return [name, actor, values];
}

for (let i = 0; i < (replay ? replay.length : calls); i++) {
  const [name, actor, values] = nextCall(i);
  const state = before ?? fingerprint(crm);
  before = null;
  const finding = (kind, what) => ({ kind, op: name, actor: String(actor).slice(0, 40), args: clip(values), what, at: [seed, epoch, i] });
  report.calls++;
  const count = (report.byOp[name] ??= [0, 0]);
  const t0 = performance.now();
  let outcome;
  try {
    if (inject === "trap" && i === 20) throw new WebAssembly.RuntimeError("unreachable (injected)");
    invoke(crm, name, actor, values);
    outcome = null;
  } catch (e) {
    outcome = e;
  }
  const took = performance.now() - t0;
  report.slowest.push([took, name, clip(values).slice(0, 120)]);
  report.slowest.sort((a, b) => b[0] - a[0]);
  report.slowest.length = Math.min(report.slowest.length, 5);
  if (outcome === null) {
    count[0]++;
    report.ok++;
    if (OPS[name][2]) {
      try {
        refresh();
      } catch (e) {
        // A valid call deactivated u-1, the admin the checks read as: end the epoch.
        if (e instanceof api.CrmError && e.code === "INACTIVE_USER") break;
        throw e;
      }
    }
    continue;
  }
  count[1]++;
  report.refused++;
  if (isTrap(outcome)) {
    let after;
    try {
      crm.user("u-1", "u-1");
      after = "the instance still answers";
    } catch (e) {
      after = `the instance is lost: a valid read then threw ${describe(e)}`;
    }
    report.findings.push(finding("trap", `${describe(outcome)}; ${after}`));
    break;
  }
  if (!(outcome instanceof api.CrmError)) {
    report.findings.push(finding("not a CrmError", describe(outcome)));
  }
  if (inject === "write") crm.createTeam("u-1", `Leftover ${i}`);
  const after = fingerprint(crm);
  if (after !== state) {
    let at = 0;
    while (at < after.length && after[at] === state[at]) at++;
    report.findings.push(finding("refused call changed the state", `${describe(outcome)}; differs at …${state.slice(Math.max(0, at - 80), at + 80)}…`));
    try {
      refresh();
    } catch {
      break;
    }
    continue;
  }
  try {
    crm.user("u-1", "u-1");
  } catch (e) {
    report.findings.push(finding("organisation stopped working", `after ${describe(outcome)} a valid read threw ${describe(e)}`));
    break;
  }
  before = after;
}

const adminActive = () => {
  try {
    return crm.user("u-1", "u-1").active;
  } catch {
    return false;
  }
};
if (adminActive() && !report.findings.some((f) => f.kind === "trap" || f.kind === "organisation stopped working")) {
  try {
    // The run may have left duplicate checks blocking everything (threshold 0): set them back.
    crm.updateSettings("u-1", crm.settings().version, { duplicates: { onCreate: "warn", nameThreshold: 0.85 } });
    const { customer } = crm.createCustomer("u-1", { name: `Canary ${epoch} Ltd` });
    crm.updateCustomer("u-1", customer.id, customer.version, { level: "B" });
  } catch (e) {
    report.findings.push({ kind: "organisation stopped working", op: "createCustomer/updateCustomer", actor: "u-1", args: "", what: `valid writes at the end of the epoch threw ${describe(e)}`, at: [seed, epoch, calls] });
  }
}
parentPort.postMessage(report);
