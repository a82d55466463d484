"""Import and data quality from Python: a messy CSV through a mapping (each row's action and
errors, the normalised values stored as their Python types), dry runs, the rejects file, revert,
the same rows from pandas, polars and pyarrow tables (`Crm.import_table`, one crossing), bad
tables refused with typed errors, the outcomes as a table, and the quality report."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal
from typing import Callable, Dict, List, Mapping, Optional, Tuple

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crm
from crm import RowAction as A

NOW = dt.datetime(2026, 3, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

# The core's messy file (crm-core/tests/import.rs): a byte-order mark, phones with spaces and
# full-width digits, mixed-case emails, provinces without 省, Chinese and slashed dates, grouped
# numbers; a row bad in five cells, a row that is row 1's customer again, and one already stored.
FILE = (
    "\ufeff客户名称,手机,邮箱,省,市,区,生日,年采购额\n"
    '华为技术有限公司,+86 138-0013-8000,Sales@Huawei.COM,广东,深圳,南山区,1987年6月5日,"1,200,000"\n'
    "阿里巴巴,12345,ali@alibaba,浙江省,杭州市,浦东新区,2026-02-30,abc\n"
    "华为技术,13800138000,,,,,,\n"
    "腾讯科技,０７５５-８６０１３３８８,pony@qq.com,广东省,深圳市,南山区,1971/10/29,\n"
    "老客户,13900000001,,上海,,浦东,,\n"
)

COLUMNS = {
    "客户名称": "name",
    "手机": "phones",
    "邮箱": "emails",
    "省": "province",
    "市": "city",
    "区": "district",
    "生日": "custom.birthday:date",
    "年采购额": "custom.annual_spend:number",
}


def mapping(mode: crm.ImportMode = crm.ImportMode.CREATE, **kw: object) -> crm.ImportMapping:
    return crm.ImportMapping(kind=crm.ImportKind.CUSTOMERS, columns=dict(COLUMNS), mode=mode, **kw)  # type: ignore[arg-type]


def options(mode: crm.ImportMode = crm.ImportMode.CREATE, dry_run: bool = False) -> crm.ImportOptions:
    return crm.ImportOptions(mapping=mapping(mode), dry_run=dry_run, file_name="customers.csv", batch_size=2)


def new_org() -> Tuple[crm.Crm, str]:
    c = crm.Crm.in_memory(now=NOW)
    admin = c.bootstrap("Ada")
    return c, admin.id


@pytest.fixture()
def org() -> Tuple[crm.Crm, str]:
    """An organisation on a fixed clock whose administrator has one customer already (c-1)."""
    c, admin = new_org()
    c.create_customer(admin, name="老客户", phones=["139 0000 0001"])
    return c, admin


def actions(result: crm.ImportResult) -> List[crm.RowAction]:
    return [o.action for o in result.outcomes]


def snapshot(c: crm.Crm, admin: str) -> Tuple[List[crm.Customer], int]:
    return c.customers(admin), len(c.events(admin, 0, 100_000))


def test_a_messy_csv_creates_refuses_merges_and_reports_duplicates(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    result = c.import_csv(admin, options(), FILE)
    assert isinstance(result, crm.ImportResult) and not result.dry_run
    assert actions(result) == [A.CREATED, A.FAILED, A.UPDATED, A.CREATED, A.DUPLICATE]
    assert result.counts == crm.ImportCounts(rows=5, created=2, updated=1, unchanged=0, duplicate=1, failed=1)
    assert [(o.row, o.line) for o in result.outcomes] == [(1, 2), (2, 3), (3, 4), (4, 5), (5, 6)]

    # Row 2: every bad cell, with its column, code, row, file line and raw text.
    bad = result.outcomes[1]
    assert bad.record_id is None
    assert [(e.field, e.code) for e in bad.errors] == [
        ("手机", "INVALID_PHONE"),
        ("邮箱", "INVALID_EMAIL"),
        ("生日", "INVALID_DATE"),
        ("年采购额", "INVALID_NUMBER"),
        ("区", "DISTRICT_NOT_IN_CITY"),
    ]
    assert all(e.row == 2 and e.line == 3 for e in bad.errors)
    assert [e.raw for e in bad.errors] == ["12345", "ali@alibaba", "2026-02-30", "abc", "浦东新区"]
    assert "杭州市" in bad.errors[4].message

    # Row 3 is row 1's customer again (same phone): merged into it, with the reason.
    first, merged, stored = result.outcomes[0], result.outcomes[2], result.outcomes[4]
    assert merged.record_id == first.record_id == "c-2"
    assert merged.note is not None and "row 1" in merged.note
    assert merged.fields == ["name"]
    # Row 5 matches the customer stored before: create mode leaves it alone.
    assert stored.record_id == "c-1" and stored.note
    assert all(not o.errors for o in result.outcomes if o.action is not A.FAILED)

    huawei = c.customer(admin, "c-2")
    assert huawei.name == "华为技术"
    assert huawei.phones == ["+8613800138000"] and huawei.emails == ["sales@huawei.com"]
    birthday, spend = huawei.custom_fields["birthday"], huawei.custom_fields["annual_spend"]
    assert type(birthday) is dt.date and birthday == dt.date(1987, 6, 5)
    assert isinstance(spend, Decimal) and spend == Decimal("1200000")
    assert huawei.custom_fields["address"] == "广东省深圳市南山区"
    tencent = c.customer(admin, result.outcomes[3].record_id or "")
    assert tencent.phones == ["+8675586013388"]  # full-width digits, a landline, E.164
    assert tencent.custom_fields["birthday"] == dt.date(1971, 10, 29)
    assert "annual_spend" not in tencent.custom_fields  # a blank cell leaves the field unset
    assert c.customer(admin, "c-1").version == 1  # the stored duplicate is untouched

    job = result.job
    assert job is not None and job.state is crm.ImportState.COMPLETED
    assert (job.committed_rows, job.batch_size, job.file_name) == (5, 2, "customers.csv")
    assert job.header == list(COLUMNS) and job.counts == result.counts
    assert c.import_job(admin, job.id) == job
    assert [j.id for j in c.import_jobs(admin)] == [job.id]


def test_a_saved_mapping_imports_as_the_mapping_given_whole(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    saved = c.save_import_mapping(admin, "客户表", mapping())
    assert saved.mapping == mapping() and saved.mapping.columns == COLUMNS
    assert c.import_mappings(admin) == [saved]
    by_id = c.import_csv(admin, crm.ImportOptions(mapping_id=saved.id, dry_run=True), FILE)
    whole = c.import_csv(admin, crm.ImportOptions(mapping=mapping(), dry_run=True), FILE)
    assert by_id.outcomes == whole.outcomes
    with pytest.raises(crm.InvalidInputError) as both:
        c.import_csv(admin, crm.ImportOptions(mapping=mapping(), mapping_id=saved.id), FILE)
    assert both.value.field == "mapping"


def test_a_dry_run_writes_nothing_and_reports_what_the_real_run_does(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    before = snapshot(c, admin)
    dry = c.import_csv(admin, options(crm.ImportMode.UPSERT, dry_run=True), FILE)
    assert dry.dry_run and dry.job is None
    assert snapshot(c, admin) == before, "a dry run writes nothing"
    assert c.import_jobs(admin) == []
    real = c.import_csv(admin, options(crm.ImportMode.UPSERT), FILE)
    assert not real.dry_run and real.job is not None
    assert dry.outcomes == real.outcomes and dry.counts == real.counts
    # Upsert: the stored customer is updated rather than left as a duplicate.
    assert actions(real) == [A.CREATED, A.FAILED, A.UPDATED, A.CREATED, A.UPDATED]
    assert snapshot(c, admin) != before


def test_all_or_nothing_rolls_back_when_a_row_fails(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    before = c.customers(admin)
    opts = crm.ImportOptions(mapping=mapping(all_or_nothing=True))
    result = c.import_csv(admin, opts, FILE)
    assert result.job is not None and result.job.state is crm.ImportState.ROLLED_BACK
    assert result.counts.failed == 1
    assert c.customers(admin) == before


def test_the_rejects_csv_round_trips(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    job = c.import_csv(admin, options(), FILE).job
    assert job is not None
    rejects = c.import_rejects(admin, job.id)
    assert [(r.row, r.line) for r in rejects] == [(2, 3)]
    assert rejects[0].values == ["阿里巴巴", "12345", "ali@alibaba", "浙江省", "杭州市", "浦东新区", "2026-02-30", "abc"]
    assert [e.code for e in rejects[0].errors][0] == "INVALID_PHONE"

    text = c.import_rejects_csv(admin, job.id)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(COLUMNS) + ["error"]
    assert len(rows) == 2 and rows[1][:8] == rejects[0].values
    assert "区: 浦东新区 is not a district of 杭州市" in rows[1][8]

    # Fixed by hand and imported again with the same mapping (the error column is ignored).
    fixed = dict(zip(rows[0], rows[1]))
    fixed.update({"手机": "13600000001", "邮箱": "ali@alibaba.com", "区": "西湖区", "生日": "2026-02-28", "年采购额": "1,000"})
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=rows[0], lineterminator="\n")
    writer.writeheader()
    writer.writerow(fixed)
    again = c.import_csv(admin, options(), out.getvalue())
    assert actions(again) == [A.CREATED]
    ali = c.customer(admin, again.outcomes[0].record_id or "")
    assert ali.phones == ["+8613600000001"] and ali.custom_fields["annual_spend"] == Decimal("1000")
    assert ali.custom_fields["address"] == "浙江省杭州市西湖区"
    assert again.job is not None and c.import_rejects(admin, again.job.id) == []
    assert again.job.header == rows[0]
    # No rejects: the header alone (the core adds its own `error` column after the file's).
    assert len(c.import_rejects_csv(admin, again.job.id).splitlines()) == 1


def test_revert_deletes_restores_and_spares_the_edited() -> None:
    c, admin = new_org()
    stored = c.create_customer(admin, name="老客户", phones=["13900000001"], industry="制造").customer
    file = "名称,手机,行业\n老客户,13900000001,零售\n新客户甲,13700000001,教育\n新客户乙,13700000002,教育\n"
    opts = crm.ImportOptions(mapping=crm.ImportMapping(
        kind=crm.ImportKind.CUSTOMERS, columns={"名称": "name", "手机": "phones", "行业": "industry"},
        mode=crm.ImportMode.UPSERT, match_on=[crm.MatchKey.PHONE],
    ))
    result = c.import_csv(admin, opts, file)
    assert actions(result) == [A.UPDATED, A.CREATED, A.CREATED]
    # (Also `phones`: entry kept 13900000001 as typed, the import writes E.164.)
    assert "industry" in result.outcomes[0].fields
    assert c.customer(admin, stored.id).industry == "零售"
    created, edited = (result.outcomes[i].record_id or "" for i in (1, 2))
    current = c.customer(admin, edited)
    c.update_customer(admin, edited, current.version, crm.CustomerPatch(level="A"))
    assert result.job is not None

    report = c.revert_import(admin, result.job.id)
    assert isinstance(report, crm.RevertReport)
    assert report.deleted == [created] and report.restored == [stored.id]
    assert [s.record_id for s in report.skipped] == [edited] and report.skipped[0].reason
    assert report.job.state is crm.ImportState.REVERTED and report.job.reverted_at == NOW
    assert c.customer(admin, stored.id).industry == "制造"
    with pytest.raises(crm.NotFoundError):
        c.customer(admin, created)
    assert c.customer(admin, edited).level == "A"
    with pytest.raises(crm.InvalidStateError):
        c.revert_import(admin, result.job.id)
    with pytest.raises(crm.InvalidStateError):  # only a running import resumes
        c.resume_import_csv(admin, result.job.id, file)


# ---- tables ------------------------------------------------------------------------------------

# The same rows as typed columns: integer phones, a date column, an integer amount with gaps (a
# pandas float64 with NaN), nulls for blank cells; and the CSV these columns read as.
ROWS: Dict[str, List[object]] = {
    "客户名称": ["华为技术有限公司", "阿里巴巴", "华为技术", "腾讯科技", "老客户"],
    "手机": [13800138000, 12345, 13800138000, 13700000002, 13900000001],
    "邮箱": ["Sales@Huawei.COM", "ali@alibaba", None, "pony@qq.com", None],
    "省": ["广东", "浙江省", None, "广东省", "上海"],
    "市": ["深圳", "杭州市", None, "深圳市", None],
    "区": ["南山区", "浦东新区", None, "南山区", "浦东"],
    "生日": [dt.date(1987, 6, 5), None, None, dt.date(1971, 10, 29), None],
    "年采购额": [1200000, None, None, 5000, None],
    "备注": ["not mapped", None, None, None, None],
}
TYPED_CSV = (
    "客户名称,手机,邮箱,省,市,区,生日,年采购额,备注\n"
    "华为技术有限公司,13800138000,Sales@Huawei.COM,广东,深圳,南山区,1987-06-05,1200000,not mapped\n"
    "阿里巴巴,12345,ali@alibaba,浙江省,杭州市,浦东新区,,,\n"
    "华为技术,13800138000,,,,,,,\n"
    "腾讯科技,13700000002,pony@qq.com,广东省,深圳市,南山区,1971-10-29,5000,\n"
    "老客户,13900000001,,上海,,浦东,,,\n"
)


def pyarrow_table() -> pa.Table:
    types = {"手机": pa.int64(), "生日": pa.date32(), "年采购额": pa.int64()}
    return pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in ROWS.items()})


def pandas_frame() -> pd.DataFrame:
    frame = pd.DataFrame(ROWS)
    assert frame["年采购额"].dtype == "float64"  # pandas' integers with gaps: read back as integers
    return frame


def polars_frame() -> pl.DataFrame:
    frame = pl.DataFrame(ROWS)
    assert frame.schema["生日"] == pl.Date and frame.schema["年采购额"] == pl.Int64
    return frame


def dict_of_columns() -> Mapping[str, object]:
    table = pyarrow_table()
    return {name: table.column(name) for name in table.column_names}


TABLES: Dict[str, Callable[[], object]] = {
    "pyarrow": pyarrow_table,
    "pyarrow-batches": lambda: pa.Table.from_batches(pyarrow_table().to_batches(max_chunksize=2)),
    "record-batch": lambda: pyarrow_table().combine_chunks().to_batches()[0],
    "pandas": pandas_frame,
    "polars": polars_frame,
    "polars-lazy": lambda: polars_frame().lazy(),
    "dict": dict_of_columns,
}


def without_lines(outcomes: List[crm.RowOutcome]) -> List[crm.RowOutcome]:
    """Outcomes as a table's rows have them: no file lines."""
    return [
        dataclasses.replace(o, line=None, errors=[dataclasses.replace(e, line=None) for e in o.errors])
        for o in outcomes
    ]


