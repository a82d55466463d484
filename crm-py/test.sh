#!/usr/bin/env bash
# Builds the Python wheel, installs it into the tools venv and runs pytest against the installed
# package (from the repo root, so `import crm` is the wheel, not the source tree).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${CRM_TOOLS:-$HOME/.cache/crm-tools}/venv"
# shellcheck disable=SC1091
source "$venv/bin/activate"
export PATH="$HOME/.cargo/bin:$PATH"
cd "$root/crm-py"
rm -rf "$root/target/wheels"
maturin build --quiet --release --out "$root/target/wheels"
pip install --quiet --force-reinstall --no-deps "$root"/target/wheels/crm-*.whl
cd "$root"
python -m pytest -q crm-py/tests -p no:cacheprovider
python -c "import crm, pathlib; assert 'site-packages' in pathlib.Path(crm.__file__).parts, crm.__file__"
