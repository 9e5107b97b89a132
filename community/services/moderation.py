"""Moderation writes: reports, holds, decisions on review items, notes,
suspensions, and the audit log every one of them writes.

Each public function is atomic; e-mails to moderators are queued with
`transaction.on_commit`, so nothing is sent for a rolled-back change."""

import datetime
import re
from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import (
    AuditAction,
    AuditLogEntry,
    HoldReason,
    MemberNote,
    ModeratorNote,
    Report,
    ReportReason,
    ReviewItem,
    User,
    WordListEntry,
)
from community.models.moderation import POST_TARGETS
from community.services.accounts import posting_refusal_reason

# A permanent suspension is stored as a date no one will reach.
PERMANENT = datetime.datetime(9999, 1, 1, tzinfo=datetime.UTC)


class ModerationRefused(ValidationError):
    """The request was refused; the message says why in plain words."""


# --- audit log -------------------------------------------------------------------


def object_label(obj):
    """`("comment", "12", "comment 12")`: never a member's name or address."""
    name = obj._meta.model_name
    if name == "user":
        return name, str(obj.pk), _("member #%(pk)s") % {"pk": obj.pk}
    if name == "reviewitem":
        return name, str(obj.pk), f"{obj.post_label} (review {obj.pk})"
    return name, str(obj.pk), f"{obj._meta.verbose_name} {obj.pk}"


def audit(actor, action, obj, *, member=None, reason="", details=""):
    """Write one audit log row: who (`actor`), what (`action`), which object, why."""
    object_type, object_id, label = object_label(obj)
    return AuditLogEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action, object_type=object_type, object_id=object_id, object_repr=label[:200],
        member=member, reason=reason or "", details=details[:5000],
    )  # fmt: skip


# --- finding the review item of a post ---------------------------------------------------


def post_kind(post):
    kind = post._meta.model_name
    if kind not in POST_TARGETS:
        raise ValueError(f"not a post: {post!r}")
    return kind


def _item_for(post):
    """The post's one review item, created on first need, locked for this transaction."""
    kind = post_kind(post)
    try:
        with transaction.atomic():
            item, _created = ReviewItem.objects.get_or_create(**{kind: post})
    except IntegrityError:  # a concurrent report created it first
        item = ReviewItem.objects.get(**{kind: post})
    return ReviewItem.objects.select_for_update().get(pk=item.pk)


def withdraw_if_waiting(post):
    """Before its author deletes `post`: a post still held for approval needs no decision
    any more, so its review item leaves the queue. Someone possibly at risk, or a post
    others reported, stays for a moderator. Called before the post's row is touched:
    review items come before posts in the lock order (discussion.py)."""
    item = (
        ReviewItem.objects.select_for_update(of=("self",))
        .filter(**{post_kind(post): post}, status__in=ReviewItem.OPEN_STATUSES, at_risk=False, report_count=0)
        .exclude(hold_reason__in=[HoldReason.NONE, HoldReason.CRISIS_WORD])
        .first()
    )
    if item is None:
        return
    item.status, item.decided_at = ReviewItem.Status.WITHDRAWN, timezone.now()
    item.save(update_fields=["status", "decided_at"])


def _reopen(item, *, at_risk=False, reason=None):
    item.status = ReviewItem.Status.OPEN if not item.is_open else item.status
    item.at_risk = item.at_risk or at_risk
    if reason and reason not in item.reason_list:
        item.reasons = ",".join([*item.reason_list, reason])
    item.decided_at = None


# --- word lists --------------------------------------------------------------------


def matched_phrases(kind, *texts):
    """The active phrases of one list that occur in the texts as whole words, any case."""
    text = "\n".join(t for t in texts if t)
    return [entry.phrase for entry in WordListEntry.objects.active(kind) if re.search(entry.pattern(), text, re.I)]


# --- reports -----------------------------------------------------------------------


def report_rate_limit():
    return getattr(settings, "FORUM_REPORT_RATE_LIMIT", (10, 3600))


