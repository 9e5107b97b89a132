"""Background task: the crisis alert to moderators.

Queued with transaction.on_commit by the moderation services; the immediate
backend sends it at commit (development, tests), a worker in production. It
runs on its own, so a slow mail server never delays the member's page."""

from django.conf import settings
from django.urls import reverse
from django_tasks import task

from community.email_retry import send_or_retry
from community.emails import send_templated_email
from community.models import ReviewItem


def _context(item):
    post = item.post
    return {
        "item": item,
        "reasons": [r for r in item.reason_list],
        "matched_words": item.matched_words,
        "excerpt": (post.body if post else "")[:600],
        "queue_url": f"{settings.SITE_URL}{reverse('admin:community_reviewitem_changelist')}",
        "item_url": f"{settings.SITE_URL}{reverse('admin:community_reviewitem_change', args=[item.pk])}",
    }


@task(queue_name="email")
def send_crisis_alert(item_id, attempt=0):
    """E-mail every moderator at once about a post that suggests someone may be at risk.
    A mail-server failure queues it again with a growing wait (community/email_retry.py)."""
    return send_or_retry(send_crisis_alert, (item_id,), attempt, lambda: _send_crisis_alert(item_id))


def _send_crisis_alert(item_id):
    from community.services.moderation import moderator_emails

    item = ReviewItem.objects.with_posts().filter(pk=item_id).first()
    recipients = moderator_emails()
    if item is None or not recipients:
        return "nobody to tell" if item else "gone"
    send_templated_email(
        "moderation_crisis_alert",
        recipients,
        _context(item),
        message_id=f"crisis-{item.pk}-{item.report_count}",
    )
    return "sent"
