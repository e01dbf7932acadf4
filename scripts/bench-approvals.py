#!/usr/bin/env python3
"""Approval latency with a dead WeCom group robot (numbers go to BENCHMARKS.md).

  scripts/bench-approvals.py --server target/release/server --db sqlite|postgres

1. Starts a "dead" webhook: a TCP listener that accepts connections and never answers (the
   robot's 5 s timeout then fails every post), and the server on a fresh database with the demo
   data and WECOM_ROBOT_WEBHOOK pointing at it.
2. partner.a submits N contracts (a demo draft copied, its voucher uploaded, submitted): each waits
   at level 1, and each submission queues robot messages that can never be delivered.
   With `--no-webhook` the same run has no robot at all: the reference the dead webhook is
   compared with.
3. 50 clients, each its own signed-in session of approver1 (the demo flow's level-1 approver),
   approve the contracts concurrently through `contracts/approve`, the server function the
   decision page uses; reports approvals/s and latency p50/p99.
Standard library only; the server is driven over HTTP like a browser would.
"""
import argparse, importlib.util, os, shutil, socket, subprocess, sys, tempfile, threading, time, uuid

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("bench_contracts", os.path.join(here, "bench-contracts.py"))
bc = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bc)

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000200e2212bc90000000049454e44ae426082"
)


def dead_webhook():
    """A listener that accepts and never answers; returns its port."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1024)
    held = []

    def accept():
        while True:
            conn, _ = s.accept()
            held.append(conn)  # never read, never answered, never closed

    threading.Thread(target=accept, daemon=True).start()
    return s.getsockname()[1]


def upload_voucher(contract_id, cookie):
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nvoucher\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"v.png\"\r\n"
        f"Content-Type: image/png\r\n\r\n"
    ).encode() + PNG + f"\r\n--{boundary}--\r\n".encode()
    conn = bc.http.client.HTTPConnection("127.0.0.1", bc.PORT, timeout=120)
    conn.request(
        "POST",
        f"/contracts/{contract_id}/attachments",
        body,
        {"content-type": f"multipart/form-data; boundary={boundary}", "cookie": cookie, "sec-fetch-site": "same-origin"},
    )
    res = conn.getresponse()
    payload = res.read()
    conn.close()
    if res.status != 201:
        raise RuntimeError(f"upload: {res.status} {payload[:300]!r}")
    return bc.json.loads(payload)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--server", required=True)
    ap.add_argument("--db", choices=["sqlite", "postgres"], required=True)
    ap.add_argument("--contracts", type=int, default=500)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--no-webhook", action="store_true", help="no robot at all: the reference to compare with")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="wld-bench-")
    if a.db == "sqlite":
        url = f"sqlite://{os.path.join(work, 'bench.db')}?mode=rwc"
    else:
        name = f"wld_bench_{os.getpid()}"
        subprocess.run(["psql", "-q", bc.PG_ADMIN, "-c", f"CREATE DATABASE {name}"], check=True)
        url = bc.PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    env = dict(
        os.environ,
        DATABASE_URL=url,
        DATA_DIR=work,
        WLD_DEMO="1",
        LEPTOS_SITE_ADDR=f"127.0.0.1:{bc.PORT}",
        RUST_LOG="warn",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{bc.PORT}",
    )
    if not a.no_webhook:
        env["WECOM_ROBOT_WEBHOOK"] = f"http://127.0.0.1:{dead_webhook()}/cgi-bin/webhook/send?key=bench"
    robot = "no robot" if a.no_webhook else "robot webhook dead: every message times out"
    srv = bc.Server(a.server, env)
    srv.start()
    try:
        partner = bc.sign_in("partner.a", "demo-partner-2026")
        page, _, _ = bc.call("/api/contracts/list", {"filter": {"status": "draft"}}, partner)
        template = bc.call("/api/contracts/get", {"id": page["items"][0]["id"]}, partner)[0]["draft"]
        template["document_number"] = None
        t0 = time.perf_counter()
        waiting = []
        for i in range(a.contracts):
            d = dict(template, end_customer=f"审批压测{i}", payment_voucher=None)
            c = bc.call("/api/contracts/create", {"draft": d}, partner)[0]
            up = upload_voucher(c["id"], partner)
            d["payment_voucher"] = up["id"]
            s = bc.call("/api/contracts/submit", {"id": c["id"], "version": up["contract_version"], "draft": d}, partner)[0]
            waiting.append((s["id"], s["version"]))
        print(f"[{a.db}] {a.contracts} contracts submitted in {time.perf_counter() - t0:.0f} s "
              f"({robot})", flush=True)

        sessions = [bc.sign_in("approver1", "demo-approver-2026") for _ in range(a.clients)]
        lat, lock = [], threading.Lock()
        start = threading.Barrier(a.clients)

        def approver(cookie):
            start.wait()
            while True:
                with lock:
                    if not waiting:
                        return
                    cid, version = waiting.pop()
                _, dt, _ = bc.call("/api/contracts/approve", {"id": cid, "version": version, "comment": "同意"}, cookie)
                with lock:
                    lat.append(dt)

        t0 = time.perf_counter()
        threads = [threading.Thread(target=approver, args=(c,)) for c in sessions]
        [t.start() for t in threads]
        [t.join() for t in threads]
        wall = time.perf_counter() - t0
        print(f"[{a.db}] approve: {len(lat)} approvals from {a.clients} concurrent approver sessions in {wall:.2f} s "
              f"= {len(lat) / wall:.0f}/s; p50 {bc.ms(bc.pct(lat, 50))}, p99 {bc.ms(bc.pct(lat, 99))}, "
              f"max {bc.ms(max(lat))}", flush=True)
    finally:
        srv.stop()
        if a.db == "postgres":
            subprocess.run(["psql", "-q", bc.PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
