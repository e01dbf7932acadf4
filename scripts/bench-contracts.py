#!/usr/bin/env python3
"""Contract storage benchmark against the real release server (numbers go to BENCHMARKS.md).

  scripts/bench-contracts.py --server target/release/server --db sqlite|postgres

1. Starts the server on a fresh database with the demo data and signs in as partner.a.
2. Save throughput: creates 200 drafts, then saves each once from 8 client threads
   (contracts/save, the same server function the form uses: revalidated and repriced);
   reports saves/s and the latency p50/p99.
3. List latency: grows the contracts table to 100,000 and then 1,000,000 rows by copying a demo
   draft in SQL (half in each partner organisation), restarts the server, and times
   contracts/list as partner.a and as admin: the first page, a status filter, a corp ID search,
   and the 20th page through the keyset cursor (50 calls each; p50/p99).
Standard library only; the server is driven over HTTP like a browser would.
"""
import argparse, http.client, json, os, shutil, sqlite3, statistics, subprocess, sys, tempfile, threading, time

PORT = 3199
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"


def call(path, body=None, cookie=None, form=False):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    headers = {"sec-fetch-site": "same-origin", "accept": "application/json"}
    if cookie:
        headers["cookie"] = cookie
    if form:
        headers["content-type"] = "application/x-www-form-urlencoded"
        data = "&".join(f"{k}={v}" for k, v in body.items())
    else:
        headers["content-type"] = "application/json"
        data = json.dumps(body or {})
    t0 = time.perf_counter()
    conn.request("POST", path, data.encode(), headers)
    res = conn.getresponse()
    payload = res.read()
    dt = time.perf_counter() - t0
    setcookie = res.getheader("set-cookie")
    conn.close()
    if res.status != 200:
        raise RuntimeError(f"{path}: {res.status} {payload[:300]!r}")
    return json.loads(payload or b"null"), dt, setcookie


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def ms(x):
    return f"{x * 1000:.1f} ms"


class Server:
    """The release server as a child process. `log_path`: its output goes there (appended), else
    nowhere; `ready_s`: how long it may take to answer `/healthz` (start-up runs the migrations)."""

    def __init__(self, binary, env, log_path=None, ready_s=120):
        self.binary, self.env, self.proc = binary, env, None
        self.log_path, self.ready_s = log_path, ready_s

    def start(self):
        if self.log_path:
            with open(self.log_path, "ab") as out:
                self.proc = subprocess.Popen([self.binary], env=self.env, stdout=out, stderr=subprocess.STDOUT)
        else:
            self.proc = subprocess.Popen([self.binary], env=self.env, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.ready_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log_path or 'its output'}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
                c.request("GET", "/healthz")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Still inside a query it cannot abandon (SQLite): what it was doing was a read.
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.proc = None


def sign_in(user, password):
    _, _, cookie = call("/api/auth/sign_in", {"username": user, "password": password}, form=True)
    return cookie.split(";")[0]


