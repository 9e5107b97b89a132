"""Posting safety shared by every discussion write: who may post, how often,
and no accidental double posts. Forms check the text itself (length, links,
contact details, honeypot); these checks need the database or the cache."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.markdown import render_markdown
from community.services.accounts import posting_refusal_reason

NEW_MEMBER_MAX_LINKS = 2
DUPLICATE_WINDOW = timedelta(minutes=1)


class PostingRefused(ValidationError):
    """The post was not saved; the message says why in plain words."""


def is_new_member(user):
    days = getattr(settings, "FORUM_NEW_MEMBER_DAYS", 7)
    return user.date_joined > timezone.now() - timedelta(days=days)


def rate_limits_for(user):
    """[(posts, seconds), ...] for this member: lower while they are new."""
    limits = getattr(settings, "FORUM_POST_RATE_LIMITS", {})
    default = {"new": [(5, 600), (30, 86400)], "member": [(15, 600), (200, 86400)]}
    key = "new" if is_new_member(user) else "member"
    return limits.get(key, default[key])


def check_may_post(user):
    reason = posting_refusal_reason(user)
    if reason:
        raise PostingRefused(reason, code="not_allowed")


def check_rate_limit(user):
    """Count this post against fixed windows in the shared cache (Redis in production)."""
    now = int(timezone.now().timestamp())
    for posts, seconds in rate_limits_for(user):
        key = f"forum:post-rate:{user.pk}:{seconds}:{now // seconds}"
        cache.add(key, 0, timeout=seconds)
        if cache.incr(key) > posts:
            raise PostingRefused(
                _("You have posted a lot in a short time. Please wait a little while and try again."),
                code="rate_limited",
            )


def check_not_duplicate(model, user, body):
    since = timezone.now() - DUPLICATE_WINDOW
    if model.objects.filter(author=user, body=body.strip(), created_at__gte=since).exists():
        raise PostingRefused(
            _("You posted this same text a moment ago, so we did not post it twice."), code="duplicate"
        )


def one_post_at_a_time(user):
    """Lock the author's row until the post's transaction ends, so a double press of "Post"
    (or a retry while the first request still runs) cannot pass the duplicate check twice:
    under PostgreSQL's READ COMMITTED both would see no earlier copy (found by
    tools/security/load_faults.py). SQLite's IMMEDIATE transactions already serialise.

    The member's row comes first in every write that takes it (see the lock order in
    discussion.py), and a suspension decided while we waited for it is read fresh here."""
    if transaction.get_connection().in_atomic_block:
        # NO KEY UPDATE, not UPDATE: our foreign keys are checked at commit with KEY SHARE
        # locks, and a plain FOR UPDATE here blocked the member's own reaction from
        # committing while this post waited for that reaction's row: a deadlock.
        locked = get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk)
        for fresh in locked.values("suspended_until", "suspension_reason"):
            user.suspended_until, user.suspension_reason = fresh["suspended_until"], fresh["suspension_reason"]


def guard(model, user, body, *, enforce_limits=True):
    """Every check a new post passes before anything is saved."""
    if enforce_limits:
        one_post_at_a_time(user)
    check_may_post(user)
    if enforce_limits:
        check_not_duplicate(model, user, body)
        check_rate_limit(user)


def render_post(user, body):
    """Safe HTML for a member's text: new members get at most 2 links and no images."""
    if user is not None and is_new_member(user):
        return render_markdown(body, allow_images=False, max_links=NEW_MEMBER_MAX_LINKS).html
    return render_markdown(body, allow_images=False).html
