"""The review queue: decisions (keep, hide, spam, note, sensitive, escalate) call
services, are logged, and reporters hear the outcome without details; the staff
home shows the counts and a 30-day chart without inline styles."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from community.models import AuditLogEntry, Comment, Notification, ReportReason, ReviewItem, WordListEntry
from community.services import moderation
from tests.community.discussion_helpers import ask, comment
from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return staff_member("Moderators", display_name="Moderator Mia")


@pytest.fixture
def admin(moderator):
    return signed_in_admin(moderator)


@pytest.fixture
def reported():
    """A comment under a question, reported by one member as misinformation."""
    question = ask(UserFactory(), title="Does turmeric replace Revlimid?")
    post = comment(UserFactory(display_name="Hortense"), question.thread, body="Stop Revlimid, turmeric cures it.")
    reporter = UserFactory()
    moderation.report_create(reporter=reporter, post=post, reason=ReportReason.MISINFORMATION, note="Dangerous")
    return post, reporter, ReviewItem.objects.get(comment=post)


def member_view(post):
    client = Client()
    client.force_login(UserFactory())
    thread = Comment.objects.select_related("thread").get(pk=post.pk).thread  # its address is set after creation
    response = client.get(thread.url)
    assert response.status_code == 200
    return response.content.decode()


def hidden_inputs(html):
    """The inline formsets' management fields, as the browser would send them back."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


def test_note_and_keep_through_the_admin_form(admin, moderator, reported):
    post, reporter, item = reported
    assert "This claim is not supported" not in member_view(post)
    url = reverse("admin:community_reviewitem_change", args=[item.pk])
    page = admin.get(url).content.decode()
    assert "Stop Revlimid, turmeric cures it." in page and "Dangerous" in page and "Hortense" in page
    response = admin.post(
        url,
        {
            **hidden_inputs(page),
            "decision": "keep", "reason": "misleading but not harmful enough to hide",
            "note": "This claim is not supported; see our reviewed article.",
            "article_url": "/articles/refractory-multiple-myeloma-treatment-options/",
        },
    )  # fmt: skip
    assert response.status_code == 302
    item.refresh_from_db()
    post.refresh_from_db()
    assert item.status == ReviewItem.Status.KEPT and item.decided_by == moderator
    assert post.moderation_note.startswith("This claim is not supported")
    html = member_view(post)
    assert "This claim is not supported" in html and "/articles/refractory-multiple-myeloma-treatment-options/" in html
    notification = Notification.objects.get(recipient=reporter)
    assert notification.kind == Notification.Kind.REPORT_KEPT
    assert "Hortense" not in str(notification.actor_name)
    actions = set(AuditLogEntry.objects.filter(actor=moderator).values_list("action", flat=True))
    assert {"note", "keep"} <= actions


def test_hide_shows_removed_by_a_moderator(moderator, reported):
    post, reporter, item = reported
    assert "Stop Revlimid" in member_view(post)  # seen once: a cached fragment must not outlive the decision
    moderation.item_hide(item=item, moderator=moderator, reason="dangerous advice")
    html = member_view(post)
    assert "Stop Revlimid" not in html and "removed by a moderator" in html
    assert Notification.objects.get(recipient=reporter).kind == Notification.Kind.REPORT_REMOVED
    assert AuditLogEntry.objects.get(action="hide").reason == "dangerous advice"


def test_spam_hides_and_suspends_the_author(moderator, reported):
    post, _reporter, item = reported
    moderation.item_delete_spam(item=item, moderator=moderator)
    post.refresh_from_db()
    post.author.refresh_from_db()
    assert post.moderation_status == "hidden" and post.author.is_suspended
    assert AuditLogEntry.objects.filter(action="suspend", member=post.author).exists()


def test_escalate_keeps_it_open_and_sensitive_marks_the_post(moderator, reported):
    post, _reporter, item = reported
    moderation.item_escalate(item=item, moderator=moderator, reason="ask the nurse")
    moderation.item_mark_sensitive(item=item, moderator=moderator)
    item.refresh_from_db()
    post.refresh_from_db()
    assert item.is_open and item.status == ReviewItem.Status.ESCALATED
    assert post.is_sensitive


def test_bulk_actions_call_the_services(admin, moderator):
    author = UserFactory()
    questions = [ask(author, title=f"Bulk question {n}", body=f"Bulk body {n}") for n in range(3)]
    for q in questions:
        moderation.report_create(reporter=UserFactory(), post=q, reason=ReportReason.SPAM)
    ids = list(ReviewItem.objects.values_list("pk", flat=True))
    admin.post(
        reverse("admin:community_reviewitem_changelist"),
        {"action": "hide_selected", "_selected_action": ids},
    )
    assert ReviewItem.objects.filter(status=ReviewItem.Status.HIDDEN).count() == 3
    assert AuditLogEntry.objects.filter(action="hide", actor=moderator).count() == 3


def test_queue_lists_at_risk_first_and_highlighted(admin):
    author = UserFactory()
    calm = ask(author, title="Calm question about pill boxes", body="Which one do you like?")
    moderation.report_create(reporter=UserFactory(), post=calm, reason=ReportReason.SPAM)
    WordListEntry.objects.create(kind=WordListEntry.Kind.CRISIS, phrase="end it all")
    ask(author, title="Some days I want to end it all", body="Nothing helps any more.", enforce_limits=True)
    html = admin.get(reverse("admin:community_reviewitem_changelist")).content.decode()
    assert html.index("end it all") < html.index("Calm question about pill boxes")
    assert 'class="mod-at-risk"' in html


def test_staff_home_dashboard(admin):
    author = UserFactory()
    for n in range(3):
        ask(author, title=f"Dashboard question {n}", body=f"Body {n}")
    moderation.report_create(reporter=UserFactory(), post=author.questions_asked.first(), reason=ReportReason.AT_RISK)
    html = admin.get(reverse("admin:index")).content.decode()
    assert "Moderation at a glance" in html
    dashboard = html[html.index("mod-dashboard") :]
    assert re.search(r'mod-count mod-count-risk">1<', dashboard)
    assert dashboard.count('<rect class="bar"') == 30
    assert "style=" not in dashboard[: dashboard.index("</section>")]


def test_note_and_sensitive_mark_reach_the_digest(moderator, reported):
    """The note travels into digests; a sensitive post is marked for newly diagnosed mode."""
    from datetime import timedelta

    from django.utils import timezone

    from community.services.digests import active_questions

    post, _reporter, item = reported
    question = post.thread.question
    answer_item = moderation.post_to_queue(post=question, moderator=moderator)
    moderation.item_add_note(item=answer_item, moderator=moderator, text="Please talk to your doctor first.")
    moderation.item_mark_sensitive(item=answer_item, moderator=moderator)
    from tests.community.discussion_helpers import answer

    answer(UserFactory(), question, body="I asked my team about this.")
    now = timezone.now()
    [digest_item] = [
        i for i in active_questions(since=now - timedelta(days=1), until=now) if i.key.endswith(f":{question.pk}")
    ]
    assert "Please talk to your doctor first." in digest_item.member_text
    assert digest_item.is_sensitive
