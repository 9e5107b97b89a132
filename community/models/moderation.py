"""Moderation: members' reports, the review queue, moderator notes, word lists,
crisis resources and the audit log.

A review item points at exactly one post (comment, question or answer) through
three nullable keys and a check constraint, never a generic foreign key; all
reports on that post gather on its one item."""

import re

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

POST_TARGETS = ("comment", "question", "answer")


def _exactly_one_post(name):
    return models.CheckConstraint(
        condition=(
            Q(comment__isnull=False, question__isnull=True, answer__isnull=True)
            | Q(comment__isnull=True, question__isnull=False, answer__isnull=True)
            | Q(comment__isnull=True, question__isnull=True, answer__isnull=False)
        ),
        name=name,
    )


class ReportReason(models.TextChoices):
    SPAM = "spam", _("Spam or advertising")
    ABUSIVE = "abusive", _("Rude or abusive")
    PERSONAL_INFO = "personal", _("Shares someone's personal information")
    MISINFORMATION = "misinfo", _("Medical misinformation")
    AT_RISK = "at_risk", _("Someone may be at risk")
    OTHER = "other", _("Something else")


class HoldReason(models.TextChoices):
    NONE = "", _("Not held")
    NEW_MEMBER = "new_member", _("New member's first posts")
    HOLD_WORD = "hold_word", _("Matched a word on the hold list")
    CRISIS_WORD = "crisis_word", _("Matched a word on the crisis list")


class ReviewItemQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=ReviewItem.OPEN_STATUSES)

    def queue_order(self):
        """Open items first, "someone may be at risk" on top, then the oldest waiting."""
        is_open = models.Case(
            models.When(status__in=ReviewItem.OPEN_STATUSES, then=models.Value(0)),
            default=models.Value(1),
        )
        return self.alias(_open=is_open).order_by("_open", "-at_risk", "created_at", "pk")

    def held(self):
        """Open items whose post waits for approval (crisis items stay visible, so are not held)."""
        return self.open().filter(hold_reason__in=[HoldReason.NEW_MEMBER, HoldReason.HOLD_WORD])

    def with_posts(self):
        return self.select_related(
            "comment__author", "question__author", "answer__author", "comment__thread", "answer__question"
        )


