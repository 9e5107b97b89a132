"""allauth adapters: every new account gets its profile, however it was made,
and every account e-mail wears the same layout and footer as the site's own."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from django.core.mail import EmailMessage
from django.http import Http404
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.urls import reverse

from community.emails import build_email, footer_context, in_layout, with_footer
from community.services.accounts import ensure_profile


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            ensure_profile(user)
        return user

    def get_signup_redirect_url(self, request):
        return reverse("community:settings-profile")

    def render_mail(self, template_prefix, email, context, headers=None):
        """Build an account e-mail the way community/emails.py builds the site's own.

        allauth's templates are `<prefix>_subject.txt`, `<prefix>_message.txt` and,
        when it exists, `<prefix>_message.html` (ours are in templates/account/email/).
        The HTML is a fragment placed inside community/emails/_layout.html, and both
        bodies get the shared footer, so account e-mails look like every other e-mail
        from the site. An e-mail without an HTML template (none today; see
        templates/account/, mfa/ and socialaccount/email/) goes as text only."""
        request = context.get("request")
        context = footer_context(context)
        subject = " ".join(render_to_string(f"{template_prefix}_subject.txt", context, request).split())
        subject = self.format_email_subject(subject)
        text = with_footer(render_to_string(f"{template_prefix}_message.txt", context, request), context)
        to = [email] if isinstance(email, str) else list(email)
        try:
            fragment_template = get_template(f"{template_prefix}_message.html")
        except TemplateDoesNotExist:
            return EmailMessage(subject, text, self.get_from_email(), to, headers=headers)
        html = in_layout(subject, fragment_template.render(context, request), context)
        return build_email(subject, text, html, to, headers=headers, from_email=self.get_from_email())


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
