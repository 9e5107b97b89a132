"""Write first, join after: a visitor's comment or question waiting for its author
to confirm their e-mail address.

Kept in its own table, not as a status on Comment/Question, so a pending post can
never leak into a thread, a count, a teaser, search, a digest, a notification or
a cached fragment: every existing read of the discussion tables stays as it is.
Publishing goes through the normal discussion services, which apply the same
posting rules and moderation holds as for any member post.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Unconfirmed posts (and the accounts made for them) are deleted after this long.
PENDING_KEPT_FOR = timedelta(days=7)


class PendingPostQuerySet(models.QuerySet):
    def for_address(self, email):
        return self.filter(author__email__iexact=email)

    def expired(self, now=None):
        return self.filter(created_at__lt=(now or timezone.now()) - PENDING_KEPT_FOR)


class PendingPost(models.Model):
    """A comment or question written by a visitor; published when they confirm."""

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        QUESTION = "question", _("Question")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # The new unverified account made for the visitor, or the existing account of
    # that address (which then has to sign in before anything is published).
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="pending_posts"
    )
    new_account = models.BooleanField(
        _("account made for this post"), default=False, help_text=_("Deleted with the post if never confirmed.")
    )
    thread = models.ForeignKey(
        "community.Thread", verbose_name=_("thread"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="pending_posts",
    )  # fmt: skip
    title = models.CharField(_("question"), max_length=150, blank=True)
    body = models.TextField(_("text"))
    tags = models.JSONField(_("topics"), default=list, blank=True)
    is_anonymous = models.BooleanField(_("post anonymously"), default=False)
    # Only a SHA-256 of the link's secret: a database dump cannot publish anything.
    token_hash = models.CharField(_("link hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("written"), default=timezone.now, db_index=True)

    objects = PendingPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("post waiting for confirmation")
        verbose_name_plural = _("posts waiting for confirmation")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["author", "created_at"], name="pending_author_time_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="comment", thread__isnull=False) | models.Q(kind="question", thread__isnull=True)
                ),
                name="pending_comment_has_thread",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="comment") | ~models.Q(title=""), name="pending_question_has_title"
            ),
        ]

    def __str__(self):
        return _("Waiting %(kind)s #%(pk)s") % {"kind": self.get_kind_display(), "pk": self.pk}

    def get_absolute_url(self):
        return reverse("community:write-first-sent")
