"""U-shaped attribution of won deals to campaigns by crm and by pandas, side by side in one run.

Generates 100,000 won deals with 10 campaign touches each (a fixed seed, so every run sees the
same files), then times, each contender in its own process so times and peak memory are its own:
- `crm attribution --model u_shaped` end to end (two CSV files in, one CSV out: a line per touch
  with its exact share, its money and an explanation);
- pandas reading the same files, the same U-shaped rule (40% first, 40% last, 20% shared by the
  middle touches, renormalised with fewer than 3 touches; ties in time broken by campaign id;
  shares cut to 4 places and money to the cent with the running-total carry) and writing the
  lines as CSV (without explanations, in floating point);
- in memory, the crm Python binding: `crm.analytics.attribute(deals, touches, "u_shaped")` on the
  same files already read (untimed) into polars DataFrames (String ids, Decimal(18, 2) amounts,
  Datetime(us, UTC) times), and on the same as pyarrow Tables: the columns cross into Rust through
  the Arrow C interface, one crossing, the GIL released; a pyarrow Table of the lines comes back.
  It runs with the Python of the crm-py/test.sh venv (polars, pyarrow) on a release build of the
  wheel (maturin, installed into a directory of its own, not the venv: the venv's wheel is a dev
  build), and its lines written as CSV (untimed) must equal `crm attribution`'s byte for byte.
Results are checked: the same lines, every line's money within 0.01 of crm's, and every deal's
lines summing to its amount (exactly for crm, to 0.01 for pandas).

Usage: python bench/attribution_vs_pandas.py [--deals 100000] [--touches-per-deal 10] [--crm BIN]
[--no-binding] (needs numpy and pandas: the venv of crm-py/test.sh has them; builds `crm` in release
mode, and the wheel unless --no-binding).
"""

import argparse
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np
import pandas as pd

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
SEED = 20260630

PANDAS = r'''
import sys, time
import numpy as np, pandas as pd
t = time.perf_counter()
deals = pd.read_csv(sys.argv[1], dtype={"deal_id": "string", "amount": "string"}, parse_dates=["won_at"])
touches = pd.read_csv(sys.argv[2], dtype={"deal_id": "string", "campaign_id": "string"}, parse_dates=["at"])
cents = deals["amount"].str.replace(".", "", regex=False).astype("int64")  # two places in the file
frame = touches.merge(deals.assign(cents=cents)[["deal_id", "won_at", "cents"]], on="deal_id")
frame = frame[(frame["at"] <= frame["won_at"]) & (frame["at"] >= frame["won_at"] - pd.Timedelta(days=180))]
frame = frame.sort_values(["deal_id", "at", "campaign_id"], kind="stable").reset_index(drop=True)
g = frame.groupby("deal_id", sort=False)
pos = g.cumcount().to_numpy() + 1
n = g["at"].transform("size").to_numpy()
w = np.where(n <= 2, 1.0 / n, np.where((pos == 1) | (pos == n), 0.4, 0.2 / np.maximum(n - 2, 1)))
cum = pd.Series(w).groupby(frame["deal_id"]).cumsum().to_numpy()
cum_bp = np.where(pos == n, 10000, np.rint(cum * 10000)).astype(np.int64)
first = pos == 1
share_bp = cum_bp - np.where(first, 0, np.roll(cum_bp, 1))
cum_cents = np.rint(cum_bp * frame["cents"].to_numpy() / 10000).astype(np.int64)
line_cents = cum_cents - np.where(first, 0, np.roll(cum_cents, 1))
out = pd.DataFrame({
    "deal_id": frame["deal_id"], "campaign_id": frame["campaign_id"],
    "touch_at": frame["at"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"), "position": pos,
    "share": share_bp / 10000, "amount": line_cents / 100,
})
out.to_csv(sys.argv[3], index=False, float_format="%.4f")
print(f"{time.perf_counter() - t:.3f} {len(out)}")
'''

