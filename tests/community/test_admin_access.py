"""The admin door: repeated wrong passwords lock the login (even the right one is refused),
and staff must have two-step sign-in (TOTP), used in this session, before any admin page opens."""

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD, UserFactory


def current_code(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def staff_with_totp(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def admin_login(client, email, password, ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


@pytest.mark.django_db
def test_right_password_refused_after_repeated_failures(staff_with_totp, settings):
    settings.FORUM_ADMIN_LOGIN_MAX_FAILURES = 5
    client = Client()
    for _ in range(5):
        assert admin_login(client, staff_with_totp.email, "guess-123").status_code == 200
    locked = admin_login(client, staff_with_totp.email, DEFAULT_PASSWORD)
    assert locked.status_code == 429
    assert "Please wait" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address trying the same account is refused too: the count is per e-mail as well as per IP.
    other = Client()
    assert admin_login(other, staff_with_totp.email, DEFAULT_PASSWORD, ip="10.9.9.9").status_code == 429


@pytest.mark.django_db
def test_few_failures_do_not_lock(staff_with_totp, settings):
    settings.FORUM_ADMIN_LOGIN_MAX_FAILURES = 5
    client = Client()
    for _ in range(2):
        admin_login(client, staff_with_totp.email, "guess-123")
    response = admin_login(client, staff_with_totp.email, DEFAULT_PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_with_totp.pk)


@pytest.mark.django_db
def test_staff_without_two_factor_is_sent_to_set_it_up(client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get(reverse("admin:index"), follow=True)
    assert response.redirect_chain[0][0] == reverse("mfa_activate_totp")
    assert "need two-step sign-in" in response.content.decode()


@pytest.mark.django_db
def test_password_alone_does_not_open_admin_for_staff_with_totp(staff_with_totp):
    """Signing in through /admin/login/ with only the password leads to the code prompt, not the admin."""
    client = Client()
    assert admin_login(client, staff_with_totp.email, DEFAULT_PASSWORD).status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_reauthenticate"))


@pytest.mark.django_db
def test_staff_with_totp_code_reaches_admin(staff_with_totp):
    client = Client()
    admin_login(client, staff_with_totp.email, DEFAULT_PASSWORD)
    response = client.post(
        reverse("mfa_reauthenticate") + "?next=/admin/", {"code": current_code(staff_with_totp.totp_secret)}
    )
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


@pytest.mark.django_db
def test_members_are_not_let_into_admin(member_client):
    response = member_client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.fixture
def admin_client_with_mfa(staff_with_totp):
    client = Client()
    admin_login(client, staff_with_totp.email, DEFAULT_PASSWORD)
    client.post(reverse("mfa_reauthenticate"), {"code": current_code(staff_with_totp.totp_secret)})
    return client


@pytest.mark.django_db
def test_user_admin_search_filters_and_no_password_hash(admin_client_with_mfa):
    """Search by name, filter by confirmed e-mail; the change page shows suspension and 2FA state, never the hash."""
    target = UserFactory(display_name="Winifred", verified=False)
    UserFactory(display_name="Someone Else")
    changelist = reverse("admin:community_user_changelist")
    html = admin_client_with_mfa.get(changelist, {"q": "Winifred"}).content.decode()
    assert target.email in html and "Someone Else" not in html
    html = admin_client_with_mfa.get(changelist, {"verified": "no"}).content.decode()
    assert target.email in html and "Someone Else" not in html
    change = admin_client_with_mfa.get(reverse("admin:community_user_change", args=[target.pk]))
    page = change.content.decode()
    assert change.status_code == 200
    assert "suspended_until" in page and "two-step sign-in" in page.lower()
    assert target.password not in page
    assert "md5$" not in page and "argon2" not in page