def _check_report_rate(reporter):
    """Fixed window in the shared cache: a flood of reports is refused, not queued."""
    limit, seconds = report_rate_limit()
    key = f"forum:report-rate:{reporter.pk}:{int(timezone.now().timestamp()) // seconds}"
    cache.add(key, 0, timeout=seconds)
    if cache.incr(key) > limit:
        raise ModerationRefused(
            _("You have sent a lot of reports in a short time. Please wait a while and try again."),
            code="rate_limited",
        )


def _check_may_report(reporter, post):
    refusal = posting_refusal_reason(reporter)
    if refusal:
        raise ModerationRefused(refusal, code="not_allowed")
    if post.author_id == reporter.pk:
        raise ModerationRefused(_("This is your own post. You can edit or delete it instead."), code="own_post")


@transaction.atomic
def report_create(*, reporter, post, reason, note=""):
    """A member reports a post once; all reports on one post gather on its review item."""
    _check_may_report(reporter, post)
    reason = ReportReason(reason)
    item = _item_for(post)
    if Report.objects.filter(item=item, reporter=reporter).exists():
        raise ModerationRefused(
            _("You have already reported this post. A moderator will look at it. Thank you."), code="duplicate"
        )
    _check_report_rate(reporter)
    report = Report.objects.create(item=item, reporter=reporter, reason=reason, note=note.strip()[:1000])
    at_risk = reason == ReportReason.AT_RISK
    _reopen(item, at_risk=at_risk, reason=reason)
    item.report_count = F("report_count") + 1
    item.save(update_fields=["status", "at_risk", "reasons", "decided_at", "report_count"])
    if at_risk:
        queue_crisis_alert(item)
    return report


# --- new posts: holds and crisis words ----------------------------------------------------


def new_member_hold_posts():
    return getattr(settings, "FORUM_NEW_MEMBER_HOLD_POSTS", 2)


def approved_post_count(author):
    """Posts of the author that moderators let through (or never needed to)."""
    from community.models import Answer, Comment, Question

    return sum(
        model.objects.filter(author=author, moderation_status="visible").count()
        for model in (Comment, Question, Answer)
    )


def needs_new_member_hold(author):
    """New members' first N posts wait for a moderator; after N approved posts the hold lifts."""
    if author is None or author.is_staff:
        return False
    limit = new_member_hold_posts()
    return limit > 0 and approved_post_count(author) < limit


@dataclass(frozen=True)
class Screening:
    """What the word lists and the new-member rule say about a post about to be saved."""

    hold_reason: str = HoldReason.NONE
    crisis: tuple = ()
    hold_words: tuple = ()

    @property
    def is_held(self):
        return bool(self.hold_reason)

    @property
    def status(self):
        return "held" if self.is_held else "visible"


def screen_new_post(author, *texts, holds=True):
    """Screen a post before it is saved. Crisis words are always looked for; holds apply to
    posts made through the site (`holds=False` for demo loaders and fixtures)."""
    crisis = tuple(matched_phrases(WordListEntry.Kind.CRISIS, *texts))
    if not holds or (author is not None and author.is_staff):
        return Screening(crisis=crisis)
    hold_words = tuple(matched_phrases(WordListEntry.Kind.HOLD, *texts))
    if needs_new_member_hold(author):
        return Screening(HoldReason.NEW_MEMBER, crisis, hold_words)
    if hold_words:
        return Screening(HoldReason.HOLD_WORD, crisis, hold_words)
    return Screening(crisis=crisis)


@transaction.atomic
def post_screened(post, screening):
    """After a post is saved: put it in the queue when held or when it suggests a crisis,
    and alert the moderators at once on a crisis.

    A crisis post is not hidden for that reason alone: the member reached out, and
    others may answer kindly; it goes to the top of the queue instead."""
    post.crisis_flagged = bool(screening.crisis)
    if not screening.is_held and not screening.crisis:
        return None
    item = _item_for(post)
    item.hold_reason = screening.hold_reason or HoldReason.CRISIS_WORD
    item.matched_words = ", ".join([*screening.crisis, *screening.hold_words])[:200]
    _reopen(item, at_risk=bool(screening.crisis))
    item.save(update_fields=["status", "at_risk", "hold_reason", "matched_words", "decided_at"])
    if screening.crisis:
        queue_crisis_alert(item)
    return item


