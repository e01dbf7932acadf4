#!/usr/bin/env bash
# The release build that `make run` serves and `make test` tests: the server, and the WASM split
# into the quote page's module plus lazily loaded chunks (the signed-in pages, the spreadsheet
# reader; `#[lazy]` / `lazy_page!` with the app's `split` feature), precompressed with brotli and
# gzip so the server sends the smallest encoding without compressing per request.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
exec cargo leptos build --release --split --precompress --lib-features split "$@"
