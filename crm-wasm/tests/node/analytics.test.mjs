// RFM scoring, segment movement, churn warnings and performance through the package's functions:
// decimals are strings, dates "YYYY-MM-DD" or Dates (their UTC day), bad input throws CrmError, and
// typed-array columns score exactly like arrays of orders.
import test from "node:test";
import assert from "node:assert/strict";
import {
  rfmScore, rfmScoreColumns, rfmMovements, rfmFlows, rfmChurnWarnings, performance, leaderboard,
  slaDueBatch, slaDueColumns,
} from "../../pkg/node.js";
import { refusal } from "./refusal.mjs";

const dayOf = (text) => Date.parse(`${text}T00:00:00Z`) / 864e5;
const textOf = (day) => new Date(day * 864e5).toISOString().slice(0, 10);

// DOMAIN.md section 5: R=5 (within a month), F=4 (4 orders), M=4 (20,000 yuan), weights 4, 8, 8.
const SEED_CONFIG = `method = "thresholds"
[weights]
r = 4
f = 8
m = 8
[thresholds]
recency = [[30, 5], [90, 4], [180, 3], [365, 2]]
frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]
monetary = [["50000", 5], ["20000", 4], ["5000", 3], ["1000", 2]]
[[levels]]
min_score = 80
name = "VIP1"
[[levels]]
min_score = 60
name = "VIP2"
`;

test("the seed example scores 84 and reaches VIP1, with string or Date order dates", () => {
  const dates = ["2026-06-02", "2026-06-10", "2026-06-18", "2026-06-25"];
  const orders = dates.map((date) => ({ customerId: "c-1", date, amount: "5000.00" }));
  orders.push({ customerId: "c-2", date: "2026-01-15", amount: "800.50" });
  const rows = rfmScore(orders, "2026-06-30", SEED_CONFIG);
  assert.deepEqual(rows[0], {
    customerId: "c-1", recencyDays: 5, frequency: 4, monetary: "20000.00",
    r: 5, f: 4, m: 4, score: "84", level: "VIP1", segment: "Champions",
  });
  assert.deepEqual([rows[1].score, rows[1].level, rows[1].segment], ["28", null, "New"]);

  const withDates = orders.map((o) => ({ ...o, date: new Date(`${o.date}T00:00:00Z`) }));
  assert.deepEqual(rfmScore(withDates, new Date("2026-06-30T12:00:00Z"), SEED_CONFIG), rows);
  // A Date counts on its UTC day: 23:30 in New York on June 29 is June 30 in UTC.
  const late = rfmScore([{ customerId: "c-1", date: new Date("2026-06-29T23:30:00-04:00"), amount: "1" }], "2026-06-30");
  assert.equal(late[0].recencyDays, 0);
});

/** Deterministic orders over integer customer ids, some after the as-of date. */
function sampleOrders(n) {
  let seed = 42;
  const next = (k) => {
    seed = (seed * 48271) % 2147483647;
    return seed % k;
  };
  const start = dayOf("2025-01-01");
  return Array.from({ length: n }, () => ({
    customerId: String(next(300) * 7919),
    date: textOf(start + next(560)),
    amount: `${next(100000)}.${String(next(100)).padStart(2, "0")}`,
  }));
}

/** RFM columns as rows, to compare with `rfmScore`. */
const rowsOf = (t) =>
  Array.from(t.customerIds, (id, i) => ({
    customerId: String(id), recencyDays: t.recencyDays[i], frequency: t.frequency[i], monetary: t.monetary[i],
    r: t.r[i], f: t.f[i], m: t.m[i], score: t.score[i], level: t.level[i] < 0 ? null : t.levelNames[t.level[i]],
    segment: t.segmentNames[t.segment[i]],
  }));

