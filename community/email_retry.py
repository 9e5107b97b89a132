"""Retrying e-mail tasks when the mail server misbehaves.

A mail server that hangs, refuses connections or drops them midway raises an
SMTP or socket error in the task (never in a request: e-mail is sent by tasks
queued after the commit). The task is then queued again to run after a growing
wait: FORUM_EMAIL_RETRY_BACKOFF seconds, then twice that, four times... up to
FORUM_EMAIL_RETRIES times, after which the error is raised and the task is
marked failed (visible in the admin's task results).

Every retried task must be idempotent: the senders record what went out (a
timestamp or a log row) in the same transaction as the send, and use a stable
Message-ID, so a retry never sends a second copy of something that was
delivered, and a rare duplicate after a crash is recognisable.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)
TEMPORARY_ERRORS = (smtplib.SMTPException, OSError)  # OSError: refused, reset, timed out


def retries():
    return getattr(settings, "FORUM_EMAIL_RETRIES", 6)


def retry_delay(attempt):
    """Seconds to wait before retry number `attempt + 1`: 60, 120, 240... by default."""
    return getattr(settings, "FORUM_EMAIL_RETRY_BACKOFF", 60.0) * 2**attempt


def _permanent(error):
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600  # "mailbox does not exist": retrying cannot help


def send_or_retry(task, args, attempt, send):
    """Return `send()`'s result; on a temporary mail-server error, queue `task(*args)` again later."""
    try:
        return send()
    except TEMPORARY_ERRORS as error:
        if _permanent(error) or attempt >= retries() or not task.get_backend().supports_defer:
            raise
        delay = retry_delay(attempt)
        task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(*args, attempt=attempt + 1)
        logger.warning("%s%s: mail server error (%s); retry %s in %.0fs", task.name, args, error, attempt + 1, delay)
        return f"retry {attempt + 1} in {delay:.0f}s"
