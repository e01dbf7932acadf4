#!/usr/bin/env python3
"""Scale benchmark (issue #18, point 4): 1,000,000 contracts with a realistic spread, then the
list with each filter, sort, a deep page and substring searches, the inbox and the renewals due,
timed over HTTP against the real release server, on SQLite and PostgreSQL.

  scripts/bench-scale.py [--db sqlite,postgres] [--contracts 1000000] [--calls 50]
                         [--server target/release/server] [--keep]

For each database:
1. The release server starts on a fresh database (a SQLite file in a temporary directory, or a
   PostgreSQL database made for the run) with the demo data (`WLD_DEMO=1`), so the schema is
   migrated and the demo accounts, organisations, flow and price book exist; then it stops.
2. The generator adds 2,000 partner organisations with 1–12 partner accounts each and N contracts,
   set-based in SQL (PostgreSQL: `INSERT … SELECT` over `generate_series`; SQLite: the same
   statements over a recursive CTE, with `synchronous=OFF` and no journal during the load; the
   indexes of the four big tables are dropped for the load and rebuilt from their own definitions).
   Every value comes from an integer hash of the row number, so both databases get the same rows:
   - organisations by a Zipf law (weight 1/rank): partner.a's is the second largest (~6 % of all
     contracts, the list's hard case); partner.b's is small (rank 1,200: ~100 of 1,000,000);
   - owners from the contract's organisation (skewed to its first accounts); a customer keeps its
     organisation and owner; ~22 % of contracts are a repeat customer's renewal or add-on (same
     corp ID `ww` + 16 hex digits, same names; its source is the customer's first contract or an
     external order), the rest a new customer's first order;
   - created over the last 3 years (ids in creation order); statuses by age: older contracts are
     mostly fulfilled (also rejected, withdrawn, cancelled, abandoned drafts, approved and never
     fulfilled); the last two weeks hold most drafts and the contracts in approval (levels 1–3);
     ~8 % went through a second round after a rejection;
   - document numbers `QYWXHT-<n>` for every submitted contract, beyond the demo's (the sequence
     row is moved past them), approvers per level (the default flow's: approver1..3, with the
     level names kept at submission), the approval steps of each round, 1–2 priced lines
     (quantities skewed, 12/24/36-month terms, add-ons pro-rated, 6 % tax with an invoice), the
     fulfilment (WeCom order ID, activation date, API expiry date = the lines' service end), and
     the renewal reminders already sent for contracts falling due within 30 days (as a running
     server would have sent them);
   then `ANALYZE` (PostgreSQL: `VACUUM (ANALYZE)`).
3. The server starts again on that database (and is left to finish its start-up work: the
   renewal reminder scan), then each request is timed `--calls` times after 2 warm-up calls, as
   partner.a (large organisation), partner.b (small organisation), admin and approver1:
   `contracts/list` (first page; each filter; two other sorts; page 20 through the cursor; a rare
   corp ID substring, a rare end-customer substring and a common substring), `contracts/list_choices`,
   `renewals/due`, and for approver1 `approvals/inbox` and `desk/counts`. Each row reports
   p50/p95/p99, the rows answered, and whether p95 is under the 50 ms target.

`run(binary, dbs, contracts, calls)` returns the results as data (for scripts/bench.py);
`markdown(results)` renders them. Standard library only, plus `psql` for PostgreSQL.
"""
import argparse, datetime, http.client, importlib.util, json, os, random, shutil, signal, sqlite3, subprocess, sys
import tempfile, time

_spec = importlib.util.spec_from_file_location("bench_contracts", os.path.join(os.path.dirname(__file__), "bench-contracts.py"))
bench_contracts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_contracts)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/test"
# Not the contract benchmark's port: both may run at once.
PORT = 3291
TARGET_MS = 50.0
WARMUP = 2
DAY_US = 86_400_000_000
YEARS = 3
ORGS = 2_000
SLOTS = 1 << 18
PARTNER_A_RANK, PARTNER_B_RANK = 2, 1_200
# Where the run's directory goes (None: the system's temporary directory) and the PostgreSQL
# database's name (None: wld_scale_<pid>); `--workdir` and `--pg-db` set them.
WORKDIR = None
PG_DB = None
BIG_TABLES = ["contracts", "contract_lines", "contract_approvers", "approval_steps"]

# ---------------------------------------------------------------------------------------------
# The hash every generated value comes from: integer arithmetic that SQLite and PostgreSQL (and
# Python) compute alike. Each salt has its own odd multipliers, so values of different salts are
# independent. H(x, s) is in [0, 2^24).
_rng = random.Random(20261218)
_MUL = [_rng.randrange(1 << 31, 1 << 32) | 1 for _ in range(128)]
_MUL2 = [_rng.randrange(1 << 30, 1 << 31) | 1 for _ in range(128)]
_ADD = [_rng.randrange(0, 1 << 32) for _ in range(129)]


def H(x, s):
    return f"(((({x}) * {_MUL[s]} + {_ADD[s]}) % 4294967296 / 256 * {_MUL2[s]} + {_ADD[s + 1]}) % 4294967296 / 256)"


