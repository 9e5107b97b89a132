"""Acceptance 1: the whole newsletter path through a real SMTP server (aiosmtpd)."""

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from community.models import Subscriber, SubscriberStatus
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _link(message, path_start):
    text = message.get_body(("plain",)).get_content()
    return re.search(rf"https?://\S+({re.escape(path_start)}\S+/)", text).group(1)


def test_subscribe_confirm_digest_and_one_click_unsubscribe(smtp_server):
    """Subscribe, confirm from the e-mail, get one digest with both unsubscribe headers;
    a GET of the link changes nothing, a cookie-less POST unsubscribes."""
    ArticleFactory(title="Living well with myeloma", published_at=timezone.now() - timedelta(hours=2))
    browser = Client()

    response = browser.post(
        "/newsletter/", {"name": "Ruth", "email": "ruth@example.com", "consent": "on", "website": ""}
    )
    assert response.status_code == 302
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == "ruth@example.com"
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING

    confirm_path = _link(confirmation, "/newsletter/confirm/")
    assert browser.get(confirm_path).status_code == 200  # a page with a button
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING
    assert browser.post(confirm_path).status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.ACTIVE

    call_command("send_digests", "--frequency", "weekly", verbosity=0)

    messages = smtp_server.wait_for(2)
    assert len(messages) == 2
    digest = messages[1]
    assert "Living well with myeloma" in digest.get_body(("plain",)).get_content()
    assert "Living well with myeloma" in digest.get_body(("html",)).get_content()
    list_unsubscribe = digest["List-Unsubscribe"].strip()
    assert digest["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    unsubscribe_url = re.match(r"<(https?://[^>]+)>", list_unsubscribe).group(1)
    unsubscribe_path = "/" + unsubscribe_url.split("/", 3)[3]

    mail_scanner = Client()
    assert mail_scanner.get(unsubscribe_path).status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.ACTIVE

    mail_provider = Client(enforce_csrf_checks=True)  # no cookies, no CSRF token
    response = mail_provider.post(
        unsubscribe_path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED


def test_mailto_unsubscribe_is_added_when_configured(smtp_server, settings):
    """With FORUM_UNSUBSCRIBE_MAILTO set, the digest's List-Unsubscribe has the link and a mailto:."""
    settings.FORUM_UNSUBSCRIBE_MAILTO = "leave@forum.example"
    ArticleFactory(published_at=timezone.now() - timedelta(hours=1))
    Subscriber.objects.create(email="sam@example.com", status=SubscriberStatus.ACTIVE, source="page")

    call_command("send_digests", "--frequency", "weekly", verbosity=0)

    [digest] = smtp_server.wait_for(1)
    header = digest["List-Unsubscribe"].strip()
    assert re.match(r"<https?://\S+/newsletter/unsubscribe/\S+/>, <mailto:leave@forum\.example\?subject=", header)