class ReviewItem(models.Model):
    """One post waiting for (or decided by) a moderator, with all reports about it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        ESCALATED = "escalated", _("Escalated to senior moderators")
        KEPT = "kept", _("Kept")
        APPROVED = "approved", _("Approved")
        HIDDEN = "hidden", _("Hidden")
        SPAM = "spam", _("Deleted as spam")
        WITHDRAWN = "withdrawn", _("Deleted by its author while waiting")

    OPEN_STATUSES = (Status.OPEN, Status.ESCALATED)

    comment = models.OneToOneField(
        "community.Comment", on_delete=models.CASCADE, null=True, blank=True, related_name="review_item"
    )
    question = models.OneToOneField(
        "community.Question", on_delete=models.CASCADE, null=True, blank=True, related_name="review_item"
    )
    answer = models.OneToOneField(
        "community.Answer", on_delete=models.CASCADE, null=True, blank=True, related_name="review_item"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    at_risk = models.BooleanField(
        _("someone may be at risk"), default=False, help_text=_("Shown at the top of the queue.")
    )
    hold_reason = models.CharField(
        _("held because"), max_length=12, choices=HoldReason.choices, blank=True, default=HoldReason.NONE
    )
    matched_words = models.CharField(_("matched words"), max_length=200, blank=True)
    report_count = models.PositiveIntegerField(_("reports"), default=0)
    # Reasons of all reports, comma-separated, so the queue filters without a join.
    reasons = models.CharField(_("reasons"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("in the queue since"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )  # fmt: skip

    objects = ReviewItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review queue")
        constraints = [_exactly_one_post("reviewitem_exactly_one_post")]
        indexes = [models.Index(fields=["status", "-at_risk", "created_at"], name="reviewitem_queue_idx")]
        permissions = [("decide_reviewitem", "Can decide review items (keep, hide, spam, note)")]

    def __str__(self):
        return _("Review of %(post)s") % {"post": self.post_label}

    def get_absolute_url(self):
        return reverse("admin:community_reviewitem_change", args=[self.pk])

    @property
    def post(self):
        return self.comment or self.question or self.answer

    @property
    def post_kind(self):
        for name in POST_TARGETS:
            if getattr(self, f"{name}_id"):
                return name
        return ""

    @property
    def post_label(self):
        return f"{self.post_kind} {getattr(self, f'{self.post_kind}_id', '')}".strip()

    @property
    def is_open(self):
        return self.status in self.OPEN_STATUSES

    @property
    def reason_list(self):
        return [r for r in self.reasons.split(",") if r]


class Report(models.Model):
    """One member's report about one post (once per member per post)."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="reports", verbose_name=_("post"))
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_made", verbose_name=_("reporter")
    )
    reason = models.CharField(_("reason"), max_length=10, choices=ReportReason.choices)
    note = models.TextField(_("note from the reporter"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("reported"), default=timezone.now)
    outcome_notified_at = models.DateTimeField(_("reporter told the outcome"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["item", "reporter"], name="report_once_per_member")]
        indexes = [models.Index(fields=["reporter", "-created_at"], name="report_reporter_recent_idx")]

    def __str__(self):
        return f"{self.get_reason_display()} ({self.item.post_label})"

    def get_absolute_url(self):
        return reverse("admin:community_reviewitem_change", args=[self.item_id])


class ModeratorNote(models.Model):
    """A moderator's note about a post: shown under it (and in digests) when public,
    e.g. "This claim is not supported; see our reviewed article on …"."""

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="notes", verbose_name=_("post"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("moderator"),
    )  # fmt: skip
    text = models.TextField(_("note"), max_length=1000)
    article_url = models.CharField(
        _("reviewed article"), max_length=300, blank=True,
        help_text=_("The address of a medically reviewed article, for example /articles/some-article/."),
    )  # fmt: skip
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("moderator note")
        verbose_name_plural = _("moderator notes")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return self.item.get_absolute_url()


class MemberNote(models.Model):
    """A private note moderators keep about a member (never shown to members)."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_notes", verbose_name=_("member")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("moderator"),
    )  # fmt: skip
    text = models.TextField(_("note"), max_length=2000)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    class Meta:
        verbose_name = _("note about a member")
        verbose_name_plural = _("notes about members")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:60]

    def get_absolute_url(self):
        return reverse("admin:community_user_change", args=[self.member_id])


class WordListQuerySet(models.QuerySet):
    def active(self, kind):
        return self.filter(kind=kind, is_active=True)


class WordListEntry(models.Model):
    """A word or phrase that holds a post for review, or marks it as a possible crisis."""

    class Kind(models.TextChoices):
        HOLD = "hold", _("Hold for review")
        CRISIS = "crisis", _("Possible crisis")

    kind = models.CharField(_("list"), max_length=10, choices=Kind.choices)
    phrase = models.CharField(
        _("word or phrase"), max_length=100, help_text=_("Matched as whole words, ignoring capitals.")
    )
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(_("added"), default=timezone.now)

    objects = WordListQuerySet.as_manager()

    class Meta:
        verbose_name = _("word list entry")
        verbose_name_plural = _("word lists")
        ordering = ["kind", "phrase"]
        constraints = [models.UniqueConstraint("kind", Lower("phrase"), name="wordlist_phrase_unique_ci")]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.phrase}"

    def get_absolute_url(self):
        return reverse("admin:community_wordlistentry_change", args=[self.pk])

    def pattern(self):
        words = [re.escape(w) for w in self.phrase.split()]
        return r"\b" + r"\s+".join(words) + r"\b"


class CrisisResource(models.Model):
    """A line on the crisis resources page, kept by the editors."""

    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("what it offers"), max_length=300, blank=True)
    phone = models.CharField(_("phone or text number"), max_length=40, blank=True)
    url = models.URLField(_("web address"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("crisis resource")
        verbose_name_plural = _("crisis resources")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("community:crisis-resources")


class AuditAction(models.TextChoices):
    REPORT_KEEP = "keep", _("Kept a post")
    APPROVE = "approve", _("Approved a held post")
    HIDE = "hide", _("Hid a post")
    SPAM = "spam", _("Deleted a post as spam")
    NOTE = "note", _("Added a note to a post")
    SENSITIVE = "sensitive", _("Marked a post sensitive")
    ESCALATE = "escalate", _("Escalated a review item")
    SUSPEND = "suspend", _("Suspended a member")
    UNSUSPEND = "unsuspend", _("Lifted a suspension")
    MEMBER_NOTE = "member_note", _("Added a note about a member")
    ADMIN_ADD = "admin_add", _("Added in the admin")
    ADMIN_CHANGE = "admin_change", _("Changed in the admin")
    ADMIN_DELETE = "admin_delete", _("Deleted in the admin")


class AuditLogEntry(models.Model):
    """Who did what, when, to which object, and why. Written by the services and
    the admin; never edited (read-only in the admin)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("moderator"),
    )  # fmt: skip
    # The member the action concerned (a post's author, a suspended member), for their history.
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("member concerned"),
    )  # fmt: skip
    action = models.CharField(_("action"), max_length=12, choices=AuditAction.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=40)
    # Never a member's name or address: a deleted member's row must hold nothing of them.
    object_repr = models.CharField(_("object"), max_length=200)
    reason = models.TextField(_("reason"), blank=True)
    details = models.TextField(_("details"), blank=True)
    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            models.Index(fields=["member", "-created_at"], name="audit_member_idx"),
        ]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.get_action_display()} {self.object_repr}"

    def get_absolute_url(self):
        return reverse("admin:community_auditlogentry_change", args=[self.pk])
