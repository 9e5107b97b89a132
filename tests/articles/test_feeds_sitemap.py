"""Feeds, sitemap and robots.txt are valid and list only what is public."""

import xml.etree.ElementTree as ET  # our own output, parsed in tests only

import pytest

from tests.factories import ArticleFactory

SITEMAP_NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def articles(db):
    published = ArticleFactory(title="Published one", tags=["relapse"])
    draft = ArticleFactory(title="Secret draft", status="draft", published_at=None, tags=["draft-only"])
    return published, draft


def test_rss_feed_parses_and_lists_published_articles(client, articles):
    published, draft = articles
    response = client.get("/feeds/articles/")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)  # noqa: S314 (our own feed)
    items = root.findall("./channel/item")
    assert [item.findtext("title") for item in items] == ["Published one"]
    assert items[0].findtext("link") == f"http://127.0.0.1:8000{published.get_absolute_url()}"


def test_atom_feed_parses(client, articles):
    root = ET.fromstring(client.get("/feeds/articles/atom/").content)  # noqa: S314 (our own feed)
    assert [e.findtext(f"{ATOM_NS}title") for e in root.findall(f"{ATOM_NS}entry")] == ["Published one"]


def test_sitemap_lists_only_published_articles_and_their_tags(client, articles):
    published, draft = articles
    root = ET.fromstring(client.get("/sitemap.xml").content)  # noqa: S314 (our own feed)
    locations = {loc.text for loc in root.iter(f"{SITEMAP_NS}loc")}
    assert locations == {
        f"http://127.0.0.1:8000{published.get_absolute_url()}",
        "http://127.0.0.1:8000/articles/tag/relapse/",
    }


def test_robots_txt_keeps_crawlers_out_of_member_areas(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    for area in ("/members/", "/questions/", "/accounts/", "/search/", "/notifications/"):
        assert f"Disallow: {area}" in lines
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in lines


def test_list_is_newest_first_paginated_and_filterable(client, db):
    older = ArticleFactory(tags=["bones"])
    newer = ArticleFactory(tags=["kidneys"])
    assert list(client.get("/articles/").context["articles"])[:2] == [newer, older]
    assert list(client.get("/articles/tag/bones/").context["articles"]) == [older]
    assert list(client.get("/articles/?tag=kidneys").context["articles"]) == [newer]
    assert client.get("/articles/tag/no-such-topic/").status_code == 404
    for _ in range(10):
        ArticleFactory()
    page2 = client.get("/articles/?page=2")
    assert page2.status_code == 200 and len(page2.context["articles"]) == 2


def test_home_page_shows_latest_articles(client, db):
    article = ArticleFactory(title="Fresh article for the home page")
    html = client.get("/").content.decode()
    assert "Latest articles" in html and article.get_absolute_url() in html
