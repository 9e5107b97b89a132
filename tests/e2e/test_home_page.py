"""A visitor opens the home page in a real Chromium."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_opens_and_passes_accessibility_check(site, page, assert_accessible):
    """The home page loads, shows the medical disclaimer and has no serious axe violations."""
    page.goto(site.url("/"))

    assert page.locator("h1").first.is_visible()
    assert "Not medical advice" in page.locator("footer").inner_text()
    assert_accessible(page)


def test_skip_link_moves_focus_to_main_content(site, page):
    """Keyboard users can jump past the header with the first Tab."""
    page.goto(site.url("/"))
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Skip to main content" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