test("typed-array columns score exactly like an array of orders", () => {
  const orders = sampleOrders(5000);
  const ids = orders.map((o) => Number(o.customerId));
  const dates = Int32Array.from(orders, (o) => dayOf(o.date));
  const amounts = orders.map((o) => o.amount);
  for (const config of [undefined, "window_days = 180\nsegment_map = \"grid\"\n[weights]\nr = 3\nf = \"1.5\"\nm = 1", SEED_CONFIG]) {
    const expected = rfmScore(orders, "2026-06-30", config).sort((a, b) => Number(a.customerId) - Number(b.customerId));
    assert.ok(expected.length > 250, `${expected.length} customers scored`);
    for (const customerIds of [Uint32Array.from(ids), Float64Array.from(ids), Int32Array.from(ids)]) {
      assert.deepEqual(rowsOf(rfmScoreColumns({ customerIds, dates, amounts }, "2026-06-30", config)), expected);
    }
    const big = rfmScoreColumns({ customerIds: BigUint64Array.from(ids, BigInt), dates, amounts }, "2026-06-30", config);
    assert.ok(big.customerIds instanceof BigUint64Array);
    assert.deepEqual(rowsOf(big), expected);
  }
  // Floats count as the decimal their shortest text reads.
  const floats = rfmScoreColumns({ customerIds: Uint32Array.from(ids), dates, amounts: Float64Array.from(amounts, Number) }, new Date("2026-06-30T12:00:00Z"));
  assert.deepEqual(floats.monetary, rfmScoreColumns({ customerIds: Uint32Array.from(ids), dates, amounts: amounts.map((a) => String(Number(a))) }, "2026-06-30").monetary);
  const cents = rfmScoreColumns({ customerIds: Uint32Array.of(1, 1, 1), dates: Int32Array.of(0, 0, 0), amounts: Float64Array.of(0.1, 0.2, 19.99) }, "1970-01-01");
  assert.deepEqual([cents.monetary[0], cents.score[0], cents.r[0]], ["20.29", "3", 1]);
  assert.ok(cents.customerIds instanceof Float64Array && cents.r instanceof Uint8Array);
  // Orders after the as-of date are ignored; no orders, no customers.
  const future = { customerIds: Uint32Array.of(1), dates: Int32Array.of(dayOf("2026-07-01")), amounts: ["5"] };
  assert.equal(rfmScoreColumns(future, "2026-06-30").customerIds.length, 0);
  assert.equal(rfmScoreColumns({ customerIds: new Uint32Array(0), dates: new Int32Array(0), amounts: [] }, "2026-06-30").monetary.length, 0);
});

test("bad orders, columns and configurations throw CrmError INVALID_INPUT naming the field", () => {
  const orders = [{ customerId: "x", date: "2026-06-01", amount: "12.50" }];
  const field = (fn) => refusal(fn, "INVALID_INPUT").details.field;
  const median = refusal(() => rfmScore(orders, "2026-06-30", 'method = "median"'), "INVALID_INPUT");
  assert.match(median.message, /median/);
  assert.equal(field(() => rfmScore(orders, "2026-06-30", "buckets = 12")), "buckets");
  assert.equal(field(() => rfmScore(orders, "2026-06-30", 5)), "config");
  assert.equal(field(() => rfmScore([{ ...orders[0], amount: 12.5 }], "2026-06-30")), "orders[0].amount");
  assert.equal(field(() => rfmScore([{ ...orders[0], date: new Date(NaN) }], "2026-06-30")), "orders[0].date");
  assert.equal(field(() => rfmScore([{ ...orders[0], date: 20000 }], "2026-06-30")), "orders[0].date");
  assert.equal(field(() => rfmScore([{ ...orders[0], customerId: 7 }], "2026-06-30")), "orders[0].customerId");
  assert.equal(field(() => rfmScore([orders[0], null], "2026-06-30")), "orders[1]");
  assert.equal(field(() => rfmScore(orders)), "asOf");
  assert.equal(field(() => rfmScore("orders", "2026-06-30")), "orders");
  assert.equal(field(() => rfmScore(orders, "30/06/2026")), "asOf");

  const columns = { customerIds: Uint32Array.of(1, 2), dates: Int32Array.of(20000, 20001), amounts: ["1", "2"] };
  assert.equal(rfmScoreColumns(columns, "2026-06-30").customerIds.length, 2);
  assert.equal(field(() => rfmScoreColumns({ ...columns, amounts: ["1", 2] }, "2026-06-30")), "amounts[1]");
  assert.equal(field(() => rfmScoreColumns({ ...columns, amounts: ["1", "2,5"] }, "2026-06-30")), "amounts[1]");
  assert.equal(field(() => rfmScoreColumns({ ...columns, amounts: Float64Array.of(1, NaN) }, "2026-06-30")), "amounts[1]");
  assert.equal(field(() => rfmScoreColumns({ ...columns, amounts: ["1"] }, "2026-06-30")), "customerIds");
  assert.equal(field(() => rfmScoreColumns({ ...columns, customerIds: ["a", "b"] }, "2026-06-30")), "customerIds");
  assert.equal(field(() => rfmScoreColumns({ ...columns, customerIds: Float64Array.of(1, 1.5) }, "2026-06-30")), "customerIds[1]");
  assert.equal(field(() => rfmScoreColumns({ ...columns, customerIds: Int32Array.of(1, -2) }, "2026-06-30")), "customerIds[1]");
  assert.equal(field(() => rfmScoreColumns({ ...columns, dates: Float64Array.of(1, 2) }, "2026-06-30")), "dates");
  assert.equal(field(() => rfmScoreColumns({ ...columns, dates: Int32Array.of(0, 2 ** 31 - 1) }, "2026-06-30")), "dates[1]");
  assert.equal(field(() => rfmScoreColumns(columns, "2026-06-30", "buckets = 12")), "buckets");
  assert.equal(field(() => rfmScoreColumns(columns, "June")), "asOf");
});

