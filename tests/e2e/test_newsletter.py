"""Acceptance 5: in Chromium, the newsletter box on an article, the confirmation link and the
preferences page work and have no serious or critical axe violations."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Subscriber, SubscriberStatus
from tests.factories import ArticleFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _path(url):
    return "/" + url.split("/", 3)[3]


def test_newsletter_box_confirmation_and_preferences(site, page, assert_accessible, smtp_server):
    article = ArticleFactory(title="Starting treatment", published_at=timezone.now() - timedelta(days=1))
    page.goto(site.url(article.get_absolute_url()))

    box = page.locator("aside.newsletter-box")
    assert box.is_visible()
    honeypot = page.locator("#nl-box-website").bounding_box()
    assert honeypot["x"] + honeypot["width"] <= 0  # the honeypot stays out of sight
    assert_accessible(page)
    box.get_by_label("Your first name (optional)").fill("Ruth")
    box.get_by_label("Your e-mail address").fill("ruth@example.com")
    box.get_by_label(re.compile("Yes, please e-mail me")).check()
    box.get_by_role("button", name="Sign me up").click()

    page.wait_for_url("**/newsletter/check-your-email/")
    assert "Please check your e-mail" in page.locator("h1").inner_text()
    assert_accessible(page)
    subscriber = Subscriber.objects.get()
    assert (subscriber.source, subscriber.status) == ("article", SubscriberStatus.PENDING)

    [confirmation] = smtp_server.wait_for(1)
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", confirmation.get_body(("plain",)).get_content())
    page.goto(site.url(_path(link.group(0))))
    assert_accessible(page)
    page.get_by_role("button", name="Yes, start my newsletter").click()
    assert "you are subscribed" in page.locator("h1").inner_text().lower()
    assert Subscriber.objects.get().status == SubscriberStatus.ACTIVE

    page.get_by_role("link", name="Choose how often and which topics").click()
    assert "Your newsletter choices" in page.locator("h1").inner_text()
    assert_accessible(page)
    page.get_by_label("Once a day").check()
    page.get_by_label(re.compile("Newly diagnosed mode")).check()
    page.get_by_role("button", name="Save my choices").click()
    assert "Your choices are saved." in page.locator(".messages").inner_text()
    assert_accessible(page)
    subscriber.refresh_from_db()
    assert subscriber.frequency == "daily" and subscriber.newly_diagnosed_mode


def test_newsletter_page_form_is_accessible_and_explains_mistakes(site, page, assert_accessible):
    page.goto(site.url("/newsletter/"))
    assert_accessible(page)
    page.get_by_label("Your e-mail address").fill("not an address")
    page.get_by_role("button", name="Sign me up").click()

    assert "does not look like an e-mail address" in page.locator("main").inner_text()
    assert "Please tick the box" in page.locator("main").inner_text()
    assert_accessible(page)
    assert not Subscriber.objects.exists()
