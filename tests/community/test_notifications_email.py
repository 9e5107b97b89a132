"""Notification e-mails go through real SMTP after commit; followers hear about new posts."""

import pytest

from community.models import Notification
from community.services import discussion
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import UserFactory


@pytest.mark.django_db(transaction=True)
def test_notification_email_over_smtp(smtp_server):
    """An answer e-mails the asker through a real SMTP server: subject, text and HTML parts, no post text."""
    asker = UserFactory(display_name="Ruth")
    question = ask(asker, title="Why was my dex stopped?")
    answer(UserFactory(display_name="Walter"), question, body="A private answer only for members.")
    messages = smtp_server.messages
    assert len(messages) == 1
    message = messages[0]
    assert message["To"] == asker.email
    assert message["Subject"] == "Walter answered your question: Why was my dex stopped?"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Ruth" in text and f"/questions/{question.pk}/" in text
    assert "Read it on Myeloma Forum" in html
    assert "private answer" not in text and "private answer" not in html


@pytest.mark.django_db
def test_followers_hear_about_new_posts_and_can_unfollow():
    """A follower is notified of a comment; after unfollowing, no more."""
    asker, follower, writer = UserFactory(), UserFactory(), UserFactory()
    question = ask(asker)
    assert discussion.follow_toggle(member=follower, thread=question.thread) is True
    comment(writer, question.thread, body="A new comment.")
    assert Notification.objects.get(recipient=follower).kind == "followed"
    assert Notification.objects.get(recipient=asker).kind == "comment"
    assert discussion.follow_toggle(member=follower, thread=question.thread) is False
    Notification.objects.update(read_at="2030-01-01T00:00:00Z")
    comment(writer, question.thread, body="Another comment.")
    assert not Notification.objects.filter(recipient=follower, read_at=None).exists()
    question.refresh_from_db()
    assert question.follower_count == 1  # the asker
