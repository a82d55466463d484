// A rep's field app on crm's npm package. Every read and change goes to the `Replica` in this
// browser, so the page works without a network and keeps its data across reloads (IndexedDB); the
// rules (claim limits, cool-downs, stage guards) are the core's, so a refused claim is refused here
// at once, with the same code the server would give. "Sync" pushes the waiting changes to
// `crm serve` and pulls what others changed; what the server refuses shows under "Refused".

import init, { CrmError, RemoteCrm, Replica } from "/pkg/index.js";

const SESSION = "crm-web:session";
const $ = (selector) => document.querySelector(selector);
const el = (tag, { dataset = {}, ...props } = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  Object.assign(node.dataset, dataset);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};
const day = (d) => (d ? d.toISOString().slice(0, 10) : "—");

let remote = null;
let replica = null;

/** Shows an error as the rules (or the network) gave it: its stable code, then its message. */
function show(error, what) {
  const box = $("#message");
  if (error === null) {
    box.hidden = true;
    return;
  }
  const code = error instanceof CrmError ? error.code : "ERROR";
  box.textContent = `${what}: ${code} — ${error.message}`;
  box.dataset.code = code;
  box.hidden = false;
}

/** Runs a change on the replica and redraws; a refusal is shown, and nothing changes. */
function act(what, change) {
  try {
    change();
    show(null);
  } catch (e) {
    show(e, what);
  }
  render();
}

function setStatus(text, online) {
  const status = $("#status");
  status.textContent = text;
  status.className = `status ${online ? "online" : "offline"}`;
}

async function sync() {
  setStatus("syncing…", true);
  try {
    const s = await replica.sync(remote);
    const parts = [`synced at ${new Date().toLocaleTimeString()}`];
    if (s.applied) parts.push(`${s.applied} sent`);
    if (s.rejected) parts.push(`${s.rejected} refused`);
    if (s.events) parts.push(`${s.events} changes received`);
    setStatus(parts.join(", "), true);
  } catch (e) {
    setStatus(e instanceof CrmError && e.code === "UNREACHABLE" ? "offline: changes stay on this device" : `sync failed: ${e.code ?? ""} ${e.message}`, false);
  }
  render();
}

function customersSection(me) {
  const body = $("#customers");
  body.replaceChildren();
  const mine = replica.customers("").filter((c) => c.ownerId === me);
  for (const c of mine) {
    const follow = el("button", { textContent: "Follow-up", dataset: { testid: `follow-up-${c.name}` } });
    const release = el("button", { textContent: "Release", className: "quiet", dataset: { testid: `release-${c.name}` } });
    const row = el(
      "tr",
      { dataset: { testid: "customer-row", name: c.name } },
      el("td", { textContent: c.name }),
      el("td", { textContent: c.level ?? "—" }),
      el("td", { textContent: `${day(c.lastFollowUpAt)} (${replica.followUps("", c.id).length})`, dataset: { testid: "follow-ups" } }),
      el("td", { textContent: day(c.nextFollowUpAt) }),
      el("td", {}, follow, release),
    );
    follow.onclick = () => {
      const form = $("#follow-up-form").content.firstElementChild.cloneNode(true);
      form.onsubmit = (ev) => {
        ev.preventDefault();
        const data = new FormData(form);
        act(`Follow-up for ${c.name}`, () => replica.recordFollowUp("", c.id, { channel: data.get("channel"), note: data.get("note") }));
      };
      row.after(el("tr", {}, el("td", { colSpan: 5 }, form)));
      form.querySelector("input").focus();
    };
    release.onclick = () => act(`Release ${c.name}`, () => replica.releaseCustomer("", c.id, "released from the field app"));
    body.append(row);
  }
  if (mine.length === 0) body.append(el("tr", {}, el("td", { colSpan: 5, className: "hint", textContent: "No customers yet: claim one from the pool." })));
}

function poolsSection() {
  const box = $("#pools");
  box.replaceChildren();
  for (const pool of replica.pools("")) {
    const list = el("ul", { className: "cards" });
    for (const c of replica.poolCustomers("", pool.id)) {
      const claim = el("button", { textContent: "Claim", dataset: { testid: `claim-${c.name}` } });
      claim.onclick = () => act(`Claim ${c.name}`, () => replica.claimCustomer("", c.id));
      list.append(el("li", { dataset: { testid: "pool-customer", name: c.name } }, el("span", { textContent: c.name }), claim));
    }
    if (!list.childElementCount) list.append(el("li", { className: "hint", textContent: "The pool is empty." }));
    box.append(el("h3", { textContent: pool.name }), list);
  }
}

