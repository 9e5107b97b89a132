"""In-app notifications, and the log of notification e-mails (for the hourly cap)."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationQuerySet(models.QuerySet):
    def for_member(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def for_display(self):
        return self.select_related("thread", "actor__profile").order_by("-updated_at", "-pk")

    def for_daily_digest(self, user, since):
        """Unread notifications a DAILY member has not been e-mailed about (read by the digest)."""
        return self.for_member(user).unread().filter(updated_at__gte=since).for_display()


class Notification(models.Model):
    """Something happened in a thread that concerns the recipient.

    Events on one thread fold into the recipient's one unread notification for
    it (a database constraint allows only one), so a busy thread shows as
    "5 new posts" instead of five rows."""

    class Kind(models.TextChoices):
        ANSWER = "answer", _("answered your question")
        REPLY = "reply", _("replied to your comment")
        COMMENT = "comment", _("commented on your post")
        ACCEPTED = "accepted", _("marked your answer as most helpful to them")
        FOLLOWED = "followed", _("posted in a question you follow")
        # Moderation (issue 7): the outcome of a report, never who wrote the post.
        REPORT_KEPT = "rep_kept", _("looked at the post you reported and kept it")
        REPORT_REMOVED = "rep_gone", _("looked at the post you reported and removed it")

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    thread = models.ForeignKey("community.Thread", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(_("what happened"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_anonymous = models.BooleanField(default=False)
    event_count = models.PositiveIntegerField(_("events"), default=1)
    url = models.CharField(_("address"), max_length=300)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), default=timezone.now, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "thread"], condition=Q(read_at__isnull=True), name="notification_one_unread"
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at", "-updated_at"], name="notification_inbox_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.thread})"

    def get_absolute_url(self):
        return reverse("community:notification-open", args=[self.pk])

    @property
    def is_unread(self):
        return self.read_at is None

    @property
    def actor_name(self):
        if self.kind in (self.Kind.REPORT_KEPT, self.Kind.REPORT_REMOVED):
            return _("A moderator")
        if self.actor_id is None:
            return _("a former member")
        if self.actor_anonymous or getattr(getattr(self.actor, "profile", None), "post_anonymously", False):
            return _("A Myeloma Forum member")
        return self.actor.public_name


class NotificationEmailLogQuerySet(models.QuerySet):
    def in_last_hour(self, user):
        return self.filter(recipient=user, sent_at__gte=timezone.now() - timedelta(hours=1))


class NotificationEmailLog(models.Model):
    """One notification e-mail sent; counted for the per-member hourly cap."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    notification = models.ForeignKey(Notification, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    objects = NotificationEmailLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification e-mail sent")
        verbose_name_plural = _("notification e-mails sent")
        indexes = [models.Index(fields=["recipient", "-sent_at"], name="notif_email_recent_idx")]

    def __str__(self):
        return f"{self.recipient_id} at {self.sent_at:%Y-%m-%d %H:%M}"
