#!/usr/bin/env bash
# `make test`: installs what is missing, then runs every test, each step timed:
#   formatting, the shared crate's and the server's tests on SQLite (and on PostgreSQL when there
#   is one), the S3 storage against moto, the release build, and the browser tests against the
#   release server.
#
# The tests build `app` and `server` only (`-p`), never `frontend`, so the server's `ssr` and the
# WASM's `hydrate` features of the shared `app` crate are never unified into one impossible build.
#
# Environment:
#   TEST_DATABASE_URL  PostgreSQL admin URL for the server tests (one database per test is made
#                      and dropped). Unset: postgres://postgres@127.0.0.1:5432/test is used if
#                      it answers, otherwise the PostgreSQL run is skipped.
#   REQUIRE_POSTGRES   1: fail when PostgreSQL does not answer instead of skipping (CI sets it)
#   E2E_PORT           port for the browser tests' server (default: first free from 3107)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"

DEFAULT_PG_URL=postgres://postgres@127.0.0.1:5432/test

summary=()
total_start=$(date +%s)
current=""

fmt_secs() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

print_summary() {
  echo
  printf '\033[1m==> summary (total %s)\033[0m\n' "$(fmt_secs $(($(date +%s) - total_start)))"
  for line in "${summary[@]}"; do echo "    $line"; done
}

on_exit() {
  local rc=$?
  if [ -n "$current" ]; then summary+=("$(printf '%-44s FAILED' "$current")"); fi
  print_summary
  if [ "$rc" = 0 ]; then printf '\033[1;32mALL TESTS PASSED\033[0m\n'; else printf '\033[1;31mFAILED (exit %s)\033[0m\n' "$rc"; fi
}
trap on_exit EXIT
# A run stopped from outside (CI's time limit, Ctrl-C) is a failure, never "passed".
trap 'exit 143' TERM
trap 'exit 130' INT

# step NAME COMMAND...: runs one step under a header and records its time.
step() {
  local name=$1
  shift
  current=$name
  printf '\n\033[1;34m==> %s\033[0m\n    $ %s\n' "$name" "$*"
  local start
  start=$(date +%s)
  "$@"
  local secs=$(($(date +%s) - start))
  summary+=("$(printf '%-44s %s' "$name" "$(fmt_secs "$secs")")")
  printf '\033[1;34m<== %s: %s\033[0m\n' "$name" "$(fmt_secs "$secs")"
  current=""
}

skip() {
  summary+=("$(printf '%-44s SKIPPED (%s)' "$1" "$2")")
  printf '\n\033[1;33m==> %s: SKIPPED (%s)\033[0m\n' "$1" "$2"
}

# pg_answers URL: true when a PostgreSQL server accepts a connection at URL.
pg_answers() {
  if command -v psql >/dev/null 2>&1; then
    PGCONNECT_TIMEOUT=3 psql "$1" -tAc 'select 1' >/dev/null 2>&1
  else
    local hostport=${1#*://}
    hostport=${hostport#*@}
    hostport=${hostport%%/*}
    local host=${hostport%%:*} port=5432
    [ "$hostport" = "$host" ] || port=${hostport##*:}
    timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" 2>/dev/null
  fi
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

step "setup tools (incl. Chromium, Playwright)" scripts/setup-tools.sh

step "cargo fmt --check" cargo fmt --all -- --check

# The shared crate and the server are tested from one build: `app` with the server's features
# (`ssr`: its database and service code is tested too) and the server with the `s3` storage, so
# the SQLite, PostgreSQL and S3 runs below reuse the same test binaries instead of compiling the
# server three ways. (The WASM's `hydrate` build is the release build's; the server without `s3`
# is too.)
TEST_SET=(-p app -p server --features server/s3 --locked)

# cargo_tests ARGS...: runs the tests of the one build under a time limit, so a test that hangs
# fails the run in minutes with its name printed instead of using up CI's whole budget. The limit
# is for the run only (compiling is the step before); the suites take a few minutes.
TEST_RUN_LIMIT=${TEST_RUN_LIMIT:-20m}
cargo_tests() {
  local rc=0
  timeout --kill-after=30s "$TEST_RUN_LIMIT" cargo test "${TEST_SET[@]}" "$@" || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    echo "error: the tests did not finish within TEST_RUN_LIMIT=$TEST_RUN_LIMIT (a test hangs?)" >&2
  fi
  return "$rc"
}
# Every test but the S3 ones (their own step, with moto).
all_tests() { cargo_tests --lib --bins --tests -- --skip s3::; }
tests_sqlite() { (unset TEST_DATABASE_URL && all_tests); }
tests_pg() { (export TEST_DATABASE_URL="$1" && all_tests); }

step "build the tests (app with ssr, server with s3)" cargo test "${TEST_SET[@]}" --lib --bins --tests --no-run

step "app + server: tests on SQLite" tests_sqlite

pg_url=${TEST_DATABASE_URL:-}
if [ -z "$pg_url" ] && { [ "${REQUIRE_POSTGRES:-0}" = 1 ] || pg_answers "$DEFAULT_PG_URL"; }; then
  pg_url=$DEFAULT_PG_URL
fi
if [ -z "$pg_url" ]; then
  skip "app + server: tests on PostgreSQL" "no TEST_DATABASE_URL and nothing answers at $DEFAULT_PG_URL"
elif pg_answers "$pg_url"; then
  step "app + server: tests on PostgreSQL" tests_pg "$pg_url"
elif [ "${REQUIRE_POSTGRES:-0}" = 1 ]; then
  current="app + server: tests on PostgreSQL"
  echo "error: REQUIRE_POSTGRES=1 but PostgreSQL does not answer at $(sed -E 's#(://[^:/@]*):[^@]*@#\1:***@#' <<<"$pg_url")" >&2
  exit 1
else
  skip "app + server: tests on PostgreSQL" "TEST_DATABASE_URL does not answer"
fi

# The `s3` storage feature against moto's S3 (started by the test; installed by setup-tools), on
# PostgreSQL when there is one: two server processes share the attachments through the bucket.
s3_tests() { (if [ -n "$pg_url" ]; then export TEST_DATABASE_URL="$pg_url"; else unset TEST_DATABASE_URL; fi
  cargo_tests --test it s3::); }
step "server: attachments in S3 (moto)" s3_tests

step "cargo leptos build --release --split" scripts/build-release.sh

# The release server the browser tests start. A copy, taken right after the build, so a build in
# another checkout sharing CARGO_TARGET_DIR cannot swap the binary under the tests.
target_dir=$(cargo metadata --format-version 1 --no-deps | grep -o '"target_directory":"[^"]*"' | cut -d'"' -f4)
mkdir -p target/e2e
cp "$target_dir/release/server" target/e2e/server
export E2E_SERVER_BIN="$root/target/e2e/server"
export E2E_SITE_ROOT="$root/target/site"

if [ -z "${E2E_PORT:-}" ]; then
  E2E_PORT=3107
  while ! port_free "$E2E_PORT"; do E2E_PORT=$((E2E_PORT + 1)); done
fi
export E2E_PORT
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

run_e2e() { (cd end2end && npx --no-install playwright test); }
step "browser tests (Playwright, release server)" run_e2e
