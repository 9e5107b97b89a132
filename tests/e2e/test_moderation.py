"""In Chromium: a member reports a comment as medical misinformation; a moderator
with two-step sign-in finds it in the admin queue, adds a note linking to the
refractory article and keeps it; the note shows under the comment, the reporter
has a notification, and the audit log has the entry."""

import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command

from community.models import AuditLogEntry
from community.services import discussion
from tests.community.discussion_helpers import comment
from tests.community.moderation_helpers import staff_member
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTICLE = "/articles/refractory-multiple-myeloma-treatment-options/"
CLAIM = "Stop your Revlimid, a turmeric paste cures myeloma for good."
NOTE = "This claim is not supported; see our reviewed article on treatment options."


@pytest.fixture
def scene(settings):
    settings.DEBUG = False  # articles only, no demo accounts
    call_command("load_demo_content", verbosity=0)
    from articles.models import Article

    article = Article.objects.get(slug="refractory-multiple-myeloma-treatment-options")
    thread = discussion.thread_for_owner(article)
    post = comment(UserFactory(display_name="Ottoline"), thread, body=CLAIM)
    reporter = UserFactory(display_name="Reporting Rita")
    moderator = staff_member("Moderators", display_name="Moderator Max")
    return {"comment": post, "reporter": reporter, "moderator": moderator}


def sign_in(page, site, email):
    page.goto(site.url("/accounts/login/"))
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("button", name="Sign out").wait_for()


def totp_now(secret):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_report_note_keep_notify_and_audit(site, page, browser, scene, assert_accessible):
    post = scene["comment"]
    # The member reports the comment.
    sign_in(page, site, scene["reporter"].email)
    page.goto(site.url(ARTICLE))
    page.locator(f"#comment-{post.pk}").get_by_role("link", name="Report").click()
    page.get_by_label("Medical misinformation").check()
    page.get_by_label("Anything a moderator should know").fill("This could make someone stop treatment.")
    assert_accessible(page)
    page.get_by_role("button", name="Send the report").click()
    page.wait_for_url(f"**{ARTICLE}#comment-{post.pk}")
    assert page.get_by_text("A moderator will look at this post soon").is_visible()

    # The moderator signs into the admin with a password and a code from the authenticator.
    moderator = scene["moderator"]
    staff = browser.new_context().new_page()
    staff.set_default_timeout(10_000)
    staff.goto(site.url("/admin/login/"))
    staff.locator("#id_username").fill(moderator.email)
    staff.locator("#id_password").fill(DEFAULT_PASSWORD)
    staff.locator("input[type=submit]").click()
    staff.wait_for_url("**/reauthenticate/**")
    code = staff.locator("input[name=code]")
    code.fill(totp_now(moderator.totp_secret))
    code.press("Enter")
    staff.wait_for_url("**/admin/")
    assert staff.get_by_text("Moderation at a glance").is_visible()

    staff.get_by_role("link", name="open reports").click()
    staff.wait_for_url("**/admin/community/reviewitem/?open=yes")
    row = staff.locator("#result_list tbody tr", has_text="turmeric")
    assert row.get_by_text("Medical misinformation").is_visible()
    row.get_by_role("link", name="Comment:").click()
    staff.wait_for_url("**/change/**")
    assert staff.get_by_text("This could make someone stop treatment.").is_visible()
    staff.get_by_label("Note shown under the post").fill(NOTE)
    staff.get_by_label("Reviewed article address").fill(ARTICLE)
    staff.get_by_label("Decision").select_option("keep")
    staff.get_by_label("Reason (for the audit log)").fill("Misleading; annotate rather than hide.")
    staff.locator("input[name=_save]").click()
    staff.wait_for_url("**/admin/community/reviewitem/**")

    # The note shows under the comment, linking to the reviewed article.
    page.goto(site.url(ARTICLE))
    note = page.locator(f"#comment-{post.pk} .moderator-note")
    assert NOTE in note.inner_text()
    assert note.get_by_role("link").first.get_attribute("href") == ARTICLE
    assert_accessible(page)

    # The reporter has a notification about the outcome.
    page.goto(site.url("/notifications/"))
    assert page.get_by_text("looked at the post you reported and kept it").first.is_visible()

    # The audit log has the entry, in the admin too.
    assert AuditLogEntry.objects.filter(actor=moderator, action="keep").exists()
    assert AuditLogEntry.objects.filter(actor=moderator, action="note", details=ARTICLE).exists()
    staff.goto(site.url("/admin/community/auditlogentry/"))
    assert staff.locator("#result_list").get_by_text("Kept a post").is_visible()
