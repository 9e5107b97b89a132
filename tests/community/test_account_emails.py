"""Account e-mails (allauth): every one has a subject, a text part and an HTML part
in the site's layout, carries the same link or code in both, names Myeloma Forum and
never example.com. Each is triggered through the real views, the way a member would.

The templates live in templates/account/email/; community.adapters.AccountAdapter
puts the HTML into community/emails/_layout.html and adds the footer."""

import html
import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib.sites.models import Site
from django.core import mail
from django.test import Client, RequestFactory
from django.urls import reverse

from community.adapters import AccountAdapter
from community.apps import SITE_NAME, sync_site_record
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Not example.com: the tests check that no e-mail says "example.com".
KNOWN = "ruth.known@myeloma-test.org"
UNKNOWN = "nobody.here@myeloma-test.org"
NEW_PASSWORD = "quiet-harbour-lantern-73"


# ---- helpers ---------------------------------------------------------------


def parts(message):
    """(subject, text, html) of a sent message, asserting all three are there."""
    assert message.subject.strip()
    assert message.body.strip()
    htmls = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    assert len(htmls) == 1, "expected exactly one HTML alternative"
    return message.subject, message.body, htmls[0]


def assert_site_email(message, to):
    """The checks every account e-mail must pass; returns (subject, text, html)."""
    assert message.to == [to]
    subject, text, body = parts(message)
    assert subject.startswith("[Myeloma Forum] ")
    for part in (subject, text, body, message.from_email):
        assert "example.com" not in part
    assert "Myeloma Forum" in text
    assert "Myeloma Forum" in body
    # The HTML is the site's layout, with its footer; the text has the same footer.
    assert body.lstrip().startswith("<!doctype html>")
    assert "Not medical advice" in body and "Not medical advice" in text
    assert "{{" not in text and "{%" not in text and "{{" not in body and "{%" not in body
    return subject, text, body


def link_in(text, path_start):
    """The absolute link in the text part whose path starts with `path_start`."""
    match = re.search(rf"https?://[^\s/]+{re.escape(path_start)}\S*", text)
    assert match, f"no {path_start} link in:\n{text}"
    return match.group(0)


def assert_in_html(value, body):
    """`value` (a link or a code) appears in the HTML, as a link target when it is one."""
    escaped = html.escape(value)
    assert escaped in body
    if value.startswith("http"):
        assert f'href="{escaped}"' in body


def only_mail():
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0]


def signed_in_client(user, password=DEFAULT_PASSWORD):
    """Signed in, then asked for the password again as allauth does before an
    e-mail change (ACCOUNT_REAUTHENTICATION_REQUIRED), so the next steps go through."""
    client = Client()
    client.force_login(user)
    response = client.post(reverse("account_reauthenticate"), {"password": password})
    assert response.status_code == 302, response.content[:500]
    mail.outbox.clear()
    return client


@pytest.fixture
def known(db):
    return UserFactory(email=KNOWN, display_name="Ruth")


# ---- sign-up ---------------------------------------------------------------


