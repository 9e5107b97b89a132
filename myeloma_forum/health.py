"""Readiness for a load balancer: can this node serve a page right now?

`/healthz` (myeloma_forum/views.py) only says the process is up. `/readyz`
checks what every page needs and every node shares: the database, the cache
(Redis in production: sessions, rate limits, cached pages) and the media
storage (local folder or S3-compatible bucket). A 503 names the part that
failed, never the error text (it may carry host names or credentials); the
details go to the log under the request id."""

import logging
import uuid

from django.core.cache import caches
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)
PROBE_NAME = ".readyz-probe"


def check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_cache():
    """A round trip, not just a connection: a full or read-only Redis fails here."""
    key, value = "readyz:probe", uuid.uuid4().hex
    cache = caches["default"]
    cache.set(key, value, 30)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was stored")


def check_storage():
    # `exists` is a HEAD request on S3 and a stat locally: cheap, and it needs
    # working credentials and a reachable bucket without writing anything.
    default_storage.exists(PROBE_NAME)


CHECKS = {"database": check_database, "cache": check_cache, "storage": check_storage}


def run_checks():
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception:  # any failure of a dependency means "not ready"
            logger.exception("readiness check %s failed", name)
            results[name] = "unreachable"
    return results


@never_cache
def readyz(request):
    """200 when database, cache and storage all answer; 503 naming the parts that did not."""
    results = run_checks()
    failed = sorted(name for name, state in results.items() if state != "ok")
    body = {"status": "error" if failed else "ok", **results}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