def org_with_stored_customer() -> Tuple[crm.Crm, str]:
    c, admin = new_org()
    c.create_customer(admin, name="老客户", phones=["139 0000 0001"])
    return c, admin


@pytest.mark.parametrize("kind", list(TABLES))
def test_a_table_imports_as_its_csv_does(kind: str) -> None:
    from_csv, admin = org_with_stored_customer()
    expected = from_csv.import_csv(admin, options(), TYPED_CSV)
    assert actions(expected) == [A.CREATED, A.FAILED, A.UPDATED, A.CREATED, A.DUPLICATE]

    c, _ = org_with_stored_customer()
    result = c.import_table(admin, TABLES[kind](), options())
    assert isinstance(result, crm.ImportResult)
    assert result.outcomes == without_lines(expected.outcomes)
    assert all(o.line is None for o in result.outcomes)
    assert result.counts == expected.counts
    assert [(e.field, e.code, e.raw) for e in result.outcomes[1].errors] == [
        ("手机", "INVALID_PHONE", "12345"), ("邮箱", "INVALID_EMAIL", "ali@alibaba"), ("区", "DISTRICT_NOT_IN_CITY", "浦东新区"),
    ]
    assert c.customers(admin) == from_csv.customers(admin)
    huawei = c.customer(admin, "c-2")
    assert huawei.phones == ["+8613800138000"]
    assert huawei.custom_fields["birthday"] == dt.date(1987, 6, 5)
    assert huawei.custom_fields["annual_spend"] == Decimal("1200000")
    assert str(huawei.custom_fields["annual_spend"]) == "1200000"  # not 1200000.0
    job = result.job
    assert job is not None and job.header == list(ROWS) and job.file_name == "customers.csv"

    # The rejects of a table come back as a CSV too, with the table's columns.
    rejects = c.import_rejects_csv(admin, job.id)
    assert rejects.splitlines()[0] == ",".join(ROWS) + ",error"
    assert rejects.splitlines()[1].startswith("阿里巴巴,12345,ali@alibaba,浙江省,杭州市,浦东新区,,,,")


