"""In Chromium: a visitor reads the article, follows a "Read more about" link, meets the poll gate; axe passes."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAIN = "/articles/refractory-multiple-myeloma-treatment-options/"


@pytest.fixture
def demo_articles(settings):
    settings.DEBUG = False  # articles only; no demo accounts needed here
    call_command("load_demo_content", verbosity=0)


def test_visitor_reads_follows_read_more_and_sees_poll_gate(site, page, demo_articles, assert_accessible):
    page.goto(site.url(MAIN))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Refractory multiple myeloma")
    assert page.get_by_text("Medically reviewed by").is_visible()
    assert_accessible(page)

    poll = page.locator("#poll")
    assert poll.get_by_text("Sign up to view the results").is_visible()
    assert poll.get_by_role("link", name="Continue with Facebook").is_visible()
    assert poll.get_by_role("link", name="Continue with your e-mail").is_visible()
    assert poll.locator("meter").count() == 0 and poll.locator("input[type=checkbox]").count() == 0

    read_more = page.locator(".article-body p", has_text="Read more about").first.get_by_role("link")
    target = read_more.get_attribute("href")
    read_more.click()
    page.wait_for_url(f"**{target}")
    assert page.get_by_role("heading", level=1).is_visible()
    assert "Page not found" not in page.content()

    page.goto(site.url(MAIN))
    page.locator("#poll").get_by_role("link", name="Continue with your e-mail").click()
    page.wait_for_url("**/accounts/signup/**")


@pytest.mark.parametrize("path", ["/articles/", "/articles/tag/relapse/", "/articles/signs-of-myeloma-relapse/"])
def test_list_and_tag_pages_are_accessible(site, page, demo_articles, assert_accessible, path):
    page.goto(site.url(path))
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)