test("SLA due times in batch: arrays of Dates, or typed-array columns", () => {
  const cal = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n';
  const start = Date.parse("2026-09-14T11:00:00+08:00");
  const expected = [Date.parse("2026-09-14T12:00:00+08:00"), Date.parse("2026-09-14T14:30:00+08:00")];
  const due = slaDueColumns(cal, Float64Array.of(start, start), Int32Array.of(60, 120));
  assert.ok(due instanceof Float64Array);
  assert.deepEqual(Array.from(due), expected, "one hour from 11:00 runs out at noon, not after lunch");
  assert.deepEqual(slaDueBatch(cal, [new Date(start), new Date(start).toISOString()], [60, 120]).map((d) => d.getTime()), expected);
  assert.equal(refusal(() => slaDueColumns(cal, Float64Array.of(start), [1.5]), "INVALID_INPUT").details.field, "minutes[0]");
  assert.equal(refusal(() => slaDueColumns(cal, [start], [1]), "INVALID_INPUT").details.field, "starts");
  assert.match(refusal(() => slaDueColumns(cal.replace("18:00", "28:00"), Float64Array.of(start), [5]), "INVALID_INPUT").message, /line 3/);
});
// Thresholds that put the customers below in known segments.
const CHURN_CONFIG = `method = "thresholds"
[thresholds]
recency = [[30, 5], [90, 4], [180, 3], [365, 2]]
frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]
monetary = [["50000", 5], ["20000", 4], ["5000", 3], ["1000", 2]]
`;

test("movements, flows and churn warnings between two scorings", () => {
  const spring = ["2026-01-10", "2026-01-25", "2026-02-10", "2026-02-25", "2026-03-20"];
  const march = [
    ...spring.map((date) => ({ customerId: "a", date, amount: "12000" })),
    ...spring.map((date) => ({ customerId: "e", date, amount: "12000" })),
    { customerId: "b", date: "2026-03-01", amount: "3000" },
    { customerId: "b", date: "2026-03-25", amount: "3000" },
  ];
  const september = [
    ...march,
    { customerId: "b", date: "2026-09-20", amount: "3000" },
    { customerId: "c", date: "2026-09-01", amount: "800" },
    { customerId: "e", date: "2026-09-25", amount: "12000" },
  ];
  const before = rfmScore(march, "2026-03-31", CHURN_CONFIG);
  const after = rfmScore(september, "2026-09-30", CHURN_CONFIG);
  assert.deepEqual(before.map((r) => [r.customerId, r.segment]), [["a", "Champions"], ["b", "Promising"], ["e", "Champions"]]);
  assert.deepEqual(after.map((r) => [r.customerId, `${r.r}${r.f}${r.m}`, r.segment]), [
    ["a", "255", "At risk"], ["b", "533", "Potential loyalist"], ["c", "511", "New"], ["e", "555", "Champions"],
  ]);

  assert.deepEqual(rfmMovements(before, after), [
    { customerId: "a", fromSegment: "Champions", toSegment: "At risk" },
    { customerId: "b", fromSegment: "Promising", toSegment: "Potential loyalist" },
    { customerId: "c", fromSegment: null, toSegment: "New" },
  ]);
  assert.deepEqual(rfmMovements(after, before).at(-1), { customerId: "c", fromSegment: "New", toSegment: null });
  assert.deepEqual(rfmFlows(before, after), [
    { fromSegment: null, toSegment: "New", customers: 1 },
    { fromSegment: "Champions", toSegment: "At risk", customers: 1 },
    { fromSegment: "Champions", toSegment: "Champions", customers: 1 },
    { fromSegment: "Promising", toSegment: "Potential loyalist", customers: 1 },
  ]);

  assert.deepEqual(rfmChurnWarnings(before, after), [{
    customerId: "a", fromSegment: "Champions", toSegment: "At risk", rBefore: 5, rAfter: 2,
    reason: "moved from Champions to At risk; recency score fell from 5 to 2",
  }]);
  // Fields left out of the rule keep their defaults.
  assert.deepEqual(rfmChurnWarnings(before, after, { rDrop: 4 }).map((w) => w.reason), ["moved from Champions to At risk"]);
  assert.deepEqual(rfmChurnWarnings(before, after, { valuable: ["Promising"], cooling: ["Potential loyalist"], rDrop: 0 })
    .map((w) => [w.customerId, w.reason]), [["b", "moved from Promising to Potential loyalist"]]);
  assert.deepEqual(rfmChurnWarnings(before, after, { valuable: [], rDrop: 0 }), []);

  assert.equal(refusal(() => rfmMovements(before, [{ customerId: "a" }]), "INVALID_INPUT").details.field, "after[0].recencyDays");
  assert.equal(refusal(() => rfmChurnWarnings(before, after, { rDrop: -1 }), "INVALID_INPUT").details.field, "rule.rDrop");
});

