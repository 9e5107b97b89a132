"""Background tasks for "write first, join after" (django-tasks).

- `send_write_first_confirmation`: the one e-mail a visitor gets, queued by
  services.write_first after the pending post is committed.
- `purge_pending_posts_task`: the scheduled clean-up (the task version of
  `manage.py purge_pending_posts`). With the database backend it queues its own
  next run a day later, so enqueueing it once starts the schedule."""

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from community.email_retry import send_or_retry
from community.emails import send_templated_email
from community.models import PendingPost
from community.services import write_first

logger = logging.getLogger(__name__)
PURGE_EVERY = timedelta(days=1)


@task(queue_name="email")
def send_write_first_confirmation(pending_pk, token, attempt=0):
    """A mail-server failure queues it again with a growing wait (community/email_retry.py)."""
    return send_or_retry(
        send_write_first_confirmation, (pending_pk, token), attempt, lambda: _send_confirmation(pending_pk, token)
    )


def _send_confirmation(pending_pk, token):
    pending = PendingPost.objects.select_related("author", "thread").filter(pk=pending_pk).first()
    if pending is None:  # confirmed or purged meanwhile
        return 0
    context = {
        "kind": pending.kind,
        "is_question": pending.kind == PendingPost.Kind.QUESTION,
        # Only our own words and the thread's title: the visitor's text and name are not
        # e-mailed, so nobody can use the form to send their words to someone else's inbox.
        "thread_title": pending.thread.title if pending.thread_id else "",
        "existing_member": not pending.new_account,
        "confirm_url": settings.SITE_URL + reverse("community:write-first-confirm", args=[token]),
        "days": write_first.PENDING_KEPT_FOR.days,
    }
    return send_templated_email(
        "write_first_confirm", pending.author.email, context, message_id=f"write-first-{pending.pk}"
    )


@task()
def purge_pending_posts_task():
    posts, accounts = write_first.pending_purge()
    logger.info("write first: deleted %s unconfirmed posts and %s unused accounts", posts, accounts)
    if purge_pending_posts_task.get_backend().supports_defer:
        # An immediate backend would run the "next" one at once, forever.
        purge_pending_posts_task.using(run_after=timezone.now() + PURGE_EVERY).enqueue()
    return posts
