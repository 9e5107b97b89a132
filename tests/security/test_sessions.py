"""Session safety: a new key at sign-in, sign-out ends the session on the server, "sign out
everywhere" and a password change end the other sessions, and a suspended or deleted
member's sessions end. Sign-ins go through the real allauth login form."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from community.services import deletion, moderation
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "another-long-password-77"


def sign_in(member, password=DEFAULT_PASSWORD):
    client = Client()
    client.get(reverse("account_login"))  # a session exists before sign-in (CSRF, etc.)
    response = client.post(reverse("account_login"), {"login": member.email, "password": password})
    assert response.status_code == 302, "sign-in failed"
    client.get(reverse("community:settings"))  # a page view, so the session is tracked
    return client


def is_signed_in(client):
    response = client.get(reverse("community:settings"))
    return response.status_code == 200


def session_exists(key):
    return Session.objects.filter(session_key=key).exists()


def test_session_key_changes_at_sign_in():
    """A key planted before sign-in (session fixation) is not the key after it."""
    member = UserFactory()
    client = Client()
    client.get(reverse("account_login"))
    session = client.session
    session["planted"] = "x"
    session.save()
    before = session.session_key
    client.post(reverse("account_login"), {"login": member.email, "password": DEFAULT_PASSWORD})
    after = client.session.session_key
    assert before and after and before != after
    assert not session_exists(before)
    assert is_signed_in(client)


def test_sign_out_ends_the_session_on_the_server():
    member = UserFactory()
    client = sign_in(member)
    key = client.session.session_key
    assert session_exists(key)
    client.post(reverse("account_logout"))
    assert not session_exists(key)
    # Replaying the old cookie does not sign anyone in.
    replay = Client()
    replay.cookies["sessionid"] = key
    assert not is_signed_in(replay)


def test_sign_out_everywhere_ends_the_other_sessions():
    member = UserFactory()
    laptop, phone = sign_in(member), sign_in(member)
    phone_key = phone.session.session_key
    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert not session_exists(phone_key)
    assert not is_signed_in(phone)
    assert is_signed_in(laptop)  # the member stays signed in where they pressed the button


def test_password_change_ends_the_other_sessions():
    member = UserFactory()
    laptop, phone = sign_in(member), sign_in(member)
    phone_key = phone.session.session_key
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": DEFAULT_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert is_signed_in(laptop)
    assert not is_signed_in(phone)
    assert not session_exists(phone_key)  # Django flushed it when the old password's hash no longer matched
    replay = Client()
    replay.cookies["sessionid"] = phone_key
    assert not is_signed_in(replay)


def test_suspension_ends_every_session(django_capture_on_commit_callbacks):
    member = UserFactory()
    laptop, phone = sign_in(member), sign_in(member)
    keys = [laptop.session.session_key, phone.session.session_key]
    moderator = UserFactory(is_staff=True, is_superuser=True)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.member_suspend(member=member, moderator=moderator, days=3, reason="Spam links")
    assert not any(session_exists(k) for k in keys)
    assert not is_signed_in(laptop) and not is_signed_in(phone)


def test_account_deletion_ends_every_session():
    member = UserFactory()
    laptop, phone = sign_in(member), sign_in(member)
    keys = [laptop.session.session_key, phone.session.session_key]
    deletion.delete_account(member)
    assert not any(session_exists(k) for k in keys)
    assert not is_signed_in(laptop) and not is_signed_in(phone)