def h_py(x, s):
    return (((x * _MUL[s] + _ADD[s]) % 4294967296) // 256 * _MUL2[s] + _ADD[s + 1]) % 4294967296 // 256


def pick(x, s, n):
    """One of n, from the hash."""
    return f"({H(x, s)} % {n})"


def secs(x, s, seconds):
    """A duration in microseconds, uniform in [0, seconds) (whole seconds, then random micros)."""
    return f"({H(x, s)} * {seconds} / 16777216 * 1000000 + {H(x, s + 64)} % 1000000)"


def fix(x):
    """Microseconds whose last three digits are never 000: the server writes SQLite timestamps
    with chrono's AutoSi (3, 6 or 9 digits, the shortest exact one) and compares them as text,
    so generated times keep six digits like the server's own."""
    return f"(({x}) - ({x}) % 1000 + 1 + ({x}) % 999)"


FIT = 20 * 86400


def fitted(x, t):
    """A time `x` of contract `t` (a raw time: its creation plus the durations of its life, up to
    ~17 days) squeezed to fit before now: a contract created less than 20 days ago went through
    the same steps faster, in the same order. Whole seconds after its creation (so the micros, never
    …000, are its creation's)."""
    return f"({t}.created_us + (({x}) - {t}.created_us) / 1000000 * {t}.fit / {FIT} * 1000000)"


CITIES = "北京上海广州深圳杭州南京苏州成都重庆武汉西安天津长沙郑州青岛厦门宁波合肥福州济南沈阳大连昆明南宁贵阳太原无锡佛山东莞温州珠海常州南昌兰州海口烟台泉州嘉兴绍兴台州"
BRAND1 = "星远青东北南华恒瑞鑫金银博睿智云天海山川泰安康宏信诚德盛元和嘉宇新通达源丰汇景明光辉晨正佳美优卓联创"
BRAND2 = "河禾岸辰湖峰林泽图宸航启程途腾润轩悦翔锐洋驰越成森鼎合利方业邦策略道思维易讯捷微网数芯磊舟帆川谷石松"
INDUSTRIES = "零售教育医疗物流制造科技信息餐饮地产金融传媒能源农业化工纺织汽车电子软件环保旅游建筑咨询贸易家居食品服饰酒店文化健康安防"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
assert len(CITIES) == 80 and len(BRAND1) == 50 and len(BRAND2) == 50 and len(INDUSTRIES) == 60, (
    len(CITIES), len(BRAND1), len(BRAND2), len(INDUSTRIES))


def customer_names(cid):
    """(corp_name, end_customer) SQL of customer `cid`: city + brand + industry + company form."""
    city = f"substr('{CITIES}', 1 + 2 * CAST({pick(cid, 2, 40)} AS INTEGER), 2)"
    b1 = f"substr('{BRAND1}', 1 + CAST({pick(cid, 3, 50)} AS INTEGER), 1)"
    b2 = f"substr('{BRAND2}', 1 + CAST({pick(cid, 4, 50)} AS INTEGER), 1)"
    ind = f"substr('{INDUSTRIES}', 1 + 2 * CAST({pick(cid, 5, 30)} AS INTEGER), 2)"
    form = (f"(CASE {pick(cid, 6, 4)} WHEN 0 THEN '有限公司' WHEN 1 THEN '股份有限公司' "
            f"WHEN 2 THEN '集团有限公司' ELSE '有限责任公司' END)")
    corp = f"({city} || {b1} || {b2} || {ind} || {form})"
    end = (f"(CASE {pick(cid, 7, 4)} WHEN 0 THEN {b1} || {b2} || {ind} WHEN 1 THEN {city} || {b1} || {b2} || {ind} "
           f"ELSE {corp} END)")
    return corp, end


# ---------------------------------------------------------------------------------------------
# The two databases: how to run SQL, and the few expressions that differ.

# ---------------------------------------------------------------------------------------------
# What the known triggers maintain, rebuilt from scratch after a load with them off: the
# statements of their migrations (`m20261208_000018_contract_tallies`,
# `m20261210_000021_approver_tallies` with the columns of `m20261211_000023_approver_reach_keys`), the
# same on both databases.

# An approver sees a contract once it reached one of their levels (`contract_reads::visible`).
_REACHED = ("(k.status IN ('approved', 'fulfilled') OR (k.status = 'in_approval' AND k.status_level >= ca.level) "
            "OR EXISTS (SELECT 1 FROM approval_steps s WHERE s.contract_id = k.id AND s.level >= ca.level))")
_APPROVER_KEY = "approver_user_id, organisation_id, owner_user_id, status, order_type"
REBUILD = {
    "contract_tallies": [
        "DELETE FROM contract_tallies",
        "INSERT INTO contract_tallies (organisation_id, owner_user_id, status, order_type, "
        "contracts, total_fen) SELECT organisation_id, owner_user_id, status, COALESCE(order_type, ''), COUNT(*), "
        "CAST(COALESCE(SUM(total_fen), 0) AS BIGINT) FROM contracts "
        "GROUP BY organisation_id, owner_user_id, status, COALESCE(order_type, '')"],
    "approver_tallies": [
        "DELETE FROM approver_tallies",
        "DELETE FROM approver_reach",
        f"INSERT INTO approver_reach (contract_id, {_APPROVER_KEY}, total_fen, created_at, updated_at, number_key) "
        "SELECT DISTINCT k.id, ca.approver_user_id, k.organisation_id, k.owner_user_id, k.status, "
        "COALESCE(k.order_type, ''), COALESCE(k.total_fen, 0), k.created_at, k.updated_at, "
        "COALESCE(CAST(SUBSTR(k.document_number, 8) AS BIGINT), 0) FROM contracts k "
        f"JOIN contract_approvers ca ON ca.contract_id = k.id WHERE {_REACHED}",
        f"INSERT INTO approver_tallies ({_APPROVER_KEY}, contracts, total_fen) SELECT {_APPROVER_KEY}, COUNT(*), "
        f"CAST(SUM(total_fen) AS BIGINT) FROM approver_reach GROUP BY {_APPROVER_KEY}"],
}
# The names' grams (`m20261212_000024_contract_name_grams`), "{FOLD}" the database's fold of a name
# (`lower` on SQLite, nothing on PostgreSQL); inserted in key order.
_GRAMS = " UNION ".join(
    f"SELECT substr({{FOLD}}(c.{col}), p.n, 2), c.organisation_id, c.id FROM contracts c "
    f"JOIN gram_positions p ON p.n < length(c.{col})" for col in ("end_customer", "corp_name"))
REBUILD["contract_grams"] = [
    "DELETE FROM contract_grams",
    f"INSERT INTO contract_grams (gram, organisation_id, contract_id) SELECT * FROM ({_GRAMS}) g ORDER BY 1, 2, 3"]
# Trigger name -> the table it maintains (PostgreSQL's names, then SQLite's).
KNOWN_TRIGGERS = {
    "contract_tallies_insert_delete": "contract_tallies", "contract_tallies_update": "contract_tallies",
    "approver_reach_contracts_update": "approver_tallies", "approver_reach_contracts_delete": "approver_tallies",
    "approver_reach_contract_approvers": "approver_tallies", "approver_reach_approval_steps": "approver_tallies",
    "approver_reach_contracts_keys": "approver_tallies",
    **{f"approver_reach_{t}_{op}": "approver_tallies"
       for t in ("contract_approvers", "approval_steps") for op in ("insert", "delete", "update")},
    **{f"contract_grams_{op}": "contract_grams" for op in ("insert_delete", "insert", "delete", "update")},
}
# Tables rebuilt after a load rather than kept row by row during it, on SQLite.
SQLITE_REBUILT = {"approver_tallies", "contract_grams"}



class Sqlite:
    name = "sqlite"
    fold = "lower"
    T, F = "1", "0"
    ts_type = "TEXT"

    def __init__(self, path):
        self.path = path
        self.url = f"sqlite://{path}?mode=rwc"
        self.con = None

    def open(self):
        self.con = sqlite3.connect(self.path, isolation_level=None)
        return self

    def close(self):
        if self.con:
            self.con.close()
            self.con = None

    def exec(self, sql):
        self.con.execute(sql)

    def query(self, sql):
        return [tuple(r) for r in self.con.execute(sql).fetchall()]

    def load(self, table, cols, rows):
        marks = ", ".join("?" for _ in cols)
        self.con.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", rows)

    def columns(self, table):
        return [r[1] for r in self.con.execute(f"PRAGMA table_info({table})")]

    def begin_load(self):
        for p in ["journal_mode = OFF", "synchronous = OFF", "cache_size = -1000000", "temp_store = MEMORY",
                  "foreign_keys = OFF"]:
            self.con.execute(f"PRAGMA {p}").fetchall()
        self.con.execute("BEGIN")

    def end_load(self):
        self.con.execute("COMMIT")
        self.con.execute("ANALYZE")
        self.con.execute("PRAGMA journal_mode = WAL").fetchall()
        # (A checkpoint on this connection is refused while its temp schema is in use: reopen.)
        self.close()
        self.open()

    def indexes(self, tables):
        names = ", ".join(f"'{t}'" for t in tables)
        return self.query(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                          f"AND tbl_name IN ({names})")

    # SQLite keeps the list's tallies and its search index on during the load (its upserts are in
    # place); the approvers' reach triggers are off: a refresh per approver and decision row
    # (several million) with the indexes dropped; so are the names' grams (about a dozen rows per
    # contract, inserted in key order after). Their tables are rebuilt after.
    def pause_triggers(self, tables):
        names = ", ".join(f"'{t}'" for t in tables)
        rows = self.query(f"SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger' "
                          f"AND tbl_name IN ({names}) ORDER BY name")
        self._paused = {}
        for name, table, sql in rows:
            if KNOWN_TRIGGERS.get(name) in SQLITE_REBUILT:
                self._paused[f"{table}.{name}"] = sql
                self.exec(f"DROP TRIGGER {name}")
        return list(self._paused)

    def resume_triggers(self, tables, paused):
        for derived in sorted({KNOWN_TRIGGERS[p.split(".", 1)[1]] for p in paused}):
            for sql in REBUILD[derived]:
                self.exec(sql.replace("{FOLD}", self.fold))
        for name in paused:
            self.exec(self._paused[name])
        return []

    def series(self, n):
        return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) ", "s"

    # The generator's scratch tables live in memory (temp_store) and leave no free pages behind.
    scratch = "CREATE TEMP TABLE"

    def ctas(self, name):
        return f"{self.scratch} {name} AS "

    def ts(self, us):
        return (f"(strftime('%Y-%m-%dT%H:%M:%S', ({us}) / 1000000, 'unixepoch') || '.' || "
                f"printf('%06d', ({us}) % 1000000) || '+00:00')")

    def day(self, d):
        return f"date(({d}) * 86400, 'unixepoch')"

    def clamp28(self, d):
        return f"(CASE WHEN CAST(strftime('%d', {d}) AS INTEGER) > 28 THEN date({d}, 'start of month', '+1 month') ELSE {d} END)"

    def end_of_term(self, d, months):
        return f"date({d}, '+' || ({months}) || ' months', '-1 day')"

    def hex(self, x, width):
        return f"printf('%0{width}x', {x})"

    def bool(self, cond):
        return f"(CASE WHEN {cond} THEN 1 ELSE 0 END)"

    def size(self):
        return os.path.getsize(self.path)


