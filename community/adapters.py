"""allauth adapters: every new account gets its profile, however it was made."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.http import Http404
from django.urls import reverse

from community.services.accounts import ensure_profile


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_profile(user)
        return user

    def get_signup_redirect_url(self, request):
        return reverse("community:settings-profile")


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider without credentials: allauth code still sees DoesNotExist; visitors get a 404, not a 500."""


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured(provider) from None

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form=form)
        ensure_profile(user)
        return user

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        # Only the first name: a full name is more than other members need to see.
        if not user.display_name:
            user.display_name = (data.get("first_name") or "")[:60]
        return user
