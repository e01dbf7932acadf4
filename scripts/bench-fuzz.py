#!/usr/bin/env python3
"""Fuzzing for a set time, as part of `make bench` (or alone): every cargo-fuzz target of
`app/fuzz`, its executions, coverage and findings recorded.

  scripts/bench-fuzz.py [--seconds 120] [--targets sheet_reader,contract_validation]

- Installs cargo-fuzz (crates.io, pinned) when it is missing or another version; stable rustc
  needs RUSTC_BOOTSTRAP=1 for the sanitizer flags cargo-fuzz passes.
- Builds the targets with `-O` (release semantics: no overflow checks, so a finding is a panic a
  release build has too), with AddressSanitizer.
- Seeds each target's corpus (`corpus/<target>/`, not committed) from the committed seeds and the
  sheet fixtures, then runs it for `--seconds` with libFuzzer's final statistics.
- A finding (crash, timeout, out-of-memory or leak input in `artifacts/<target>/`) is copied into
  `app/fuzz/regressions/<target>/`, where `app/tests/fuzz_regressions.rs` replays it in the normal
  test suite: it fails there until the finding is fixed, and guards the fix after that.

`run(seconds, targets)` returns one dict per target for bench.py's generated section.
"""
import argparse, os, re, shutil, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FUZZ = os.path.join(ROOT, "app", "fuzz")
CARGO_FUZZ_VERSION = "0.13.2"
TARGETS = ["sheet_reader", "contract_validation"]
# libFuzzer options per target: the largest input worth trying, and how long one input may take.
OPTIONS = {
    "sheet_reader": ["-max_len=16384", "-timeout=10"],
    "contract_validation": ["-max_len=8192", "-timeout=10"],
}
FINDING = re.compile(r"^(crash|timeout|oom|leak|slow-unit)-")


def env():
    e = dict(os.environ, RUSTC_BOOTSTRAP="1")
    e["PATH"] = os.path.expanduser("~/.cargo/bin") + os.pathsep + e.get("PATH", "")
    return e


def ensure_cargo_fuzz():
    out = subprocess.run(["cargo", "fuzz", "--version"], capture_output=True, text=True, env=env())
    if out.returncode == 0 and CARGO_FUZZ_VERSION in out.stdout:
        return
    print(f"[fuzz] installing cargo-fuzz {CARGO_FUZZ_VERSION} (crates.io)", flush=True)
    subprocess.run(["cargo", "install", "--locked", "--force", "cargo-fuzz", "--version", CARGO_FUZZ_VERSION],
                   check=True, env=env())


def seed(target):
    corpus = os.path.join(FUZZ, "corpus", target)
    os.makedirs(corpus, exist_ok=True)
    if target == "sheet_reader":
        subprocess.run([sys.executable, os.path.join(FUZZ, "seed_corpus.py")], check=True, cwd=FUZZ)
    for kind in ("seeds", "regressions"):
        d = os.path.join(FUZZ, kind, target)
        for name in os.listdir(d) if os.path.isdir(d) else []:
            if not name.startswith("."):
                shutil.copy(os.path.join(d, name), os.path.join(corpus, f"{kind}-{name}"))
    return corpus


def stat(text, name):
    m = re.findall(rf"^stat::{name}:\s+(\d+)", text, re.M)
    return int(m[-1]) if m else None


def run_target(target, seconds):
    corpus = seed(target)
    artifacts = os.path.join(FUZZ, "artifacts", target)
    os.makedirs(artifacts, exist_ok=True)
    before = set(os.listdir(artifacts))
    inputs = len(os.listdir(corpus))
    # -fork would survive a finding and keep going; a plain run stops at the first one, which
    # is what a regression needs (one input, one failure). -rss_limit_mb bounds a runaway input.
    cmd = ["cargo", "fuzz", "run", "-O", target, corpus, "--", f"-max_total_time={seconds}",
           "-print_final_stats=1", "-rss_limit_mb=2048", f"-artifact_prefix={artifacts}/", *OPTIONS[target]]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=FUZZ, capture_output=True, text=True, env=env())
    elapsed = time.monotonic() - t0
    log = proc.stdout + proc.stderr
    with open(os.path.join(FUZZ, "artifacts", f"{target}.log"), "w") as f:
        f.write(log)
    cov = re.findall(r"cov: (\d+) ft: (\d+)", log)
    found = sorted(n for n in set(os.listdir(artifacts)) - before if FINDING.match(n))
    kept = []
    for name in found:
        dest_dir = os.path.join(FUZZ, "regressions", target)
        os.makedirs(dest_dir, exist_ok=True)
        shutil.copy(os.path.join(artifacts, name), os.path.join(dest_dir, name))
        kept.append(f"app/fuzz/regressions/{target}/{name}")
    if proc.returncode != 0 and not found:
        # Not a finding: the fuzzer itself did not run (a build error, a bad option).
        tail = "\n".join(log.splitlines()[-30:])
        raise RuntimeError(f"cargo fuzz run {target} failed (exit {proc.returncode}) without a finding:\n{tail}")
    r = {
        "target": target,
        "seconds": round(elapsed),
        "executions": stat(log, "number_of_executed_units"),
        "per_second": stat(log, "average_exec_per_sec"),
        "new_units": stat(log, "new_units_added"),
        "peak_rss_mb": stat(log, "peak_rss_mb"),
        "coverage": int(cov[-1][0]) if cov else None,
        "features": int(cov[-1][1]) if cov else None,
        "seed_inputs": inputs,
        "findings": kept,
    }
    print(f"[fuzz] {target}: {r['executions']} executions in {r['seconds']} s ({r['per_second']}/s), "
          f"coverage {r['coverage']} edges, {len(kept)} finding(s) {' '.join(kept)}", flush=True)
    return r


def build():
    """Installs cargo-fuzz if needed and builds the targets (the first time ~15 min on 2 cores)."""
    ensure_cargo_fuzz()
    t0 = time.monotonic()
    subprocess.run(["cargo", "fuzz", "build", "-O"], cwd=FUZZ, check=True, env=env())
    print(f"[fuzz] targets built in {time.monotonic() - t0:.0f} s", flush=True)


def run(seconds, targets=TARGETS, built=False):
    if not built:
        build()
    return [run_target(t, seconds) for t in targets]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=120)
    ap.add_argument("--targets", default=",".join(TARGETS))
    a = ap.parse_args()
    results = run(a.seconds, a.targets.split(","))
    return 1 if any(r["findings"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