def test_a_dry_run_of_a_table_writes_nothing() -> None:
    c, admin = org_with_stored_customer()
    before = snapshot(c, admin)
    dry = c.import_table(admin, polars_frame(), options(dry_run=True))
    assert dry.dry_run and dry.job is None and snapshot(c, admin) == before
    assert dry.outcomes == c.import_table(admin, polars_frame(), options()).outcomes


def test_cells_as_the_core_reads_them() -> None:
    """Each Arrow type's text form: what `import_table` hands the core for every column."""
    zoned = dt.datetime(2026, 3, 5, 10, 0, 0, 250000, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    table = pa.table({
        "text": pa.array(["a", None, " b "]),
        "large": pa.array(["x", "y", None], pa.large_string()),
        "dict": pa.array(["k", None, "k"]).dictionary_encode(),
        "int": pa.array([-7, None, 13800138000], pa.int64()),
        "uint8": pa.array([0, 255, None], pa.uint8()),
        "decimal": pa.array([Decimal("1234.50"), None, Decimal("-0.01")], pa.decimal128(12, 2)),
        "float": pa.array([0.1, 1.2e6, None]),
        "date": pa.array([dt.date(2026, 3, 5), None, dt.date(1, 1, 1)], pa.date32()),
        "date64": pa.array([dt.date(2026, 3, 5), None, None], pa.date64()),
        "utc": pa.array([zoned, None, None], pa.timestamp("ms", "UTC")),
        "shanghai": pa.array([zoned, None, None], pa.timestamp("us", "Asia/Shanghai")),
        "naive": pa.array([dt.datetime(2026, 3, 5, 10, 0), None, None], pa.timestamp("s")),
        "bool": pa.array([True, False, None]),
        "null": pa.nulls(3),
    })
    cells = {col.name: col.values for col in crm._imports.columns(table)}
    assert cells == {
        "text": ["a", None, " b "],
        "large": ["x", "y", None],
        "dict": ["k", None, "k"],
        "int": ["-7", None, "13800138000"],
        "uint8": ["0", "255", None],
        "decimal": ["1234.50", None, "-0.01"],
        "float": ["0.1", "1200000", None],
        "date": ["2026-03-05", None, "0001-01-01"],
        "date64": ["2026-03-05", None, None],
        "utc": ["2026-03-05T02:00:00.250Z", None, None],
        "shanghai": ["2026-03-05T10:00:00.250+08:00", None, None],
        "naive": ["2026-03-05T10:00:00", None, None],
        "bool": ["true", "false", None],
        "null": [None, None, None],
    }
    # pandas: NaN is a missing value, nullable and categorical columns read by their values, the
    # index is left out; polars' string views and categoricals read as text.
    frame = pd.DataFrame(
        {"n": [1.5, float("nan")], "s": ["x", None], "I": pd.array([7, None], dtype="Int64"),
         "cat": pd.Categorical(["a", None])},
        index=[10, 11],
    )
    assert {col.name: col.values for col in crm._imports.columns(frame)} == {
        "n": ["1.5", None], "s": ["x", None], "I": ["7", None], "cat": ["a", None],
    }
    assert [col.values for col in crm._imports.columns(pl.DataFrame({"s": ["x", None]}))] == [["x", None]]
    categorical = pl.DataFrame({"c": pl.Series(["a", None, "a"], dtype=pl.Categorical)})
    assert [col.values for col in crm._imports.columns(categorical)] == [["a", None, "a"]]
    assert [col.values for col in crm._imports.columns(pl.DataFrame({"s": ["x", None]}))] == [["x", None]]


def test_bad_tables_raise_typed_errors_and_write_nothing() -> None:
    c, admin = org_with_stored_customer()
    before = snapshot(c, admin)
    nested = pyarrow_table().append_column("tags", pa.array([["vip"], [], None, ["a", "b"], ["x"]]))
    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, nested, options())
    assert info.value.code == "INVALID_INPUT" and isinstance(info.value, ValueError)
    assert info.value.field == "tags" and "list" in info.value.reason.lower()

    structs = pl.DataFrame({"客户名称": ["x"], "s": [{"a": 1}]})
    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, structs, options())
    assert info.value.field == "s"

    not_text = pa.table({"客户名称": pa.array([b"\xff"], pa.binary())})
    with pytest.raises(crm.InvalidInputError) as info:  # never a null in its place
        c.import_table(admin, not_text, options())
    assert info.value.field == "客户名称"

    missing = pyarrow_table().drop_columns(["区"])
    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, missing, options())
    assert info.value.code == "INVALID_INPUT" and info.value.field == "columns"
    assert "区" in info.value.reason

    uneven = {"客户名称": pa.array(["a", "b"]), "手机": pa.array([1])}
    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, uneven, crm.ImportOptions(mapping=crm.ImportMapping(
            kind=crm.ImportKind.CUSTOMERS, columns={"客户名称": "name", "手机": "phones"})))
    assert info.value.field == "columns" and "手机" in info.value.reason

    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, pyarrow_table(), crm.ImportOptions(mapping=mapping(), batch_size=0))
    assert info.value.field == "batch_size"
    with pytest.raises(crm.InvalidInputError) as info:
        c.import_table(admin, pyarrow_table(), "not options")  # type: ignore[arg-type]
    assert info.value.field == "options"
    with pytest.raises(TypeError):
        c.import_table(admin, [{"客户名称": "x"}], options())  # type: ignore[arg-type]
    with pytest.raises(crm.NotFoundError):
        c.import_table("u-404", pyarrow_table(), options())
    assert snapshot(c, admin) == before and c.import_jobs(admin) == []


