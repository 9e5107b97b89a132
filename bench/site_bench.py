"""Site benchmark: the real pages under load, against the machine's own limit.

1. Builds a throw-away database (SQLite in a temporary folder, or a fresh
   PostgreSQL database with BENCH_DB=postgres) with bench/build_data.py.
2. Counts each page's SQL queries and bytes in-process (Django's test client
   with CaptureQueriesContext): the first view (cold caches) and the next one.
3. Serves the site with gunicorn (2 sync workers, DEBUG off, static files
   collected to a temporary folder) on 127.0.0.1, using bench.settings, whose
   URLconf adds the same-bytes bare view (bench/bare_view.py).
4. Loads every page with wrk at 8 connections (a Python load generator when
   wrk is missing), then the bare view at the page's size, and reads the
   workers' CPU time from /proc before and after.

Knobs (environment): BENCH_DB=sqlite|postgres, BENCH_SECONDS (per page, 8),
BENCH_CACHE_URL (default local memory), BENCH_PAGES (comma list)."""

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CONNECTIONS = 8
WORKERS = 2
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"

# (name, manifest key, signed in?)
PAGES = [
    ("article, visitor (500 comments)", "article", False),
    ("article, member (500 comments)", "article", True),
    ("article, member (5 comments)", "article_small", True),
    ("article list, visitor", "article_list", False),
    ("home, visitor", "home", False),
    ("question, member (2,000 replies)", "question", True),
    ("question list, member", "question_list", True),
    ("search, member", "search", True),
    ("notifications, member", "notifications", True),
    ("profile, member", "profile", True),
]


# --- environment -------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env(database_url, tmp):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789abcdef",
        "ALLOWED_HOSTS": "127.0.0.1,testserver",
        "DATABASE_URL": database_url,
        "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "locmemcache://bench"),
        "MEDIA_ROOT": str(Path(tmp) / "media"),
        "BENCH_STATIC_ROOT": str(Path(tmp) / "static"),
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "EMAIL_URL": "dummymail://",
        "TASKS_BACKEND": "immediate",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def postgres_database(name):
    """Create a fresh PostgreSQL database; returns its URL, or None when PostgreSQL is not reachable."""
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # any connection problem means "not reachable here"
        print(f"  PostgreSQL not reachable ({error.__class__.__name__}); skipped", flush=True)
        return None
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def drop_postgres_database(name):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run_child(args, env, timeout=900):
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if out.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- in-process measurement (child) -----------------------------------------------


def measure_pages(manifest):
    """SQL queries and bytes per page, cold and warm, through Django's test client."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    cookie_name, cookie_value = manifest["cookie"].split("=", 1)
    result = {}
    for name, key, signed_in in PAGES:
        url = manifest["pages"].get(key)
        if not url:
            continue
        client = Client(raise_request_exception=False)
        if signed_in:
            client.cookies[cookie_name] = cookie_value
        runs = []
        for _ in range(2):
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url)
            writes = [q["sql"] for q in ctx.captured_queries if _is_write(q["sql"])]
            runs.append({"status": response.status_code, "queries": len(ctx), "writes": len(writes)})
        result[name] = {
            "url": url,
            "status": runs[1]["status"],
            "bytes": len(response.content),
            "queries_cold": runs[0]["queries"],
            "queries": runs[1]["queries"],
            "writes": runs[1]["writes"],
            "comments_shown": response.content.count(b'id="comment-'),
        }
    return result


def _is_write(sql):
    return sql.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}


# --- gunicorn ----------------------------------------------------------------------


class Server:
    def __init__(self, env, port):
        self.port = port
        self.proc = subprocess.Popen(
            [
                PYTHON, "-m", "gunicorn", "myeloma_forum.wsgi:application", "--workers", str(WORKERS),
                "--worker-class", "sync", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                "--backlog", "2048",
            ],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self._wait_ready()

    def _wait_ready(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200 and len(self.worker_pids()) == WORKERS:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not start: {self.proc.stderr.read() if self.proc.poll() else ''}")

    def worker_pids(self):
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def cpu_seconds(self):
        total = 0
        for pid in self.worker_pids():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
        return total / os.sysconf("SC_CLK_TCK")

    def settle(self, limit=60):
        """Wait until the workers have finished what the last load left queued (CPU stops moving)."""
        deadline, last = time.monotonic() + limit, self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(0.3)
            now = self.cpu_seconds()
            if now - last < 0.01:
                return
            last = now

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- load --------------------------------------------------------------------------


def ensure_wrk():
    """Install Debian's wrk when missing and allowed (root with apt-get); else the Python fallback runs."""
    if shutil.which("wrk") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return bool(shutil.which("wrk"))
    print("    installing wrk (apt-get install -y wrk) ...", flush=True)
    with contextlib.suppress(subprocess.TimeoutExpired):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True, timeout=180, check=False)
    return bool(shutil.which("wrk"))