def test_signup_confirmation_has_a_working_link_in_both_parts():
    client = Client()
    response = client.post(
        reverse("account_signup"), {"email": UNKNOWN, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    subject, text, body = assert_site_email(only_mail(), UNKNOWN)
    assert "confirm" in subject.lower()
    link = link_in(text, "/accounts/confirm-email/")
    assert_in_html(link, body)

    # The link does what the e-mail says: open it, press the button, the address is confirmed.
    path = urlsplit(link).path
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(email=UNKNOWN).verified


def test_signup_with_a_known_address_sends_already_exists_note(known):
    response = Client().post(
        reverse("account_signup"), {"email": KNOWN, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "already" in subject.lower()
    for path in (reverse("account_login"), reverse("account_reset_password")):
        assert_in_html(link_in(text, path), body)


# ---- password reset ----------------------------------------------------------


def test_password_reset_for_known_address_link_works_and_notifies(known):
    client = Client()
    assert client.post(reverse("account_reset_password"), {"email": KNOWN}).status_code == 302

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "password" in subject.lower()
    assert "Hello Ruth," in text and "Hello Ruth," in body
    link = link_in(text, "/accounts/password/reset/key/")
    assert_in_html(link, body)
    assert_in_html(link_in(text, reverse("account_request_login_code")), body)

    # Follow the link and choose a new password: a "your password was reset" notice follows.
    mail.outbox.clear()
    response = client.get(urlsplit(link).path, follow=True)
    form_path = response.redirect_chain[-1][0] if response.redirect_chain else urlsplit(link).path
    response = client.post(form_path, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    known.refresh_from_db()
    assert known.check_password(NEW_PASSWORD)

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "reset" in subject.lower()
    assert_in_html(link_in(text, reverse("account_reset_password")), body)


def test_password_reset_for_unknown_address_sends_unknown_account_note(known):
    assert Client().post(reverse("account_reset_password"), {"email": UNKNOWN}).status_code == 302

    subject, text, body = assert_site_email(only_mail(), UNKNOWN)
    assert "no account" in subject.lower()
    assert_in_html(link_in(text, reverse("account_signup")), body)
    assert KNOWN not in text + body  # nobody else's address, ever


# ---- sign-in by code -----------------------------------------------------------


def test_login_code_is_in_both_parts_and_signs_in(known):
    client = Client()
    response = client.post(reverse("account_request_login_code"), {"email": KNOWN})
    assert response.status_code == 302

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "code" in subject.lower()
    code = re.search(r"^([A-Z0-9][A-Z0-9-]{3,}[A-Z0-9])$", text, re.MULTILINE).group(1)
    assert_in_html(code, body)

    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(known.pk)


def test_login_code_for_unknown_address_sends_unknown_account_note(known):
    assert Client().post(reverse("account_request_login_code"), {"email": UNKNOWN}).status_code == 302

    _subject, text, body = assert_site_email(only_mail(), UNKNOWN)
    assert_in_html(link_in(text, reverse("account_signup")), body)


# ---- change of e-mail address ----------------------------------------------------


def test_email_change_confirmation_then_notice_to_the_old_address(known):
    new_address = "ruth.new@myeloma-test.org"
    client = signed_in_client(known)
    response = client.post(reverse("account_email"), {"action_add": "", "email": new_address})
    assert response.status_code == 302

    subject, text, body = assert_site_email(only_mail(), new_address)
    assert "confirm" in subject.lower()
    link = link_in(text, "/accounts/confirm-email/")
    assert_in_html(link, body)
    # The new address may be a typo for a stranger's: it learns nothing about the account.
    assert KNOWN not in text + body
    assert "Ruth" not in text + body

    mail.outbox.clear()
    client.post(urlsplit(link).path)
    known.refresh_from_db()
    assert known.email == new_address

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "new e-mail address" in subject.lower()
    assert new_address not in text + body


def test_removing_a_pending_address_notifies_without_naming_it(known):
    pending = "ruth.typo@myeloma-test.org"
    client = signed_in_client(known)
    client.post(reverse("account_email"), {"action_add": "", "email": pending})
    mail.outbox.clear()

    response = client.post(reverse("account_email"), {"action_remove": "", "email": pending})
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email=pending).exists()

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "removed" in subject.lower()
    assert pending not in text + body


# ---- password change and set ---------------------------------------------------------


def test_password_change_notice(known):
    client = signed_in_client(known)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "password was changed" in subject.lower()
    assert "When:" in text and "When:" in body
    assert_in_html(link_in(text, reverse("account_reset_password")), body)


def test_password_set_notice(known):
    # A member who joined with Google or Facebook has no password until they set one.
    known.set_unusable_password()
    known.save(update_fields=["password"])
    client = Client()
    client.force_login(known)

    response = client.post(reverse("account_set_password"), {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302, response.content[:500]

    subject, text, body = assert_site_email(only_mail(), KNOWN)
    assert "password was added" in subject.lower()
    assert "now has a password" in text and "now has a password" in body


# ---- not reachable with today's settings, rendered directly ------------------------------


def render(template_prefix, email, context):
    request = RequestFactory().get("/")
    with allauth_context.request_context(request):
        return AccountAdapter(request).render_mail(
            template_prefix, email, {"current_site": Site.objects.get_current(), "email": email, **context}
        )


def test_password_reset_code_email_when_that_setting_is_switched_on():
    # ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED is off today; the e-mail is ready for the day it is on.
    message = render("account/email/password_reset_code", KNOWN, {"code": "QX7K2M"})
    _subject, text, body = assert_site_email(message, KNOWN)
    assert "QX7K2M" in text
    assert_in_html("QX7K2M", body)


@pytest.mark.parametrize("prefix", ["account/email/email_confirmation", "account/email/email_confirmation_signup"])
def test_confirmation_by_code_when_that_setting_is_switched_on(prefix):
    # ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED is off today: allauth then sends a code, not a link.
    message = render(prefix, UNKNOWN, {"user": UserFactory.build(email=UNKNOWN), "code": "RT4P9W"})
    _subject, text, body = assert_site_email(message, UNKNOWN)
    assert "RT4P9W" in text
    assert_in_html("RT4P9W", body)
    assert "Confirm my address" not in body  # no button when there is no link


@pytest.mark.parametrize(
    ("prefix", "words"),
    [
        ("mfa/email/totp_activated", "switched on"),
        ("mfa/email/totp_deactivated", "switched off"),
        ("mfa/email/recovery_codes_generated", "backup codes"),
        ("socialaccount/email/account_connected", "Facebook account can now be used"),
        ("socialaccount/email/account_disconnected", "Facebook account can no longer be used"),
    ],
)
def test_two_factor_and_linked_account_notices_have_all_three_parts(known, prefix, words):
    message = render(prefix, KNOWN, {"timestamp": known.date_joined, "ip": "192.0.2.1", "provider": "Facebook"})
    subject, text, body = assert_site_email(message, KNOWN)
    assert words in text and words in body
    assert "192.0.2.1" in text and "192.0.2.1" in body
    assert "Not medical advice" in text


# ---- display names are escaped in HTML -------------------------------------------------


def test_display_name_is_escaped_in_the_html_part():
    UserFactory(email=KNOWN, display_name='<script>alert("hi")</script>')
    assert Client().post(reverse("account_reset_password"), {"email": KNOWN}).status_code == 302

    _subject, text, body = parts(only_mail())
    assert "<script" not in body
    assert "&lt;script&gt;alert(&quot;hi&quot;)&lt;/script&gt;" in body
    assert '<script>alert("hi")</script>' in text  # plain text is shown as it is, never run


# ---- through a real SMTP server ------------------------------------------------------------


def test_signup_confirmation_through_real_smtp(smtp_server):
    client = Client()
    response = client.post(
        reverse("account_signup"), {"email": UNKNOWN, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert response.status_code == 302

    [message] = smtp_server.wait_for(1)
    assert message["To"] == UNKNOWN
    assert message["Subject"].startswith("[Myeloma Forum] ")
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",)).get_content()
    body = message.get_body(("html",)).get_content()
    for part in (message["Subject"], text, body):
        assert "example.com" not in part
    assert "Myeloma Forum" in text and "Myeloma Forum" in body
    link = link_in(text, "/accounts/confirm-email/")
    assert_in_html(link, body)

    client.post(urlsplit(link).path)
    assert EmailAddress.objects.get(email=UNKNOWN).verified


# ---- the Sites record follows SITE_URL --------------------------------------------------------


def test_site_record_matches_site_url(settings):
    site = Site.objects.get_current()
    assert site.name == SITE_NAME == "Myeloma Forum"
    assert site.domain == urlsplit(settings.SITE_URL).netloc
    assert "example.com" not in site.domain


def test_site_record_follows_a_changed_site_url_and_is_idempotent(settings, django_assert_num_queries):
    settings.SITE_URL = "https://forum.myeloma-test.org"
    sync_site_record(verbosity=0)
    site = Site.objects.get_current()  # the cache was cleared, so this reads the new record
    assert (site.domain, site.name) == ("forum.myeloma-test.org", "Myeloma Forum")

    # Nothing changed: two reads, no write.
    with django_assert_num_queries(2):
        sync_site_record(verbosity=0)
