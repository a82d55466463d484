// Import and data quality from JavaScript: rows as arrays (one per column) or a CSV string, a
// dry run that writes nothing, row errors with their column, line and raw cell, the refused rows
// back as CSV, revert, and the quality report with decimal strings. Header names are data: they
// keep their spelling (`phone_number` is not camelCased).
import test from "node:test";
import assert from "node:assert/strict";
import { Crm } from "../../pkg/node.js";
import { refusal } from "./refusal.mjs";

function organisation() {
  const crm = new Crm({ now: "2026-03-05T02:00:00Z" });
  const admin = crm.bootstrap("Ada");
  return { crm, admin };
}

const mapping = {
  kind: "customers",
  mode: "upsert",
  matchOn: ["phone"],
  columns: { 客户名称: "name", phone_number: "phones", 生日: "custom.birthday:date", 省: "province", 区: "district" },
};

test("columns in: outcomes, errors, E.164 phones, dates and divisions", () => {
  const { crm, admin } = organisation();
  const columns = [
    { name: "客户名称", values: ["华为技术有限公司", "阿里巴巴", "华为技术", null] },
    { name: "phone_number", values: ["+86 138-0013-8000", "12345", "13800138000", "13900000001"] },
    { name: "生日", values: ["1987年6月5日", "2026-02-30", null, ""] },
    { name: "省", values: ["上海", "浙江", null, null] },
    { name: "区", values: ["浦东", "浦东新区", null, null] },
  ];
  const dry = crm.importColumns(admin.id, { mapping, dryRun: true }, columns);
  assert.equal(dry.job, null);
  assert.deepEqual(crm.customers(admin.id), [], "a dry run writes nothing");
  const result = crm.importColumns(admin.id, { mapping }, columns);
  assert.deepEqual(result.outcomes, dry.outcomes);
  assert.deepEqual(result.outcomes.map((o) => o.action), ["created", "failed", "updated", "failed"]);
  assert.deepEqual(result.counts, { rows: 4, created: 1, updated: 1, unchanged: 0, duplicate: 0, failed: 2 });
  const bad = result.outcomes[1];
  assert.deepEqual(bad.errors.map((e) => [e.field, e.code, e.raw, e.row, e.line]), [
    ["phone_number", "INVALID_PHONE", "12345", 2, null],
    ["生日", "INVALID_DATE", "2026-02-30", 2, null],
    ["区", "DISTRICT_NOT_IN_CITY", "浦东新区", 2, null],
  ]);
  assert.equal(result.outcomes[3].errors[0].code, "INVALID_INPUT", "a row without a name cannot create");
  const huawei = crm.customer(admin.id, result.outcomes[0].recordId);
  assert.deepEqual(huawei.phones, ["+8613800138000"]);
  assert.deepEqual(huawei.customFields.birthday, { type: "date", value: "1987-06-05" });
  assert.deepEqual(huawei.customFields.address, { type: "text", value: "上海市浦东新区" });
  assert.ok(result.job.createdAt instanceof Date);
  assert.equal(result.job.state, "completed");
  assert.deepEqual(Object.keys(result.job.mapping.columns).sort(), Object.keys(mapping.columns).sort());

  const rejects = crm.importRejectsCsv(admin.id, result.job.id);
  assert.equal(rejects.split("\n")[0], "客户名称,phone_number,生日,省,区,error");
  const report = crm.revertImport(admin.id, result.job.id);
  assert.deepEqual(report.deleted, [huawei.id]);
  assert.deepEqual(crm.customers(admin.id), []);
});

test("a CSV string in, a mapping saved and reused, typed refusals", () => {
  const { crm, admin } = organisation();
  const saved = crm.saveImportMapping(admin.id, "客户表", mapping);
  const csv = "\uFEFF客户名称,phone_number,生日,省,区\r\n腾讯科技,0755-8601-3388,1971/10/29,广东,南山区\r\n";
  const result = crm.importCsv(admin.id, { mappingId: saved.id, fileName: "客户.csv" }, csv);
  assert.equal(result.outcomes[0].line, 2);
  assert.equal(result.counts.created, 1);
  assert.deepEqual(crm.importJobs(admin.id).map((j) => j.fileName), ["客户.csv"]);
  const missing = refusal(() => crm.importCsv(admin.id, { mapping: { ...mapping, columns: { 名称: "name" } } }, csv), "INVALID_INPUT");
  assert.match(missing.message, /no column 名称/);
  refusal(() => crm.importColumns(admin.id, { mapping }, [{ name: "客户名称", values: ["a"] }, { name: "phone_number", values: [] }]), "INVALID_INPUT");
  refusal(() => crm.revertImport(admin.id, "imp-404"), "NOT_FOUND");

  const quality = crm.qualityReport(admin.id, {});
  assert.equal(quality.customers, 1);
  const birthday = quality.fields.find((f) => f.field === "custom_fields.birthday");
  assert.equal(birthday.completeness, "100.0");
  assert.ok(quality.asOf instanceof Date);
  assert.ok(Array.isArray(quality.findings));
});
