"""No writes on a GET, except "last seen", written at most once per interval per session;
"sign out everywhere" still finds the session."""

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community.activity import _cache_key
from tests.factories import DEFAULT_PASSWORD, ArticleFactory, UserFactory
from tests.performance.builders import get_counted

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in():
    """A member signed in through allauth's real login (so a UserSession row exists)."""
    user = UserFactory()
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return user, client


def test_second_page_view_within_the_interval_writes_nothing(signed_in):
    user, client = signed_in
    url = ArticleFactory().get_absolute_url()
    client.get(url)
    for _ in range(3):
        _response, _count, writes = get_counted(client, url)
        assert writes == [], f"a GET wrote: {writes}"


def test_last_seen_is_written_again_once_the_interval_has_passed(signed_in):
    user, client = signed_in
    session = UserSession.objects.get(user=user)
    UserSession.objects.filter(pk=session.pk).update(last_seen_at=session.created_at.replace(year=2020))
    cache.delete(_cache_key(session.session_key))  # what the interval running out does
    _response, _count, writes = get_counted(client, reverse("community:settings"))
    assert len(writes) == 1 and "usersession" in writes[0].lower()
    assert UserSession.objects.get(pk=session.pk).last_seen_at.year > 2020


def test_sign_out_everywhere_ends_other_sessions(signed_in):
    user, first = signed_in
    second = Client()
    second.post(reverse("account_login"), {"login": user.email, "password": DEFAULT_PASSWORD})
    assert UserSession.objects.filter(user=user).count() == 2
    first.post(reverse("usersessions_list"), {"action": "end", "sessions": []}, follow=True)
    response = first.post(reverse("usersessions_list"))
    assert response.status_code in (200, 302)
    assert second.get(reverse("community:settings")).status_code == 302  # signed out: sent to log in
    assert first.get(reverse("community:settings")).status_code == 200