class Postgres:
    name = "postgres"
    fold = ""
    T, F = "TRUE", "FALSE"
    ts_type = "TIMESTAMPTZ"
    # Replica mode: no foreign key checks (every id comes from its table) and no triggers (see
    # `pause_triggers`) during the load.
    SESSION = ("SET session_replication_role = replica; SET synchronous_commit = off; "
               "SET maintenance_work_mem = '512MB'; SET work_mem = '256MB'; SET client_min_messages = warning;\n")

    def __init__(self, dbname):
        self.dbname = dbname
        self.url = PG_ADMIN.rsplit("/", 1)[0] + "/" + dbname

    def open(self):
        return self

    def close(self):
        pass

    def _psql(self, sql, *flags):
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", *flags, self.url], input=sql,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"psql failed: {p.stderr.strip()}\n--- in:\n{sql[:2000]}")
        return p.stdout

    def exec(self, sql):
        self._psql(self.SESSION + sql + ";\n")

    def query(self, sql):
        out = self._psql(sql + ";\n", "-tA", "-F", "\x1f")
        return [tuple(None if v == "" else v for v in line.split("\x1f")) for line in out.splitlines() if line]

    def load(self, table, cols, rows):
        def cell(v):
            if v is None:
                return "\\N"
            if isinstance(v, bool):
                return "t" if v else "f"
            return str(v).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
        data = "".join("\t".join(cell(v) for v in r) + "\n" for r in rows)
        self._psql(self.SESSION + f"COPY {table} ({', '.join(cols)}) FROM STDIN;\n" + data + "\\.\n")

    def columns(self, table):
        return [r[0] for r in self.query(
            f"SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            f"AND table_name = '{table}' ORDER BY ordinal_position")]

    def begin_load(self):
        pass

    def end_load(self):
        self._psql("VACUUM (ANALYZE);\n")

    def indexes(self, tables):
        names = ", ".join(f"'{t}'" for t in tables)
        return self.query(
            "SELECT ci.relname, pg_get_indexdef(ix.indexrelid) FROM pg_index ix "
            "JOIN pg_class ci ON ci.oid = ix.indexrelid JOIN pg_class t ON t.oid = ix.indrelid "
            "JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema() "
            f"WHERE t.relname IN ({names}) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = ix.indexrelid)")

    def pause_triggers(self, tables):
        names = ", ".join(f"'{t}'" for t in tables)
        rows = self.query(f"SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                          f"WHERE NOT t.tgisinternal AND c.relname IN ({names}) ORDER BY 1, 2")
        for table in sorted({r[0] for r in rows}):
            self.exec(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return [f"{r[0]}.{r[1]}" for r in rows]

    def resume_triggers(self, tables, paused):
        rebuilt, unknown = set(), []
        for name in paused:
            table, trigger = name.split(".", 1)
            derived = KNOWN_TRIGGERS.get(trigger)
            if derived is None:
                unknown.append(name)
            elif derived not in rebuilt:
                self.exec("; ".join(REBUILD[derived]).replace("{FOLD}", self.fold))
                rebuilt.add(derived)
        for table in sorted({p.split(".", 1)[0] for p in paused}):
            self.exec(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        return unknown

    def series(self, n):
        return "", f"generate_series(1::bigint, {n}) AS s(i)"

    scratch = "CREATE UNLOGGED TABLE"

    def ctas(self, name):
        return f"{self.scratch} {name} AS "

    def ts(self, us):
        return f"(to_timestamp(({us}) / 1000000) + (({us}) % 1000000) * INTERVAL '1 microsecond')"

    def day(self, d):
        return f"(DATE '1970-01-01' + CAST({d} AS INTEGER))"

    def clamp28(self, d):
        return (f"(CASE WHEN EXTRACT(DAY FROM {d}) > 28 THEN CAST(date_trunc('month', {d}) + INTERVAL '1 month' AS DATE) "
                f"ELSE {d} END)")

    def end_of_term(self, d, months):
        return f"CAST({d} + make_interval(months => CAST({months} AS INTEGER)) - INTERVAL '1 day' AS DATE)"

    def hex(self, x, width):
        return f"lpad(to_hex({x}), {width}, '0')"

    def bool(self, cond):
        return f"({cond})"

    def size(self):
        return int(self.query(f"SELECT pg_database_size('{self.dbname}')")[0][0])


# ---------------------------------------------------------------------------------------------
# The generator.

def fmt_ts(us):
    us = us - us % 1000 + 1 + us % 999
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=us)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"


def china_day(us):
    return (datetime.datetime(1970, 1, 1) + datetime.timedelta(microseconds=us + 8 * 3600 * 1_000_000)).date()


def one(db, sql):
    rows = db.query(sql)
    return rows[0][0] if rows else None


def generate(db, n, orgs=ORGS, log=print):
    """Adds `orgs` partner organisations with their accounts and `n` contracts to a migrated
    database holding the demo data. Returns facts the measurements need."""
    if n < 1000:
        raise ValueError("at least 1,000 contracts")
    now_us = int(time.time() * 1_000_000)
    t0 = now_us - YEARS * 365 * DAY_US
    step = (now_us - t0) // n
    facts = {"now_us": now_us}

    users = {u: (int(i), int(o)) for i, u, o in db.query("SELECT id, username, organisation_id FROM users")}
    org_a, org_b = users["partner.a"][1], users["partner.b"][1]
    flow = int(one(db, "SELECT id FROM approval_flows WHERE is_default ORDER BY id LIMIT 1"))
    levels = [(int(l), name, int(a) if a is not None else None) for l, name, a in db.query(
        f"SELECT level, name, default_approver_user_id FROM approval_levels WHERE flow_id = {flow} ORDER BY level")]
    levels = [(l, name, a or users[f"approver{l}"][0]) for l, name, a in levels]
    base_id = int(one(db, "SELECT COALESCE(MAX(id), 0) FROM contracts"))
    seq = int(one(db, "SELECT next_value FROM document_sequences WHERE name = 'contract'"))
    price_book = one(db, "SELECT price_book_version FROM contracts WHERE price_book_version IS NOT NULL LIMIT 1") or one(
        db, "SELECT version FROM price_books ORDER BY effective_from DESC LIMIT 1")
    apps = one(db, "SELECT value FROM settings WHERE key = 'installed_apps'")
    app_name = (json.loads(apps) if apps else ["灵当CRM"])[0]
    drafts_have_approvers = int(one(db, "SELECT COUNT(*) FROM contract_approvers ca JOIN contracts c ON c.id = ca.contract_id "
                                        "WHERE c.status = 'draft'")) > 0
    log(f"[{db.name}] demo: contracts up to id {base_id}, next number {seq}, flow {flow} "
        f"levels {[(l, a) for l, _, a in levels]}, price book {price_book}, a sample created_at "
        f"{one(db, 'SELECT created_at FROM contracts ORDER BY id LIMIT 1')!r}")

    db.begin_load()
    # Organisations: the demo partners' two and `orgs` more, by a Zipf law over ranks.
    ranks = orgs + 2
    b_rank = min(PARTNER_B_RANK, ranks)
    weight = [1.0 / r for r in range(1, ranks + 1)]
    total_w = sum(weight)
    org_ids, org_rows, used = {}, [], {name for _, name in db.query("SELECT id, name FROM organisations")}
    next_org = int(one(db, "SELECT MAX(id) FROM organisations")) + 1
    forms = ["信息技术有限公司", "网络科技有限公司", "软件有限公司", "数字科技有限公司", "科技服务有限公司"]
    k = 0
    for r in range(1, ranks + 1):
        if r == PARTNER_A_RANK:
            org_ids[r] = org_a
            continue
        if r == b_rank:
            org_ids[r] = org_b
            continue
        while True:
            k += 1
            name = (CITIES[2 * (h_py(k, 90) % 40):][:2] + BRAND1[h_py(k, 91) % 50] + BRAND2[h_py(k, 92) % 50]
                    + forms[h_py(k, 93) % len(forms)])
            if name not in used:
                break
        used.add(name)
        org_ids[r] = next_org
        org_rows.append((next_org, name, fmt_ts(t0 - 30 * DAY_US + h_py(r, 94) * 1_000_000)))
        next_org += 1
    db.load("organisations", ["id", "name", "created_at"], org_rows)

    # Accounts: 1–12 per organisation by its expected size; partner.a (and a2), partner.b first.
    next_user = int(one(db, "SELECT MAX(id) FROM users")) + 1
    owners, user_rows, n_users = [], [], {}
    for r in range(1, ranks + 1):
        org = org_ids[r]
        expected = n * weight[r - 1] / total_w
        count = min(12, 1 + int((1 + expected / 50)).bit_length() - 1)
        known = ["partner.a", "partner.a2"] if org == org_a else ["partner.b"] if org == org_b else []
        count = max(count, len(known))
        n_users[org] = count
        for kk in range(count):
            if kk < len(known):
                owners.append((org, kk, users[known[kk]][0]))
                continue
            uid = next_user
            next_user += 1
            surname = SURNAMES[h_py(uid, 95) % len(SURNAMES)]
            title = ["经理", "专员", "主管", "总监", "顾问"][h_py(uid, 96) % 5]
            user_rows.append((uid, org, f"p{r:04d}.{kk}", f"渠道{r:04d} · {surname}{title}",
                              fmt_ts(t0 - 20 * DAY_US + h_py(uid, 97) * 1_000_000)))
            owners.append((org, kk, uid))
    db.exec(f"{db.scratch} gen_users (id BIGINT, org BIGINT, username TEXT, display TEXT, created {db.ts_type})")
    db.load("gen_users", ["id", "org", "username", "display", "created"], user_rows)
    own = {"id": "g.id", "organisation_id": "g.org", "username": "g.username", "display_name": "g.display",
           "created_at": "g.created", "wecom_userid": "NULL"}
    cols = db.columns("users")
    db.exec(f"INSERT INTO users ({', '.join(cols)}) SELECT {', '.join(own.get(c, 't.' + c) for c in cols)} "
            f"FROM gen_users g CROSS JOIN users t WHERE t.username = 'partner.a'")

    # Where a customer's contracts go: SLOTS slots shared by the organisations' weights.
    shares = [max(1, int(SLOTS * w / total_w)) for w in weight]
    shares[0] += SLOTS - sum(shares)
    slot_rows, s = [], 0
    for r, count in enumerate(shares, start=1):
        org = org_ids[r]
        for _ in range(count):
            slot_rows.append((s, org, n_users[org]))
            s += 1
    db.exec(f"{db.scratch} gen_slot (slot BIGINT PRIMARY KEY, org_id BIGINT, n BIGINT)")
    db.load("gen_slot", ["slot", "org_id", "n"], slot_rows)
    db.exec(f"{db.scratch} gen_owner (org_id BIGINT, k BIGINT, user_id BIGINT, PRIMARY KEY (org_id, k))")
    db.load("gen_owner", ["org_id", "k", "user_id"], owners)
    db.exec(f"{db.scratch} gen_levels (level BIGINT PRIMARY KEY, approver BIGINT, name TEXT)")
    db.load("gen_levels", ["level", "approver", "name"], [(l, a, name) for l, name, a in levels])
    log(f"[{db.name}] {len(org_rows)} organisations, {len(user_rows)} accounts added; partner.a's organisation "
        f"{org_a} has weight {weight[PARTNER_A_RANK - 1] / total_w:.1%}, partner.b's {org_b} {weight[b_rank - 1] / total_w:.3%}")

    timings = {}

    def step_sql(label, sql):
        t = time.perf_counter()
        db.exec(sql)
        timings[label] = time.perf_counter() - t
        log(f"[{db.name}]   {label}: {timings[label]:.1f} s")

    prefix, src = db.series(n)
    # Stage 1: the customer, the creation time and the status (by age).
    repeat = f"(i > 100 AND {pick('i', 12, 100)} < 22)"
    cid = f"(CASE WHEN {repeat} THEN 1 + {H('i', 13)} % (i - 1) ELSE i END)"
    created = fix(f"{t0} + (i - 1) * {step} + ({H('i', 11)} % 1000) * {step // 1000}")
    u = pick("i", 16, 1000)
    age = f"({now_us} - created_us)"
    status = (
        f"CASE WHEN {age} < {14 * DAY_US} THEN (CASE WHEN {u} < 250 THEN 'draft' WHEN {u} < 650 THEN 'in_approval' "
        f"WHEN {u} < 750 THEN 'approved' WHEN {u} < 880 THEN 'fulfilled' WHEN {u} < 940 THEN 'rejected' "
        f"WHEN {u} < 980 THEN 'withdrawn' ELSE 'cancelled' END) "
        f"WHEN {age} < {60 * DAY_US} THEN (CASE WHEN {u} < 60 THEN 'draft' WHEN {u} < 90 THEN 'in_approval' "
        f"WHEN {u} < 180 THEN 'approved' WHEN {u} < 880 THEN 'fulfilled' WHEN {u} < 930 THEN 'rejected' "
        f"WHEN {u} < 960 THEN 'withdrawn' ELSE 'cancelled' END) "
        f"ELSE (CASE WHEN {u} < 25 THEN 'draft' WHEN {u} < 35 THEN 'approved' WHEN {u} < 920 THEN 'fulfilled' "
        f"WHEN {u} < 950 THEN 'rejected' WHEN {u} < 965 THEN 'withdrawn' ELSE 'cancelled' END) END")
    step_sql("stage 1 (customers, dates, statuses)",
             f"{db.ctas('gen_a')}{prefix}SELECT i, {base_id} + i AS id, cid, rep, created_us, {status} AS st FROM "
             f"(SELECT i, {cid} AS cid, CASE WHEN {repeat} THEN 1 ELSE 0 END AS rep, {created} AS created_us FROM {src}) x")

    # Stage 2: organisation and owner (from the customer), rounds, levels, decisions.
    kk = f"(CASE WHEN {H('a.cid', 15)} % g.n < {H('a.cid', 25)} % g.n THEN {H('a.cid', 15)} % g.n ELSE {H('a.cid', 25)} % g.n END)"
    rnd = (f"(CASE WHEN a.st = 'draft' OR (a.st = 'cancelled' AND {pick('a.i', 19, 2)} = 0) THEN 0 "
           f"WHEN {pick('a.i', 18, 100)} < 8 THEN 2 ELSE 1 END)")
    lvl = (f"(CASE WHEN a.st = 'in_approval' THEN 1 + (CASE WHEN {pick('a.i', 17, 10)} >= 5 THEN 1 ELSE 0 END) "
           f"+ (CASE WHEN {pick('a.i', 17, 10)} >= 8 THEN 1 ELSE 0 END) END)")
    rr = f"(CASE WHEN a.st = 'rejected' OR (a.st = 'cancelled' AND {rnd} > 0) THEN 1 + {pick('a.i', 21, 3)} ELSE 0 END)"
    l0 = f"(CASE WHEN {rnd} = 2 THEN 1 + {pick('a.i', 20, 3)} ELSE 0 END)"
    approved = (f"(CASE WHEN a.st IN ('approved', 'fulfilled') THEN 3 WHEN a.st = 'in_approval' THEN {lvl} - 1 "
                f"WHEN a.st = 'withdrawn' THEN {pick('a.i', 21, 3)} WHEN {rr} > 0 THEN {rr} - 1 ELSE 0 END)")
    step_sql("stage 2 (organisations, owners, rounds)",
             f"{db.ctas('gen_b')}SELECT a.i, a.id, a.cid, a.rep, a.created_us, a.st, g.org_id, o.user_id AS owner, "
             f"CASE WHEN {pick('a.i', 28, 10)} = 0 THEN o0.user_id ELSE o.user_id END AS creator, "
             f"{rnd} AS r, {lvl} AS lvl, {rr} AS rr, {l0} AS l0, {approved} AS na, "
             f"a.created_us + 600000000 + {secs('a.i', 22, 2 * 86400)} AS first_sub, "
             f"900000000 + {secs('a.i', 23, 8 * 3600)} AS gap, "
             f"CASE WHEN ({now_us} - 3000000 - a.created_us) / 1000000 < {FIT} THEN ({now_us} - 3000000 - a.created_us) / 1000000 "
             f"ELSE {FIT} END AS fit "
             f"FROM gen_a a JOIN gen_slot g ON g.slot = {H('a.cid', 14)} % {SLOTS} "
             f"JOIN gen_owner o ON o.org_id = g.org_id AND o.k = {kk} "
             f"JOIN gen_owner o0 ON o0.org_id = g.org_id AND o0.k = 0")

    # Stage 3: the (last) submission; order type, lines, term, invoice.
    sub_raw = (f"(CASE WHEN b.r = 0 THEN NULL WHEN b.r = 2 THEN b.first_sub + b.l0 * b.gap + 3600000000 + "
               f"{secs('b.i', 24, 2 * 86400)} ELSE b.first_sub END)")
    order_type = (f"(CASE WHEN b.st = 'draft' AND {pick('b.i', 30, 20)} = 0 THEN NULL WHEN b.rep = 1 THEN "
                  f"(CASE WHEN {pick('b.i', 31, 10)} < 7 THEN 'renewal' ELSE 'addon' END) ELSE 'new' END)")
    qb = pick("b.i", 34, 100)
    q1 = (f"(CASE WHEN {qb} < 50 THEN 5 + {pick('b.i', 35, 45)} WHEN {qb} < 85 THEN 50 + {pick('b.i', 35, 250)} "
          f"WHEN {qb} < 97 THEN 300 + {pick('b.i', 35, 1700)} ELSE 2000 + {pick('b.i', 35, 8000)} END)")
    mb = pick("b.i", 37, 100)
    months = f"(CASE WHEN {order_type} = 'addon' THEN 1 + {pick('b.i', 37, 11)} WHEN {mb} < 75 THEN 12 WHEN {mb} < 90 THEN 24 ELSE 36 END)"
    step_sql("stage 3 (submissions, order types, lines)",
             f"{db.ctas('gen_t')}SELECT b.*, {sub_raw} AS sub_raw, {order_type} AS ot, "
             f"CASE WHEN {pick('b.i', 32, 100)} < 20 THEN 2 ELSE 1 END AS nl, "
             f"CASE WHEN {pick('b.i', 33, 10)} < 7 THEN 'interop' ELSE 'basic' END AS k1, {q1} AS q1, "
             f"{months} AS m, CASE WHEN {pick('b.i', 38, 10)} < 6 THEN 1 ELSE 0 END AS inv, "
             f"CASE WHEN b.st = 'draft' AND {pick('b.i', 39, 100)} < 15 THEN 0 ELSE 1 END AS priced FROM gen_b b")
    # Stage 4: the last change, by status.
    upd = (f"(CASE b.st WHEN 'draft' THEN b.created_us + 60000000 + {secs('b.i', 25, 3 * 86400)} "
           f"WHEN 'in_approval' THEN b.sub_raw + b.na * b.gap "
           f"WHEN 'approved' THEN b.sub_raw + 3 * b.gap "
           f"WHEN 'fulfilled' THEN b.sub_raw + 3 * b.gap + 3600000000 + {secs('b.i', 26, 5 * 86400)} "
           f"WHEN 'rejected' THEN b.sub_raw + b.rr * b.gap "
           f"WHEN 'withdrawn' THEN b.sub_raw + b.na * b.gap + 600000000 + {secs('b.i', 26, 86400)} "
           f"ELSE (CASE WHEN b.r > 0 THEN b.sub_raw + b.rr * b.gap + {DAY_US} + {secs('b.i', 26, 10 * 86400)} "
           f"ELSE b.created_us + {secs('b.i', 26, 10 * 86400)} END) END)")
    step_sql("stage 4 (last changes)",
             f"{db.ctas('gen_c')}SELECT b.*, {fitted('b.sub_raw', 'b')} AS sub_us, {fitted(upd, 'b')} AS upd_us FROM gen_t b")

    dropped = db.indexes(BIG_TABLES)
    for name, _ in dropped:
        db.exec(f"DROP INDEX {name}")
    # PostgreSQL: the tables' own triggers (the list's tallies) are off for the load and their
    # tables rebuilt after it: a row-by-row upsert of the same tally rows in one transaction walks
    # ever longer version chains (the load did not finish in 8 minutes). SQLite keeps the list's
    # tallies and search index on (its upserts are in place) and turns the approvers' reach off.
    paused = db.pause_triggers(BIG_TABLES)
    if paused:
        log(f"[{db.name}] triggers off during the load: {paused}")

    def unit(kind, q):
        return (f"(CASE WHEN {kind} = 'interop' THEN (CASE WHEN {q} <= 5 THEN 5000 WHEN {q} <= 200 THEN 4000 "
                f"WHEN {q} <= 500 THEN 3000 WHEN {q} <= 1000 THEN 2000 ELSE 1000 END) ELSE (CASE WHEN {q} <= 5 THEN 500 "
                f"WHEN {q} <= 200 THEN 400 WHEN {q} <= 500 THEN 300 WHEN {q} <= 1000 THEN 200 ELSE 100 END) END)")

    k2 = "(CASE WHEN x.k1 = 'interop' THEN 'basic' ELSE 'interop' END)"
    q2 = f"(1 + {H('x.i', 36)} % x.q1)"
    a1 = f"(x.q1 * {unit('x.k1', 'x.q1')} * x.m / 12)"
    a2 = f"(CASE WHEN x.nl = 2 THEN {q2} * {unit(k2, q2)} * x.m / 12 ELSE 0 END)"
    t1 = f"(CASE WHEN x.inv = 1 THEN {a1} * 6 / 100 ELSE 0 END)"
    t2 = f"(CASE WHEN x.inv = 1 THEN {a2} * 6 / 100 ELSE 0 END)"
    start_day = (f"(CASE WHEN c.st = 'fulfilled' THEN (c.upd_us / 1000000 + 28800) / 86400 + {pick('c.i', 40, 5)} "
                 f"ELSE (c.created_us / 1000000 + 28800) / 86400 + 7 + {pick('c.i', 40, 20)} END)")
    with_term = f"(SELECT c.*, {db.clamp28(db.day(start_day))} AS svc_s FROM gen_c c) x"
    svc_end = db.end_of_term("x.svc_s", "x.m")
    corp, end = customer_names("x.cid")
    corp_id = f"('ww' || {db.hex(H('x.cid', 1), 6)} || {db.hex(H('x.cid', 8), 6)} || {db.hex(H('x.cid', 9) + ' % 65536', 4)})"
    orig = f"NOT (x.cid > 100 AND {pick('x.cid', 12, 100)} < 22)"
    src_kind = f"(CASE WHEN x.rep = 0 THEN 'none' WHEN {orig} THEN 'contract' ELSE 'external' END)"
    crm = pick("x.cid", 41, 10)
    submitted = "x.r > 0"
    fulfilled = "x.st = 'fulfilled'"
    priced = "x.priced = 1"
    values = {
        "id": "x.id",
        "document_number": f"(CASE WHEN {submitted} THEN 'QYWXHT-' || CAST({seq - 1} + x.i AS TEXT) END)",
        "organisation_id": "x.org_id",
        "owner_user_id": "x.owner",
        "created_by": "x.creator",
        "status": "x.st",
        "status_level": "x.lvl",
        "version": f"(1 + x.na + (CASE WHEN x.rr > 0 THEN 1 ELSE 0 END) + x.r + x.l0 + (CASE WHEN {fulfilled} THEN 1 ELSE 0 END) + {pick('x.i', 46, 3)})",
        "approval_round": "x.r",
        "end_customer": end,
        "corp_id": corp_id,
        "corp_name": corp,
        "crm_type": f"(CASE WHEN {crm} < 5 THEN 'on_premise' WHEN {crm} < 8 THEN 'lease' ELSE 'hosted' END)",
        "lease_url": f"(CASE WHEN {crm} BETWEEN 5 AND 7 THEN 'https://crm.example.cn/lease/' || {db.hex(H('x.cid', 42), 6)} ELSE '' END)",
        "payment_method": (f"(CASE WHEN x.st = 'draft' AND {pick('x.i', 43, 10)} = 0 THEN NULL "
                           f"WHEN {pick('x.i', 43, 10)} < 6 THEN 'bank_transfer' ELSE 'wechat_scan' END)"),
        "order_type": "x.ot",
        "auto_activation": f"(CASE WHEN x.st = 'draft' AND {pick('x.i', 44, 10)} = 0 THEN NULL ELSE {db.bool(pick('x.i', 44, 10) + ' < 7')} END)",
        "userid_count_matches": f"(CASE WHEN {submitted} THEN {db.T} END)",
        "order_quantity_matches": f"(CASE WHEN {submitted} THEN {db.T} END)",
        "installed_app": f"'{app_name}'",
        "api_expiry_date": f"(CASE WHEN x.st <> 'draft' AND {priced} THEN {svc_end} END)",
        "remark": (f"(CASE {pick('x.i', 45, 10)} WHEN 0 THEN '客户要求月底前开通' WHEN 1 THEN '续费，沿用原账号' "
                   f"WHEN 2 THEN '含赠送账号，已与销售确认' ELSE '' END)"),
        "source_kind": src_kind,
        "source_contract_id": f"(CASE WHEN x.rep = 1 AND {orig} THEN {base_id} + x.cid END)",
        "source_order_number": f"(CASE WHEN x.rep = 1 AND NOT ({orig}) THEN 'WW' || CAST({H('x.cid', 47)} AS TEXT) || CAST({pick('x.cid', 48, 1000)} AS TEXT) END)",
        "source_service_end": f"(CASE WHEN x.rep = 1 AND NOT ({orig}) THEN {db.day('(x.created_us / 1000000 + 28800) / 86400 + 7 + ' + pick('x.cid', 49, 20))} END)",
        "existing_basic": f"(CASE WHEN x.ot = 'addon' THEN (CASE WHEN x.k1 = 'basic' THEN 10 + {pick('x.i', 50, 500)} ELSE 0 END) END)",
        "existing_interop": f"(CASE WHEN x.ot = 'addon' THEN (CASE WHEN x.k1 = 'interop' THEN 10 + {pick('x.i', 50, 500)} ELSE 0 END) END)",
        "payment_voucher_id": "NULL",
        "userid_sheet_id": "NULL",
        "subtotal_fen": f"(CASE WHEN {priced} THEN {a1} + {a2} END)",
        "tax_fen": f"(CASE WHEN {priced} THEN {t1} + {t2} END)",
        "total_fen": f"(CASE WHEN {priced} THEN {a1} + {a2} + {t1} + {t2} END)",
        "invoice": f"(CASE WHEN {priced} THEN {db.bool('x.inv = 1')} END)",
        "price_book_version": f"(CASE WHEN {priced} THEN '{price_book}' END)",
        "flow_id": str(flow),
        "wecom_order_id": f"(CASE WHEN {fulfilled} THEN 'WXORD' || CAST({H('x.i', 51)} AS TEXT) || CAST({pick('x.i', 52, 1000)} AS TEXT) END)",
        "activation_date": f"(CASE WHEN {fulfilled} THEN {db.day('(x.upd_us / 1000000 + 28800) / 86400')} END)",
        "created_at": db.ts("x.created_us"),
        "updated_at": db.ts("x.upd_us"),
        "submitted_at": f"(CASE WHEN {submitted} THEN {db.ts('x.sub_us')} END)",
    }
    cols = db.columns("contracts")
    other = [c for c in cols if c not in values]
    from_ = with_term + (f" CROSS JOIN (SELECT * FROM contracts WHERE id = {base_id}) t" if other else "")
    if other:
        log(f"[{db.name}] contracts columns the generator does not know, copied from the last demo contract: {other}")
    step_sql("contracts", f"INSERT INTO contracts ({', '.join(cols)}) SELECT "
             f"{', '.join(values.get(c, 't.' + c) for c in cols)} FROM {from_}")

    line_cols = ("contract_id, position, kind, quantity, service_start, service_end, months, invoice, amount_fen, "
                 "tax_fen, total_fen, negotiated_amount_fen, description")
    for pos, kind, q, amount, tax in [(0, "x.k1", "x.q1", a1, t1), (1, k2, q2, a2, t2)]:
        where = " WHERE x.nl = 2" if pos else ""
        step_sql(f"contract_lines ({pos + 1})",
                 f"INSERT INTO contract_lines ({line_cols}) SELECT x.id, {pos}, {kind}, {q}, x.svc_s, {svc_end}, "
                 f"CASE WHEN {priced} THEN x.m END, {db.bool('x.inv = 1')}, CASE WHEN {priced} THEN {amount} END, "
                 f"CASE WHEN {priced} THEN {tax} END, CASE WHEN {priced} THEN {amount} + {tax} END, NULL, '' "
                 f"FROM {with_term}{where}")
    who = "x.r > 0" if not drafts_have_approvers else "(x.r > 0 OR x.st = 'draft')"
    step_sql("contract_approvers",
             f"INSERT INTO contract_approvers (contract_id, level, approver_user_id, level_name) "
             f"SELECT x.id, l.level, l.approver, CASE WHEN x.r > 0 THEN l.name END FROM gen_c x CROSS JOIN gen_levels l WHERE {who}")
    reasons = ("(CASE {} WHEN 0 THEN '付款凭证金额与合同金额不符，请核对后重新提交' WHEN 1 THEN 'userid 表格与订单数量不一致' "
               "ELSE '企业ID与营业执照名称不符，请确认' END)")
    ok = f"(CASE WHEN {pick('x.i', 53, 2)} = 0 THEN '同意' ELSE '' END)"
    step_cols = "contract_id, round, level, approver_user_id, decision, comment, decided_at"
    step_sql("approval_steps (current round)",
             f"INSERT INTO approval_steps ({step_cols}) SELECT x.id, x.r, l.level, l.approver, "
             f"CASE WHEN l.level = x.rr THEN 'reject' ELSE 'approve' END, "
             f"CASE WHEN l.level = x.rr THEN {reasons.format(pick('x.i', 54, 3))} ELSE {ok} END, "
             f"{db.ts(fitted('x.sub_raw + l.level * x.gap', 'x'))} "
             f"FROM gen_c x JOIN gen_levels l ON l.level <= x.na OR l.level = x.rr WHERE x.r > 0")
    step_sql("approval_steps (earlier round)",
             f"INSERT INTO approval_steps ({step_cols}) SELECT x.id, x.r - 1, l.level, l.approver, "
             f"CASE WHEN l.level = x.l0 THEN 'reject' ELSE 'approve' END, "
             f"CASE WHEN l.level = x.l0 THEN {reasons.format(pick('x.i', 55, 3))} ELSE {ok} END, "
             f"{db.ts(fitted('x.first_sub + l.level * x.gap', 'x'))} "
             f"FROM gen_c x JOIN gen_levels l ON l.level <= x.l0 WHERE x.l0 > 0")

    today = china_day(now_us)
    sent = fmt_ts(now_us - 3_600_000_000)
    for threshold in (30, 7):
        until = today + datetime.timedelta(days=threshold)
        step_sql(f"renewal_reminders ({threshold} days)",
                 f"INSERT INTO renewal_reminders (contract_id, threshold, expiry, sent_at) "
                 f"SELECT id, {threshold}, api_expiry_date, '{sent}' FROM contracts WHERE status = 'fulfilled' "
                 f"AND api_expiry_date >= '{today}' AND api_expiry_date <= '{until}' AND id > {base_id}")
    db.exec(f"UPDATE document_sequences SET next_value = {seq + n} WHERE name = 'contract'")
    t = time.perf_counter()
    for name, sql in dropped:
        db.exec(sql)
    timings["indexes"] = time.perf_counter() - t
    log(f"[{db.name}]   {len(dropped)} indexes rebuilt: {timings['indexes']:.1f} s")
    # After the indexes: the approvers' reach is a join of the contracts, approvers and decisions.
    if paused:
        t = time.perf_counter()
        unknown = db.resume_triggers(BIG_TABLES, paused)
        timings["derived tables"] = time.perf_counter() - t
        derived = sorted({KNOWN_TRIGGERS.get(p.split(".", 1)[1], "?") for p in paused})
        log(f"[{db.name}]   triggers back on, {', '.join(derived)} rebuilt: {timings['derived tables']:.1f} s")
        if unknown:
            log(f"[{db.name}] WARNING: triggers the generator does not know were off during the load: {unknown}; "
                "whatever they maintain was not rebuilt")
    if db.name == "postgres":
        for table in ["organisations", "users", "contracts"]:
            db.exec(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
    for table in ["gen_a", "gen_b", "gen_t", "gen_c", "gen_slot", "gen_owner", "gen_levels", "gen_users"]:
        db.exec(f"DROP TABLE {table}")
    t = time.perf_counter()
    db.end_load()
    timings["analyze"] = time.perf_counter() - t
    log(f"[{db.name}]   analyze: {timings['analyze']:.1f} s")
    facts.update(org_a=org_a, org_b=org_b, users=users, base_id=base_id, timings=timings, today=today)
    return facts


def describe(db, facts):
    """What was generated: counts, the spread, and the search terms (found in the data)."""
    base = facts["base_id"]
    d = {}
    for t in ["organisations", "users", "contracts", "contract_lines", "contract_approvers", "approval_steps",
              "renewal_reminders"]:
        d[t] = int(one(db, f"SELECT COUNT(*) FROM {t}"))
    d["statuses"] = {s: int(c) for s, c in db.query("SELECT status, COUNT(*) FROM contracts GROUP BY status ORDER BY 2 DESC")}
    d["in_approval_levels"] = {int(l): int(c) for l, c in db.query(
        "SELECT status_level, COUNT(*) FROM contracts WHERE status = 'in_approval' GROUP BY status_level ORDER BY 1")}
    d["order_types"] = {str(o): int(c) for o, c in db.query("SELECT order_type, COUNT(*) FROM contracts GROUP BY order_type")}
    d["distinct_corp_ids"] = int(one(db, "SELECT COUNT(DISTINCT corp_id) FROM contracts"))
    sizes = [int(c) for (c,) in db.query("SELECT COUNT(*) FROM contracts GROUP BY organisation_id ORDER BY 1 DESC")]
    d["org_sizes"] = {"organisations with contracts": len(sizes), "largest": sizes[:3], "median": sizes[len(sizes) // 2],
                      "smallest": sizes[-1]}
    d["partner_a_org"] = int(one(db, f"SELECT COUNT(*) FROM contracts WHERE organisation_id = {facts['org_a']}"))
    d["partner_b_org"] = int(one(db, f"SELECT COUNT(*) FROM contracts WHERE organisation_id = {facts['org_b']}"))
    d["approver1_waiting"] = int(one(db, (
        "SELECT COUNT(*) FROM contracts c JOIN contract_approvers ca ON ca.contract_id = c.id AND ca.level = c.status_level "
        f"WHERE c.status = 'in_approval' AND ca.approver_user_id = {facts['users']['approver1'][0]}")))
    today = facts["today"]
    d["due_30_days"] = int(one(db, f"SELECT COUNT(*) FROM contracts WHERE status = 'fulfilled' AND api_expiry_date >= '{today}' "
                                   f"AND api_expiry_date <= '{today + datetime.timedelta(days=30)}'"))
    d["created_span"] = list(db.query("SELECT MIN(created_at), MAX(created_at) FROM contracts")[0])
    # Search terms per scope: a contract in it, a piece of its corp ID and of its end customer that
    # (nearly) only it matches, as the list's search matches them (any of four columns).
    scopes = {"partner.a": f"organisation_id = {facts['org_a']}", "partner.b": f"organisation_id = {facts['org_b']}",
              "admin": "1 = 1", "approver1": "document_number IS NOT NULL"}
    terms = {}
    for role, scope in scopes.items():
        row = db.query(f"SELECT id, corp_id, end_customer, owner_user_id FROM contracts WHERE {scope} AND status = 'fulfilled' "
                       f"AND id > {base} ORDER BY id DESC LIMIT 1 OFFSET 3") or db.query(
            f"SELECT id, corp_id, end_customer, owner_user_id FROM contracts WHERE {scope} AND status = 'fulfilled' ORDER BY id DESC LIMIT 1")
        cid, corp_id, customer, owner = row[0]

        def matches(text):
            like = "'%" + text + "%'"
            return int(one(db, f"SELECT COUNT(*) FROM contracts WHERE {scope} AND (corp_id LIKE {like} OR end_customer LIKE {like} "
                               f"OR corp_name LIKE {like} OR document_number LIKE {like})"))
        corp_piece = corp_id[6:14]
        best = None
        for piece in [customer[2:6], customer[0:4], customer[1:5], customer[0:6], customer[2:8]]:
            if len(piece) < 4:
                continue
            c = matches(piece)
            if best is None or (c <= 10 and c >= 2 and not 2 <= best[1] <= 10) or (c < best[1] and best[1] > 10):
                best = (piece, c)
            if 2 <= c <= 10:
                break
        # A pair of characters of its end customer that only names hold and the fewest contracts
        # of the scope do (the brand's two characters, one customer in 2,500).
        pairs = sorted({customer[i:i + 2] for i in range(len(customer) - 1)})
        rare2 = min(((matches(p), p) for p in pairs), default=(0, ""))
        terms[role] = {"rare2": rare2[1], "rare2_rows": rare2[0], "contract_id": int(cid), "corp_id": corp_id, "corp_piece": corp_piece, "corp_piece_rows": matches(corp_piece),
                       "customer": customer, "customer_piece": best[0], "customer_piece_rows": best[1],
                       "common": "科技", "common_rows": matches("科技"), "common4": "有限公司",
                       "common4_rows": matches("有限公司"), "owner": int(owner)}
    d["terms"] = terms
    return d


# ---------------------------------------------------------------------------------------------
# The server and the measurements.

class Server(bench_contracts.Server):
    """The contract benchmark's server with its output in a log file, and its CPU time."""

    def __init__(self, binary, env, log_path):
        # Start-up may first migrate a freshly generated database of a million contracts.
        super().__init__(binary, env, log_path, ready_s=300)

    def cpu_seconds(self):
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def settle(srv, db, quiet_s=3, timeout=1200):
    """Waits until the server has done its start-up work (the renewal reminder scan: one write
    transaction per contract falling due within 30 days): (almost) no CPU and, on PostgreSQL, no
    more commits than its idle polling makes (the outbox worker's, a few a second), for
    `quiet_s` seconds. Returns how long that took."""
    t0 = time.perf_counter()

    def commits():
        if db.name != "postgres":
            return 0
        return int(one(db, f"SELECT xact_commit FROM pg_stat_database WHERE datname = '{db.dbname}'"))
    quiet, cpu, xc = 0, srv.cpu_seconds(), commits()
    while quiet < quiet_s and time.perf_counter() - t0 < timeout:
        time.sleep(1)
        cpu2, xc2 = srv.cpu_seconds(), commits()
        quiet = quiet + 1 if cpu2 - cpu < 0.05 and xc2 - xc <= 12 else 0
        cpu, xc = cpu2, xc2
    return time.perf_counter() - t0


def pct(xs, p):
    xs = sorted(xs)
    k = (len(xs) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def rows_of(endpoint, answer):
    if endpoint == "contracts/list":
        return len(answer["items"]), answer["count"]
    if endpoint == "approvals/inbox":
        return len(answer["waiting"]) + len(answer["handled"]), f"{len(answer['waiting'])} waiting + {len(answer['handled'])} handled"
    if endpoint == "renewals/due":
        return len(answer["items"]), None
    if endpoint == "contracts/list_choices":
        return len(answer["owners"]) + len(answer["organisations"]), f"{len(answer['owners'])} owners, {len(answer['organisations'])} orgs"
    if endpoint == "desk/counts":
        return 1, f"{answer['waiting']} waiting"
    return None, None


def measure(label, role, endpoint, body, cookie, calls, budget, slow_s):
    """`calls` timed calls after WARMUP untimed ones (fewer when they would take over `budget` s).
    A first call over `slow_s` seconds, or one the server gave up on (its idle timeout closes a
    connection after 60 s without a byte), is the row's only figure: `slow` asks for a restart,
    since the database may still be working on it."""
    r = {"label": label, "role": role, "endpoint": endpoint, "body": body}
    t0 = time.perf_counter()
    try:
        answer, dt, _ = bench_contracts.call(f"/api/{endpoint}", body, cookie)
        if dt > slow_s:
            xs = [dt * 1000]
            r["note"] = f"one call only (over {slow_s:.0f} s)"
        else:
            for _ in range(WARMUP - 1):
                answer, dt, _ = bench_contracts.call(f"/api/{endpoint}", body, cookie)
            xs, t1 = [], time.perf_counter()
            while len(xs) < calls and (len(xs) < 5 or time.perf_counter() - t1 < budget):
                answer, dt, _ = bench_contracts.call(f"/api/{endpoint}", body, cookie)
                xs.append(dt * 1000)
        r.update(calls=len(xs), p50=pct(xs, 50), p95=pct(xs, 95), p99=pct(xs, 99), max=max(xs))
        r["rows"], r["count"] = rows_of(endpoint, answer)
        r["ok"] = r["p95"] < TARGET_MS
        r["slow"] = False
    except Exception as e:  # a failing request is a row too
        waited = time.perf_counter() - t0
        r.update(error=f"{str(e)[:200]} (after {waited:.1f} s)", ok=False, slow=True, waited_s=waited)
    return r


ROLES = ("partner.a", "partner.b", "admin", "approver1")


def cases(facts, desc, only=ROLES):
    users, terms, today = facts["users"], desc["terms"], facts["today"]
    day = lambda n: str(today - datetime.timedelta(days=n))
    roles = {"partner.a": "partner.a (large org)", "partner.b": "partner.b (small org)", "admin": "admin", "approver1": "approver1"}
    owner_filter = {"partner.a": users["partner.a2"][0], "partner.b": users["partner.b"][0],
                    "admin": users["partner.a"][0], "approver1": users["partner.a"][0]}
    out = []
    for role, name in roles.items():
        if role not in only:
            continue
        t = terms[role]
        lists = [
            ("first page", {}),
            ("status = in_approval", {"status": "in_approval"}),
            ("status = fulfilled", {"status": "fulfilled"}),
            ("order_type = addon", {"order_type": "addon"}),
            ("owner", {"owner": owner_filter[role]}),
        ]
        if role == "admin":
            lists += [("organisation (partner.a's, large)", {"organisation": facts["org_a"]}),
                      ("organisation (partner.b's, small)", {"organisation": facts["org_b"]})]
        lists += [
            ("corp_id exact", {"corp_id": t["corp_id"]}),
            ("created in one month a year ago", {"created_from": day(400), "created_to": day(370)}),
            ("updated in the last 7 days", {"updated_from": day(7), "updated_to": day(0)}),
            ("sort total_desc", {"sort": "total_desc"}),
            ("sort number_asc", {"sort": "number_asc"}),
            ("page 20 (cursor)", "PAGE20"),
            (f"search rare corp ID piece '{t['corp_piece']}'", {"search": t["corp_piece"]}),
            (f"search rare customer piece '{t['customer_piece']}'", {"search": t["customer_piece"]}),
            (f"search rare '{t['rare2']}' (2 characters)", {"search": t["rare2"]}),
            (f"search common '{t['common']}' (2 characters)", {"search": t["common"]}),
            (f"search common '{t['common4']}'", {"search": t["common4"]}),
        ]
        for label, f in lists:
            out.append((name, role, "contracts/list", f"list: {label}", f))
        out.append((name, role, "contracts/list_choices", "list choices (owner/org filter options)", None))
        out.append((name, role, "renewals/due", "renewals due in 30 days", {"days": 30}))
        if role == "admin":
            out.append((name, role, "renewals/due", "renewals due in 90 days", {"days": 90}))
        if role == "approver1":
            out.append((name, role, "approvals/inbox", "approvals inbox", None))
            out.append((name, role, "desk/counts", "desk counts (nav badges)", None))
    return out


PASSWORDS = {"partner.a": "demo-partner-2026", "partner.b": "demo-partner-2026", "admin": "demo-admin-2026",
             "approver1": "demo-approver-2026"}


def restart(srv, db, log):
    """A fresh server after a request it gave up on: its database work is stopped with it."""
    srv.stop()
    if db.name == "postgres":
        # The old server's sessions may still run the abandoned query.
        db.query(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{db.dbname}' "
                 "AND pid <> pg_backend_pid()")
    srv.start()
    log(f"[{db.name}] server restarted; start-up work {settle(srv, db):.1f} s")


def facts_of(db):
    """The facts `generate` returned, read back from a generated database (for `--reuse`)."""
    users = {u: (int(i), int(o)) for i, u, o in db.query("SELECT id, username, organisation_id FROM users")}
    now_us = int(time.time() * 1_000_000)
    base_id = int(one(db, "SELECT COALESCE(MAX(id), 0) FROM contracts WHERE end_customer LIKE '演示·%'"))
    return {"now_us": now_us, "org_a": users["partner.a"][1], "org_b": users["partner.b"][1], "users": users,
            "base_id": base_id, "timings": {}, "today": china_day(now_us)}


def run_db(db_kind, binary, contracts, calls, keep=False, budget=60, slow_s=5, log=print, roles=ROLES, reuse=None,
           on_row=None):
    """Generates `contracts` contracts on a fresh `db_kind` database (or, with `reuse`, takes the
    database of that URL as a generator left it) and times the requests on it."""
    bench_contracts.PORT = PORT
    if reuse:
        keep = True
        db_kind = "sqlite" if reuse.startswith("sqlite:") else "postgres"
        if db_kind == "sqlite":
            db = Sqlite(reuse.split("://", 1)[1].split("?", 1)[0])
            work = os.path.dirname(db.path)
        else:
            db = Postgres(reuse.rsplit("/", 1)[1].split("?", 1)[0])
            work = tempfile.mkdtemp(prefix="wld-scale-", dir=WORKDIR)
    else:
        work = tempfile.mkdtemp(prefix="wld-scale-", dir=WORKDIR)
        if db_kind == "sqlite":
            db = Sqlite(os.path.join(work, "scale.db"))
        else:
            db = Postgres(PG_DB or f"wld_scale_{os.getpid()}")
            subprocess.run(["psql", "-X", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {db.dbname}"], check=True)
            subprocess.run(["psql", "-X", "-q", PG_ADMIN, "-c", f"CREATE DATABASE {db.dbname}"], check=True)
    env = dict(os.environ, DATABASE_URL=db.url, DATA_DIR=work, WLD_DEMO="1", LEPTOS_SITE_ADDR=f"127.0.0.1:{PORT}",
               RUST_LOG=os.environ.get("RUST_LOG", "warn"), LEPTOS_SITE_ROOT=os.path.join(ROOT, "target", "site"),
               LEPTOS_SITE_PKG_DIR="pkg", LEPTOS_OUTPUT_NAME="wecom_license_desk", LEPTOS_ENV="PROD")
    srv = Server(binary, env, os.path.join(work, "server.log"))
    result = {"db": db_kind, "contracts": contracts, "url": db.url, "rows": [], "binary": binary_info(binary)}
    try:
        if reuse:
            db.open()
            facts = facts_of(db)
            result["contracts"] = int(one(db, "SELECT COUNT(*) FROM contracts")) - facts["base_id"]
            log(f"[{db_kind}] reusing {db.url}: {result['contracts']} generated contracts")
        else:
            srv.start()
            srv.stop()
            db.open()
            t = time.perf_counter()
            facts = generate(db, contracts, log=log)
            result["generation_s"] = time.perf_counter() - t
            result["steps_s"] = facts["timings"]
            log(f"[{db_kind}] generated {contracts} contracts in {result['generation_s']:.1f} s")
        t = time.perf_counter()
        desc = describe(db, facts)
        result["data"] = desc
        result["size_mb"] = db.size() / 1e6
        log(f"[{db_kind}] described in {time.perf_counter() - t:.1f} s: {json.dumps({k: v for k, v in desc.items() if k != 'terms'}, ensure_ascii=False)}")
        log(f"[{db_kind}] search terms: {json.dumps(desc['terms'], ensure_ascii=False)}")
        db.close()
        env.pop("WLD_DEMO")
        srv.start()
        result["settle_s"] = settle(srv, db.open())
        log(f"[{db_kind}] server up; its start-up work took {result['settle_s']:.1f} s")
        cookies = {r: bench_contracts.sign_in(r, p) for r, p in PASSWORDS.items() if r in roles}
        for name, role, endpoint, label, body in cases(facts, desc, roles):
            if body == "PAGE20":
                cursor, pages, walk_error = None, 1, None
                try:
                    while pages < 20:
                        page, dt, _ = bench_contracts.call("/api/contracts/list", {"filter": {"cursor": cursor}}, cookies[role])
                        if dt > slow_s:
                            walk_error = f"page {pages} alone took {dt:.1f} s: not walked to page 20"
                            break
                        if not page["next_cursor"]:
                            break
                        cursor, pages = page["next_cursor"], pages + 1
                except Exception as e:
                    walk_error = f"walking to page 20, page {pages}: {str(e)[:150]}"
                if walk_error:
                    r = {"label": label, "role": name, "endpoint": endpoint, "error": walk_error, "ok": False,
                         "slow": "Remote end closed" in walk_error or "timed out" in walk_error}
                    result["rows"].append(r)
                    log(f"[{db_kind}] {name:22} {label:60} ERROR {walk_error}")
                    if r["slow"]:
                        restart(srv, db, log)
                    continue
                body = {"cursor": cursor}
                if pages < 20:
                    label = f"list: page {pages} (cursor; the last)"
            payload = {"filter": body} if endpoint == "contracts/list" else (body or {})
            r = measure(label, name, endpoint, payload, cookies[role], calls, budget, slow_s)
            r["load"] = os.getloadavg()[0]
            result["rows"].append(r)
            if "error" in r:
                log(f"[{db_kind}] {name:22} {label:60} ERROR {r['error']}")
            else:
                log(f"[{db_kind}] {name:22} {label:60} p50 {r['p50']:7.1f}  p95 {r['p95']:7.1f}  p99 {r['p99']:7.1f} ms  "
                    f"rows {r['rows']} ({r['count']})  {'ok' if r['ok'] else 'MISS'}  {r.get('note', '')}  load {r['load']:.1f}")
            if on_row:
                on_row(result)
            if r.get("slow"):
                restart(srv, db, log)
    finally:
        srv.stop()
        db.close()
        if keep:
            log(f"[{db_kind}] kept: DATABASE_URL={db.url}  (server log: {srv.log_path}; measure it again with --reuse)")
        else:
            if db_kind == "postgres":
                subprocess.run(["psql", "-X", "-q", PG_ADMIN, "-c", f"DROP DATABASE IF EXISTS {db.dbname} WITH (FORCE)"])
            shutil.rmtree(work, ignore_errors=True)
    if not keep:
        result["url"] = None
    return result


def binary_info(binary):
    st = os.stat(binary)
    return f"{binary} ({st.st_size / 1e6:.0f} MB, built {datetime.datetime.fromtimestamp(st.st_mtime, datetime.timezone.utc):%Y-%m-%d %H:%M} UTC)"


def run(binary, dbs=("sqlite", "postgres"), contracts=1_000_000, calls=50, keep=False, budget=60, slow_s=5, log=print,
        roles=ROLES, reuse=(), on_row=None):
    """Generates and measures on each database (or on each `reuse` URL, a database generated and
    kept before); returns {db: result} (see `markdown`)."""
    if isinstance(dbs, str):
        dbs = dbs.split(",")
    results = {}

    def progress(r):
        results[r["db"]] = r
        if on_row:
            on_row(results)
    for target in (reuse or dbs):
        kind = ("sqlite" if target.startswith("sqlite:") else "postgres") if reuse else target
        r = run_db(kind, binary, contracts, calls, keep, budget, slow_s, log, roles, target if reuse else None, progress)
        results[r["db"]] = r
    return results


def markdown(results):
    out = []
    for db, r in results.items():
        d = r.get("data", {})
        out += [f"### {db}: {r['contracts']:,} contracts", ""]
        if "generation_s" in r:
            steps = ", ".join(f"{k} {v:.0f} s" for k, v in r.get("steps_s", {}).items())
            out.append(f"Generated in {r['generation_s']:.0f} s ({steps}); database {r.get('size_mb', 0):,.0f} MB; "
                       f"server start-up work (renewal reminder scan) {r.get('settle_s', 0):.0f} s.")
        if d:
            out.append(f"Spread: {d['organisations']:,} organisations, {d['users']:,} accounts; partner.a's organisation "
                       f"{d['partner_a_org']:,} contracts, partner.b's {d['partner_b_org']:,}; statuses "
                       f"{', '.join(f'{k} {v:,}' for k, v in d['statuses'].items())}; {d['distinct_corp_ids']:,} distinct corp IDs; "
                       f"{d['contract_lines']:,} lines, {d['contract_approvers']:,} approvers, {d['approval_steps']:,} approval steps; "
                       f"{d['approver1_waiting']:,} waiting for approver1; {d['due_30_days']:,} falling due within 30 days.")
        if r.get("binary"):
            out.append(f"Server: {r['binary']}.")
        if r.get("url"):
            out.append(f"Kept: `DATABASE_URL={r['url']}`")
        out += ["", "| request | as | calls | p50 | p95 | p99 | rows (total) | p95 < 50 ms | load |",
                "| --- | --- | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"]
        for x in r["rows"]:
            if "error" in x:
                out.append(f"| {x['label']} | {x['role']} | – | – | – | – | error: {x['error'][:90]} | **error** | {x.get('load', 0):.1f} |")
                continue
            count = f" ({x['count']:,})" if isinstance(x.get("count"), int) else (f" ({x['count']})" if x.get("count") else "")
            note = f" ({x['note']})" if x.get("note") else ""
            out.append(f"| {x['label']} | {x['role']} | {x['calls']}{note} | {x['p50']:.1f} ms | {x['p95']:.1f} ms | "
                       f"{x['p99']:.1f} ms | {x['rows']}{count} | {'yes' if x['ok'] else '**no**'} | {x.get('load', 0):.1f} |")
        missed = [x for x in r["rows"] if not x.get("ok")]
        out += ["", f"{len(r['rows']) - len(missed)} of {len(r['rows'])} requests meet p95 < 50 ms. Load: the machine's "
                f"1-minute load average after the row (2 cores; other work may share them).", ""]
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--server", default=os.path.join(ROOT, "target", "release", "server"))
    ap.add_argument("--db", default="sqlite,postgres")
    ap.add_argument("--contracts", type=int, default=1_000_000)
    ap.add_argument("--calls", type=int, default=50)
    ap.add_argument("--budget", type=float, default=60, help="seconds at most per request's timed calls (at least 5 calls)")
    ap.add_argument("--slow", type=float, default=5, help="a request whose first call takes longer is timed once")
    ap.add_argument("--port", type=int, default=PORT, help="the server's loopback port")
    ap.add_argument("--roles", default=",".join(ROLES), help="whose requests to time (default: all four)")
    ap.add_argument("--keep", action="store_true", help="keep the generated databases and print their URLs")
    ap.add_argument("--workdir", help="where the run's directory (and the SQLite database) goes")
    ap.add_argument("--pg-db", help="the PostgreSQL database's name (default wld_scale_<pid>); dropped first")
    ap.add_argument("--reuse", help="measure these kept databases (DATABASE_URLs, comma-separated) instead of generating")
    ap.add_argument("--json", help="also write the results as JSON to this file (after every request)")
    a = ap.parse_args()
    globals().update(PORT=a.port, WORKDIR=a.workdir, PG_DB=a.pg_db)
    if not os.path.exists(a.server):
        sys.exit(f"no server binary at {a.server}: build it with scripts/build-release.sh")
    # A terminated run still stops its server and keeps what it measured.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    def save(results):
        if a.json:
            with open(a.json, "w") as f:
                json.dump(results, f, ensure_ascii=False, indent=1, default=str)
    results = run(os.path.abspath(a.server), a.db.split(","), a.contracts, a.calls, a.keep, a.budget, a.slow,
                  log=lambda m: print(m, file=sys.stderr, flush=True), roles=tuple(a.roles.split(",")),
                  reuse=a.reuse.split(",") if a.reuse else (), on_row=save)
    save(results)
    print(markdown(results))


if __name__ == "__main__":
    sys.exit(main())
