"""Due times for many tickets on an Asia/Shanghai office calendar (lunch break, holidays), by
`crm sla due` (the Rust batch path, CSV in and out) and by pandas' CustomBusinessHour, side by side
on the same tickets. Prints each one's rate and the ratio, and checks that the answers agree.

pandas cannot express make-up working days (调休) and only steps whole business hours, so the
shared calendar has none and targets are whole hours; crm's own benchmark with 调休 is
`cargo bench -p crm-core --bench sla_due`.

The crm Python binding runs too, in its own process with the test venv's Python (`bash
crm-py/test.sh` installs the wheel): the tickets read untimed into a pyarrow table (a timestamp
column with its zone, an int column of minutes), then `crm.sla_due_batch` timed on the columns; its
answers must equal the CLI's.

Usage: python3 bench/sla_vs_pandas.py [--tickets 1000000] [--pandas-sample 20000]
(needs pandas; the crm binary is built with `cargo build --release -p crm-cli`).
"""

import argparse
import csv
import datetime as dt
import os
import pathlib
import random
import subprocess
import sys
import tempfile
import time

import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
HOLIDAYS = ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2026-01-01", "2026-05-01"]
CALENDAR = (
    'timezone = "Asia/Shanghai"\n[week]\n'
    + "".join(f'{d} = ["09:00-12:00", "13:00-18:00"]\n' for d in ["mon", "tue", "wed", "thu", "fri"])
    + "".join(f'[[holiday]]\ndate = "{h}"\n' for h in HOLIDAYS)
)
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

PYTHON_BINDING = r"""
import sys, time
import pyarrow as pa, pyarrow.csv as pcsv
import crm
calendar, tickets, out = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
table = pcsv.read_csv(tickets)  # created_at: timestamp[s, UTC]; target_minutes: int64
t = time.perf_counter()
due = crm.sla_due_batch(calendar, table.column("created_at"), table.column("target_minutes"))
print(f"{time.perf_counter() - t:.4f} {len(due)}")
with open(out, "w") as f:  # milliseconds since the epoch
    f.write(" ".join(map(str, due.cast(pa.int64()).to_pylist())))
"""


def tickets(n: int, seed: int = 7):
    rng = random.Random(seed)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    for i in range(n):
        created = base + dt.timedelta(seconds=rng.randrange(360 * 86400))
        yield f"T{i}", created, rng.randrange(1, 101)  # whole hours


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=1_000_000)
    ap.add_argument("--pandas-sample", type=int, default=20_000)
    args = ap.parse_args()
    binary = TARGET / "release" / "crm"
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "crm-cli"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        cal = pathlib.Path(tmp, "office.toml")
        cal.write_text(CALENDAR)
        data = list(tickets(args.tickets))
        src = pathlib.Path(tmp, "tickets.csv")
        with src.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ticket_id", "created_at", "target_minutes"])
            for tid, created, hours in data:
                w.writerow([tid, created.isoformat(), hours * 60])
        t0 = time.perf_counter()
        run = subprocess.run([str(binary), "sla", "due", "--timing", "--calendar", str(cal), "--tickets", str(src)],
                             check=True, capture_output=True, text=True)
        crm_seconds = time.perf_counter() - t0
        out = run.stdout
        core_report = run.stderr.strip()
        crm_due = {row["ticket_id"]: dt.datetime.fromisoformat(row["due_at"]) for row in csv.DictReader(out.splitlines())}
        py = pathlib.Path(os.environ.get("CRM_TOOLS", pathlib.Path.home() / ".cache" / "crm-tools")) / "venv" / "bin" / "python"
        binding = None
        if py.exists():
            answers = pathlib.Path(tmp, "python.txt")
            run = subprocess.run([str(py), "-c", PYTHON_BINDING, str(cal), str(src), str(answers)], check=True, capture_output=True, text=True)
            seconds, count = run.stdout.split()
            got = [int(x) for x in answers.read_text().split()]
            expected = [round(crm_due[tid].timestamp() * 1000) for tid, _, _ in data]
            binding = (float(seconds), int(count), got == expected)

    sample = data[: args.pandas_sample]
    cbh_cache = {}
    t0 = time.perf_counter()
    pandas_due = {}
    for tid, created, hours in sample:
        cbh = cbh_cache.get(hours)
        if cbh is None:
            cbh = cbh_cache[hours] = pd.offsets.CustomBusinessHour(
                n=hours, start=["09:00", "13:00"], end=["12:00", "18:00"], holidays=HOLIDAYS, weekmask="Mon Tue Wed Thu Fri")
        local = pd.Timestamp(created.astimezone(SHANGHAI).replace(tzinfo=None))
        pandas_due[tid] = (local + cbh).to_pydatetime().replace(tzinfo=SHANGHAI)
    pandas_seconds = time.perf_counter() - t0

    exact = sum(1 for tid, due in pandas_due.items() if crm_due[tid] == due)
    # pandas puts a target that runs out exactly at a closing time at the next opening; DOMAIN.md
    # puts it at the closing time. The two are the same moment of business time when no working
    # time lies between them, which `crm sla elapsed` checks.
    differing = [(t, crm_due[t], d) for t, d in pandas_due.items() if crm_due[t] != d]
    with tempfile.TemporaryDirectory() as tmp:
        cal = pathlib.Path(tmp, "office.toml")
        cal.write_text(CALENDAR)
        pairs = pathlib.Path(tmp, "pairs.csv")
        with pairs.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ticket_id", "start", "end"])
            for t, ours, theirs in differing:
                w.writerow([t, ours.isoformat(), theirs.isoformat()])
        gaps = subprocess.run([str(binary), "sla", "elapsed", "--calendar", str(cal), "--tickets", str(pairs)],
                              check=True, capture_output=True, text=True).stdout
    boundary = sum(1 for row in csv.DictReader(gaps.splitlines()) if row["elapsed_minutes"] == "0")
    crm_rate = args.tickets / crm_seconds
    pandas_rate = len(sample) / pandas_seconds
    print(f"crm sla due (CLI, CSV in and out): {args.tickets:,} tickets in {crm_seconds:.2f} s = {crm_rate:,.0f} tickets/s")
    print(f"  of which the Rust batch computation: {core_report}")
    print(f"pandas CustomBusinessHour:          {len(sample):,} tickets in {pandas_seconds:.2f} s = {pandas_rate:,.0f} tickets/s")
    print(f"ratio: crm is {crm_rate / pandas_rate:,.0f}x pandas per ticket end to end")
    core_rate = float(core_report.split("(")[1].split()[0])
    print(f"ratio: the Rust batch computation is {core_rate / pandas_rate:,.0f}x pandas per ticket")
    if binding is not None:
        seconds, count, same = binding
        print(f"crm Python binding (crm.sla_due_batch on a pyarrow timestamp column): {count:,} tickets in {seconds:.3f} s = "
              f"{count / seconds:,.0f} tickets/s, {count / seconds / pandas_rate:,.0f}x pandas; equal to the CLI: {same}")
    print(f"agreement on the pandas sample of {len(sample):,}: {exact:,} identical, {boundary:,} equal up to the "
          f"closing-time convention (no working time between the answers), {len(differing) - boundary:,} different")
    return 0 if exact + boundary == len(sample) and (binding is None or binding[2]) else 1


if __name__ == "__main__":
    sys.exit(main())