test("performance and leaderboards: won or collected, shared ranks, teams, period boundaries", () => {
  const rep = (userId) => ({ type: "rep", userId });
  const team = (teamId) => ({ type: "team", teamId });
  const targets = [
    { subject: rep("u-1"), period: "2026-Q4", amount: "100000" },
    { subject: rep("u-2"), period: "2026-Q4", amount: "50000" },
    { subject: rep("u-3"), period: "2026-Q4", amount: "100000" },
    { subject: rep("u-4"), period: "2026-Q4", amount: "0" },
    { subject: team("t-1"), period: "2026-Q4", amount: "150000" },
    { subject: team("t-2"), period: "2026-Q4", amount: "80000" },
  ];
  const won = (repId, teamId, date, amount) => ({ repId, teamId, date, amount, basis: "won" });
  const achievements = [
    won("u-1", "t-1", "2026-10-05", "60000"),
    won("u-1", "t-1", new Date(Date.UTC(2026, 11, 31, 20)), "20000"),
    // 20:00 on New Year's Eve in New York is already 2027 in UTC: outside 2026-Q4.
    won("u-1", "t-1", new Date("2026-12-31T20:00:00-05:00"), "50000"),
    won("u-2", "t-1", "2026-11-11", "40000"),
    won("u-3", "t-2", "2026-11-20", "80000"),
    won("u-4", "t-2", "2026-10-01", "10000"),
    won("u-2", "t-1", "2026-09-30", "99999"),
    { repId: "u-2", teamId: "t-1", date: "2026-12-01", amount: "50000", basis: "collected" },
  ];

  const all = performance(targets, achievements, "won");
  assert.deepEqual(all[0], { subject: rep("u-1"), period: "2026-Q4", target: "100000", achieved: "80000", ratio: "0.8", rank: 1 });
  assert.deepEqual(all.find((a) => a.subject.type === "rep" && a.subject.userId === "u-4"),
    { subject: rep("u-4"), period: "2026-Q4", target: "0", achieved: "10000", ratio: null, rank: 4 });

  const board = leaderboard(targets, achievements, "won", "2026-Q4");
  assert.deepEqual(board.map((a) => [a.subject.userId, a.achieved, a.ratio, a.rank]), [
    ["u-1", "80000", "0.8", 1], ["u-3", "80000", "0.8", 1], ["u-2", "40000", "0.8", 3], ["u-4", "10000", null, 4],
  ]);
  const teams = leaderboard(targets, achievements, "won", "2026-Q4", true);
  assert.deepEqual(teams.map((a) => [a.subject.teamId, a.achieved, a.ratio, a.rank]), [
    ["t-2", "90000", "1.125", 1], ["t-1", "120000", "0.8", 2],
  ]);
  const collected = leaderboard(targets, achievements, "collected", "2026-Q4");
  assert.deepEqual(collected.map((a) => [a.subject.userId, a.ratio, a.rank]), [
    ["u-2", "1", 1], ["u-1", "0", 2], ["u-3", "0", 2], ["u-4", null, 4],
  ]);
  assert.deepEqual(leaderboard(targets, achievements, "won", "2026-11"), []);

  const field = (fn) => refusal(fn, "INVALID_INPUT").details.field;
  assert.equal(field(() => performance([{ ...targets[0], period: "November" }], [], "won")), "period");
  assert.equal(field(() => performance([{ ...targets[0], amount: 100000 }], [], "won")), "targets[0].amount");
  assert.equal(field(() => performance(targets, achievements, "booked")), "basis");
  assert.equal(field(() => performance([targets[0], targets[0]], [], "won")), "targets");
  assert.equal(field(() => leaderboard(targets, achievements, "won")), "period");
  assert.equal(field(() => leaderboard(targets, achievements, "won", "November")), "period");
});