BINDING = r'''
import sys, time
import polars as pl
import pyarrow  # noqa: F401  (imported untimed, as polars is: crm returns pyarrow Tables)
import crm
ts = pl.Datetime("us", "UTC")
deals = pl.read_csv(sys.argv[1], schema={"deal_id": pl.String, "amount": pl.Decimal(18, 2), "won_at": ts,
                    "created_at": ts, "lead_created_at": ts, "primary_campaign_id": pl.String})
touches = pl.read_csv(sys.argv[2], schema={"deal_id": pl.String, "campaign_id": pl.String, "at": ts})
if sys.argv[3] == "pyarrow":
    deals, touches = deals.to_arrow(), touches.to_arrow()
t = time.perf_counter()
lines = crm.analytics.attribute(deals, touches, "u_shaped")
seconds = time.perf_counter() - t
pl.from_arrow(lines).write_csv(sys.argv[4], datetime_format="%Y-%m-%dT%H:%M:%SZ")
print(f"{seconds:.3f} {lines.num_rows} {crm.__file__}")
'''


def binding_site(tmp):
    """The venv's Python and a directory holding a release build of the crm wheel, or None."""
    venv = pathlib.Path(os.environ.get("CRM_TOOLS", pathlib.Path.home() / ".cache" / "crm-tools")) / "venv"
    py = venv / "bin" / "python"
    if not py.exists():
        return None
    wheels, site = tmp / "wheel", tmp / "site"
    env = {**os.environ, "PATH": f"{venv / 'bin'}:{pathlib.Path.home() / '.cargo' / 'bin'}:{os.environ['PATH']}"}
    subprocess.run(["maturin", "build", "--release", "--quiet", "--out", wheels], cwd=ROOT / "crm-py", env=env, check=True)
    wheel = next(wheels.glob("crm-*.whl"))
    subprocess.run([py, "-m", "pip", "install", "--quiet", "--no-deps", "--target", site, wheel], check=True)
    return py, site


def generate(deals_path, touches_path, deals, per_deal):
    rng = np.random.default_rng(SEED)
    base = np.datetime64("2026-01-01T00:00:00", "s")
    won = base + rng.integers(0, 180 * 86_400, deals).astype("timedelta64[s]")
    created = won - rng.integers(86_400, 60 * 86_400, deals).astype("timedelta64[s]")
    cents = rng.integers(10_000, 100_000_000, deals)
    ids = np.char.add("opp-", np.arange(1, deals + 1).astype(str))
    iso = lambda t: np.char.add(np.datetime_as_string(t, unit="s"), "Z")
    amounts = [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]
    pd.DataFrame({
        "deal_id": ids, "amount": amounts, "won_at": iso(won), "created_at": iso(created),
        "lead_created_at": "", "primary_campaign_id": "",
    }).to_csv(deals_path, index=False)
    # Touches up to 170 days before the win, on whole minutes (so some tie), from 500 campaigns.
    age = rng.integers(0, 170 * 1440, deals * per_deal) * 60
    at = np.repeat(won, per_deal) - age.astype("timedelta64[s]")
    campaigns = np.char.add("cmp-", rng.integers(1, 501, deals * per_deal).astype(str))
    pd.DataFrame({"deal_id": np.repeat(ids, per_deal), "campaign_id": campaigns, "at": iso(at)}).to_csv(
        touches_path, index=False
    )