def test_remote_import_table_sends_the_columns_as_import_columns() -> None:
    """`RemoteCrm.import_table` reads the table locally and sends `import_columns`; here through a
    transport that answers from an in-process organisation."""
    local, admin = org_with_stored_customer()
    sent: List[str] = []

    def transport(method: str, url: str, headers: Mapping[str, str], body: bytes) -> Tuple[int, bytes]:
        path = url.split("crm.test", 1)[1]
        if path == "/v1/whoami":
            op, args = "user", json.dumps({"id": admin})
        else:
            op, args = path.rsplit("/", 1)[1], body.decode()
            sent.append(op)
        try:
            return 200, local._native.call(op, admin, args).encode()
        except crm._crm.NativeError as e:
            code, message, details = e.args
            return 400, json.dumps({"code": code, "message": message, "details": json.loads(details)}).encode()

    remote = crm.RemoteCrm("http://crm.test", "crm1.b3Jn.tk-1.c2VjcmV0", transport=transport)
    result = remote.import_table(admin, pandas_frame(), options())
    assert sent == ["import_columns"]
    expected, _ = org_with_stored_customer()
    assert result.outcomes == expected.import_table(admin, pyarrow_table(), options()).outcomes
    with pytest.raises(crm.InvalidInputError) as info:
        remote.import_table(admin, pyarrow_table().drop_columns(["区"]), options())
    assert info.value.field == "columns"


