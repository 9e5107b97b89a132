"""Acceptance 3: a non-member's digest never contains member-only writing (real discussion models)."""

import pytest
from django.core import mail

from community.models import Subscriber
from community.services.digests import send_due_digests
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import SubscriberFactory, UserFactory

QUESTION_BODY = "After my second relapse my legs feel numb every evening and I worry about it"
ANSWER_BODY = "Mine did the same on bortezomib and my nurse changed the dose for me"
COMMENT_BODY = "Sending you strength from Ohio, my husband went through this too"


def _digest_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message.body, message.alternatives[0][0]


@pytest.mark.django_db
def test_non_member_digest_has_titles_and_join_links_but_no_member_text():
    """With member questions, answers and comments in the period, a non-member's digest
    (text and HTML) shows the question title and a sign-up link, never what members wrote;
    a member's digest includes an excerpt."""
    asker, helper = UserFactory(), UserFactory()
    question = ask(asker, title="Numb legs in the evening?", body=QUESTION_BODY)
    answer(helper, question, body=ANSWER_BODY)
    comment(helper, question.thread, body=COMMENT_BODY)
    reader = SubscriberFactory()
    member = UserFactory()
    Subscriber.objects.create(email=member.email, user=member, status="active", source="settings")

    send_due_digests("weekly")

    for body in _digest_to(reader.email):
        assert "Numb legs in the evening?" in body
        assert "/accounts/signup/" in body
        for private in (QUESTION_BODY, ANSWER_BODY, COMMENT_BODY, "numb every evening", "nurse changed"):
            assert private not in body
    member_text, member_html = _digest_to(member.email)
    assert "After my second relapse my legs feel numb" in member_text
    assert "Numb legs in the evening?" in member_html