def _set_post(post, **fields):
    type(post).objects.filter(pk=post.pk).update(**fields)
    for name, value in fields.items():
        setattr(post, name, value)


def _set_visibility(post, status, *, announce=False):
    """Show or hide the post; the discussion service keeps the counters (and, for a post
    readers never saw, last activity and the held-back notifications) in step."""
    from community.services import discussion  # it imports this module

    return discussion.post_moderated(post, status, announce=announce)


def _waiting_since_posted(item):
    """True while readers have never seen the item's post: held when it was posted and not
    approved since (still held, or hidden straight from the queue)."""
    if item.hold_reason not in (HoldReason.NEW_MEMBER, HoldReason.HOLD_WORD):
        return False
    approvals = AuditLogEntry.objects.filter(object_type="reviewitem", object_id=str(item.pk))
    return not approvals.filter(action=AuditAction.APPROVE).exists()


# --- crisis alert e-mail ---------------------------------------------------------------


def moderator_emails():
    """Active members of the Moderators group, or the superusers while the group is empty."""
    group = Group.objects.filter(name="Moderators").first()
    users = User.objects.filter(is_active=True)
    chosen = users.filter(groups=group) if group else users.none()
    if not chosen.exists():
        chosen = users.filter(is_superuser=True)
    extra = [e for e in getattr(settings, "FORUM_MODERATION_ALERT_EMAILS", []) if e]
    return sorted({*chosen.values_list("email", flat=True), *extra})


def queue_crisis_alert(item):
    from community.tasks_moderation import send_crisis_alert

    transaction.on_commit(lambda pk=item.pk: send_crisis_alert.enqueue(pk))


# --- decisions -------------------------------------------------------------------------


def _require_moderator(moderator):
    if not (moderator.is_superuser or moderator.has_perm("community.decide_reviewitem")):
        raise PermissionDenied(_("Only moderators can decide review items."))


def _decide(item, moderator, status, action, *, reason="", details=""):
    item.status = status
    item.decided_at = timezone.now()
    item.decided_by = moderator
    item.save(update_fields=["status", "decided_at", "decided_by"])
    post = item.post
    audit(moderator, action, item, member=post.author if post else None, reason=reason, details=details)


def _locked(item):
    return ReviewItem.objects.select_for_update(of=("self",)).select_related(*POST_TARGETS).get(pk=item.pk)


@transaction.atomic
def item_keep(*, item, moderator, reason=""):
    """Keep the post (approve it when it was held); reporters hear it was kept. Approving
    counts the post and sends the notifications its posting held back, once."""
    _require_moderator(moderator)
    item = _locked(item)
    approving = _waiting_since_posted(item)
    shown = _set_visibility(item.post, "visible", announce=approving)
    if not shown and item.status in (ReviewItem.Status.APPROVED, ReviewItem.Status.KEPT):
        return item  # decided already: a double press, or two moderators at once
    status, action = (
        (ReviewItem.Status.APPROVED, AuditAction.APPROVE)
        if approving
        else (ReviewItem.Status.KEPT, AuditAction.REPORT_KEEP)
    )
    _decide(item, moderator, status, action, reason=reason)
    tell_reporters(item, removed=False)
    return item


@transaction.atomic
def item_hide(*, item, moderator, reason=""):
    """Hide the post: members see "removed by a moderator" in its place."""
    _require_moderator(moderator)
    item = _locked(item)
    _set_visibility(item.post, "hidden")
    _decide(item, moderator, ReviewItem.Status.HIDDEN, AuditAction.HIDE, reason=reason)
    tell_reporters(item, removed=True)
    return item


