#!/usr/bin/env bash
# `make run`: installs the missing build tools, builds the release app with cargo-leptos and runs
# the release server on a SQLite database under ./data, with demo data.
#
# Environment (all optional):
#   LEPTOS_SITE_ADDR   listen address, default 127.0.0.1:3000
#   DATABASE_URL       default sqlite://<repo>/data/wecom-license-desk.db?mode=rwc
#   DATA_DIR           default <repo>/data
#   WLD_DEMO           1 (default here) loads the demo data; 0 starts without it
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

scripts/setup-tools.sh --no-e2e

echo "==> scripts/build-release.sh (cargo leptos build --release --split --precompress)"
scripts/build-release.sh

# cargo honours CARGO_TARGET_DIR and build.target-dir; ask it where the binary went.
target_dir=$(cargo metadata --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
server_bin="$target_dir/release/server"
[ -x "$server_bin" ] || { echo "error: no server binary at $server_bin" >&2; exit 1; }

# cargo-leptos' site-root (Cargo.toml) is relative to the workspace, not to the target dir.
site_root=${LEPTOS_SITE_ROOT:-target/site}
case "$site_root" in /*) ;; *) site_root="$root/$site_root" ;; esac

export DATA_DIR=${DATA_DIR:-$root/data}
mkdir -p "$DATA_DIR"
export DATABASE_URL=${DATABASE_URL:-sqlite://$DATA_DIR/wecom-license-desk.db?mode=rwc}
export LEPTOS_SITE_ROOT=$site_root
export LEPTOS_SITE_PKG_DIR=${LEPTOS_SITE_PKG_DIR:-pkg}
export LEPTOS_OUTPUT_NAME=${LEPTOS_OUTPUT_NAME:-wecom_license_desk}
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
export LEPTOS_ENV=${LEPTOS_ENV:-PROD}
export WLD_DEMO=${WLD_DEMO:-1}

db_shown=$DATABASE_URL
case "$db_shown" in postgres*://*:*@*) db_shown="${db_shown%%://*}://***@${db_shown#*@}" ;; esac
echo
echo "==> WeCom License Desk: http://$LEPTOS_SITE_ADDR/"
echo "    database $db_shown, demo data WLD_DEMO=$WLD_DEMO, site $LEPTOS_SITE_ROOT"
echo "    Ctrl-C stops it."
echo
exec "$server_bin"
