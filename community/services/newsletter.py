"""Newsletter writes: signing up (double opt-in), confirming, members' opt-in,
preferences, unsubscribing. Every change of consent leaves a ConsentRecord."""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from community.models.newsletter import (
    ConsentAction,
    ConsentRecord,
    Frequency,
    Subscriber,
    SubscriberSource,
    SubscriberStatus,
    new_token_key,
)

PAUSES = {"pause_2w": timedelta(weeks=2), "pause_month": timedelta(days=30)}


@dataclass(frozen=True)
class RequestInfo:
    """Where a consent came from, as the consent record keeps it."""

    ip_address: str | None = None
    user_agent: str = ""

    @classmethod
    def from_request(cls, request):
        return cls(
            ip_address=request.META.get("REMOTE_ADDR") or None,
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


def _record(subscriber, action, info, text=""):
    return ConsentRecord.objects.create(
        subscriber=subscriber,
        action=action,
        ip_address=info.ip_address,
        user_agent=info.user_agent,
        text_version=settings.FORUM_CONSENT_TEXT_VERSION if text else "",
        text=text,
    )


def _queue_confirmation(subscriber):
    from community.tasks_newsletter import send_confirmation_email

    pk = subscriber.pk
    transaction.on_commit(lambda: send_confirmation_email.enqueue(pk))


@transaction.atomic
def subscribe(*, email, name="", source, info, consent_text):
    """Start a double opt-in for `email`. Callers answer the same whatever happens
    here, so nobody can learn from the page whether an address is on our list.
    Nothing but the confirmation e-mail is sent before the link is opened."""
    subscriber = Subscriber.objects.select_for_update().filter(email__iexact=email).first()
    if subscriber and subscriber.status == SubscriberStatus.ACTIVE:
        return subscriber  # already subscribed: nothing to do, nothing to reveal
    if subscriber is None:
        subscriber = Subscriber.objects.create(email=email, name=name, source=source)
    else:  # waiting or unsubscribed before: start again with a fresh link
        subscriber.status = SubscriberStatus.PENDING
        subscriber.name = name or subscriber.name
        subscriber.token_key = new_token_key()
        subscriber.created_at = timezone.now()
        subscriber.save(update_fields=["status", "name", "token_key", "created_at"])
    _record(subscriber, ConsentAction.REQUESTED, info, consent_text)
    _queue_confirmation(subscriber)
    return subscriber


@transaction.atomic
def confirm(subscriber, *, info):
    """The confirmation link was opened: subscribe, and change the link key so it works once."""
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.token_key = new_token_key()
    subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at", "token_key"])
    _record(subscriber, ConsentAction.CONFIRMED, info)
    return subscriber


@transaction.atomic
def member_subscribe(user, *, frequency=Frequency.WEEKLY, info, consent_text):
    """A signed-in member with a confirmed address subscribes without a confirmation e-mail."""
    subscriber = Subscriber.objects.select_for_update().filter(user=user).first()
    subscriber = subscriber or Subscriber.objects.select_for_update().filter(email__iexact=user.email).first()
    if subscriber is None:
        subscriber = Subscriber(email=user.email, source=SubscriberSource.MEMBER_SETTINGS)
    subscriber.user = user
    subscriber.email = user.email
    subscriber.name = subscriber.name or user.display_name
    subscriber.frequency = frequency
    subscriber.status = SubscriberStatus.ACTIVE
    subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
    subscriber.unsubscribed_at = None
    subscriber.save()
    _record(subscriber, ConsentAction.MEMBER_OPT_IN, info, consent_text)
    return subscriber


@transaction.atomic
def update_preferences(subscriber, *, schedule, topics, newly_diagnosed_mode):
    """schedule: "weekly", "daily", "pause_2w" or "pause_month" (pausing keeps the frequency)."""
    if schedule in PAUSES:
        subscriber.paused_until = timezone.now() + PAUSES[schedule]
    else:
        subscriber.frequency = Frequency(schedule)
        subscriber.paused_until = None
    subscriber.topics = sorted(set(topics))
    subscriber.newly_diagnosed_mode = newly_diagnosed_mode
    subscriber.save(update_fields=["frequency", "paused_until", "topics", "newly_diagnosed_mode"])
    return subscriber


@transaction.atomic
def unsubscribe(subscriber, *, info):
    """Stop every newsletter and digest at once. Safe to repeat (one-click POSTs may be retried)."""
    if subscriber.status == SubscriberStatus.UNSUBSCRIBED:
        return subscriber
    subscriber.status = SubscriberStatus.UNSUBSCRIBED
    subscriber.unsubscribed_at = timezone.now()
    subscriber.save(update_fields=["status", "unsubscribed_at"])
    _record(subscriber, ConsentAction.WITHDRAWN, info)
    return subscriber


@transaction.atomic
def forget_stale_pending(now=None):
    """Delete addresses never confirmed within 72 hours (the confirmation e-mail promises it)."""
    deleted, _ = Subscriber.objects.stale_pending(now).delete()
    return deleted
