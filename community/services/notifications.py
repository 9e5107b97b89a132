"""Notifications: fold events into one unread notification per thread, mark read,
queue the immediate e-mail after the transaction commits."""

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from community.models import Follow, Notification

# When one post concerns a member in several ways, the most personal reason wins.
KIND_PRIORITY = [
    Notification.Kind.ACCEPTED,
    Notification.Kind.ANSWER,
    Notification.Kind.REPLY,
    Notification.Kind.COMMENT,
    Notification.Kind.FOLLOWED,
]


def merge_recipients(*pairs):
    """{user_id: kind} from (user_id, kind) pairs, keeping the highest-priority kind."""
    result = {}
    for user_id, kind in pairs:
        if user_id is None:
            continue
        current = result.get(user_id)
        if current is None or KIND_PRIORITY.index(kind) < KIND_PRIORITY.index(current):
            result[user_id] = kind
    return result


def follower_pairs(thread):
    return [
        (uid, Notification.Kind.FOLLOWED)
        for uid in Follow.objects.filter(thread=thread).values_list("member_id", flat=True)
    ]


def _fold(existing, *, kind, actor, anonymous, url, now):
    Notification.objects.filter(pk=existing.pk).update(
        event_count=F("event_count") + 1, kind=kind, actor=actor, actor_anonymous=anonymous, url=url, updated_at=now
    )
    return existing


def _notify_one(recipient_id, *, thread, kind, actor, anonymous, url):
    """Create the recipient's unread notification for `thread`, or fold into it."""
    now = timezone.now()
    unread = Notification.objects.filter(recipient_id=recipient_id, thread=thread, read_at__isnull=True)
    existing = unread.select_for_update().first()
    if existing:
        return _fold(existing, kind=kind, actor=actor, anonymous=anonymous, url=url, now=now), False
    try:
        with transaction.atomic():  # a savepoint: a concurrent first event may have won the race
            created = Notification.objects.create(
                recipient_id=recipient_id, thread=thread, kind=kind, actor=actor, actor_anonymous=anonymous,
                url=url, created_at=now, updated_at=now,
            )  # fmt: skip
        return created, True
    except IntegrityError:
        return _fold(unread.get(), kind=kind, actor=actor, anonymous=anonymous, url=url, now=now), False


@transaction.atomic
def notify(recipients, *, thread, actor, anonymous, url):
    """Tell each recipient (a {user_id: kind} dict) about a post by `actor`; never the actor."""
    from community.tasks import send_notification_email

    notifications = []
    for recipient_id, kind in recipients.items():
        if actor is not None and recipient_id == actor.pk:
            continue
        notification, is_new = _notify_one(
            recipient_id, thread=thread, kind=kind, actor=actor, anonymous=anonymous, url=url
        )
        if is_new:  # a folded event was already e-mailed (or queued) with its first one
            transaction.on_commit(lambda pk=notification.pk: send_notification_email.enqueue(pk))
        notifications.append(notification)
    return notifications


@transaction.atomic
def notification_mark_read(*, member, notification_id=None):
    """Mark one of the member's notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.for_member(member).unread()
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
