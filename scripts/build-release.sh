#!/usr/bin/env bash
# The release build that `make run` serves and `make test` tests: the server, and the WASM split
# into the quote page's module plus lazily loaded chunks (the signed-in pages, the spreadsheet
# reader; `#[lazy]` / `lazy_page!` with the app's `split` feature), precompressed with brotli and
# gzip so the server sends the smallest encoding without compressing per request.
#
# Then, unless `--server-only`, the quote page's own small WASM (`frontend`'s `island` feature,
# `app::routes::quote::hydrate_island`): a first load of `/` gets it instead of the app's bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
cargo leptos build --release --split --precompress --lib-features split "$@"
case " $* " in *" --server-only "*) exit 0 ;; esac

# Built in cargo-leptos' front target directory with the flags and the one variable it builds the
# WASM with that a dependency reads (leptos reads LEPTOS_OUTPUT_NAME), so every dependency's build
# is shared with the app's bundle and only `app` and `frontend` compile again.
front=target/front
pkg=target/site/pkg
name=quote_island
LEPTOS_OUTPUT_NAME=wecom_license_desk RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }-Clink-args=--emit-relocs" \
  cargo build --locked -p frontend --lib --target wasm32-unknown-unknown --profile wasm-release \
  --features island --target-dir "$front"
# Those flags make the linker keep its relocations (for wasm-split, which this module does not go
# through): ~2 MB of custom sections that wasm-bindgen and wasm-opt would carry along. Dropped here.
python3 - "$front/wasm32-unknown-unknown/wasm-release/frontend.wasm" "$front/$name.wasm" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
def leb(i):
    value = shift = 0
    while True:
        byte = data[i]; i += 1; value |= (byte & 0x7F) << shift; shift += 7
        if byte < 0x80: return value, i
out, i = bytearray(data[:8]), 8
while i < len(data):
    start = i; sid = data[i]; size, body = leb(i + 1); i = body + size
    if sid == 0:
        length, at = leb(body)
        section = data[at:at + length].decode()
        if section == "linking" or section.startswith("reloc."):
            continue
    out += data[start:i]
open(sys.argv[2], "wb").write(out)
PY
wasm-bindgen --target web --no-typescript --out-dir "$pkg" --out-name "$name" "$front/$name.wasm"
# -O1, not the -Oz cargo-leptos uses for the app's bundle: on this module -Oz takes 13 % off the
# raw size but adds 5 % to the brotli size, which is what a phone waits for (BENCHMARKS.md).
wasm-opt -O1 --enable-bulk-memory --enable-nontrapping-float-to-int \
  "$pkg/${name}_bg.wasm" -o "$pkg/${name}_bg.wasm"
# The twins the server sends instead of compressing per request, as `--precompress` writes them:
# gzip, and brotli at quality 11 (Node's zlib; without Node the server compresses on the fly).
for f in "$pkg/$name.js" "$pkg/${name}_bg.wasm"; do
  gzip -9 -k -f -n "$f"
  if command -v node >/dev/null; then
    node -e 'const z = require("zlib"), fs = require("fs"), f = process.argv[1], b = fs.readFileSync(f);
      fs.writeFileSync(f + ".br", z.brotliCompressSync(b, { params: {
        [z.constants.BROTLI_PARAM_QUALITY]: 11, [z.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }));' "$f"
  else
    rm -f "$f.br"
  fi
done