def load(url, seconds, cookie=None):
    """req/s, p50 and p99 (ms), requests, errors; wrk when installed, else Python threads."""
    if shutil.which("wrk"):
        return _wrk(url, seconds, cookie)
    return _python_load(url, seconds, cookie)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(number) * _UNITS[unit]


def _wrk(url, seconds, cookie):
    args = ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", "--timeout", "10s"]
    if cookie:
        args += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "tool": "wrk",
        "requests": requests,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": _percentile(out, 50),
        "p99_ms": _percentile(out, 99),
        "errors": (int(bad.group(1)) if bad else 0) + (int(socket_errors.group(4)) if socket_errors else 0),
    }


def _percentile(out, pct):
    found = re.search(rf"\s{pct}%\s+(\S+)", out)
    return _ms(found.group(1)) if found else float("nan")


def _python_load(url, seconds, cookie):
    """Eight threads, each sending requests one after another over fresh connections."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Cookie": cookie} if cookie else {}
    latencies, errors, stop = [], [0], time.monotonic() + seconds

    def worker():
        while time.monotonic() < stop:
            began = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
            finally:
                conn.close()
            latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    latencies.sort()
    return {
        "tool": "python",
        "requests": len(latencies),
        "rps": len(latencies) / (time.monotonic() - began),
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "errors": errors[0],
    }


def measure_load(server, path, seconds, cookie=None):
    url = f"http://127.0.0.1:{server.port}{path}"
    load(url, 1, cookie)  # warm caches and connections; not counted
    server.settle()
    cpu_before = server.cpu_seconds()
    result = load(url, seconds, cookie)
    server.settle()  # requests wrk gave up on still cost CPU; count them
    cpu = server.cpu_seconds() - cpu_before
    result["cpu_ms_per_request"] = round(cpu * 1000 / max(result["requests"], 1), 2)
    return result


# --- the run -----------------------------------------------------------------------


def run(database=None, seconds=None):
    database = database or os.environ.get("BENCH_DB", "sqlite")
    seconds = int(seconds or os.environ.get("BENCH_SECONDS", 8))
    wanted = [p.strip() for p in os.environ.get("BENCH_PAGES", "").split(",") if p.strip()]
    tmp = tempfile.mkdtemp(prefix="site-bench-")
    pg_name = f"myeloma_bench_{os.getpid()}"
    try:
        if database == "postgres":
            database_url = postgres_database(pg_name)
            if database_url is None:
                return {"skipped": "PostgreSQL not reachable", "passed": True, "checks": {}}
        else:
            database_url = f"sqlite:///{tmp}/bench.sqlite3"
        env = bench_env(database_url, tmp)
        return _run(env, seconds, wanted, database)
    finally:
        if database == "postgres":
            drop_postgres_database(pg_name)
        shutil.rmtree(tmp, ignore_errors=True)


def _run(env, seconds, wanted, database):
    began = time.monotonic()
    print(f"  site: building the {database} database ...", flush=True)
    manifest = run_child([PYTHON, "bench/build_data.py"], env)
    print(f"    built in {time.monotonic() - began:.0f}s; skipped: {manifest['skipped'] or 'nothing'}", flush=True)
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    path = Path(env["BENCH_STATIC_ROOT"]).parent / "manifest.json"
    path.write_text(json.dumps(manifest))
    counts = run_child([PYTHON, "-m", "bench.site_bench", "--measure", str(path)], env)
    if not ensure_wrk():
        print("    wrk is not installed: using the Python load generator (lower numbers)", flush=True)
    server = Server(env, free_port())
    rows = []
    try:
        for name, key, signed_in in PAGES:
            if name not in counts or counts[name]["status"] != 200 or (wanted and key not in wanted):
                continue
            page = counts[name]
            row = {"page": name, "signed_in": signed_in, **page}
            row.update(measure_load(server, page["url"], seconds, manifest["cookie"] if signed_in else None))
            bare = measure_load(server, f"/__bench__/bare/{page['bytes']}/", seconds)
            row["bare"] = bare
            row["ratio_to_bare"] = round(row["rps"] / bare["rps"], 3) if bare["rps"] else None
            print_row(row, flush=True)
            rows.append(row)
    finally:
        server.stop()
    checks = targets(rows)
    missing = {
        name: counts[name]["status"] if name in counts else "no such page yet"
        for name, _key, _s in PAGES
        if name not in counts or counts[name]["status"] != 200
    }
    for name, why in missing.items():
        print(f"    {name}: not measured ({why})", flush=True)
    return {
        "database": database,
        "seconds_per_page": seconds,
        "connections": CONNECTIONS,
        "workers": WORKERS,
        "pages": rows,
        "pages_not_available": missing,
        "skipped_data": manifest["skipped"],
        "checks": checks,
        "passed": all(checks.values()),
    }


def _row(rows, name):
    return next((r for r in rows if r["page"] == name), None)


def targets(rows):
    """The issue's targets, for the pages that exist; a missing page is reported as missed."""
    checks = {}
    visitor = _row(rows, "article, visitor (500 comments)")
    checks["article_visitor_at_least_half_of_bare"] = bool(visitor and visitor["ratio_to_bare"] >= 0.5)
    question = _row(rows, "question, member (2,000 replies)")
    checks["question_member_300_rps_p99_100ms_cpu_4ms"] = bool(
        question
        and question["rps"] >= 300
        and question["p99_ms"] < 100
        and question["cpu_ms_per_request"] < 4
        and question["status"] == 200
    )
    many, few = _row(rows, "article, member (500 comments)"), _row(rows, "article, member (5 comments)")
    if many and few and many.get("comments_shown"):
        per_comment = (many["cpu_ms_per_request"] - few["cpu_ms_per_request"]) / max(
            many["comments_shown"] - few.get("comments_shown", 0), 1
        )
        checks["article_member_cpu_per_comment_under_0_05ms"] = per_comment < 0.05
    else:
        checks["article_member_cpu_per_comment_under_0_05ms"] = False
    checks["no_writes_on_get"] = all(r["writes"] == 0 for r in rows)
    checks["no_errors"] = all(r["errors"] == 0 and r["status"] == 200 for r in rows)
    return checks


HEADER = (
    f"    {'page':34} {'req/s':>7} {'p50':>7} {'p99':>7} {'cpu ms':>7} {'SQL':>7} {'bytes':>8} "
    f"{'bare r/s':>8} {'ratio':>6}"
)


def print_row(row, flush=True):
    if not getattr(print_row, "header_done", False):
        print(HEADER, flush=flush)
        print_row.header_done = True
    sql = f"{row['queries_cold']}/{row['queries']}"
    print(
        f"    {row['page'][:34]:34} {row['rps']:7.0f} {row['p50_ms']:7.1f} {row['p99_ms']:7.1f} "
        f"{row['cpu_ms_per_request']:7.2f} {sql:>7} {row['bytes']:8} {row['bare']['rps']:8.0f} "
        f"{row['ratio_to_bare']:6.2f}",
        flush=flush,
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        print(json.dumps(measure_pages(json.loads(Path(sys.argv[2]).read_text()))), flush=True)
    else:
        print(json.dumps(run(), indent=2))