@transaction.atomic
def item_delete_spam(*, item, moderator, reason=""):
    """Hide the post as spam and suspend its author (permanently by default)."""
    _require_moderator(moderator)
    # The author's row first, as posting takes it (posting.one_post_at_a_time): taking the
    # post's rows and then the author's deadlocked with the author posting at that moment.
    list(User.objects.select_for_update(no_key=True).filter(pk=item.post.author_id).values_list("pk", flat=True))
    item = _locked(item)
    _set_visibility(item.post, "hidden")
    _decide(item, moderator, ReviewItem.Status.SPAM, AuditAction.SPAM, reason=reason)
    author = item.post.author
    if author is not None and not author.is_staff:
        days = getattr(settings, "FORUM_SPAM_SUSPENSION_DAYS", None)
        member_suspend(member=author, moderator=moderator, days=days, reason=_("posting spam"))
    tell_reporters(item, removed=True)
    return item


@transaction.atomic
def item_add_note(*, item, moderator, text, article_url=""):
    """Annotate, do not just erase: a note shown under the post and in digests."""
    _require_moderator(moderator)
    text, article_url = text.strip(), article_url.strip()
    if not text:
        raise ModerationRefused(_("Please write the note."), code="empty")
    if article_url and not (article_url.startswith("/") or article_url.startswith(settings.SITE_URL)):
        raise ModerationRefused(_("Please link to one of our own reviewed articles."), code="bad_url")
    item = _locked(item)
    note = ModeratorNote.objects.create(item=item, author=moderator, text=text, article_url=article_url)
    _set_post(item.post, moderation_note=text, moderation_note_url=article_url)
    post = item.post
    audit(moderator, AuditAction.NOTE, item, member=post.author, reason=text, details=article_url)
    return note


@transaction.atomic
def item_mark_sensitive(*, item, moderator, sensitive=True, reason=""):
    """Hard reading (relapse, end of life): newly diagnosed mode leaves it out of digests."""
    _require_moderator(moderator)
    item = _locked(item)
    _set_post(item.post, is_sensitive=sensitive)
    audit(moderator, AuditAction.SENSITIVE, item, member=item.post.author, reason=reason, details=str(sensitive))
    return item


@transaction.atomic
def item_escalate(*, item, moderator, reason=""):
    """Ask a senior moderator (or a clinician on the team) to decide; stays open."""
    _require_moderator(moderator)
    item = _locked(item)
    item.status = ReviewItem.Status.ESCALATED
    item.save(update_fields=["status"])
    audit(moderator, AuditAction.ESCALATE, item, member=item.post.author, reason=reason)
    return item


@transaction.atomic
def post_mark_sensitive(*, post, moderator, sensitive=True):
    """Mark a post that nobody reported: it gets a (decided) review item for the record."""
    item = _item_for(post)
    if item.is_open and not item.report_count and not item.hold_reason:
        item.status = ReviewItem.Status.KEPT
        item.save(update_fields=["status"])
    return item_mark_sensitive(item=item, moderator=moderator, sensitive=sensitive)


@transaction.atomic
def post_to_queue(*, post, moderator, reason=""):
    """A moderator noticed a post nobody reported: it joins the queue (open)."""
    item = _item_for(post)
    _reopen(item)
    item.save(update_fields=["status", "decided_at"])
    audit(moderator, AuditAction.ESCALATE, item, member=post.author, reason=reason or "sent to the queue")
    return item


# --- telling reporters ------------------------------------------------------------------


def tell_reporters(item, *, removed):
    """Each reporter learns the outcome in their notifications, nothing about the other member."""
    from community.models import Notification
    from community.services.notifications import notify

    reports = list(item.reports.filter(outcome_notified_at__isnull=True).values_list("pk", "reporter_id"))
    if not reports:
        return 0
    post = item.post
    thread = post.thread if item.comment_id else (post.question.thread if item.answer_id else post.thread)
    kind = Notification.Kind.REPORT_REMOVED if removed else Notification.Kind.REPORT_KEPT
    url = thread.url if removed else post.get_absolute_url()
    notify({reporter_id: kind for _pk, reporter_id in reports}, thread=thread, actor=None, anonymous=True, url=url)
    Report.objects.filter(pk__in=[pk for pk, _r in reports]).update(outcome_notified_at=timezone.now())
    return len(reports)


