"""Crisis handling: an "at risk" report goes to the top of the queue and the
moderators get an e-mail at once, through a real SMTP server."""

import pytest
from django.contrib.auth.models import Group

from community.models import ReportReason, ReviewItem
from community.services import moderation
from tests.community.discussion_helpers import ask
from tests.community.moderation_helpers import ensure_role_groups
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def moderators():
    ensure_role_groups()  # transaction=True flushed the migration's groups
    group = Group.objects.get(name="Moderators")
    people = [UserFactory(is_staff=True, email=f"mod{n}@example.com") for n in range(2)]
    for person in people:
        person.groups.add(group)
    return people


def test_at_risk_report_tops_the_queue_and_mails_moderators(smtp_server, moderators):
    author = UserFactory()
    older = ask(author, title="Which pillbox do you use?", body="Mine keeps breaking.")
    moderation.report_create(reporter=UserFactory(), post=older, reason=ReportReason.SPAM)
    worrying = ask(author, title="I am so tired of all this", body="I cannot keep going.")
    moderation.report_create(reporter=UserFactory(), post=worrying, reason=ReportReason.AT_RISK)

    queue = list(ReviewItem.objects.queue_order())
    assert queue[0].question_id == worrying.pk and queue[0].at_risk

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["mod0@example.com", "mod1@example.com"]
    assert "at risk" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "I cannot keep going." in text and "I cannot keep going." in html
    assert f"/admin/community/reviewitem/{queue[0].pk}/change/" in text


def test_plain_reports_send_no_alert(smtp_server, moderators):
    post = ask(UserFactory(), title="Cheap pills here", body="Buy now")
    moderation.report_create(reporter=UserFactory(), post=post, reason=ReportReason.SPAM)
    assert smtp_server.messages == []


def test_crisis_phrase_in_a_post(smtp_server, moderators):
    """Posted through the site: the author sees the crisis box at once, the item tops the
    queue (above an older report), and the moderators' e-mail went out over SMTP."""
    from django.test import Client
    from django.urls import reverse

    from community.models import Question, WordListEntry

    WordListEntry.objects.create(kind=WordListEntry.Kind.CRISIS, phrase="no reason to go on")
    older = ask(UserFactory(), title="Best pillbox?", body="Mine keeps breaking.")
    moderation.report_create(reporter=UserFactory(), post=older, reason=ReportReason.SPAM)
    author = UserFactory()
    client = Client()
    client.force_login(author)
    response = client.post(
        reverse("community:question-ask"),
        {"title": "Another relapse", "body": "Honestly I see No Reason to go on with this.", "website": ""},
        follow=True,
    )
    page = response.content.decode()
    assert 'class="crisis-box"' in page and "988" in page and reverse("community:crisis-resources") in page
    question = Question.objects.get(title="Another relapse")
    assert question.moderation_status == "visible"  # reaching out is not hidden for that alone

    top = ReviewItem.objects.queue_order().first()
    assert top.question_id == question.pk and top.at_risk and "no reason to go on" in top.matched_words

    [alert] = smtp_server.wait_for(1)
    assert sorted(smtp_server.envelopes[0].rcpt_tos) == ["mod0@example.com", "mod1@example.com"]
    assert "No Reason to go on" in alert.get_body(("plain",)).get_content()

    # Other members do not get the box.
    reader = Client()
    reader.force_login(UserFactory())
    assert 'class="crisis-box"' not in reader.get(question.get_absolute_url()).content.decode()


def test_crisis_resources_page_lists_what_editors_keep(client):
    from django.urls import reverse

    from community.models import CrisisResource

    CrisisResource.objects.create(name="Myeloma nurse line", phone="1-800-555-0100", position=1)
    page = client.get(reverse("community:crisis-resources")).content.decode()
    assert "988" in page and "Myeloma nurse line" in page and "1-800-555-0100" in page
