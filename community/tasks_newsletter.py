"""Background tasks for the newsletter (django-tasks).

`send_digests_task` is the scheduled version of `manage.py send_digests`: with
the database backend it puts its own next run in the queue (next day / next
week), so enqueueing it once starts the schedule. Running it more often than
needed is harmless: the sent-log stops a second digest in the same period."""

import logging
from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from community.email_retry import send_or_retry
from community.emails import send_templated_email
from community.locks import job_lock
from community.models.newsletter import Frequency, Subscriber, SubscriberStatus
from community.services import digests as digest_services
from community.services import newsletter as newsletter_services
from community.tokens import confirmation_token

logger = logging.getLogger(__name__)
RETRY_AFTER_FAILURE = timedelta(minutes=30)
NEXT_RUN = {Frequency.DAILY: timedelta(days=1), Frequency.WEEKLY: timedelta(weeks=1)}


@task(queue_name="email")
def send_confirmation_email(subscriber_pk, attempt=0):
    """A mail-server failure queues it again with a growing wait (community/email_retry.py)."""
    return send_or_retry(send_confirmation_email, (subscriber_pk,), attempt, lambda: _send_confirmation(subscriber_pk))


def _send_confirmation(subscriber_pk):
    subscriber = Subscriber.objects.filter(pk=subscriber_pk, status=SubscriberStatus.PENDING).first()
    if subscriber is None:  # confirmed or forgotten meanwhile
        return 0
    url = settings.SITE_URL + reverse("community:newsletter-confirm", args=[confirmation_token(subscriber)])
    return send_templated_email(
        "newsletter_confirm",
        subscriber.email,
        {"name": subscriber.name, "confirm_url": url},
        message_id=f"newsletter-confirm-{subscriber.pk}-{subscriber.token_key}",
    )


@task(queue_name="email")
def send_digests_task(frequency):
    with job_lock(f"send-digests-{frequency}") as held:
        if not held:
            # Another worker runs this job now and queues the next one itself;
            # stopping here also folds a doubled schedule back into one.
            logger.info("digests %s: already running elsewhere; skipped", frequency)
            return 0
        newsletter_services.forget_stale_pending()
        summary = digest_services.send_due_digests(frequency)
    logger.info(
        "digests %s: %s sent, %s with nothing new, %s refused%s",
        summary.period,
        summary.sent,
        summary.nothing_new,
        summary.refused,
        f"; stopped: {summary.stopped}" if summary.stopped else "",
    )
    if send_digests_task.get_backend().supports_defer:
        # An immediate backend would run the "next" one at once, forever. After a
        # mail-server failure, try again soon: only the missing digests go out.
        delay = RETRY_AFTER_FAILURE if summary.stopped else NEXT_RUN[Frequency(frequency)]
        send_digests_task.using(run_after=timezone.now() + delay).enqueue(frequency)
    return summary.sent