def test_outcomes_as_a_table(org: Tuple[crm.Crm, str]) -> None:
    c, admin = org
    result = c.import_csv(admin, options(), FILE)
    table = crm.outcomes_table(result)
    assert isinstance(table, pa.Table)
    assert table.column_names == ["row", "line", "action", "record_id", "fields", "note", "errors"]
    assert table.num_rows == 5
    assert table.column("action").to_pylist() == ["created", "failed", "updated", "created", "duplicate"]
    assert table.column("line").to_pylist() == [2, 3, 4, 5, 6]
    errors = table.column("errors").to_pylist()[1]
    assert [(e["field"], e["code"]) for e in errors][:2] == [("手机", "INVALID_PHONE"), ("邮箱", "INVALID_EMAIL")]
    frame = crm.outcomes_table(result.outcomes).to_pandas()  # type: ignore[attr-defined]
    assert [None if pd.isna(x) else x for x in frame["record_id"]] == ["c-2", None, "c-2", "c-3", "c-1"]
    failed = pl.from_arrow(table).filter(pl.col("action") == "failed").explode("errors").unnest("errors")  # type: ignore[union-attr]
    assert failed["code"].to_list() == [e.code for e in result.outcomes[1].errors]
    assert crm.outcomes_table([]).num_rows == 0  # type: ignore[attr-defined]


