#!/usr/bin/env bash
# `make run`: installs the missing build tools, builds the release app with cargo-leptos and runs
# the release server on a SQLite database under ./data, with demo data.
#
# Environment (all optional):
#   LEPTOS_SITE_ADDR   listen address, default 127.0.0.1:3000
#   DATABASE_URL       default sqlite://<repo>/data/wecom-license-desk.db?mode=rwc
#   DATA_DIR           default <repo>/data
#   WLD_DEMO           1 (default here) loads the demo data; 0 starts without it
#   WECOM_STANDIN      1 (default here, unless WECOM_PROVIDER_CORPID is set) starts the local
#                      stand-in for WeCom's license API on WECOM_STANDIN_ADDR (127.0.0.1:3300)
#                      and points the app at it, so 向企业微信下单 can be clicked through: pay
#                      the order on the stand-in's page; 0 leaves fulfilment manual
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

standin_pid=
if [ "${WECOM_STANDIN:-$([ -n "${WECOM_PROVIDER_CORPID:-}" ] && echo 0 || echo 1)}" = 1 ]; then
  standin_addr=${WECOM_STANDIN_ADDR:-127.0.0.1:3300}
  "$server_bin" wecom-standin --addr "$standin_addr" &
  standin_pid=$!
  trap 'kill "$standin_pid" 2>/dev/null || true' EXIT INT TERM
  export WECOM_API_BASE=http://$standin_addr
  export WECOM_PROVIDER_CORPID=wwstandinprovider0001 WECOM_PROVIDER_SECRET=standin-secret
  export WECOM_BUYER_USERID=${WECOM_BUYER_USERID:-buyer.demo} WECOM_POLL_MS=${WECOM_POLL_MS:-3000}
  export WECOM_POLL_CAP_SECS=${WECOM_POLL_CAP_SECS:-10}
fi

db_shown=$DATABASE_URL
case "$db_shown" in postgres*://*:*@*) db_shown="${db_shown%%://*}://***@${db_shown#*@}" ;; esac
echo
echo "==> WeCom License Desk: http://$LEPTOS_SITE_ADDR/"
echo "    database $db_shown, demo data WLD_DEMO=$WLD_DEMO, site $LEPTOS_SITE_ROOT"
[ -n "$standin_pid" ] && echo "    WeCom license API stand-in: $WECOM_API_BASE/ (pay orders there)"
echo "    Ctrl-C stops it."
echo
if [ -n "$standin_pid" ]; then
  "$server_bin"
else
  exec "$server_bin"
fi
