#!/usr/bin/env bash
# Installs every tool the test suite needs on a fresh Debian machine; each step is skipped when done.
# Tool builds are cached under ~/.cargo and ~/.cache/crm-tools so repeated runs are fast.
set -euo pipefail
export PATH="$HOME/.cargo/bin:$PATH"
TOOLS="${CRM_TOOLS:-$HOME/.cache/crm-tools}"
WASM_BINDGEN_VERSION=0.2.130
KOTLIN_VERSION=2.4.20
PLAYWRIGHT_VERSION=1.64.1
mkdir -p "$TOOLS"

need_apt=()
# openjdk-17-jdk-headless: javac for crm-mobile's Java caller test (kotlinc needs only the runtime).
for pkg in rustc-web cargo-web rust-web-src lld-22 chromium chromium-driver libjna-java openjdk-17-jdk-headless postgresql python3-venv; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing apt packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# wasm-opt (Debian's binaryen) optimises the npm package's .wasm for size (crm-wasm/build.sh).
if ! command -v wasm-opt >/dev/null 2>&1; then
  echo "installing binaryen (wasm-opt)"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq binaryen >/dev/null
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  echo "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  cargo install --quiet wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# cargo-deny checks licenses, bans and sources (deny.toml); building it takes about 3.5 minutes
# on two busy cores, so an installed copy of this version is kept.
CARGO_DENY_VERSION=0.20.2
if ! cargo deny --version 2>/dev/null | grep -q "$CARGO_DENY_VERSION"; then
  echo "installing cargo-deny $CARGO_DENY_VERSION"
  cargo install --quiet --locked cargo-deny --version "$CARGO_DENY_VERSION"
fi

if [ ! -x "$TOOLS/kotlin/node_modules/kotlin-compiler/bin/kotlinc" ]; then
  echo "installing kotlin-compiler $KOTLIN_VERSION"
  mkdir -p "$TOOLS/kotlin"
  (cd "$TOOLS/kotlin" && npm install --silent --no-audit --no-fund "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
fi

if [ ! -x "$TOOLS/venv/bin/maturin" ]; then
  echo "creating python venv with maturin and pytest"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install --quiet --upgrade pip
  "$TOOLS/venv/bin/pip" install --quiet maturin pytest
fi
# crm-py's tests and benchmarks: Arrow from pyarrow, polars and pandas, and mypy --strict.
if ! "$TOOLS/venv/bin/python" -c "import pyarrow, polars, pandas, numpy, mypy" 2>/dev/null; then
  echo "installing python test dependencies (pyarrow, polars, pandas, numpy, mypy)"
  "$TOOLS/venv/bin/pip" install --quiet "pyarrow>=14" "polars>=1.0" "pandas>=2.2" numpy mypy
fi
# crm-server's OpenAPI description is checked against the OpenAPI 3.1 schema by the reference
# validator (crm-py/tests/test_openapi.py runs it, since the venv is there).
if ! "$TOOLS/venv/bin/python" -c "import openapi_spec_validator" 2>/dev/null; then
  echo "installing openapi-spec-validator"
  "$TOOLS/venv/bin/pip" install --quiet "openapi-spec-validator>=0.7"
fi
# crm-mobile: shellcheck for its build scripts, and the aarch64 cross toolchain with qemu-user for
# crm-mobile/build-aarch64.sh (linker and C compiler, arm64 libc, running the arm64 test binary).
# (kotlinx-coroutines comes with the Kotlin compiler: Debian's 1.0.1 is too old for uniffi's Kotlin.)
need_apt=()
for pkg in shellcheck gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing apt packages for crm-mobile: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# The web example's end-to-end test (tests/e2e): playwright-core drives Debian's chromium (it never
# downloads a browser), and a CJK font renders the Chinese names in its screenshots.
if [ ! -f "$TOOLS/playwright/node_modules/playwright-core/package.json" ]; then
  echo "installing playwright-core $PLAYWRIGHT_VERSION"
  mkdir -p "$TOOLS/playwright"
  (cd "$TOOLS/playwright" && npm install --silent --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null)
fi
if ! dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  echo "installing fonts-noto-cjk"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq fonts-noto-cjk >/dev/null
fi
echo "tools ready in $TOOLS"
