"""One holder at a time for scheduled jobs (digests, clean-ups), across machines.

Two schedulers (cron on two hosts, or two task workers that both picked up a
scheduled task) must never run the same job at once. The lock lives in the
database every node already shares:

- PostgreSQL: a session advisory lock (`pg_try_advisory_lock`). It is released
  when we finish, and by the server if the process dies, so a killed worker
  never leaves it held.
- Other databases (SQLite on one machine): a `JobLock` row with a lease. A
  killed holder blocks the job only until the lease runs out.

`job_lock` never waits: a second scheduler learns at once that the job is
running elsewhere and skips it. Session advisory locks need a real session, so
behind PgBouncer use session pooling for workers (README "Running at scale")."""

import contextlib
import hashlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from community.models.locks import JobLock

logger = logging.getLogger(__name__)


def lock_key(name):
    """A stable signed 64-bit key for `name` (PostgreSQL's advisory lock space)."""
    digest = hashlib.blake2b(f"myeloma-forum:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _default_lease():
    return timedelta(seconds=getattr(settings, "FORUM_JOB_LOCK_LEASE_SECONDS", 6 * 60 * 60))


def uses_advisory_locks():
    return connection.vendor == "postgresql"


@contextlib.contextmanager
def job_lock(name, *, lease=None):
    """Yield True while this process holds the lock for `name`; False (at once) if another holds it."""
    if uses_advisory_locks():
        with _advisory_lock(name) as held:
            yield held
    else:
        with _row_lock(name, lease or _default_lease()) as held:
            yield held


@contextlib.contextmanager
def _advisory_lock(name):
    key = lock_key(name)
    # Keep the connection for the whole job: the lock belongs to this session.
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        held = cursor.fetchone()[0]
    if not held:
        logger.info("job %s is running elsewhere; skipped", name)
    try:
        yield held
    finally:
        if held:
            _advisory_unlock(key)


def _advisory_unlock(key):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except Exception:  # the connection broke: the server has released it already
        logger.warning("could not release advisory lock %s; the server frees it with the session", key)


@contextlib.contextmanager
def _row_lock(name, lease):
    holder = uuid.uuid4().hex
    held = _take_row(name, holder, lease)
    if not held:
        logger.info("job %s is running elsewhere; skipped", name)
    try:
        yield held
    finally:
        if held:
            JobLock.objects.filter(name=name, holder=holder).delete()


def _take_row(name, holder, lease):
    now = timezone.now()
    try:
        with transaction.atomic():
            # A lease that ran out belongs to a holder that died: take it over.
            JobLock.objects.filter(name=name, expires_at__lte=now).delete()
            _lock, created = JobLock.objects.get_or_create(
                name=name, defaults={"holder": holder, "acquired_at": now, "expires_at": now + lease}
            )
    except IntegrityError:  # another process inserted it between our read and write
        return False
    return created
