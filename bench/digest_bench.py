"""Digest benchmark: render and deliver N digests to a local SMTP sink.

For each list size (10,000 and 100,000 by default) a fresh child process builds
a throw-away SQLite database (never the project's db.sqlite3), fills it with
subscribers and a few new articles, then runs the real `send_due_digests`
against bench/smtp_sink.py running in another process. It reports messages per
second and memory: the process's peak RSS, and the RSS growth during sending
(the part that must stay flat as the list grows).

Targets: at least 500 messages/s, under 200 MB, and flat memory (100,000 within
a few MB of 10,000)."""

import argparse
import gc
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATE = 500
TARGET_PEAK_MB = 200
FLAT_TOLERANCE_MB = 15


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def current_rss_mb():
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


# --- child: one list size in a fresh process -------------------------------------------


def _configure(db_path, port):
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "myeloma_forum.settings",
            "DEBUG": "false",
            "SECRET_KEY": "bench-only-secret-key-not-used-anywhere-else-0123456789",
            "ALLOWED_HOSTS": "localhost",
            "SITE_URL": "https://forum.example",
            "DATABASE_URL": f"sqlite:///{db_path}",
            "CACHE_URL": "locmemcache://bench",
            "EMAIL_URL": f"smtp://127.0.0.1:{port}",
            "TASKS_BACKEND": "immediate",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _fill(size):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    from articles.models import Article
    from community.models import Subscriber

    call_command("migrate", verbosity=0)
    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            title=f"Benchmark article {i}: living well during treatment",
            slug=f"bench-article-{i}",
            summary="A short, plain summary of what the article explains and who it helps.",
            body="Words.",
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=6 * (i + 1)),
        )
        for i in range(4)
    )
    for start in range(0, size, 5000):
        Subscriber.objects.bulk_create(
            Subscriber(
                email=f"reader{i}@bench.example",
                name="Reader" if i % 2 else "",
                status="active",
                frequency="weekly",
                source="page",
                confirmed_at=now,
            )
            for i in range(start, min(start + 5000, size))
        )


def child(size, port, db_path):
    _configure(db_path, port)
    _fill(size)
    from community.services.digests import send_due_digests

    gc.collect()
    rss_before = current_rss_mb()
    samples = [rss_before]
    started = time.perf_counter()
    summary = send_due_digests("weekly", batch_size=500, retries=0, progress=lambda s: samples.append(current_rss_mb()))
    seconds = time.perf_counter() - started
    result = {
        "subscribers": size,
        "sent": summary.sent,
        "stopped": summary.stopped,
        "seconds": round(seconds, 2),
        "messages_per_second": round(summary.sent / seconds, 1),
        "rss_before_send_mb": round(rss_before, 1),
        "rss_peak_during_send_mb": round(max(samples), 1),
        "rss_growth_during_send_mb": round(max(samples) - rss_before, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }
    print(json.dumps(result), flush=True)


# --- parent: start the sink, run each size, check the targets ---------------------------


def _run_size(size):
    port = free_port()
    sink = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "smtp_sink.py"), str(port)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert sink.stdout.readline().strip() == "ready"
        with tempfile.TemporaryDirectory(prefix="digest-bench-") as tmp:
            out = subprocess.run(
                [sys.executable, "-m", "bench.digest_bench", "--child", str(size), str(port), f"{tmp}/bench.sqlite3"],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        result = json.loads(out.strip().splitlines()[-1])
        from bench.smtp_sink import count_received

        result["received_by_sink"] = count_received(port)
        return result
    finally:
        sink.terminate()
        sink.wait(timeout=10)


def run(sizes=(10_000, 100_000)):
    """Returns the benchmark's JSON-able result (bench/run.py writes it to bench/results/)."""
    runs = []
    for size in sizes:
        print(f"  digests: {size:,} subscribers ...", flush=True)
        result = _run_size(size)
        print(
            f"    {result['sent']:,} sent in {result['seconds']}s = {result['messages_per_second']:,} msg/s; "
            f"peak RSS {result['peak_rss_mb']} MB, growth while sending {result['rss_growth_during_send_mb']} MB",
            flush=True,
        )
        runs.append(result)
    smallest, largest = runs[0], runs[-1]
    checks = {
        "every_message_delivered": all(r["sent"] == r["subscribers"] == r["received_by_sink"] for r in runs),
        f"rate_at_least_{TARGET_RATE}_per_second": all(r["messages_per_second"] >= TARGET_RATE for r in runs),
        f"peak_under_{TARGET_PEAK_MB}_mb": all(r["peak_rss_mb"] < TARGET_PEAK_MB for r in runs),
        "memory_flat": largest["rss_peak_during_send_mb"] - smallest["rss_peak_during_send_mb"] < FLAT_TOLERANCE_MB,
    }
    return {"runs": runs, "checks": checks, "passed": all(checks.values())}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", nargs=3, metavar=("SIZE", "PORT", "DB"))
    args = parser.parse_args()
    if args.child:
        size, port, db = args.child
        child(int(size), int(port), db)
    else:
        print(json.dumps(run(), indent=2))