def grow(db, url, sqlite_path, total):
    """Copies one demo draft until the contracts table holds `total` rows."""
    if db == "sqlite":
        con = sqlite3.connect(sqlite_path)
        cols = [r[1] for r in con.execute("PRAGMA table_info(contracts)") if r[1] not in ("id", "document_number")]
        have = con.execute("SELECT count(*) FROM contracts").fetchone()[0]
        tmpl, = con.execute("SELECT min(id) FROM contracts WHERE status = 'draft'").fetchone()
        orgs = [r[0] for r in con.execute("SELECT DISTINCT organisation_id FROM contracts ORDER BY 1")]
        sel = ", ".join(
            f"CASE WHEN n.i % 2 = 0 THEN {orgs[0]} ELSE {orgs[-1]} END" if c == "organisation_id" else f"c.{c}" for c in cols
        )
        con.execute(
            f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {total - have}) "
            f"INSERT INTO contracts ({', '.join(cols)}) SELECT {sel} FROM contracts c, n WHERE c.id = {tmpl}"
        )
        con.commit()
        con.execute("ANALYZE")
        con.close()
    else:
        q = lambda sql: subprocess.run(["psql", "-qtA", url, "-c", sql], check=True, capture_output=True, text=True).stdout.strip()
        cols = q(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns "
            "WHERE table_name = 'contracts' AND column_name NOT IN ('id', 'document_number')"
        ).split(",")
        have = int(q("SELECT count(*) FROM contracts"))
        tmpl = q("SELECT min(id) FROM contracts WHERE status = 'draft'")
        orgs = q("SELECT string_agg(DISTINCT organisation_id::text, ',') FROM contracts").split(",")
        sel = ", ".join(
            f"CASE WHEN n % 2 = 0 THEN {orgs[0]} ELSE {orgs[-1]} END" if c == "organisation_id" else f"c.{c}" for c in cols
        )
        q(f"INSERT INTO contracts ({', '.join(cols)}) SELECT {sel} FROM contracts c, generate_series(1, {total - have}) n WHERE c.id = {tmpl}")
        q("ANALYZE contracts")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--sizes", default="100000,1000000")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wld-bench-")
    sqlite_path = os.path.join(work, "bench.db")
    if a.db == "sqlite":
        url = f"sqlite://{sqlite_path}?mode=rwc"
    else:
        name = f"wld_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {name}"], check=True)
        url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    env = dict(os.environ, DATABASE_URL=url, DATA_DIR=work, WLD_DEMO="1", LEPTOS_SITE_ADDR=f"127.0.0.1:{PORT}", RUST_LOG="warn")
    srv = Server(a.server, env)
    srv.start()
    try:
        partner = sign_in("partner.a", "demo-partner-2026")
        admin = sign_in("admin", "demo-admin-2026")
        page, _, _ = call("/api/contracts/list", {"filter": {"status": "draft"}}, partner)
        template = call("/api/contracts/get", {"id": page["items"][0]["id"]}, partner)[0]["draft"]
        template["document_number"] = None
        made = [call("/api/contracts/create", {"draft": template}, partner)[0] for _ in range(200)]
        lat, lock = [], threading.Lock()
        todo = list(made)

        def worker():
            while True:
                with lock:
                    if not todo:
                        return
                    c = todo.pop()
                d = dict(template, end_customer=template["end_customer"] + "（改）")
                _, dt, _ = call("/api/contracts/save", {"id": c["id"], "version": c["version"], "draft": d}, partner)
                with lock:
                    lat.append(dt)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=worker) for _ in range(8)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wall = time.perf_counter() - t0
        print(f"[{a.db}] save: {len(lat)} saves from 8 threads in {wall:.2f} s = {len(lat) / wall:.0f} saves/s; "
              f"p50 {ms(pct(lat, 50))}, p99 {ms(pct(lat, 99))}", flush=True)

        for total in [int(s) for s in a.sizes.split(",")]:
            srv.stop()
            t0 = time.perf_counter()
            grow(a.db, url, sqlite_path, total)
            print(f"[{a.db}] grew contracts to {total} rows in {time.perf_counter() - t0:.0f} s", flush=True)
            srv.start()
            partner = sign_in("partner.a", "demo-partner-2026")
            admin = sign_in("admin", "demo-admin-2026")
            corp = template["corp_id"]
            cases = [
                ("partner.a first page", partner, {}),
                ("admin first page", admin, {}),
                ("partner.a status=draft", partner, {"status": "draft"}),
                ("partner.a search corp ID", partner, {"search": corp}),
            ]
            for label, cookie, f in cases:
                xs = [call("/api/contracts/list", {"filter": f}, cookie)[1] for _ in range(50)]
                print(f"[{a.db}] {total} rows, {label}: p50 {ms(pct(xs, 50))}, p99 {ms(pct(xs, 99))}", flush=True)
            # The 20th page through the keyset cursor, timed per page.
            xs, cursor = [], None
            for _ in range(20):
                pg, dt, _ = call("/api/contracts/list", {"filter": {"cursor": cursor}}, partner)
                xs.append(dt)
                cursor = pg["next_cursor"]
            print(f"[{a.db}] {total} rows, partner.a pages 1-20 by cursor: p50 {ms(pct(xs, 50))}, max {ms(max(xs))}", flush=True)
    finally:
        srv.stop()
        if a.db == "postgres":
            subprocess.run(["psql", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
