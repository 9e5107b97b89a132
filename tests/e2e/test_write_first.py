"""Write first, join after, in Chromium as a newcomer would: read the refractory article,
comment with a name and an address, get the e-mail over real SMTP, follow the link, and
see the comment published in the thread while signed in. axe checks the article page with
the visitor's box and the confirmation page."""

import re

import pytest
from django.core.management import call_command

from community.models import Comment, PendingPost

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = "/articles/refractory-multiple-myeloma-treatment-options/"
EMAIL = "dorothy.visitor@example.com"
TEXT = "I am on my third line of treatment and the fatigue is hard, but the support here helps me."


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_visitor_comments_first_and_joins_after(site, page, smtp_server, settings, live_server, assert_accessible):
    settings.SITE_URL = live_server.url  # links in e-mails point at this test server
    call_command("load_demo_content", verbosity=0)

    # A visitor reads the article and finds the comment box itself under it.
    page.goto(site.url(ARTICLE))
    box = page.locator(".write-first")
    assert box.get_by_role("heading", name="Add your comment").is_visible()
    assert page.get_by_role("link", name="Continue with Facebook").first.is_visible()
    assert page.get_by_role("link", name="Continue with your e-mail").first.is_visible()
    assert_accessible(page)

    box.get_by_label("Your name").fill("Dorothy")
    box.get_by_label("Your e-mail address").fill(EMAIL)
    box.get_by_label("Your comment").fill(TEXT)
    box.get_by_role("button", name="Post comment").click()
    assert page.get_by_role("heading", name="One more step: check your e-mail").is_visible()
    assert PendingPost.objects.count() == 1 and not Comment.objects.exists()

    # The e-mail arrives over SMTP; the visitor opens its link.
    [message] = smtp_server.wait_for(1)
    assert message["To"] == EMAIL
    assert "Confirm your address to publish your comment" in message["Subject"]
    link = re.search(r"https?://\S+/write-first/confirm/\S+/", text_of(message)).group(0)
    page.goto(link)
    assert page.get_by_text(TEXT).is_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Publish my comment").click()

    # Signed in, on the article, at the comment, which is published in the thread.
    comment = Comment.objects.get()
    assert page.url.endswith(f"{ARTICLE}#comment-{comment.pk}")
    published = page.locator(f"#comment-{comment.pk}")
    assert published.get_by_text(TEXT).is_visible()
    assert published.get_by_text("Dorothy").is_visible()
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert page.get_by_role("link", name="choose a password").is_visible()
    assert not PendingPost.objects.exists()
