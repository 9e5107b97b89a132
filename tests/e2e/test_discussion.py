"""Acceptance 1 and 6 in Chromium: three members ask, answer, mark most helpful, comment and hug;
the asker sees notifications; a visitor sees only the teaser and the gate; axe passes on the pages."""

import pytest
from django.conf import settings
from django.test import Client

from community.models import Question
from tests.community.discussion_helpers import answer
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def signed_in_page(browser, live_server, user):
    """A browser context carrying `user`'s session cookie (the login form is MEMBERS' test)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
          "url": live_server.url}]
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_question_journey_three_members_and_a_visitor(browser, live_server, assert_accessible):
    asker = UserFactory(display_name="Ruth")
    helper = UserFactory(display_name="Walter")
    third = UserFactory(display_name="Carmen")
    early = UserFactory(display_name="Early")

    # The asker asks, with a curated topic and a free tag.
    ruth = signed_in_page(browser, live_server, asker)
    ruth.goto("/questions/ask/")
    assert_accessible(ruth)
    ruth.get_by_label("Your question").fill("Why was my dexamethasone stopped after Velcade?")
    ruth.get_by_label("Details").fill("I went on to Revlimid and dex, then the dex was stopped. Why might that be?")
    ruth.get_by_label("Dexamethasone").check()
    ruth.get_by_label("Other topics (optional)").fill("steroids")
    ruth.get_by_role("button", name="Post my question").click()
    ruth.wait_for_url("**/questions/*/*/")
    assert "Dexamethasone" in ruth.locator(".tag-list").inner_text()
    question = Question.objects.get()
    answer(early, question, body="An early answer that was kind but less helpful.")

    # A second member answers.
    walter = signed_in_page(browser, live_server, helper)
    walter.goto(question.get_absolute_url())
    walter.locator("#answer-body").fill("Mine was stopped too; the side effects were outweighing the benefit.")
    walter.get_by_role("button", name="Post my answer").click()
    walter.wait_for_load_state()
    assert "Thank you. Your answer is posted." in walter.content()

    # The asker marks it most helpful; it moves first.
    ruth.goto(question.get_absolute_url())
    walter_answer = ruth.locator("article.answer", has_text="outweighing the benefit")
    walter_answer.get_by_role("button", name="Most helpful to me").click()
    ruth.wait_for_load_state()
    first = ruth.locator("article.answer").first
    assert "outweighing the benefit" in first.inner_text()
    assert "Most helpful to the person who asked" in first.inner_text()
    assert_accessible(ruth)

    # A third member comments and hugs the answer.
    carmen = signed_in_page(browser, live_server, third)
    carmen.goto(question.get_absolute_url())
    carmen.locator("#new-comment-body").fill("Sending you strength, Ruth.")
    carmen.get_by_role("button", name="Post comment").click()
    carmen.wait_for_load_state()
    assert "Sending you strength, Ruth." in carmen.locator("#discussion").inner_text()
    carmen.locator("article.answer", has_text="outweighing the benefit").get_by_role("button", name="Hug").click()
    carmen.wait_for_load_state()
    hug = carmen.locator("article.answer", has_text="outweighing the benefit").get_by_role("button", name="Hug")
    assert hug.get_attribute("aria-pressed") == "true" and "1" in hug.inner_text()

    # The asker sees the bell and the notifications.
    ruth.goto("/")
    assert "new" in ruth.locator(".bell").inner_text()
    ruth.locator(".bell").click()
    ruth.wait_for_url("**/notifications/")
    listing = ruth.locator(".notification-list").inner_text()
    assert "answered your question" in listing or "commented on your post" in listing
    assert "Why was my dexamethasone stopped after Velcade?" in listing
    assert_accessible(ruth)
    ruth.locator(".notification-list button").first.click()  # opening it is a POST
    ruth.wait_for_url("**/questions/**")
    assert "Why was my dexamethasone stopped after Velcade?" in ruth.locator("h1").inner_text()

    # Question list and search pass axe too.
    ruth.goto("/questions/")
    assert "Why was my dexamethasone stopped after Velcade?" in ruth.content()
    assert_accessible(ruth)
    ruth.goto("/search/?q=outweighing")
    assert ruth.locator(".search-hit mark").first.inner_text().lower() == "outweighing"
    assert_accessible(ruth)

    # A visitor gets only the teaser and the sign-up gate.
    visitor = browser.new_context(base_url=live_server.url).new_page()
    visitor.goto(question.get_absolute_url())
    text = visitor.locator("main").inner_text()
    assert "Sign up to read and post comments" in text
    assert "Continue with Facebook" in text and "Continue with your e-mail" in text
    assert "I went on to Revlimid" in text  # the teaser
    assert "Ruth" not in text and "outweighing the benefit" not in text and "Sending you strength" not in text
    assert visitor.locator('meta[name="robots"]').get_attribute("content") == "noindex"
    assert_accessible(visitor)
