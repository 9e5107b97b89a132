"""Helpers shared by the scan and load scripts: a throw-away database, gunicorn on
127.0.0.1, and signed-in session cookies made without going through the login form.

Everything runs as child processes of the project's own venv, with settings from
environment variables, exactly as in production (README "Running in production")."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
# Variables from the caller that must not leak into the site we start.
FOREIGN = ("DATABASE_URL", "CACHE_URL", "EMAIL_URL", "TASKS_BACKEND", "DJANGO_SETTINGS_MODULE", "MEDIA_ROOT")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_env(database_url, workdir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in FOREIGN}
    env.update(
        DJANGO_SETTINGS_MODULE="myeloma_forum.settings",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(Path(workdir) / "media"),
        EMAIL_URL="dummymail://",  # e-mail has its own fault tests (tests/security/test_smtp_faults.py)
        DEBUG="true",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


def manage(env, *args, input_text=None, timeout=600):
    result = subprocess.run(  # noqa: S603 (our own venv, fixed arguments)
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=input_text,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def throwaway_database(kind):
    """(database_url, workdir) for a fresh SQLite file or PostgreSQL database, removed afterwards."""
    workdir = tempfile.mkdtemp(prefix=f"forum-{kind}-")
    name = f"forum_tool_{os.getpid()}_{int(time.time())}"
    try:
        if kind == "sqlite":
            yield f"sqlite:///{workdir}/site.sqlite3", workdir
        else:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", name], check=True)  # noqa: S603,S607
            yield f"postgres://postgres@127.0.0.1:5432/{name}", workdir
    finally:
        if kind != "sqlite":
            subprocess.run(  # noqa: S603,S607
                ["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=False
            )
        shutil.rmtree(workdir, ignore_errors=True)


def wait_until_up(url, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback http only)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the site did not answer at {url} within {seconds}s")


@contextlib.contextmanager
def gunicorn(env, *, workers=2, threads=4, log_path=None):
    """gunicorn serving the site on a free loopback port; yields (base_url, process)."""
    port = free_port()
    log = open(log_path or os.devnull, "w")  # noqa: SIM115 (closed below)
    process = subprocess.Popen(  # noqa: S603 (our own venv)
        [GUNICORN, "myeloma_forum.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
         "--threads", str(threads), "--timeout", "60", "--graceful-timeout", "5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base + "/healthz")
        yield base, process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()


SESSION_SCRIPT = """
import sys
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
for email in sys.stdin.read().split():
    user = get_user_model().objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(email, user.pk, session.session_key)
"""


def signed_in_sessions(env, emails):
    """{email: (user id, session key)}: sessions as a sign-in would leave them, stored in the database."""
    out = manage(env, "shell", "-c", SESSION_SCRIPT, input_text="\n".join(emails))
    rows = [line.split() for line in out.splitlines() if line.count(" ") == 2]
    return {email: (int(pk), key) for email, pk, key in rows}


def fail(message):
    print(f"FAILED: {message}", file=sys.stderr)
    raise SystemExit(1)
