"""Scale-out proof on one machine: two web nodes and two task workers sharing one
PostgreSQL database, one Redis database and one S3-compatible bucket.

    make scale-test            # or: .venv/bin/python tools/scale_test.py

It starts a throw-away PostgreSQL database, a local S3 server (moto_server), an
SMTP sink (aiosmtpd, counting every message by recipient and Message-ID), two
gunicorn nodes on different loopback ports and two `db_worker`s, then spreads
members' requests over both nodes and checks, printing each figure:

1. signed in on node A means signed in on node B (shared sessions);
2. a comment posted on A is on B's page at once (shared cache invalidation);
3. a picture uploaded on A is shown by B and served from the shared bucket;
4. rate limits count across both nodes (failed logins alternate A, B, A, ...);
5. a digest run started on both schedulers at once sends each subscriber one digest;
6. a worker killed (SIGKILL) in the middle of a digest run, then a second worker
   finishing it: nobody without a digest, nobody with two;
7. a worker told to stop (SIGTERM) finishes the task in hand, then exits.

Exits non-zero if any check fails. Needs PostgreSQL on 127.0.0.1:5432 (user
postgres) and Redis on 127.0.0.1:6379 (SCALE_REDIS_DB, default 13, is flushed)."""

import contextlib
import http.cookiejar
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "scale-test-password-42"
WEEKLY_SUBSCRIBERS = int(os.environ.get("SCALE_WEEKLY", "300"))
DAILY_SUBSCRIBERS = int(os.environ.get("SCALE_DAILY", "3000"))
MEMBERS = 4
BUCKET = "forum-media"


def free_ports(count):
    """Distinct free ports: all sockets stay open until every port is chosen."""
    with contextlib.ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.1)
    raise RuntimeError(f"timed out waiting for {what}")


# --- The SMTP sink ------------------------------------------------------------------


