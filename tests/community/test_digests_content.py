"""Acceptance 3 and digest content: what each subscriber may see, and only what is new to them."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from community.digests import DigestItem, register_section, unregister_section
from community.models import Subscriber
from community.services.digests import send_due_digests
from tests.factories import ArticleFactory, SubscriberFactory, UserFactory


def _digest_to(address):
    [message] = [m for m in mail.outbox if m.to == [address]]
    return message.body, message.alternatives[0][0]


@pytest.fixture
def sensitive_section(db):
    now = timezone.now()
    items = [
        DigestItem(key="t:1", title="Gentle tips for tiredness", url="https://x.example/1", when=now),
        DigestItem(key="t:2", title="Facing the end of treatment options", url="https://x.example/2", when=now,
                   is_sensitive=True),
    ]  # fmt: skip
    register_section("test-sensitive", title="Test section", fetch=lambda since, until: items, order=1)
    yield
    unregister_section("test-sensitive")


def test_newly_diagnosed_mode_leaves_out_sensitive_posts(sensitive_section):
    """The same section sends both items normally, only the gentle one in newly diagnosed mode."""
    regular = SubscriberFactory()
    careful = SubscriberFactory(newly_diagnosed_mode=True)

    send_due_digests("weekly")

    assert "Facing the end of treatment options" in _digest_to(regular.email)[0]
    careful_text, careful_html = _digest_to(careful.email)
    assert "Gentle tips for tiredness" in careful_text
    assert "Facing the end" not in careful_text and "Facing the end" not in careful_html


@pytest.mark.django_db
def test_member_who_visited_gets_only_what_they_have_not_seen():
    """A member who signed in an hour ago is not sent the article published before that."""
    member = UserFactory(last_login=timezone.now() - timedelta(hours=1))
    Subscriber.objects.create(email=member.email, user=member, status="active", source="settings")
    ArticleFactory(title="Seen already on the site", published_at=timezone.now() - timedelta(hours=3))
    ArticleFactory(title="Published after the visit", published_at=timezone.now() - timedelta(minutes=30))

    send_due_digests("weekly")

    text, _html = _digest_to(member.email)
    assert "Published after the visit" in text
    assert "Seen already on the site" not in text


@pytest.mark.django_db
def test_favoured_topics_come_first():
    """A subscriber who picked a topic sees articles with that tag first."""
    ArticleFactory(title="About sleep", published_at=timezone.now() - timedelta(hours=1))
    ArticleFactory(title="About CAR T", published_at=timezone.now() - timedelta(hours=5), tags=["CAR T-cell therapy"])
    fan = SubscriberFactory(topics=["car-t-cell-therapy"])
    other = SubscriberFactory()

    send_due_digests("weekly")

    fan_text, other_text = _digest_to(fan.email)[0], _digest_to(other.email)[0]
    assert fan_text.index("About CAR T") < fan_text.index("About sleep")
    assert other_text.index("About sleep") < other_text.index("About CAR T")


@pytest.mark.django_db(transaction=True)
def test_personal_parts_over_real_smtp_are_right_for_every_subscriber(smtp_server):
    """Over SMTP (where shared content is rendered once), each message carries its own
    address, name (escaped in HTML), links and Message-ID; a non-ASCII name works too."""
    ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    ruth = SubscriberFactory(name="Ruth & Sam")
    zoe = SubscriberFactory(name="Zoë")
    anon = SubscriberFactory(name="")

    send_due_digests("weekly")

    received = {m["To"]: m for m in smtp_server.wait_for(3)}
    assert set(received) == {ruth.email, zoe.email, anon.email}
    ids = {m["Message-ID"] for m in received.values()}
    assert len(ids) == 3
    for subscriber in (ruth, zoe, anon):
        message = received[subscriber.email]
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        assert message["Date"]
        assert f"-{subscriber.pk}@" in message["Message-ID"]
        unsubscribe = message["List-Unsubscribe"].strip()[1:].split(">")[0]
        assert unsubscribe in text and unsubscribe in html
        assert "marker" not in text.lower() and "marker" not in html.lower()
        assert "marker" not in str(message).lower()
    assert "Hello Ruth & Sam," in received[ruth.email].get_body(("plain",)).get_content()
    assert "Hello Ruth &amp; Sam," in received[ruth.email].get_body(("html",)).get_content()
    assert "Hello Zoë," in received[zoe.email].get_body(("plain",)).get_content()
    assert "Hello," in received[anon.email].get_body(("plain",)).get_content()
