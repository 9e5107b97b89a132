"""No enumeration: sign-up, login, code login and password reset answer alike for known and unknown addresses."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.factories import UserFactory

KNOWN = "known.member@example.com"
UNKNOWN = "nobody.here@example.com"


def normalised(response, address):
    """The page with per-request noise (CSRF token, CSP nonce, the typed address) removed."""
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r'nonce="[^"]+"', "NONCE", html)
    return html.replace(address, "ADDRESS")


def same_answer(client_factory, url, data_for):
    answers = []
    for address in (KNOWN, UNKNOWN):
        client = client_factory()
        response = client.post(url, data_for(address))
        page = client.get(response["Location"]) if response.status_code == 302 else response
        answers.append((response.status_code, response.get("Location"), normalised(page, address)))
    return answers


@pytest.fixture
def fresh_client():
    from django.test import Client

    return Client


@pytest.fixture(autouse=True)
def known_member(db):
    return UserFactory(email=KNOWN)


@pytest.mark.django_db
def test_signup_same_for_known_and_unknown(fresh_client):
    known, unknown = same_answer(
        fresh_client,
        reverse("account_signup"),
        lambda a: {"email": a, "password1": "plum-tree-harbour-91", "password2": "plum-tree-harbour-91"},
    )
    assert known[0] == 302
    assert known == unknown
    # One e-mail each: a link for the new address, an "already have an account" note for the known one.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([KNOWN, UNKNOWN])


@pytest.mark.django_db
def test_login_failure_same_for_known_and_unknown(fresh_client):
    known, unknown = same_answer(
        fresh_client, reverse("account_login"), lambda a: {"login": a, "password": "wrong-password-123"}
    )
    assert known[0] == 200
    assert "not correct" in known[2] or "not right" in known[2] or "incorrect" in known[2].lower()
    assert known == unknown


@pytest.mark.django_db
def test_password_reset_same_for_known_and_unknown(fresh_client):
    known, unknown = same_answer(fresh_client, reverse("account_reset_password"), lambda a: {"email": a})
    assert known[0] == 302
    assert known == unknown


@pytest.mark.django_db
def test_login_code_request_same_for_known_and_unknown(fresh_client):
    known, unknown = same_answer(fresh_client, reverse("account_request_login_code"), lambda a: {"email": a})
    assert known[0] == 302
    assert known == unknown
