"""Newsletter subscribers, the consent they gave, and the digests sent to them.

Subscribers are a third kind of user: many never become members and only read
our e-mails, so a subscriber is keyed by e-mail address, not by account."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A confirmation link works this long; unconfirmed addresses are forgotten after it.
CONFIRMATION_VALID_FOR = timedelta(hours=72)


def new_token_key():
    return secrets.token_urlsafe(12)


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class Frequency(models.TextChoices):
    WEEKLY = "weekly", _("Once a week")
    DAILY = "daily", _("Once a day")


class SubscriberSource(models.TextChoices):
    SIGNUP_PAGE = "page", _("Newsletter page")
    ARTICLE_BOX = "article", _("Box on an article")
    MEMBER_SETTINGS = "settings", _("Member settings")
    ADMIN = "admin", _("Added by staff")


class SubscriberQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=SubscriberStatus.ACTIVE)

    def due(self, frequency, period, now=None):
        """Active subscribers on `frequency`, not paused, not yet sent `period`'s digest."""
        now = now or timezone.now()
        already_sent = DigestSendLog.objects.filter(subscriber=OuterRef("pk"), period=period)
        return (
            self.active()
            .filter(frequency=frequency)
            .filter(Q(paused_until__isnull=True) | Q(paused_until__lte=now))
            .exclude(Exists(already_sent))
        )

    def with_last_digest(self):
        last = DigestSendLog.objects.filter(subscriber=OuterRef("pk")).order_by("-sent_at").values("sent_at")[:1]
        return self.annotate(last_digest_at=models.Subquery(last))

    def stale_pending(self, now=None):
        """Addresses never confirmed within the link's lifetime: forgotten, as the e-mail promises."""
        cutoff = (now or timezone.now()) - CONFIRMATION_VALID_FOR
        return self.filter(status=SubscriberStatus.PENDING, created_at__lt=cutoff, user__isnull=True)


class Subscriber(models.Model):
    """One e-mail address on the newsletter list (a member's or a visitor's)."""

    email = models.EmailField(_("e-mail address"), max_length=254)
    name = models.CharField(_("name"), max_length=80, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="newsletter_subscription",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=SubscriberStatus.choices, default=SubscriberStatus.PENDING
    )
    frequency = models.CharField(_("how often"), max_length=6, choices=Frequency.choices, default=Frequency.WEEKLY)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    topics = models.JSONField(_("topics to favour"), default=list, blank=True)
    newly_diagnosed_mode = models.BooleanField(
        _("newly diagnosed mode"),
        default=False,
        help_text=_("Leave out posts a moderator marked as hard reading (relapse, end of life)."),
    )
    source = models.CharField(_("signed up from"), max_length=10, choices=SubscriberSource.choices)
    token_key = models.CharField(
        _("link key"),
        max_length=32,
        default=new_token_key,
        help_text=_("Part of every signed link; changing it makes old links stop working."),
    )
    created_at = models.DateTimeField(_("signed up"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_unique_ci"),
        ]
        indexes = [
            models.Index(fields=["status", "frequency"], name="subscriber_status_freq"),
            models.Index(fields=["created_at"], name="subscriber_created"),
        ]

    def __str__(self):
        return self.email

    def get_absolute_url(self):
        from community.tokens import preferences_token

        return reverse("community:newsletter-preferences", args=[preferences_token(self)])

    @property
    def is_member(self):
        return self.user_id is not None

    def is_paused(self, now=None):
        return self.paused_until is not None and self.paused_until > (now or timezone.now())


class ConsentAction(models.TextChoices):
    REQUESTED = "requested", _("Asked to subscribe")
    CONFIRMED = "confirmed", _("Confirmed by e-mail link")
    MEMBER_OPT_IN = "member", _("Subscribed from member settings")
    WITHDRAWN = "withdrawn", _("Unsubscribed")


class ConsentRecord(models.Model):
    """Proof of consent: what was agreed to, when, and from where. Never edited."""

    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("subscriber"), on_delete=models.CASCADE, related_name="consents"
    )
    action = models.CharField(_("what happened"), max_length=10, choices=ConsentAction.choices)
    created_at = models.DateTimeField(_("when"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    text_version = models.CharField(_("consent text version"), max_length=20, blank=True)
    text = models.TextField(_("consent text shown"), blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["subscriber", "created_at"], name="consent_subscriber_time")]

    def __str__(self):
        return f"{self.get_action_display()} ({self.created_at:%Y-%m-%d %H:%M})"

    def get_absolute_url(self):
        return reverse("admin:community_consentrecord_change", args=[self.pk])


class DigestSendLog(models.Model):
    """One row per subscriber per period once their digest went out: a rerun
    skips everyone who has a row, so nobody gets the same digest twice."""

    subscriber = models.ForeignKey(
        Subscriber, verbose_name=_("subscriber"), on_delete=models.CASCADE, related_name="digest_logs"
    )
    period = models.CharField(_("period"), max_length=24, help_text=_("For example weekly-2026-W48."))
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    message_id = models.CharField(_("Message-ID"), max_length=200)
    item_count = models.PositiveIntegerField(_("items"), default=0)

    class Meta:
        verbose_name = _("digest sent")
        verbose_name_plural = _("digests sent")
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "period"], name="digest_once_per_period"),
        ]
        indexes = [
            models.Index(fields=["subscriber", "-sent_at"], name="digest_subscriber_sent"),
            models.Index(fields=["period"], name="digest_period"),
        ]

    def __str__(self):
        return f"{self.period} → {self.subscriber}"

    def get_absolute_url(self):
        return reverse("admin:community_digestsendlog_change", args=[self.pk])