function boardSection() {
  const board = $("#board");
  board.replaceChildren();
  const pipeline = replica.pipelines("")[0];
  if (pipeline === undefined) return;
  const names = new Map(replica.customers("").map((c) => [c.id, c.name]));
  const deals = replica.allOpportunities("").filter((o) => o.pipelineId === pipeline.id && o.status === "open");
  const open = pipeline.stages.filter((s) => s.kind === "open");
  open.forEach((stage, i) => {
    const column = el("div", { className: "column", dataset: { testid: `stage-${stage.key}` } }, el("h3", { textContent: stage.name }));
    for (const deal of deals.filter((d) => d.stage === stage.key)) {
      const card = el(
        "div",
        { className: "card", dataset: { testid: "deal", name: deal.name } },
        el("strong", { textContent: deal.name }),
        el("span", { textContent: `${names.get(deal.customerId) ?? ""} · ¥${deal.amount}` }),
      );
      const next = open[i + 1];
      if (next !== undefined) {
        const move = el("button", { textContent: `→ ${next.name}`, dataset: { testid: `advance-${deal.name}` } });
        move.onclick = () => act(`Move ${deal.name}`, () => replica.moveOpportunity("", deal.id, deal.version, next.key));
        card.append(move);
      }
      column.append(card);
    }
    board.append(column);
  });
}

function refusedSection() {
  const refused = replica.rejections();
  $("#refused-section").hidden = refused.length === 0;
  $("#refused").replaceChildren(
    ...refused.map((r) => {
      const dismiss = el("button", { textContent: "Dismiss", className: "quiet" });
      dismiss.onclick = () => act("Dismiss", () => replica.dismissRejection(r.opId));
      return el("li", { dataset: { testid: "rejection", code: r.code } }, el("code", { textContent: r.code }), ` ${r.op}: ${r.message} `, dismiss);
    }),
  );
}

function render() {
  if (replica === null) return;
  const waiting = replica.outbox().length;
  $("#waiting").textContent = waiting ? `${waiting} change${waiting > 1 ? "s" : ""} waiting` : "all changes sent";
  $("#waiting").dataset.count = String(waiting);
  // Before its first sync the replica knows nobody, not even its own user.
  $("#app").hidden = replica.cursor === undefined;
  if (replica.cursor === undefined) return;
  const me = replica.userId;
  customersSection(me);
  poolsSection();
  boardSection();
  refusedSection();
}

async function start(session) {
  remote = new RemoteCrm(location.origin, session.credential, { timeoutMs: 15_000 });
  replica = await Replica.open({ userId: session.userId, deviceId: session.deviceId });
  $("#who").textContent = session.userName;
  $("#signin").hidden = true;
  $("#sync").hidden = false;
  $("#signout").hidden = false;
  setStatus(replica.cursor === undefined ? "not synced yet" : "working from this device", false);
  render();
  document.body.dataset.ready = "true";
  await sync();
}

$("#signin").onsubmit = async (ev) => {
  ev.preventDefault();
  const credential = new FormData(ev.target).get("credential").trim();
  try {
    const me = await new RemoteCrm(location.origin, credential).me();
    const session = { credential, userId: me.id, userName: me.name, deviceId: `web-${crypto.randomUUID()}` };
    localStorage.setItem(SESSION, JSON.stringify(session));
    show(null);
    await start(session);
  } catch (e) {
    show(e, "Sign in");
  }
};
$("#sync").onclick = () => sync();
$("#new-customer").onsubmit = (ev) => {
  ev.preventDefault();
  const data = new FormData(ev.target);
  const phone = data.get("phone").trim();
  act("New customer", () => replica.createCustomer("", { name: data.get("name").trim(), phones: phone ? [phone] : [] }));
  ev.target.reset();
};
$("#signout").onclick = async () => {
  await replica?.flush();
  localStorage.removeItem(SESSION);
  location.reload();
};
window.addEventListener("online", () => replica && sync());

await init();
const saved = JSON.parse(localStorage.getItem(SESSION) ?? "null");
if (saved === null) {
  $("#signin").hidden = false;
  setStatus("signed out", false);
  document.body.dataset.ready = "true";
} else {
  await start(saved);
}
