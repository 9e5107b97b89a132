"""Members report posts: once per post, rate-limited, refused while suspended;
several reports on one post gather into one review item."""

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Report, ReportReason, ReviewItem
from community.services import moderation
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def question():
    return ask(UserFactory(), title="Is it normal to feel so tired on Revlimid?")


def test_several_reports_gather_into_one_item(question):
    first, second = UserFactory(), UserFactory()
    moderation.report_create(reporter=first, post=question, reason=ReportReason.SPAM)
    moderation.report_create(reporter=second, post=question, reason=ReportReason.MISINFORMATION, note="Not true")
    item = ReviewItem.objects.get(question=question)
    assert item.report_count == 2
    assert set(item.reason_list) == {"spam", "misinfo"}
    assert item.reports.count() == 2 and item.is_open


def test_a_member_reports_a_post_once(question):
    reporter = UserFactory()
    moderation.report_create(reporter=reporter, post=question, reason=ReportReason.SPAM)
    with pytest.raises(moderation.ModerationRefused, match="already reported"):
        moderation.report_create(reporter=reporter, post=question, reason=ReportReason.ABUSIVE)
    assert Report.objects.count() == 1
    assert ReviewItem.objects.get(question=question).report_count == 1


def test_comments_and_answers_can_be_reported(question):
    reporter = UserFactory()
    reply = answer(UserFactory(), question)
    note = comment(UserFactory(), question.thread)
    moderation.report_create(reporter=reporter, post=reply, reason=ReportReason.OTHER)
    moderation.report_create(reporter=reporter, post=note, reason=ReportReason.PERSONAL_INFO)
    assert ReviewItem.objects.filter(answer=reply).exists()
    assert ReviewItem.objects.filter(comment=note).exists()


def test_reporting_is_rate_limited(settings):
    settings.FORUM_REPORT_RATE_LIMIT = (3, 3600)
    reporter, author = UserFactory(), UserFactory()
    questions = [ask(author, title=f"Question {n}", body=f"Body {n}") for n in range(4)]
    for q in questions[:3]:
        moderation.report_create(reporter=reporter, post=q, reason=ReportReason.SPAM)
    with pytest.raises(moderation.ModerationRefused, match="a lot of reports"):
        moderation.report_create(reporter=reporter, post=questions[3], reason=ReportReason.SPAM)
    assert Report.objects.filter(reporter=reporter).count() == 3


def test_suspended_member_cannot_report(question):
    reporter = UserFactory(suspended_until=timezone.now() + timedelta(days=3), suspension_reason="rude replies")
    with pytest.raises(moderation.ModerationRefused, match="rude replies"):
        moderation.report_create(reporter=reporter, post=question, reason=ReportReason.SPAM)
    assert not Report.objects.exists()


def test_own_post_cannot_be_reported(question):
    with pytest.raises(moderation.ModerationRefused, match="your own post"):
        moderation.report_create(reporter=question.author, post=question, reason=ReportReason.SPAM)


def test_a_decided_item_reopens_on_a_new_report(question):
    moderation.report_create(reporter=UserFactory(), post=question, reason=ReportReason.SPAM)
    ReviewItem.objects.filter(question=question).update(status=ReviewItem.Status.KEPT)
    moderation.report_create(reporter=UserFactory(), post=question, reason=ReportReason.AT_RISK)
    item = ReviewItem.objects.get(question=question)
    assert item.status == ReviewItem.Status.OPEN and item.at_risk


def test_exactly_one_post_per_item_is_a_database_rule(question):
    from django.db import IntegrityError, transaction

    reply = answer(UserFactory(), question)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewItem.objects.create(question=question, answer=reply)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewItem.objects.create()
