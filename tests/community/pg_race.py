"""Shared by the PostgreSQL two-connection race tests."""

import time

from django.db import connection


def blocked_by(waiter, holder, timeout=10):
    """True once PostgreSQL reports `waiter` waiting for a lock `holder` has (False if it
    never does within `timeout` seconds). Both are threads with the `pid` of their
    database backend and `is_alive()`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and waiter.is_alive():
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s = ANY(pg_blocking_pids(%s))", [holder.pid, waiter.pid])
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.02)
    return False
