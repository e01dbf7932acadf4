#!/usr/bin/env bash
# Installs the tools the build and the tests need, skipping each one that is already there at the
# right version. Works with only the package registries (crates.io, npm, Debian): nothing here
# downloads from GitHub releases, which these machines cannot reach.
#
#   scripts/setup-tools.sh            build tools + Chromium + end2end npm packages
#   scripts/setup-tools.sh --no-e2e   build tools only (enough to run the app)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

with_e2e=1
[ "${1:-}" = "--no-e2e" ] && with_e2e=0

# Pinned versions. wasm-bindgen must equal the wasm-bindgen crate in Cargo.lock.
CARGO_LEPTOS_VERSION=0.3.10
WASM_OPT_VERSION=0.116.1
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)

log() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }
export PATH="$HOME/.cargo/bin:$PATH"

# Tools are built once per machine, and building them is most of a fresh machine's set-up time: a
# thin release profile (optimisation level 1, no LTO, parallel codegen) spends less of it on
# optimising programs that only orchestrate; what they do per build (bindgen, wasm-opt, splitting
# and compressing a few MB) is a small part of the release build either way. One at a time: on 2
# cores, building them side by side and beside the Rust tests made a cold run slower, not faster
# (BENCHMARKS.md, 2026-11-29 fourth session).
cargo_install() {
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install "$@"
}

# apt_install PACKAGE...: root or sudo; `apt-get update` once, only when something is missing.
apt_updated=0
apt_install() {
  local sudo_cmd=""
  [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  if [ "$apt_updated" = 0 ]; then
    $sudo_cmd apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Rust target -------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
else
  log "rust target wasm32-unknown-unknown: present"
fi

# --- cargo tools ---------------------------------------------------------------------------------
# installed_version BIN -> prints the version BIN reports, or nothing.
installed_version() { command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n1 || true; }

# cargo-leptos prints "cargo-leptos 0.3.10"; `no_downloads` makes it fail loudly instead of
# reaching for GitHub when a tool is missing from PATH.
if [ "$(installed_version cargo-leptos)" != "$CARGO_LEPTOS_VERSION" ]; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (10-15 min on 2 cores)"
  cargo_install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
else
  log "cargo-leptos $CARGO_LEPTOS_VERSION: present"
fi

if [ "$(installed_version wasm-bindgen)" != "$WASM_BINDGEN_VERSION" ]; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION"
  # --locked fails on a yanked transitive dependency of this release.
  cargo_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
else
  log "wasm-bindgen $WASM_BINDGEN_VERSION: present"
fi

# Debian's binaryen 108 writes WASM that fails to load, so use the crate build; it must come
# first on PATH (~/.cargo/bin, exported above and in the Makefile).
if [ "$(installed_version wasm-opt)" != "$WASM_OPT_VERSION" ] \
   && ! "$HOME/.cargo/bin/wasm-opt" --version 2>/dev/null | grep -q "version 116"; then
  log "installing wasm-opt $WASM_OPT_VERSION (5-7 min)"
  cargo_install wasm-opt --version "$WASM_OPT_VERSION" --locked
else
  log "wasm-opt: present"
fi

[ "$with_e2e" = 1 ] || exit 0

# --- Chromium (Debian) -------------------------------------------------------------------------
# end2end/playwright.config.ts drives /usr/bin/chromium (E2E_CHROMIUM overrides it).
if [ ! -x "${E2E_CHROMIUM:-/usr/bin/chromium}" ]; then
  log "installing Debian chromium"
  apt_install chromium
else
  log "chromium: present ($("${E2E_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | head -n1))"
fi

# A CJK font so print screenshots show Chinese, and the sqlite3 CLI the expired-quote journey uses
# to age a saved quote in the server's real database.
if ! dpkg -s fonts-wqy-microhei >/dev/null 2>&1; then
  log "installing fonts-wqy-microhei"
  apt_install fonts-wqy-microhei
fi
if ! command -v sqlite3 >/dev/null 2>&1; then
  log "installing sqlite3"
  apt_install sqlite3
fi

# --- Node.js -------------------------------------------------------------------------------------
if ! command -v npm >/dev/null 2>&1; then
  log "installing Debian nodejs + npm"
  apt_install nodejs npm
else
  log "node $(node --version), npm $(npm --version): present"
fi

# --- end2end npm packages ----------------------------------------------------------------------
# Exactly what package-lock.json pins (`npm ci`), reinstalled only when the lock file changed.
# Playwright must not try to download its own browsers: that host is unreachable.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=end2end/node_modules/.installed-package-lock.json
if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
  log "installing end2end npm packages (npm ci)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
  cp end2end/package-lock.json "$stamp"
else
  log "end2end npm packages: present"
fi

# --- moto (a local S3-compatible server for the S3 storage tests) --------------------------------
MOTO_VERSION=5.2.1
# The test runs it as `python3 -m moto.server`, so no script needs to be on PATH.
if [ "$(python3 -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null)" = "$MOTO_VERSION" ]; then
  log "moto $MOTO_VERSION: present"
else
  log "installing moto[server] $MOTO_VERSION (PyPI)"
  python3 -m pip install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
