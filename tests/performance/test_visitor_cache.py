"""Whole-page cache for visitors: never shows a member's view to anyone else, changes
show at once, and every cached response still gets its own nonce and CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from articles.services import article_save
from community.cache import CSRF_HOLE, NONCE_HOLE
from tests.factories import ArticleFactory, PollChoiceFactory, PollFactory
from tests.performance.builders import get_counted

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def article():
    article = ArticleFactory(title="Living with refractory myeloma")
    PollChoiceFactory(poll=PollFactory(article=article), text="CAR T-cell therapy")
    return article


def _urls(article):
    return [article.get_absolute_url(), reverse("articles:article-list"), reverse("home")]


@pytest.mark.parametrize("which", range(3))
def test_members_page_then_visitor_sees_no_member_content(article, member, member_client, which):
    """Acceptance 4: a member's page first, then a visitor's request to the same URL."""
    member.display_name = "Zebedee Quill"
    member.save()
    url = _urls(article)[which]
    member_page = member_client.get(url).content.decode()
    assert "Sign out" in member_page
    visitor = Client()
    first = visitor.get(url)
    again = Client().get(url)
    for response in (first, again):
        body = response.content.decode()
        assert "Sign out" not in body and "My settings" not in body
        assert "Zebedee Quill" not in body and member.email not in body
    assert again["X-Forum-Cache"] == "hit"


def test_member_after_visitor_gets_a_fresh_member_page(article, member_client):
    url = article.get_absolute_url()
    Client().get(url)
    response = member_client.get(url)
    assert not response.has_header("X-Forum-Cache")
    assert "Sign out" in response.content.decode()
    assert "Sign up to view the results" not in response.content.decode()


def test_cached_hit_makes_no_queries_and_fresh_nonce_and_token(article):
    url = article.get_absolute_url()
    first = Client().get(url)
    response, queries, _writes = get_counted(Client(), url)
    assert response["X-Forum-Cache"] == "hit" and queries == 0
    body, first_body = response.content.decode(), first.content.decode()
    assert NONCE_HOLE not in body and CSRF_HOLE not in body
    nonce = NONCE.search(body).group(1)
    assert nonce != NONCE.search(first_body).group(1)
    assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
    assert CSRF.search(body).group(1) != CSRF.search(first_body).group(1)


def test_newsletter_form_on_a_cached_page_still_posts(article):
    """The CSRF token filled into a cached page matches this visitor's cookie."""
    url = article.get_absolute_url()
    Client().get(url)
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    assert page["X-Forum-Cache"] == "hit"
    token = CSRF.search(page.content.decode()).group(1)
    response = visitor.post(
        reverse("community:newsletter-signup"),
        {"csrfmiddlewaretoken": token, "email": "reader@example.com", "consent": "on", "source": "article"},
    )
    assert response.status_code in (200, 302)


def test_a_change_is_visible_to_visitors_at_once(article, django_capture_on_commit_callbacks):
    url = article.get_absolute_url()
    Client().get(url)
    assert Client().get(url)["X-Forum-Cache"] == "hit"
    article.title = "A newer title for this article"
    with django_capture_on_commit_callbacks(execute=True):  # the bump runs after the commit
        article_save(article)
    response = Client().get(url)
    assert not response.has_header("X-Forum-Cache")
    assert "A newer title for this article" in response.content.decode()
    listing = Client().get(reverse("articles:article-list")).content.decode()
    assert "A newer title for this article" in listing


def test_visitor_with_a_flash_message_is_not_served_or_stored(article):
    url = article.get_absolute_url()
    visitor = Client()
    visitor.cookies["messages"] = "anything"
    visitor.get(url)
    assert not Client().get(url).has_header("X-Forum-Cache")
