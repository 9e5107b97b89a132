"""Background tasks (django-tasks): notification e-mails.

Queued with transaction.on_commit by the services, so a post that is rolled
back never sends anything. The immediate backend runs them at commit in
development and tests; production uses the database backend and a worker."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from community.email_retry import send_or_retry
from community.emails import send_templated_email
from community.models import Notification, NotificationEmail, NotificationEmailLog


def hourly_cap():
    return getattr(settings, "FORUM_NOTIFICATION_EMAILS_PER_HOUR", 5)


def _skip_reason(notification):
    if notification is None:
        return "gone"
    if notification.emailed_at or notification.read_at:
        return "already handled"
    recipient = notification.recipient
    if not recipient.is_active:
        return "inactive"
    profile = getattr(recipient, "profile", None)
    if profile is None or profile.notification_email != NotificationEmail.IMMEDIATE:
        return "not immediate"  # DAILY members get it in the digest; NEVER members not at all
    if NotificationEmailLog.objects.in_last_hour(recipient).count() >= hourly_cap():
        return "hourly cap"
    return None


def _context(notification):
    return {
        "notification": notification,
        "recipient_name": notification.recipient.public_name,
        "actor_name": notification.actor_name,
        "what": notification.get_kind_display(),
        "thread_title": notification.thread.title,
        "count": notification.event_count,
        "link": f"{settings.SITE_URL}{notification.url}",
        "settings_url": f"{settings.SITE_URL}{reverse('community:settings-notifications')}",
    }


@task(queue_name="email")
def send_notification_email(notification_id, attempt=0):
    """E-mail one notification unless the member opted out, already read it, or hit the hourly cap.
    A mail-server failure queues it again with a growing wait (community/email_retry.py)."""
    return send_or_retry(
        send_notification_email, (notification_id,), attempt, lambda: _send_notification(notification_id)
    )


def _send_notification(notification_id):
    # `emailed_at` is saved in the same transaction as the send: a retry after a
    # delivered e-mail finds it set and sends nothing ("already handled").
    with transaction.atomic():
        # Lock first, then read with the joins in a second statement. Locking and joining in
        # one statement is wrong on PostgreSQL: when a new post folds into this notification
        # meanwhile (changing its actor), the re-checked row keeps the new actor_id but the
        # outer join comes back empty, so `actor` reads as None.
        locked = Notification.objects.select_for_update().filter(pk=notification_id).values_list("pk", flat=True)
        notification = (
            Notification.objects.select_related("recipient__profile", "thread", "actor__profile")
            .filter(pk__in=list(locked))
            .first()
        )
        reason = _skip_reason(notification)
        if reason:
            return reason
        context = _context(notification)
        send_templated_email(
            "notification",
            notification.recipient.email,
            context,
            unsubscribe_url=context["settings_url"],
            message_id=f"notification-{notification.pk}",
        )
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        NotificationEmailLog.objects.create(recipient=notification.recipient, notification=notification)
    return "sent"
