"""One-click unsubscribe (RFC 8058): POST unsubscribes without cookies or CSRF, GET never does."""

import pytest
from django.test import Client

from community.models import ConsentAction, SubscriberStatus
from community.tokens import preferences_token
from tests.factories import SubscriberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscriber():
    return SubscriberFactory()


def _path(subscriber):
    return f"/newsletter/unsubscribe/{preferences_token(subscriber)}/"


def test_get_shows_a_button_and_does_not_unsubscribe(client, subscriber):
    response = client.get(_path(subscriber))

    assert response.status_code == 200
    assert "Unsubscribe me" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE


def test_one_click_post_without_cookies_or_csrf_unsubscribes(subscriber):
    provider = Client(enforce_csrf_checks=True)

    response = provider.post(
        _path(subscriber), "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED and subscriber.unsubscribed_at
    assert subscriber.consents.get().action == ConsentAction.WITHDRAWN


def test_repeated_post_is_harmless(subscriber):
    provider = Client(enforce_csrf_checks=True)
    provider.post(_path(subscriber))
    response = provider.post(_path(subscriber))
    assert response.status_code == 200
    assert subscriber.consents.filter(action=ConsentAction.WITHDRAWN).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_tampered_token_gets_a_clear_400(subscriber, method):
    token = preferences_token(subscriber)
    pk, rest = token.split(".", 1)
    other_pk = str(int(pk) + 1)
    provider = Client(enforce_csrf_checks=True)

    for bad in (f"{other_pk}.{rest}", token[:-3] + "abc", "nonsense"):
        response = getattr(provider, method)(f"/newsletter/unsubscribe/{bad}/")
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE


def test_only_the_unsubscribe_view_skips_csrf(subscriber):
    """The preferences form still needs its CSRF token."""
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(f"/newsletter/preferences/{preferences_token(subscriber)}/", {"schedule": "daily"})
    assert response.status_code == 403
    subscriber.refresh_from_db()
    assert subscriber.frequency == "weekly"