# ---- the quality report ------------------------------------------------------------------------

QUALITY_FILE = (
    "名称,手机,邮箱,地址,生日\n"
    "甲公司,13800000001,a@a.cn,上海市浦东新区张江路1号,1980-01-01\n"
    "甲公司有限公司,13800000002,,上海浦东新区张江路2号,\n"
    "乙公司,13800000001,b@b.cn,,\n"
    "丙公司,,,北京市朝阳区,\n"
)


def test_the_quality_report_in_decimals_and_sentences() -> None:
    c, admin = new_org()
    result = c.import_csv(admin, crm.ImportOptions(mapping=crm.ImportMapping(
        kind=crm.ImportKind.CUSTOMERS,
        columns={"名称": "name", "手机": "phones", "邮箱": "emails", "地址": "address", "生日": "custom.birthday:date"},
        match_on=[crm.MatchKey.ID],
    )), QUALITY_FILE)
    assert result.counts.created == 4
    c.create_customer(admin, name="丁公司", custom_fields={"address": "火星市某区"})

    report = c.quality_report(admin)
    assert isinstance(report, crm.QualityReport)
    assert report.customers == 5 and report.as_of == NOW
    fields = {f.field: f for f in report.fields}
    birthday = fields["custom_fields.birthday"]
    assert (birthday.filled, birthday.completeness) == (1, Decimal("20.0"))
    assert isinstance(birthday.completeness, Decimal) and str(birthday.completeness) == "20.0"
    assert birthday.valid is None and birthday.validity is None
    address = fields["custom_fields.address"]
    assert (address.filled, address.valid, address.validity) == (4, 3, Decimal("75.0"))
    assert fields["phones"].completeness == Decimal("60.0") and isinstance(fields["phones"].validity, Decimal)
    assert all(isinstance(g.completeness, Decimal) for g in report.by_owner + report.by_team)
    assert report.duplicate_cluster_count == 1
    assert report.duplicate_clusters[0].customer_ids == ["c-1", "c-2", "c-3"]
    assert all(isinstance(f, str) for f in report.findings)
    assert "80.0% of customers have no birthday" in report.findings
    assert "25.0% of address values are invalid" in report.findings
    assert report.stale == 0 and report.stale_days == 90

    c.set_now(NOW + dt.timedelta(days=91))
    later = c.quality_report(admin)
    assert later.stale == 5 and later.by_owner[0].stale == 5
    shorter = c.quality_report(admin, stale_days=365, limit=0)
    assert shorter.stale == 0 and shorter.stale_days == 365
    assert shorter.duplicate_cluster_count == 1 and shorter.duplicate_clusters == []
    with pytest.raises(crm.InvalidInputError):
        c.quality_report(admin, stale_days=-1)


def test_file_lines_with_crlf_and_blank_lines() -> None:
    c, admin = new_org()
    m = crm.ImportMapping(kind=crm.ImportKind.CUSTOMERS, columns={"name": "name", "phone": "phones"})
    for text, lines in (("name,phone\r\nx,12\r\ny,13\r\n", [2, 3]), ("name,phone\n\nx,12\n", [3])):
        result = c.import_csv(admin, crm.ImportOptions(mapping=m, dry_run=True), text)
        assert [o.line for o in result.outcomes] == lines
