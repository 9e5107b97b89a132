"""The article page: sections, drugs named, related links, SEO tags and a fixed query count."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from tests.factories import ArticleFactory, PollChoiceFactory, PollFactory

MAIN = "/articles/refractory-multiple-myeloma-treatment-options/"
DRUGS = [
    "pomalidomide", "ixazomib", "carfilzomib", "idecabtagene vicleucel", "ciltacabtagene autoleucel",
    "elotuzumab", "daratumumab", "isatuximab", "teclistamab", "elranatamab", "talquetamab", "linvoseltamab",
    "belantamab mafodotin", "selinexor", "lenalidomide", "bortezomib", "dexamethasone",
]  # fmt: skip


@pytest.fixture
def demo(db):
    call_command("load_demo_content", verbosity=0)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.links.append(dict(attrs).get("href", ""))


def test_main_article_has_every_section_and_drug(client, demo):
    """Header, reviewer line, reading time, TOC, body sections, poll, newsletter, discussion, disclaimer."""
    html = client.get(MAIN).content.decode()
    for needle in [
        "<h1", "Medically reviewed by Dr. Miriam Hale", "minute read", 'class="toc"', 'id="poll"',
        "Get updates directly to your inbox", 'id="discussion"', "A word about medical advice",
        "Related articles", "Questions from the community", 'href="/articles/tag/relapse/"',
        "The first treatment: induction", "IMWG", "CRAB", "M protein", "bone marrow biopsy",
        "Relapsed or refractory", "Clinical trials", "Fair access to care",
    ]:  # fmt: skip
        assert needle in html, needle
    text = html.lower()
    missing = [drug for drug in DRUGS if drug not in text]
    assert missing == []


def test_no_dangling_list_introductions(demo):
    """A sentence ending in a colon is always followed by a list, never by nothing."""
    for article in Article.objects.all():
        for match in re.finditer(r":\s*</p>\s*(<\w+)", article.body_html):
            assert match.group(1) in {"<ul", "<ol"}, (article.slug, match.group(0))
        assert not article.body_html.rstrip().endswith(":</p>")


def test_read_more_links_and_related_articles_resolve(client, demo):
    """Every internal link on every demo article (read-more, related, tags) answers 200."""
    for article in Article.objects.published():
        page = client.get(article.get_absolute_url()).content.decode()
        assert "Read more about" in article.body_html
        parser = _Links()
        parser.feed(page)
        internal = {h.split("#")[0] for h in parser.links if h.startswith("/articles/")}
        assert internal, article.slug
        for href in internal:
            assert client.get(href).status_code == 200, href


def test_related_articles_share_tags_and_exclude_self(client, db):
    """Related articles are chosen by shared tags, most shared first, never the article itself."""
    main = ArticleFactory(tags=["a", "b"])
    best = ArticleFactory(tags=["a", "b"])
    some = ArticleFactory(tags=["b"])
    ArticleFactory(tags=["unrelated"])
    ArticleFactory(tags=["a"], status="draft", published_at=None)
    related = client.get(main.get_absolute_url()).context["related_articles"]
    assert related == [best, some]


def test_seo_tags_and_json_ld(client, demo):
    """Title, description, canonical, Open Graph and a MedicalWebPage JSON-LD with review data."""
    response = client.get(MAIN)
    html = response.content.decode()
    assert "<title>Refractory multiple myeloma" in html
    assert '<meta name="description" content="When myeloma comes back' in html
    assert f'<link rel="canonical" href="http://127.0.0.1:8000{MAIN}">' in html
    assert '<meta property="og:title"' in html and '<meta property="og:image"' in html
    nonce = re.search(r"nonce-([^\']+)\'", response["Content-Security-Policy"]).group(1)
    block = re.search(r'<script type="application/ld\+json" nonce="([^"]+)">(.*?)</script>', html, re.S)
    assert block.group(1) == nonce
    data = json.loads(block.group(2))
    assert data["@type"] == "MedicalWebPage"
    assert data["lastReviewed"] == "2025-10-20"
    assert data["reviewedBy"]["name"] == "Dr. Miriam Hale"


def test_json_ld_escapes_html(client, db):
    """A title containing </script> cannot break out of the JSON-LD block."""
    article = ArticleFactory(title="Bad </script><script>alert(1)</script>")
    html = client.get(article.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S).group(1)
    assert "<" not in block
    assert json.loads(block)["headline"] == article.title


def test_drafts_are_hidden_except_for_staff_preview(client, db, admin_user):
    """A draft is 404 for visitors; staff see it with ?preview and it is marked noindex."""
    draft = ArticleFactory(status="draft", published_at=None)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(admin_user)
    response = client.get(draft.get_absolute_url() + "?preview=1")
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def _queries(client, url):
    cache.clear()  # count the render; visitors' cached hits are covered in tests/performance/
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries), _own_queries(ctx)


def _own_queries(ctx):
    return sum(1 for q in ctx.captured_queries if "articles_" in q["sql"] or "taggit_" in q["sql"])


@pytest.mark.parametrize("signed_in", [False, True])
def test_query_count_is_fixed(client, db, signed_in):
    """Same number of queries with 1 or many tags, related articles and poll choices."""
    if signed_in:
        from tests.factories import UserFactory

        client.force_login(UserFactory())
    small = ArticleFactory(tags=["one"])
    ArticleFactory(tags=["one"])
    PollChoiceFactory(poll=PollFactory(article=small))
    big_tags = [f"tag {n}" for n in range(8)]
    big = ArticleFactory(tags=big_tags)
    for n in range(6):
        ArticleFactory(tags=big_tags[: n + 1])
    big_poll = PollFactory(article=big)
    for _ in range(9):
        PollChoiceFactory(poll=big_poll)
    _queries(client, small.get_absolute_url())  # warm up session and per-process caches
    small_total, small_own = _queries(client, small.get_absolute_url())
    big_total, big_own = _queries(client, big.get_absolute_url())
    assert small_total == big_total
    # Article, tags, related articles, poll, choices with counts; members also get
    # "Questions from the community", which matches on the article's tags.
    expected_own = 6 if signed_in else 5
    assert small_own == big_own == expected_own
