#!/usr/bin/env python3
"""The browser half of `make bench` (or alone): `end2end/bench/browser.bench.ts` in Debian's
Chromium against the release server, rendered as rows for BENCHMARKS.md.

  scripts/bench-browser.py [--runs 5]

- Installs SheetJS (npm `xlsx` 0.18.5, what web pages use to read spreadsheets) into
  `end2end/.bench/` when it is missing: the comparison needs it, the browser tests do not.
- Runs the benchmark with Playwright (`end2end/bench.config.ts`: the same release server and
  fresh SQLite demo database as the browser tests) and reads the JSON it writes.

Targets (issue #18): keystroke → total p95 under 16 ms (one frame); `/` interactive in under 2 s
on the emulated slow phone, a first load of at most 250 KB; our reader with its checks at most
0.5x SheetJS's parse time on 100,000 rows.

`run(runs)` returns the results as data; `markdown(results)` renders them.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
E2E = os.path.join(ROOT, "end2end")
SHEETJS_VERSION = "0.18.5"
SHEETJS_DIR = os.path.join(E2E, ".bench")
SHEETJS = os.path.join(SHEETJS_DIR, "node_modules", "xlsx", "dist", "xlsx.full.min.js")


def ensure_sheetjs():
    pkg = os.path.join(SHEETJS_DIR, "node_modules", "xlsx", "package.json")
    if os.path.exists(pkg) and json.load(open(pkg)).get("version") == SHEETJS_VERSION:
        return
    os.makedirs(SHEETJS_DIR, exist_ok=True)
    subprocess.run(["npm", "install", "--prefix", SHEETJS_DIR, "--no-audit", "--no-fund", "--no-save",
                    "--loglevel=error", f"xlsx@{SHEETJS_VERSION}"], check=True)


def run(runs=5, log=print):
    ensure_sheetjs()
    out = tempfile.mkdtemp(prefix="wld-bench-browser-")
    env = dict(os.environ, BENCH_RUNS=str(runs), BENCH_OUT=out, BENCH_SHEETJS=SHEETJS)
    npx = shutil.which("npx") or "npx"
    p = subprocess.run([npx, "playwright", "test", "-c", "bench.config.ts", "browser", "--reporter=line"], cwd=E2E,
                       env=env, capture_output=True, text=True)
    results = {}
    for name in ("keystroke", "slow_phone", "first_load", "sheets"):
        path = os.path.join(out, f"{name}.json")
        if os.path.exists(path):
            with open(path) as f:
                results[name] = json.load(f)
    if p.returncode != 0:
        results["error"] = (p.stdout + p.stderr)[-3000:]
        log(f"browser benchmark failed:\n{results['error']}")
    shutil.rmtree(out, ignore_errors=True)
    return results


def ms(s):
    return f"{s['median']:.1f} ms (min {s['min']:.1f}, max {s['max']:.1f})"


def verdict(ok):
    return "**met**" if ok else "**missed**"


def markdown(r, runs=5):
    out = [f"Chromium {chromium_version()} (Debian), headless, against the release server on a fresh SQLite demo "
           f"database; each figure the median of {runs} runs (min, max), from `scripts/bench-browser.py --runs {runs}` "
           "(`end2end/bench/browser.bench.ts`).", ""]
    if "keystroke" in r:
        k = r["keystroke"]
        share = k["next_frame_share"]["median"]
        out += ["| keystroke → total (200 inputs per run, each at a random moment of a frame) | p50 | p95 |",
                "| --- | ---: | ---: |",
                f"| to the total's DOM change | {k['dom_p50']['median']:.2f} ms | {k['dom_p95']['median']:.2f} ms |",
                f"| to the frame painted after it (includes waiting for that frame) | {k['paint_p50']['median']:.2f} ms | "
                f"{k['paint_p95']['median']:.2f} ms |", "",
                f"{share:.1%} of the updates were in the first frame after their keystroke. Target, the update within a "
                f"frame (DOM change p95 under 16 ms): {verdict(k['dom_p95']['median'] < 16)}. The time to the painted "
                "frame adds the wait for it (up to 16.7 ms at 60 Hz), whatever the page does.", ""]
    if "slow_phone" in r:
        s = r["slow_phone"]
        out += [f"`/` on an emulated slow phone ({s['conditions']}): hydrated (interactive) {ms(s['hydrated_ms'])}; "
                f"first contentful paint {ms(s['fcp_ms'])}; {s['bytes'] / 1000:.1f} KB on the wire. "
                f"Target under 2 s: {verdict(s['hydrated_ms']['median'] < 2000)}.", ""]
    if "first_load" in r:
        out += ["| first load, cold cache | on the wire | of which wasm | js | css | document |",
                "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for page, v in r["first_load"].items():
            b = v["bytes"]
            out.append(f"| `{page}` | {v['total'] / 1000:.1f} KB | {b.get('wasm', 0) / 1000:.1f} KB | "
                       f"{b.get('script', 0) / 1000:.1f} KB | {b.get('stylesheet', 0) / 1000:.1f} KB | "
                       f"{b.get('document', 0) / 1000:.1f} KB |")
        root = r["first_load"].get("/")
        if root:
            out += ["", f"Target for `/` at most 250 KB: {verdict(root['total'] <= 250_000)} ({root['total'] / 1000:.1f} KB; "
                    "bytes on the wire include headers).", ""]
    if "sheets" in r:
        out += ["| userid .xlsx (shared strings, deflate) | file | ours: read + checked, to the summary | SheetJS parse | "
                "SheetJS parse + rows | ours / SheetJS parse |", "| ---: | ---: | ---: | ---: | ---: | ---: |"]
        for rows, v in r["sheets"].items():
            if rows == "runs":
                continue
            out.append(f"| {int(rows):,} rows | {v['file_bytes'] / 1e6:.2f} MB | {ms(v['ours_read_and_checked_ms'])} | "
                       f"{ms(v['sheetjs_parse_ms'])} | {ms(v['sheetjs_parse_and_rows_ms'])} | "
                       f"{v['ratio_ours_to_sheetjs_parse']:.2f}× |")
        big = r["sheets"].get("100000")
        if big:
            out += ["", f"Target at 100,000 rows at most 0.5×: {verdict(big['ratio_ours_to_sheetjs_parse'] <= 0.5)}.", ""]
    if "error" in r:
        out += ["The run failed; its output's end:", "", "```", r["error"][-1500:], "```", ""]
    return "\n".join(out)


def chromium_version():
    exe = os.environ.get("E2E_CHROMIUM", "/usr/bin/chromium")
    try:
        return subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.split()[1]
    except (OSError, IndexError):
        return "?"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", help="also write the results as JSON to this file")
    a = ap.parse_args()
    results = run(a.runs, log=lambda m: print(m, file=sys.stderr))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(results, f, indent=1)
    print(markdown(results, a.runs))
    return 1 if "error" in results else 0


if __name__ == "__main__":
    sys.exit(main())