def measured(cmd, stdout=subprocess.PIPE):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout text, stderr text)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT, text=True)
    out = proc.stdout.read() if stdout == subprocess.PIPE else ""
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}\n{err}")
    return wall, usage.ru_maxrss / 1024, out, err


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deals", type=int, default=100_000)
    ap.add_argument("--touches-per-deal", type=int, default=10)
    ap.add_argument("--crm", help="this crm binary instead of a release build of crm-cli")
    ap.add_argument("--no-binding", action="store_true", help="leave out the crm Python binding")
    ap.add_argument("--keep", action="store_true", help="keep the generated files (about 250 MB)")
    ap.add_argument("--generate", nargs=2, metavar=("DEALS", "TOUCHES"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.generate:
        generate(*args.generate, args.deals, args.touches_per_deal)
        return 0
    crm = pathlib.Path(args.crm) if args.crm else TARGET / "release" / "crm"
    if not args.crm:
        subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "crm-cli"], cwd=ROOT, check=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="crm-attribution-"))
    try:
        return compare(args, crm, tmp)
    finally:
        if args.keep:
            print(f"files kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def compare(args, crm, tmp) -> int:
    """Runs every contender on one generated data set in `tmp` and checks that they agree."""
    deals, touches = tmp / "deals.csv", tmp / "touches.csv"
    # In a process of its own: a child forked from a process holding the data would report its
    # size as the child's peak memory.
    subprocess.run([sys.executable, __file__, "--generate", deals, touches, "--deals", str(args.deals),
                    "--touches-per-deal", str(args.touches_per_deal)], check=True)
    print(f"{args.deals} deals ({deals.stat().st_size / 1e6:.1f} MB), "
          f"{args.deals * args.touches_per_deal} touches ({touches.stat().st_size / 1e6:.1f} MB) in {tmp}")
    crm_out, pd_out = tmp / "crm.csv", tmp / "pandas.csv"
    crm_cmd = [crm, "attribution", "--touches", touches, "--deals", deals,
               "--model", "u_shaped", "--out", crm_out]
    crm_wall, crm_mem, _, crm_err = measured(crm_cmd)
    pd_wall, pd_mem, pd_inner, _ = measured([sys.executable, "-c", PANDAS, deals, touches, pd_out])
    pd_s, pd_lines = pd_inner.split()
    print("end to end (two CSV files in, CSV out), U-shaped:")
    print(f"  crm attribution {crm_wall:6.2f} s  peak {crm_mem:5.0f} MB  ({crm_err.strip()})")
    print(f"  pandas          {pd_wall:6.2f} s  peak {pd_mem:5.0f} MB  (read, attribute, write: {float(pd_s):.2f} s; {pd_lines} lines)")
    print(f"  speed-up crm vs pandas: {pd_wall / crm_wall:.1f}x (pandas' own timing: {float(pd_s) / crm_wall:.1f}x)")
    binding_ok = True
    binding = None if args.no_binding else binding_site(tmp)
    if binding is None:
        print("  (crm Python binding left out: --no-binding, or no venv: run scripts/install-deps.sh)")
    else:
        py, site = binding
        print("in memory (files read untimed into frames; the time of the call alone, peak memory of the process):")
        os.environ["PYTHONPATH"] = str(site)  # for the child alone: this process has imported what it needs
        for frame in ("polars", "pyarrow"):
            csv = tmp / f"python-{frame}.csv"
            _, b_mem, out, _ = measured([py, "-c", BINDING, deals, touches, frame, csv])
            b_s, b_lines, b_file = out.split()
            assert b_file.startswith(str(site)), b_file  # the release build, not the venv's
            identical = csv.read_bytes() == crm_out.read_bytes()
            binding_ok &= identical
            print(f"  crm Python ({frame:7}) {float(b_s):5.2f} s  peak {b_mem:5.0f} MB  ({b_lines} lines; "
                  f"its CSV identical to crm attribution's: {identical})")
        del os.environ["PYTHONPATH"]

    ours = pd.read_csv(crm_out, dtype={"deal_id": "string", "campaign_id": "string", "amount": "string"})
    theirs = pd.read_csv(pd_out, dtype={"deal_id": "string", "campaign_id": "string"})
    cents = lambda s: s.str.replace(".", "", regex=False).astype("int64")
    ours["cents"] = cents(ours["amount"])
    dealt = pd.read_csv(deals, dtype={"deal_id": "string", "amount": "string"})
    dealt["cents"] = cents(dealt["amount"])
    per_deal = ours.groupby("deal_id")["cents"].sum()
    exact = (per_deal.reindex(dealt["deal_id"]).to_numpy() == dealt["cents"].to_numpy()).all()
    both = ours.merge(theirs, on=["deal_id", "position"], how="outer", suffixes=("", "_pd"), indicator=True)
    same_lines = (both["_merge"] == "both").all() and (both["campaign_id"] == both["campaign_id_pd"]).all()
    line_diff = np.abs(both["cents"] / 100 - both["amount_pd"]).max()
    share_diff = np.abs(both["share"] - both["share_pd"]).max()
    deal_diff = np.abs(per_deal / 100 - theirs.groupby("deal_id")["amount"].sum().reindex(per_deal.index)).max()
    print(f"  crm's lines sum exactly to every deal's amount: {exact}; same lines in both: {same_lines}; "
          f"largest difference per line: share {share_diff:.4f}, money {line_diff:.4f}; per deal {deal_diff:.4f}")
    agree = exact and same_lines and line_diff <= 0.01 + 1e-9 and deal_diff <= 0.01 + 1e-9 and binding_ok
    print("results agree" if agree else "RESULTS DIFFER")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
