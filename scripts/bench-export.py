#!/usr/bin/env python3
"""Contract list export benchmark against the real server (numbers go to BENCHMARKS.md).

  scripts/bench-export.py --server target/release/server [--rows 100000]

1. Starts the server on a fresh SQLite database with the demo data, signs in as partner.a.
2. Stops it and grows partner.a's organisation to `--rows` contracts by copying a demo draft in
   SQL (each copy its own end customer, total and times), then starts it again.
3. Exports `/contracts/export.xlsx` as partner.a (everything, newest change first; then sorted
   by total, which SQLite cannot take from an index), reading the download as it streams, while
   a thread samples the server's resident memory (/proc/<pid>/status VmRSS) every 10 ms.
   Reports the time to the last byte, the file's size and rows, the server's RSS before, its
   peak during the export, and VmHWM (the process's lifetime peak) after.
Standard library only.
"""
import argparse, http.client, importlib.util, os, shutil, sqlite3, sys, tempfile, threading, time, zipfile

# The server and sign-in helpers of the contract storage benchmark (same port, same demo users).
_spec = importlib.util.spec_from_file_location("bench_contracts", os.path.join(os.path.dirname(__file__), "bench-contracts.py"))
bench_contracts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_contracts)
PORT, Server, sign_in = bench_contracts.PORT, bench_contracts.Server, bench_contracts.sign_in


def status_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} missing")


def grow(sqlite_path, rows):
    """Copies partner.a's demo draft until its organisation holds `rows` contracts."""
    con = sqlite3.connect(sqlite_path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(contracts)") if r[1] not in ("id", "document_number")]
    tmpl, org = con.execute(
        "SELECT c.id, c.organisation_id FROM contracts c JOIN users u ON u.id = c.owner_user_id "
        "WHERE u.username = 'partner.a' AND c.status = 'draft' ORDER BY c.id LIMIT 1"
    ).fetchone()
    have = con.execute("SELECT count(*) FROM contracts WHERE organisation_id = ?", (org,)).fetchone()[0]
    vary = {
        "end_customer": "c.end_customer || '·' || n.i",
        "total_fen": "(n.i * 7919) % 100000000",
        "updated_at": "strftime('%Y-%m-%dT%H:%M:%S', c.updated_at, '-' || (n.i % 86400) || ' seconds') || '+00:00'",
    }
    sel = ", ".join(vary.get(c, f"c.{c}") for c in cols)
    con.execute(
        f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows - have}) "
        f"INSERT INTO contracts ({', '.join(cols)}) SELECT {sel} FROM contracts c, n WHERE c.id = {tmpl}"
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


def export(pid, cookie, query):
    peak, done = [status_kib(pid, "VmRSS")], threading.Event()
    before = peak[0]

    def sample():
        while not done.is_set():
            peak.append(status_kib(pid, "VmRSS"))
            time.sleep(0.01)

    t = threading.Thread(target=sample)
    t.start()
    out = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    conn.request("GET", f"/contracts/export.xlsx{query}", headers={"cookie": cookie})
    res = conn.getresponse()
    first = None
    while True:
        chunk = res.read(64 * 1024)
        if first is None:
            first = time.perf_counter() - t0
        if not chunk:
            break
        out.write(chunk)
    total = time.perf_counter() - t0
    done.set()
    t.join()
    out.close()
    if res.status != 200:
        raise RuntimeError(f"export {query}: {res.status} {open(out.name, 'rb').read()[:300]!r}")
    rows, tail = 0, b""
    with zipfile.ZipFile(out.name) as z, z.open("xl/worksheets/sheet1.xml") as sheet:
        # Counted block by block, with the end of the previous block kept so that no tag split
        # between two blocks is missed (nor counted twice).
        for block in iter(lambda: sheet.read(1 << 20), b""):
            data = tail + block
            rows += data.count(b"</row>")
            tail = data[-5:]  # shorter than the tag: never a whole one
    size = os.path.getsize(out.name)
    os.unlink(out.name)
    return dict(seconds=total, first_byte=first, bytes=size, rows=rows - 1, rss_before=before, rss_peak=max(peak),
                hwm=status_kib(pid, "VmHWM"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--rows", type=int, default=100_000)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wld-bench-export-")
    sqlite_path = os.path.join(work, "bench.db")
    env = dict(os.environ, DATABASE_URL=f"sqlite://{sqlite_path}?mode=rwc", DATA_DIR=work, WLD_DEMO="1",
               LEPTOS_SITE_ADDR=f"127.0.0.1:{PORT}", RUST_LOG="warn")
    srv = Server(a.server, env)
    try:
        srv.start()
        sign_in("partner.a", "demo-partner-2026")
        srv.stop()
        t0 = time.perf_counter()
        grow(sqlite_path, a.rows)
        print(f"grew partner.a's organisation to {a.rows} contracts in {time.perf_counter() - t0:.0f} s", flush=True)
        srv.start()
        cookie = sign_in("partner.a", "demo-partner-2026")
        export(srv.proc.pid, cookie, "?status=approved")  # warm-up: connections, first allocations
        for query in ["", "?sort=total_desc"]:
            r = export(srv.proc.pid, cookie, query)
            print(
                f"export{query or ' (default sort)'}: {r['rows']} rows, {r['bytes'] / 1e6:.1f} MB in {r['seconds']:.2f} s "
                f"(first byte {r['first_byte']:.2f} s); server RSS {r['rss_before'] / 1024:.1f} MiB before, "
                f"peak {r['rss_peak'] / 1024:.1f} MiB during (+{(r['rss_peak'] - r['rss_before']) / 1024:.1f} MiB), "
                f"VmHWM {r['hwm'] / 1024:.1f} MiB",
                flush=True,
            )
    finally:
        srv.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
