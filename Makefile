# WeCom License Desk: the two commands that matter.
#
#   make run     set up the tools, build the release app and serve it on SQLite with demo data
#   make test    set up everything (incl. Chromium and Playwright) and run every test
#   make setup   only install the missing tools (idempotent)
#   make bench   build the release app and measure it (under 20 min; rewrites part of BENCHMARKS.md)
#   make bench-scale  the 1,000,000-contract scale run on SQLite and PostgreSQL (prints its tables)
#
# Tools installed by `cargo install` live in ~/.cargo/bin and must win over Debian's (binaryen's
# wasm-opt 108 writes WASM that does not load).

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: run test setup bench bench-scale

run:
	scripts/run.sh

test:
	scripts/test.sh

setup:
	scripts/setup-tools.sh

bench:
	scripts/setup-tools.sh
	scripts/build-release.sh
	python3 scripts/bench.py

bench-scale:
	scripts/setup-tools.sh
	scripts/build-release.sh
	python3 scripts/bench-scale.py --contracts 1000000
