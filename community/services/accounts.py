"""Accounts: who may post, creating the profile that goes with every account."""

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils.translation import gettext as _

from community.models import Profile


def has_verified_email(user):
    return EmailAddress.objects.filter(user=user, verified=True).exists()


def posting_refusal_reason(user):
    """A plain sentence saying why `user` may not post, or None when they may."""
    if not user.is_authenticated:
        return _("Please sign in to take part.")
    if not user.is_active:
        return _("This account is closed.")
    if user.is_suspended:
        reason = user.suspension_reason or _("a moderator paused your account")
        if user.suspended_until.year >= 9999:  # moderation's "permanent" (community.services.moderation)
            return _("Your account can no longer post: %(reason)s. You can still read everything.") % {"reason": reason}
        return _("You cannot post until %(date)s: %(reason)s.") % {
            "date": user.suspended_until.strftime("%B %-d, %Y"),
            "reason": reason,
        }
    if not has_verified_email(user):
        return _("Please confirm your e-mail address first: open the link we sent you.")
    return None


def can_post(user):
    """The one check every posting route makes: signed in, active, e-mail confirmed, not suspended."""
    return posting_refusal_reason(user) is None


@transaction.atomic
def ensure_profile(user):
    """Every member has exactly one profile; safe to call more than once."""
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile
