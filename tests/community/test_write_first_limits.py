"""Write first: the door spammers try first refuses bulk posts, bots and links, with plain messages."""

import pytest
from django.core import mail
from django.test import Client

from community.models import PendingPost, User
from tests.community.test_write_first import BODY, submit
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


def page_text(response):
    return response.content.decode()


def test_honeypot_refuses_a_bot(client, article):
    response = submit(client, article, website="http://cheap-pills.example")
    assert response.status_code == 400
    assert "could not be posted" in page_text(response)
    assert not PendingPost.objects.exists() and not User.objects.exists() and not mail.outbox


@pytest.mark.parametrize(
    "body",
    [
        "Great article, see https://cheap-pills.example/offer for more.",
        "Visit www.cheap-pills.example today.",
        "Look at [my page](http://cheap-pills.example).",
        "Order from pillshop.com now, it helped me.",
    ],
)
def test_a_link_is_refused_with_the_reason(client, article, body):
    response = submit(client, article, body=body)
    assert response.status_code == 400
    html = page_text(response)
    assert "Links are not allowed until you have confirmed your e-mail address" in html
    assert body.split()[0] in html  # the text is kept for the visitor to fix
    assert not PendingPost.objects.exists() and not mail.outbox


def test_per_ip_rate_limit_refuses_bulk_submissions(settings, article):
    settings.FORUM_WRITE_FIRST_RATE_LIMITS = {"ip": [(3, 3600)], "address": [(100, 3600)]}
    client = Client(REMOTE_ADDR="203.0.113.9")
    statuses = [submit(client, article, email=f"bulk{i}@example.com", body=f"{BODY} {i}").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    refused = submit(client, article, email="bulk9@example.com", body=f"{BODY} nine")
    assert "Too many posts have been sent from this connection" in page_text(refused)
    assert PendingPost.objects.count() == 3 and len(mail.outbox) == 3
    # Someone else, on another connection, is not affected.
    assert submit(Client(REMOTE_ADDR="198.51.100.7"), article, email="other@example.com").status_code == 302


def test_per_address_rate_limit(settings, article):
    settings.FORUM_WRITE_FIRST_RATE_LIMITS = {"ip": [(100, 3600)], "address": [(2, 3600)]}
    answers = [
        submit(Client(REMOTE_ADDR=f"192.0.2.{i}"), article, email="Same@Example.com", body=f"{BODY} {i}")
        for i in range(3)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert "Too many posts have been sent with this e-mail address" in page_text(answers[2])
    assert PendingPost.objects.count() == 2


def test_at_most_three_pending_per_address(client, settings, article):
    settings.FORUM_WRITE_FIRST_RATE_LIMITS = {"ip": [(100, 3600)], "address": [(100, 3600)]}
    for i in range(3):
        assert submit(client, article, body=f"{BODY} number {i}").status_code == 302
    fourth = submit(client, article, body=f"{BODY} number 4")
    assert fourth.status_code == 400
    assert "already 3 posts from this address waiting for confirmation" in page_text(fourth)
    assert PendingPost.objects.count() == 3 and len(mail.outbox) == 3


def test_same_text_twice_is_not_kept_twice(client, article):
    submit(client, article)
    again = submit(client, article)
    assert again.status_code == 400 and "already waiting for you" in page_text(again)
    assert PendingPost.objects.count() == 1 and len(mail.outbox) == 1


def test_same_length_rules_as_member_comments(client, article):
    too_long = submit(client, article, body="a" * 5_001)
    assert too_long.status_code == 400 and "This is too long" in page_text(too_long)
    too_short = submit(client, article, body="a")
    assert "too short" in page_text(too_short)
    assert not PendingPost.objects.exists()


def test_contact_details_warning_then_confirm(client, article):
    body = "Call me on 555 123 4567 if you want to talk about it."
    first = submit(client, article, body=body)
    assert first.status_code == 400 and "phone number" in page_text(first)
    assert not PendingPost.objects.exists()
    assert submit(client, article, body=body, confirm_contact="on").status_code == 302
    assert PendingPost.objects.get().body == body


def test_missing_name_and_bad_address_get_plain_messages(client, article):
    response = submit(client, article, name="", email="not-an-address")
    html = page_text(response)
    assert response.status_code == 400
    assert "Please tell us your name" in html and "does not look like an e-mail address" in html
    assert BODY in html  # nothing the visitor wrote is lost