class Sink:
    """Counts accepted messages per recipient and per Message-ID."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []  # (recipient, message-id, subject)

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content)
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.messages.append((rcpt.lower(), message.get("Message-ID", "").strip(), message["Subject"]))
        return "250 OK"

    def count(self, prefix=""):
        with self.lock:
            return sum(1 for rcpt, _id, _subject in self.messages if rcpt.startswith(prefix))

    def per_recipient(self, prefix):
        with self.lock:
            return Counter(rcpt for rcpt, _id, _subject in self.messages if rcpt.startswith(prefix))


# --- Processes ----------------------------------------------------------------------


class Cluster:
    def __init__(self):
        self.processes = {}
        self.ports = dict(zip(("a", "b", "s3", "smtp"), free_ports(4), strict=True))
        self.db = f"myeloma_scale_{os.getpid()}"
        self.redis_db = os.environ.get("SCALE_REDIS_DB", "13")
        self.logs = Path(tempfile.mkdtemp(prefix="scale-test-"))
        origins = ",".join(f"http://127.0.0.1:{self.ports[n]}" for n in ("a", "b"))
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
            "DJANGO_SETTINGS_MODULE": "myeloma_forum.settings",
            "DEBUG": "false",
            "SECRET_KEY": "scale-test-" + uuid.uuid4().hex * 2,
            "ALLOWED_HOSTS": "127.0.0.1",
            "CSRF_TRUSTED_ORIGINS": origins,
            "SITE_URL": f"http://127.0.0.1:{self.ports['a']}",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.db}",
            "CACHE_URL": f"redis://127.0.0.1:6379/{self.redis_db}",
            "SESSION_BACKEND": "cache",
            "MEDIA_STORAGE_URL": f"s3://{BUCKET}?endpoint_url=http://127.0.0.1:{self.ports['s3']}&region_name=us-east-1&default_acl=public-read",
            "AWS_ACCESS_KEY_ID": "scale-test",
            "AWS_SECRET_ACCESS_KEY": "scale-test",  # moto accepts any
            "EMAIL_URL": f"smtp://127.0.0.1:{self.ports['smtp']}",
            "TASKS_BACKEND": "database",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "LOG_FORMAT": "json",
            "FORUM_NEW_MEMBER_HOLD_POSTS": "0",
            "FORUM_DIGEST_RETRIES": "0",
        }

    def manage(self, *args, check=True, **kwargs):
        return subprocess.run(
            [str(BIN / "python"), "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            check=check,
            capture_output=True,
            text=True,
            **kwargs,
        )

    def start(self, name, argv):
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        self.processes[name] = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        return self.processes[name]

    def start_node(self, name):
        return self.start(
            f"web-{name}",
            [str(BIN / "gunicorn"), "myeloma_forum.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{self.ports[name]}"],
        )

    def start_worker(self, name):
        return self.start(
            f"worker-{name}",
            [
                str(BIN / "python"),
                "manage.py",
                "db_worker",
                "--queue-name",
                "default,email",
                "--interval",
                "0.2",
                "--no-reload",
                "--no-startup-delay",
                "--worker-id",
                f"worker-{name}",
            ],
        )

    def call(self, function, *args):
        """Run a function of this file inside Django (a subprocess); its last printed line."""
        return self.manage("shell", "-c", _call(function, *args)).stdout.strip().splitlines()[-1]

    def psql(self, sql):
        argv = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", self.db, "-tAc", sql]
        return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()

    def task_status(self, task_id):
        return self.psql(f"SELECT status FROM django_tasks_database_dbtaskresult WHERE id = '{task_id}'")

    def task_runner(self, task_id):
        """Which worker runs the task; psql, because a Django shell would start too slowly."""
        return self.psql(f"SELECT worker_ids->>-1 FROM django_tasks_database_dbtaskresult WHERE id = '{task_id}'")

    def stop_all(self):
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# --- A member's browser -------------------------------------------------------------------


class Browser:
    """Cookies shared across nodes, as behind a load balancer; counts requests per node."""

    spread = Counter()

    def __init__(self, cluster):
        self.cluster = cluster
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect, urllib.request.HTTPHandler
        )

    def url(self, node, path):
        return f"http://127.0.0.1:{self.cluster.ports[node]}{path}"

    def request(self, node, path, data=None, headers=None):
        Browser.spread[node] += 1
        request = urllib.request.Request(self.url(node, path), data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.headers, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read().decode("utf-8", "replace")

    def csrf(self):
        return next(c.value for c in self.jar if c.name == "csrftoken")

    def post(self, node, path, fields, files=None):
        self.request(node, path) if not any(c.name == "csrftoken" for c in self.jar) else None
        fields = {**fields, "csrfmiddlewaretoken": self.csrf()}
        referer = {"Referer": self.url(node, path)}
        if files:
            body, content_type = _multipart(fields, files)
            return self.request(node, path, body, {"Content-Type": content_type, **referer})
        return self.request(node, path, urllib.parse.urlencode(fields).encode(), referer)

    def login(self, node, email, password=PASSWORD):
        self.request(node, "/accounts/login/")
        return self.post(node, "/accounts/login/", {"login": email, "password": password})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # we look at redirects ourselves


def _multipart(fields, files):
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, content, content_type) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


# --- Data (runs inside Django, in a subprocess) ---------------------------------------------


def setup_data():
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from community.models import Subscriber
    from community.services.accounts import ensure_profile
    from community.services.discussion import question_ask

    members = []
    for n in range(MEMBERS):
        user = get_user_model().objects.create_user(email=f"member{n}@scale.example", password=PASSWORD)
        user.display_name = f"Scale member {n}"
        user.save()
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)
        ensure_profile(user)
        members.append(user)
    question = question_ask(
        author=members[0],
        title="How do you plan the week around infusion days?",
        body="I am trying to keep one quiet day after each infusion. What works for you?",
        enforce_limits=False,
    )
    now = timezone.now()
    common = {"status": "active", "source": "page", "confirmed_at": now}
    Subscriber.objects.bulk_create(
        [
            Subscriber(email=f"weekly{n}@readers.example", frequency="weekly", **common)
            for n in range(WEEKLY_SUBSCRIBERS)
        ]
        + [
            Subscriber(email=f"daily{n}@readers.example", frequency="daily", **common) for n in range(DAILY_SUBSCRIBERS)
        ],
        batch_size=1000,
    )
    print(json.dumps({"members": [m.pk for m in members], "question_url": question.get_absolute_url()}))


def enqueue_digest_task(frequency):
    import django

    django.setup()
    from community.tasks_newsletter import send_digests_task

    print(send_digests_task.enqueue(frequency).id)


def enqueue_slow_task(seconds):
    import django

    django.setup()
    from tools.scale_tasks import scale_probe_task

    print(scale_probe_task.enqueue(float(seconds)).id)


def task_state(task_id):
    import django

    django.setup()
    from django_tasks_db.models import DBTaskResult

    row = DBTaskResult.objects.get(pk=task_id)
    print(json.dumps({"status": row.status, "worker_ids": row.worker_ids, "return_value": row.return_value}))


def sent_log_count(prefix):
    import django

    django.setup()
    from community.models import DigestSendLog

    print(DigestSendLog.objects.filter(subscriber__email__startswith=prefix).count())


# --- Checks ------------------------------------------------------------------------------------

RESULTS = []


def check(name, ok, figure):
    RESULTS.append((name, ok))
    print(f"[{'PASS' if ok else 'FAIL'}] {name}: {figure}", flush=True)


def check_sessions(cluster, browsers):
    shared = 0
    for n, browser in enumerate(browsers):
        status, headers, _body = browser.login("a", f"member{n}@scale.example")
        status_b, _h, _b = browser.request("b", "/settings/")
        shared += status in (302, 303) and status_b == 200
    check("signed in on A is signed in on B", shared == len(browsers), f"{shared}/{len(browsers)} members")


def check_comment(cluster, browsers, question_url):
    browser_a, browser_b = browsers[1], browsers[2]
    browser_b.request("b", question_url)  # B has the page (and its fragments) cached before the comment
    status, body = browser_b.request("b", question_url)[::2]
    thread_id = re.search(r'action="/threads/(\d+)/comment/"', body)
    text = f"Posting from node A, check {uuid.uuid4().hex[:8]}: a short walk helps me."
    if thread_id is None:
        check("comment posted on A is on B's page at once", False, "no comment form on the question page")
        return
    posted = browser_a.post("a", f"/threads/{thread_id.group(1)}/comment/", {"body": text})[0]
    seen = text in browser_b.request("b", question_url)[2]
    seen_visitor = Browser(cluster).request("b", question_url)[2].count(text) == 0  # visitors never see it
    check(
        "comment posted on A is on B's page at once",
        posted in (302, 303) and seen and seen_visitor,
        f"post on A answered {posted}; on B's next page view: {'shown' if seen else 'missing'}",
    )


def check_avatar(cluster, browsers, member_ids):
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (300, 300), (40, 90, 160)).save(picture, format="PNG")
    browser = browsers[3]
    status = browser.post("a", "/settings/picture/", {}, files={"avatar": ("me.png", picture.getvalue(), "image/png")})[
        0
    ]
    page = browsers[0].request("b", f"/members/{member_ids[3]}/")[2]
    match = re.search(r'<img class="avatar avatar-large" src="([^"]+)"', page)
    served = None
    if match:
        with urllib.request.urlopen(match.group(1).replace("&amp;", "&"), timeout=10) as response:  # noqa: S310
            served = (response.status, response.headers["Content-Type"], len(response.read()))
    ok = status in (302, 303) and served is not None and served[0] == 200 and served[2] > 0
    where = match.group(1).split("?")[0] if match else "no picture on B's page"
    check("picture uploaded on A is shown by B from the shared bucket", ok, f"upload {status}; {where} -> {served}")


def check_rate_limit(cluster):
    browser = Browser(cluster)
    refused_at = None
    for attempt in range(1, 9):
        node = "ab"[attempt % 2]
        body = browser.login(node, "member0@scale.example", password="not-the-password")[2]
        if "Too many failed login attempts" in body:
            refused_at = attempt
            break
    check(
        "rate limits count across both nodes",
        refused_at is not None and refused_at <= 6,
        f"failed logins alternating A/B; refused at attempt {refused_at} (limit 5 per address)",
    )


def run_digests_on_both_schedulers(cluster, sink):
    argv = [str(BIN / "python"), "manage.py", "send_digests", "--frequency", "weekly"]
    runs = [subprocess.Popen(argv, cwd=ROOT, env=cluster.env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=300)[0].strip().splitlines()[-1] for run in runs]
    counts = sink.per_recipient("weekly")
    duplicates = sum(1 for c in counts.values() if c > 1)
    ok = len(counts) == WEEKLY_SUBSCRIBERS and duplicates == 0 and sum(counts.values()) == WEEKLY_SUBSCRIBERS
    check(
        "digest run started on both schedulers at once",
        ok,
        f"{WEEKLY_SUBSCRIBERS} subscribers, digests sent {sum(counts.values())}, "
        f"received by {len(counts)}, duplicates found = {duplicates}; schedulers said: {outputs}",
    )


def run_digest_kill(cluster, sink):
    """Kill (SIGKILL) the worker running the daily digest part-way; a second worker finishes."""
    task_id = cluster.call("enqueue_digest_task", "daily")
    wait_for(lambda: sink.count("daily") >= DAILY_SUBSCRIBERS // 4, 120, "the digest run to start sending")
    runner = cluster.task_runner(task_id)
    cluster.processes[runner].send_signal(signal.SIGKILL)
    cluster.processes[runner].wait()
    at_kill = sink.count("daily")
    # The scheduler's next tick (or an operator) queues the job again; the other worker takes it.
    cluster.call("enqueue_digest_task", "daily")
    wait_for(lambda: sink.count("daily") >= DAILY_SUBSCRIBERS, 300, "the second worker to finish the run")
    time.sleep(2)  # anything extra would arrive now
    counts = sink.per_recipient("daily")
    logged = int(cluster.call("sent_log_count", "daily"))
    missing = DAILY_SUBSCRIBERS - len(counts)
    duplicates = sum(1 for c in counts.values() if c > 1)
    check(
        "worker killed mid-run, second worker finishes",
        missing == 0 and duplicates == 0 and logged == DAILY_SUBSCRIBERS,
        f"{runner} killed after {at_kill}/{DAILY_SUBSCRIBERS} digests; after the second worker: "
        f"without a digest = {missing}, duplicates found = {duplicates}, sent-log rows = {logged}",
    )


def run_graceful_stop(cluster):
    """SIGTERM while a task runs: the worker finishes it, records success, then exits 0."""
    task_id = cluster.call("enqueue_slow_task", "8")
    wait_for(lambda: cluster.task_status(task_id) == "RUNNING", 60, "the probe task to start")
    runner = cluster.task_runner(task_id)
    process = cluster.processes[runner]
    process.send_signal(signal.SIGTERM)
    code = process.wait(timeout=60)
    state = json.loads(cluster.call("task_state", task_id))
    check(
        "worker told to stop (SIGTERM) finishes the task in hand",
        code == 0 and state["status"] == "SUCCESSFUL",
        f"{runner} exited {code}; task {state['status']} (returned {state['return_value']})",
    )


def _call(function, *args):
    quoted = ", ".join(repr(a) for a in args)
    return f"import sys; sys.path.insert(0, 'tools'); import scale_test; scale_test.{function}({quoted})"


# --- Main ------------------------------------------------------------------------------------------


def start_services(cluster, sink):
    from aiosmtpd.controller import Controller

    controller = Controller(sink, hostname="127.0.0.1", port=cluster.ports["smtp"])
    controller.start()
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", cluster.db], check=True)
    subprocess.run(["redis-cli", "-n", cluster.redis_db, "flushdb"], check=True, capture_output=True)
    cluster.start("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(cluster.ports["s3"])])
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{cluster.ports['s3']}/", timeout=2), 30, "moto_server")
    import boto3

    boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{cluster.ports['s3']}",
        region_name="us-east-1",
        aws_access_key_id="scale-test",
        aws_secret_access_key="scale-test",  # noqa: S106
    ).create_bucket(Bucket=BUCKET)
    return controller


def main():
    cluster, sink = Cluster(), Sink()
    started = time.monotonic()
    controller = start_services(cluster, sink)
    try:
        cluster.manage("migrate", "--noinput")
        cluster.manage("collectstatic", "--noinput")
        data = json.loads(cluster.call("setup_data"))
        for node in ("a", "b"):
            cluster.start_node(node)
            cluster.start_worker(node)
        for node in ("a", "b"):
            wait_for(lambda n=node: Browser(cluster).request(n, "/readyz")[0] == 200, 60, f"node {node} ready")
        ready = {n: Browser(cluster).request(n, "/readyz")[2] for n in ("a", "b")}
        print(f"nodes: A=:{cluster.ports['a']} B=:{cluster.ports['b']}; readyz: {ready['a']}", flush=True)
        browsers = [Browser(cluster) for _ in range(MEMBERS)]
        check_sessions(cluster, browsers)
        check_comment(cluster, browsers, data["question_url"])
        check_avatar(cluster, browsers, data["members"])
        check_rate_limit(cluster)
        spread = Browser.spread
        total = sum(spread.values())
        check(
            "requests spread over both nodes",
            min(spread["a"], spread["b"]) > 0,
            f"{total} requests: A {spread['a']}, B {spread['b']}",
        )
        run_digests_on_both_schedulers(cluster, sink)
        run_digest_kill(cluster, sink)
        run_graceful_stop(cluster)
    finally:
        cluster.stop_all()
        controller.stop()
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", cluster.db], check=False)
    failed = [name for name, ok in RESULTS if not ok]
    print(f"\n{len(RESULTS) - len(failed)} passed, {len(failed)} failed in {time.monotonic() - started:.0f}s")
    if failed:
        print(f"Logs of the nodes and workers: {cluster.logs}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
