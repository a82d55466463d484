#!/usr/bin/env bash
# Builds the Python wheel, installs it into the tools venv (scripts/install-deps.sh makes it, with
# pyarrow, polars, pandas and mypy), type-checks the package with mypy --strict and runs pytest
# against the installed package from the repo root (so `import crm` is the wheel, not the source
# tree). tests/test_remote.py runs `crm serve` (the CLI built here, named by CRM_BIN) for
# RemoteCrm. Each step has a time budget, so a hang fails the suite instead of the CI job.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CRM_TOOLS:-$HOME/.cache/crm-tools}/venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
export PATH="$HOME/.cargo/bin:$PATH"
wheels="$root/target/wheels"
cd "$root/crm-py"
rm -rf "$wheels"
timeout 900 maturin build --quiet --out "$wheels"  # dev profile: reuses the workspace test build
pip install --quiet --force-reinstall --no-deps "$wheels"/crm-*.whl
(cd "$root/crm-py/python" && timeout 300 mypy --strict --no-incremental crm)
cd "$root"
timeout 900 cargo build --locked -p crm-cli --quiet
export CRM_BIN="$root/target/debug/crm"
timeout 300 python -m pytest -q crm-py/tests -p no:cacheprovider
python -c "import crm, pathlib; assert 'site-packages' in pathlib.Path(crm.__file__).parts, crm.__file__"
