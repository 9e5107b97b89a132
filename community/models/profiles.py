"""A member's profile: what they choose to share, and with whom."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Signed-in members")
    ONLY_ME = "only_me", _("Only me")


class NotificationEmail(models.TextChoices):
    IMMEDIATE = "immediate", _("Straight away")
    DAILY = "daily", _("Once a day, in one e-mail")
    NEVER = "never", _("Never")


class MemberRole(models.TextChoices):
    PATIENT = "patient", _("I live with myeloma")
    CAREGIVER = "caregiver", _("I care for someone with myeloma")
    OTHER = "other", _("Other")


class ProfileQuerySet(models.QuerySet):
    def for_display(self):
        return self.select_related("user").prefetch_related("treatments")


class Profile(models.Model):
    """One per member (created with the account). Optional fields each carry a visibility."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    post_anonymously = models.BooleanField(
        _("post anonymously"),
        default=False,
        help_text=_('Others see "A Myeloma Forum member" and a plain picture instead of your name.'),
    )
    notification_email = models.CharField(
        _("e-mail me about replies"),
        max_length=10,
        choices=NotificationEmail.choices,
        default=NotificationEmail.IMMEDIATE,
    )
    avatar_small = models.FileField(_("picture (small)"), upload_to="avatars/", blank=True)
    avatar_medium = models.FileField(_("picture (medium)"), upload_to="avatars/", blank=True)
    avatar_large = models.FileField(_("picture (large)"), upload_to="avatars/", blank=True)
    avatar_visibility = models.CharField(
        _("who sees my picture"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    city = models.CharField(_("town or city"), max_length=80, blank=True)
    state = models.CharField(_("state or region"), max_length=80, blank=True)
    location_visibility = models.CharField(
        _("who sees where I live"), max_length=10, choices=Visibility.choices, default=Visibility.ONLY_ME
    )
    diagnosis_year = models.PositiveSmallIntegerField(_("year of diagnosis"), null=True, blank=True)
    diagnosis_year_visibility = models.CharField(
        _("who sees my year of diagnosis"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    treatments = TaggableManager(
        verbose_name=_("treatments received"),
        blank=True,
        help_text=_("Separate treatments with commas, for example: Revlimid, stem cell transplant."),
    )
    treatments_visibility = models.CharField(
        _("who sees my treatments"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    role = models.CharField(_("I am here as"), max_length=10, choices=MemberRole.choices, blank=True)
    role_visibility = models.CharField(
        _("who sees why I am here"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    about = models.TextField(_("about me"), max_length=1000, blank=True)
    about_visibility = models.CharField(
        _("who sees my about me"), max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(diagnosis_year__isnull=True) | models.Q(diagnosis_year__gte=1900),
                name="profile_diagnosis_year_sane",
            ),
        ]

    def __str__(self):
        return str(self.user)

    def get_absolute_url(self):
        return reverse("community:member-profile", args=[self.user_id])

    @property
    def has_avatar(self):
        return bool(self.avatar_large)

    def avatar_files(self):
        return [f for f in (self.avatar_small, self.avatar_medium, self.avatar_large) if f]

    def shows(self, field, viewer):
        """True when `viewer` may see the optional field `field` (e.g. "city")."""
        if viewer.pk == self.user_id:
            return True
        visibility_field = {"city": "location", "state": "location"}.get(field, field)
        return getattr(self, f"{visibility_field}_visibility") == Visibility.MEMBERS
