// Replica against a real crm-server (`crm serve`, as in remote.test.mjs): two reps claim the same
// pool customer offline and the server's rules decide; offline records take the server's ids;
// the replica's image in a storage survives a "reload" (a new Replica.open from the storage) with
// its outbox; operations that need the server are refused offline.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { CrmError, RemoteCrm, Replica, memoryStorage, syncOperations } from "../../pkg/node.js";
import { skip, startServer } from "./serve.mjs";

let running;
let url;
let adminCredential;

before(async () => {
  if (skip) return;
  running = await startServer("crm-replica-", []);
  ({ url, adminCredential } = running);
});

after(async () => {
  await running?.stop();
});

test("two offline claims, the rules decide, and the replica survives a reload", { skip }, async () => {
  const admin = new RemoteCrm(url, adminCredential);
  const me = (await admin.me()).id;
  const li = await admin.createUser(me, { name: "Li Replica", role: "rep" });
  const han = await admin.createUser(me, { name: "Han Replica", role: "rep" });
  const pool = await admin.createPool(me, { name: "JS pool", memberIds: [li.id, han.id], adminIds: [me] });
  const { customer: target } = await admin.createCustomer(me, { name: "Pooled for JS", poolId: pool.id });
  const liRemote = new RemoteCrm(url, (await admin.issueToken(li.id, "browser")).credential);
  const hanRemote = new RemoteCrm(url, (await admin.issueToken(han.id, "browser")).credential);

  const storage = memoryStorage();
  let phone = await Replica.open({ userId: li.id, deviceId: "li-browser", storage });
  const tablet = await Replica.open({ userId: han.id, deviceId: "han-browser", storage: null });
  assert.equal(phone.cursor, undefined);
  const first = await phone.sync(liRemote);
  assert.equal(first.snapshot, true);
  await tablet.sync(hanRemote);

  // Offline: both claims pass the local rules; results are spelled as Crm's.
  const mine = phone.claimCustomer(li.id, target.id);
  assert.equal(mine.ownerId, li.id);
  assert.ok(mine.updatedAt instanceof Date);
  tablet.claimCustomer("", target.id);
  assert.deepEqual(phone.outbox().map((o) => o.op), ["claim_customer"]);
  assert.throws(() => phone.createTeam(li.id, "needs the server"), (e) => e instanceof CrmError && e.code === "INVALID_STATE");
  assert.ok(syncOperations().includes("claim_customer") && !syncOperations().includes("create_team"));
  assert.throws(() => phone.customers(han.id), (e) => e instanceof CrmError && e.code === "INVALID_INPUT");

  // An offline customer with a follow-up; then the browser "reloads".
  const { customer: offline } = phone.createCustomer(li.id, { name: "上海浏览器客户" });
  assert.match(offline.id, /^c-1000000000/);
  phone.recordFollowUp(li.id, offline.id, { channel: "visit", note: "met", at: new Date("2026-03-02T02:30:00Z") });
  await phone.flush();
  phone.free();
  phone = await Replica.open({ userId: li.id, deviceId: "li-browser", storage });
  assert.deepEqual(phone.outbox().map((o) => o.op), ["claim_customer", "create_customer", "record_follow_up"]);
  assert.equal(phone.customer("", offline.id).name, "上海浏览器客户");

  const pushed = await phone.sync(liRemote);
  assert.deepEqual([pushed.applied, pushed.rejected], [3, 0]);
  const refused = await tablet.sync(hanRemote);
  assert.deepEqual([refused.applied, refused.rejected], [0, 1]);
  const [rejection] = tablet.rejections();
  assert.equal(rejection.code, "ALREADY_OWNED");
  assert.ok(rejection.at instanceof Date);
  assert.equal((await admin.customer(me, target.id)).ownerId, li.id);

  const onServer = (await liRemote.customers("")).map((c) => c.name);
  assert.deepEqual(onServer, ["Pooled for JS", "上海浏览器客户"]);
  const local = phone.customers("").map((c) => c.name);
  assert.deepEqual(local, onServer);
  const real = phone.customers("")[1].id;
  assert.doesNotMatch(real, /^c-1000000000/);
  assert.equal(phone.followUps("", real).length, 1);
  assert.deepEqual(phone.outbox(), []);
  tablet.dismissRejection(rejection.opId);
  assert.deepEqual(tablet.rejections(), []);
});

test("a replica of one user is not opened as another's", { skip }, async () => {
  const storage = memoryStorage();
  await Replica.open({ userId: "u-2", deviceId: "d", storage, key: "k" });
  await assert.rejects(Replica.open({ userId: "u-3", deviceId: "d", storage, key: "k" }), (e) => e.code === "INVALID_STATE");
});

test("a burst of offline changes costs one image write, and all of them are kept", { skip }, async () => {
  const admin = new RemoteCrm(url, adminCredential);
  const me = (await admin.me()).id;
  const rep = await admin.createUser(me, { name: "Burst Rep", role: "rep" });
  const remote = new RemoteCrm(url, (await admin.issueToken(rep.id, "browser")).credential);
  const inner = memoryStorage();
  let writes = 0;
  const storage = { get: inner.get, set: (key, value) => ((writes += 1), inner.set(key, value)) };
  const phone = await Replica.open({ userId: rep.id, deviceId: "burst", storage });
  await phone.sync(remote);
  const { customer } = phone.createCustomer("", { name: "连发客户" });
  writes = 0;
  for (let i = 0; i < 50; i += 1) phone.recordFollowUp("", customer.id, { channel: "call", note: `call ${i}` });
  await phone.flush();
  assert.equal(writes, 1, "the 50 changes were written as one image");
  phone.free();
  const again = await Replica.open({ userId: rep.id, deviceId: "burst", storage });
  assert.equal(again.followUps("", customer.id).length, 50);
  assert.equal(again.outbox().length, 51);
});
