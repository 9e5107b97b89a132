from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    """Creates users keyed by e-mail; there is no username anywhere."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        # Addresses differ only in case for typos, never for different people.
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A member, moderator or editor. The e-mail is the login and is never shown
    to other members; everyone else sees the display name."""

    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=60,
        blank=True,
        help_text=_("The name other members see next to your posts."),
    )
    is_staff = models.BooleanField(
        _("staff status"),
        default=False,
        help_text=_("Can log into the admin (moderators and editors)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    suspended_until = models.DateTimeField(
        _("suspended until"),
        null=True,
        blank=True,
        help_text=_("While this date is in the future the member can read but not post. Empty: not suspended."),
    )
    suspension_reason = models.CharField(
        _("reason for suspension"),
        max_length=200,
        blank=True,
        help_text=_("Shown to the member when they try to post."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ci"),
        ]

    def __str__(self):
        return str(self.public_name)

    def get_absolute_url(self):
        return reverse("community:member-profile", args=[self.pk])

    @property
    def is_suspended(self):
        """True while a suspension set by a moderator is in force."""
        return self.suspended_until is not None and self.suspended_until > timezone.now()

    @property
    def public_name(self):
        """The name shown to others: never the e-mail address."""
        return self.display_name or _("Myeloma Forum member")

    def get_full_name(self):
        return str(self.public_name)

    def get_short_name(self):
        return str(self.public_name)
