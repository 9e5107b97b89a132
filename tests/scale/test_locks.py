"""Scheduled jobs take a database lock: a second holder is refused at once, on SQLite and PostgreSQL."""

import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from community.locks import job_lock, lock_key
from community.models import JobLock

pytestmark = pytest.mark.django_db(transaction=True)


def _try_in_other_connection(name):
    """Ask for the lock from another thread, which has its own database connection."""
    answer = {}

    def attempt():
        try:
            with job_lock(name) as held:
                answer["held"] = held
        finally:
            connection.close()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(30)
    return answer["held"]


def test_second_holder_is_refused_until_the_first_releases():
    with job_lock("digests-test") as held:
        assert held is True
        assert _try_in_other_connection("digests-test") is False
        assert _try_in_other_connection("another-job") is True  # locks are per job
    assert _try_in_other_connection("digests-test") is True


def test_lock_keys_are_stable_and_distinct():
    assert lock_key("send-digests-weekly") == lock_key("send-digests-weekly")
    assert lock_key("send-digests-weekly") != lock_key("send-digests-daily")


@pytest.mark.skipif("connection.vendor == 'postgresql'", reason="the lease row is the SQLite lock")
def test_a_dead_holders_lease_runs_out():
    """A holder killed without releasing (its row is left) blocks only until the lease ends."""
    now = timezone.now()
    JobLock.objects.create(name="stale", holder="dead", acquired_at=now - timedelta(hours=7), expires_at=now)
    JobLock.objects.create(name="fresh", holder="alive", acquired_at=now, expires_at=now + timedelta(hours=1))
    assert _try_in_other_connection("stale") is True
    assert _try_in_other_connection("fresh") is False


def test_send_digests_skips_while_another_scheduler_runs(capsys):
    """The command sends nothing while another process holds the digest job."""
    with job_lock("send-digests-weekly"):
        output = {}

        def run():
            try:
                call_command("send_digests", frequency="weekly", stdout=_Capture(output))
            finally:
                connection.close()

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(60)
    assert "already going on elsewhere" in output["text"]


class _Capture:
    def __init__(self, into):
        self.into = into
        into["text"] = ""

    def write(self, text, *args, **kwargs):
        self.into["text"] += text

    def flush(self):
        pass

    def isatty(self):
        return False
