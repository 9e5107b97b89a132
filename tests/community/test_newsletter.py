"""Newsletter signup (double opt-in), confirmation, preferences, member opt-in and admin."""

import re
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site as admin_site
from django.core import mail, signing
from django.test import RequestFactory
from django.utils import timezone

from community.admin.newsletter import SubscriberAdmin
from community.models import ConsentAction, ConsentRecord, DigestSendLog, Subscriber, SubscriberStatus
from community.services import newsletter as services
from community.tokens import confirmation_token, preferences_token
from tests.factories import ArticleFactory, SubscriberFactory, UserFactory

pytestmark = pytest.mark.django_db
FORM = {"name": "Ruth", "email": "ruth@example.com", "consent": "on", "website": ""}


def _signup(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post("/newsletter/", {**FORM, **changes}, HTTP_USER_AGENT="TestBrowser/1.0")


def _confirm_path(message):
    return re.search(r"https?://[^/\s]+(/newsletter/confirm/\S+/)", message.body).group(1)


def test_signup_sends_only_a_confirmation_and_records_consent(client, django_capture_on_commit_callbacks):
    """A signup stores a pending subscriber, the consent (time, IP, browser, text version) and sends one e-mail."""
    response = _signup(client, django_capture_on_commit_callbacks)

    assert response.status_code == 302 and response["Location"] == "/newsletter/check-your-email/"
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.PENDING and subscriber.name == "Ruth"
    consent = ConsentRecord.objects.get()
    assert consent.action == ConsentAction.REQUESTED
    assert consent.ip_address == "127.0.0.1" and consent.user_agent == "TestBrowser/1.0"
    assert consent.text_version and "one click" in consent.text
    [message] = mail.outbox
    assert message.subject == "Please confirm your Myeloma Forum newsletter"
    assert "/newsletter/confirm/" in message.body and "/newsletter/confirm/" in message.alternatives[0][0]


def test_same_answer_whether_or_not_already_subscribed(client, django_capture_on_commit_callbacks):
    """Signing up an address already on the list looks exactly like a new signup."""
    SubscriberFactory(email="known@example.com")

    known = _signup(client, django_capture_on_commit_callbacks, email="Known@example.com")
    new = _signup(client, django_capture_on_commit_callbacks, email="new@example.com")

    assert (known.status_code, known["Location"]) == (new.status_code, new["Location"])
    assert Subscriber.objects.get(email="known@example.com").status == SubscriberStatus.ACTIVE
    assert [m.to for m in mail.outbox] == [["new@example.com"]]


def test_honeypot_gets_the_same_answer_and_stores_nothing(client, django_capture_on_commit_callbacks):
    response = _signup(client, django_capture_on_commit_callbacks, website="http://spam.example")

    assert response["Location"] == "/newsletter/check-your-email/"
    assert not Subscriber.objects.exists() and mail.outbox == []


def test_missing_consent_and_bad_address_get_plain_messages(client):
    response = client.post("/newsletter/", {"email": "not-an-address", "name": "Ruth"})

    assert response.status_code == 200
    assert "This does not look like an e-mail address" in response.content.decode()
    assert "Please tick the box" in response.content.decode()
    assert 'value="Ruth"' in response.content.decode()  # what they typed is kept


def test_confirmation_link_needs_a_post_and_works_once(client, django_capture_on_commit_callbacks):
    """GET shows a button (scanners confirm nothing); POST confirms; the link then stops working."""
    _signup(client, django_capture_on_commit_callbacks)
    path = _confirm_path(mail.outbox[0])

    assert client.get(path).status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING
    client.post(path)
    subscriber = Subscriber.objects.get()
    assert subscriber.status == SubscriberStatus.ACTIVE and subscriber.confirmed_at
    assert subscriber.consents.filter(action=ConsentAction.CONFIRMED).exists()

    again = client.post(path)
    assert "already subscribed" in again.content.decode()
    assert subscriber.consents.filter(action=ConsentAction.CONFIRMED).count() == 1


def test_confirmation_link_expires_after_72_hours(client, monkeypatch):
    subscriber = SubscriberFactory(status="pending")
    token = confirmation_token(subscriber)
    later = timezone.now().timestamp() + timedelta(hours=73).total_seconds()
    monkeypatch.setattr(signing.time, "time", lambda: later)

    response = client.post(f"/newsletter/confirm/{token}/")

    assert response.status_code == 400
    assert "more than 72 hours old" in response.content.decode()
    assert Subscriber.objects.get().status == SubscriberStatus.PENDING


def test_tampered_confirmation_link_is_a_clear_400(client):
    token = confirmation_token(SubscriberFactory(status="pending"))
    response = client.get(f"/newsletter/confirm/{token[:-2]}xx/")
    assert response.status_code == 400
    assert "This link does not work" in response.content.decode()


def test_unconfirmed_addresses_are_forgotten_after_72_hours():
    SubscriberFactory(status="pending", created_at=timezone.now() - timedelta(hours=73))
    fresh = SubscriberFactory(status="pending")
    assert services.forget_stale_pending() == 1
    assert list(Subscriber.objects.all()) == [fresh]


def test_preferences_by_signed_link_without_signing_in(client):
    """Frequency, pause, topics and newly diagnosed mode are saved from the link in any e-mail."""
    ArticleFactory(tags=["Treatment"])
    subscriber = SubscriberFactory()
    path = f"/newsletter/preferences/{preferences_token(subscriber)}/"

    page = client.get(path)
    assert page.status_code == 200 and page["X-Robots-Tag"] == "noindex"
    assert 'name="robots" content="noindex' in page.content.decode()
    client.post(path, {"schedule": "daily", "topics": ["treatment"], "newly_diagnosed_mode": "on"})
    subscriber.refresh_from_db()
    assert (subscriber.frequency, subscriber.topics, subscriber.newly_diagnosed_mode) == ("daily", ["treatment"], True)

    client.post(path, {"schedule": "pause_2w"})
    subscriber.refresh_from_db()
    assert subscriber.frequency == "daily"
    assert timedelta(days=13) < subscriber.paused_until - timezone.now() <= timedelta(days=14)


def test_member_subscribes_from_settings_without_confirmation(client):
    """A member with a confirmed address is subscribed at once; unticking unsubscribes."""
    member = UserFactory()
    client.force_login(member)

    response = client.post("/settings/newsletter/", {"subscribed": "on", "frequency": "daily"})

    assert response.status_code == 302
    subscription = Subscriber.objects.get(user=member)
    assert (subscription.status, subscription.frequency, subscription.email) == ("active", "daily", member.email)
    assert subscription.consents.get().action == ConsentAction.MEMBER_OPT_IN
    assert mail.outbox == []
    assert "You get the newsletter." in client.get("/settings/").content.decode()

    client.post("/settings/newsletter/", {"frequency": "daily"})
    assert Subscriber.objects.get(user=member).status == SubscriberStatus.UNSUBSCRIBED


def test_member_with_unconfirmed_address_is_not_subscribed(client):
    member = UserFactory(verified=False)
    client.force_login(member)
    client.post("/settings/newsletter/", {"subscribed": "on", "frequency": "weekly"})
    assert not Subscriber.objects.exists()


def test_admin_csv_export_and_test_digest_action():
    """The admin exports the selected subscribers as CSV and mails a test digest to the staff member."""
    ArticleFactory(title="Something new", published_at=timezone.now() - timedelta(hours=1))
    readers = SubscriberFactory.create_batch(2)
    staff = UserFactory(is_staff=True, is_superuser=True)
    request = RequestFactory().post("/admin/")
    request.user = staff
    request._messages = type("M", (), {"add": lambda *a, **k: None})()
    model_admin = SubscriberAdmin(Subscriber, admin_site)

    response = model_admin.export_csv(request, Subscriber.objects.all())
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("email,name,status")
    assert {line.split(",")[0] for line in lines[1:]} == {r.email for r in readers}

    model_admin.send_test_digest_to_me(request, Subscriber.objects.filter(pk=readers[0].pk))
    [message] = mail.outbox
    assert message.to == [staff.email] and message.subject.startswith("[Test]")
    assert "Something new" in message.body
    assert not DigestSendLog.objects.exists()  # a test never stops the real digest
