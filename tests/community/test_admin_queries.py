"""Each admin changelist makes the same number of SQL queries with 5 rows as with
100: columns come from list_select_related or annotations, never one query a row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import AuditAction, ReportReason
from community.services import moderation
from tests.community.discussion_helpers import ask, comment
from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import SubscriberFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client():
    return signed_in_admin(staff_member("Moderators", is_superuser=True))


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def assert_flat(client, url, add_rows, marker):
    """Add 5 rows, count; add 95 more, count again; the counts must match."""
    add_rows(5)
    small, html = count_queries(client, url)
    assert html.count(marker) >= 5, "the rows were not listed"
    add_rows(95)
    large, html = count_queries(client, url)
    assert html.count(marker) >= 50, "the rows were not listed"
    assert small == large, f"{small} queries with 5 rows, {large} with 100"


def _reported_questions(n):
    author = UserFactory()
    for i in range(n):
        question = ask(author, title=f"Reported question {i}", body=f"Some body {i}")
        moderation.report_create(reporter=UserFactory(), post=question, reason=ReportReason.SPAM)


def test_queue_changelist(admin_client):
    assert_flat(
        admin_client, reverse("admin:community_reviewitem_changelist"), _reported_questions, "Reported question"
    )


def test_members_changelist(admin_client):
    def add(n):
        for _ in range(n):
            UserFactory(display_name="Listed Person")

    assert_flat(admin_client, reverse("admin:community_user_changelist"), add, "Listed Person")


def test_subscribers_changelist(admin_client):
    def add(n):
        SubscriberFactory.create_batch(n, name="Listed Reader")

    assert_flat(admin_client, reverse("admin:community_subscriber_changelist"), add, "Listed Reader")


def test_audit_log_changelist(admin_client):
    moderator = UserFactory(display_name="Marguerite")

    def add(n):
        for _ in range(n):
            moderation.audit(moderator, AuditAction.ESCALATE, UserFactory(), reason="checked the history")

    assert_flat(admin_client, reverse("admin:community_auditlogentry_changelist"), add, "checked the history")


def test_comments_changelist(admin_client):
    question = ask(UserFactory(), title="Thread for listed comments")

    def add(n):
        for i in range(n):
            comment(UserFactory(), question.thread, body=f"Listed comment {i}")

    assert_flat(admin_client, reverse("admin:community_comment_changelist"), add, "Listed comment")


def test_questions_changelist(admin_client):
    def add(n):
        for i in range(n):
            ask(UserFactory(), title=f"Listed question {i}", tags=["Relapse"])

    assert_flat(admin_client, reverse("admin:community_question_changelist"), add, "Listed question")