# --- suspensions -------------------------------------------------------------------------


def end_sessions(user):
    """Sign the member out everywhere (allauth's user sessions plus any plain session)."""
    from allauth.usersessions.models import UserSession
    from django.contrib.sessions.models import Session

    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        live = Session.objects.filter(expire_date__gt=timezone.now())
        keys |= {
            s.session_key for s in live.iterator(chunk_size=500) if s.get_decoded().get("_auth_user_id") == str(user.pk)
        }
    engine = import_module(settings.SESSION_ENGINE)
    for key in keys:
        engine.SessionStore(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    return len(keys)


@transaction.atomic
def member_suspend(*, member, moderator, days=None, reason):
    """Suspend for `days` (None: permanently). The member reads but cannot post,
    react, vote or report; every session ends; it lifts by itself when the date passes."""
    reason = (reason or "").strip()
    if not reason:
        raise ModerationRefused(_("Please give a reason; the member will see it."), code="no_reason")
    if member.is_staff and not moderator.is_superuser:
        raise PermissionDenied(_("Only an administrator can suspend a staff member."))
    until = PERMANENT if days is None else timezone.now() + timedelta(days=days)
    User.objects.filter(pk=member.pk).update(suspended_until=until, suspension_reason=reason[:200])
    member.suspended_until, member.suspension_reason = until, reason[:200]
    transaction.on_commit(lambda: end_sessions(member))
    details = "permanent" if days is None else f"{days} days, until {until:%Y-%m-%d %H:%M}"
    audit(moderator, AuditAction.SUSPEND, member, member=member, reason=reason, details=details)
    return member


@transaction.atomic
def member_unsuspend(*, member, moderator, reason=""):
    User.objects.filter(pk=member.pk).update(suspended_until=None, suspension_reason="")
    member.suspended_until, member.suspension_reason = None, ""
    audit(moderator, AuditAction.UNSUSPEND, member, member=member, reason=reason)
    return member


@transaction.atomic
def suspension_changed_in_admin(*, member, moderator):
    """The member admin's own form changed the suspension date: log it, and end the
    member's sessions when it now suspends them."""
    if member.is_suspended:
        transaction.on_commit(lambda: end_sessions(member))
        until = (
            "permanent" if is_permanent(member.suspended_until) else f"until {member.suspended_until:%Y-%m-%d %H:%M}"
        )
        audit(moderator, AuditAction.SUSPEND, member, member=member, reason=member.suspension_reason, details=until)
    else:
        audit(moderator, AuditAction.UNSUSPEND, member, member=member)


def is_permanent(until):
    return until is not None and until.year >= PERMANENT.year


@transaction.atomic
def member_note_add(*, member, moderator, text):
    text = text.strip()
    if not text:
        raise ModerationRefused(_("Please write the note."), code="empty")
    note = MemberNote.objects.create(member=member, author=moderator, text=text)
    audit(moderator, AuditAction.MEMBER_NOTE, member, member=member, reason=text)
    return note


def member_history(member):
    """What a moderator needs beside a post: when they joined, how much they wrote, earlier actions."""
    from community.models import Answer, Comment, Question

    return {
        "joined": member.date_joined,
        "posts": sum(m.objects.filter(author=member).count() for m in (Comment, Question, Answer)),
        "reports_against": ReviewItem.objects.filter(
            Q(comment__author=member) | Q(question__author=member) | Q(answer__author=member), report_count__gt=0
        ).count(),
        "actions": list(AuditLogEntry.objects.filter(member=member).select_related("actor")[:10]),
    }
