"""Acceptance 2: digests are sent once per subscriber per period, even across SMTP failures."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from community.models import DigestSendLog, Subscriber
from community.services.digests import period_key, send_due_digests
from tests.factories import ArticleFactory, SubscriberFactory
from tests.smtp import SMTPSink


@pytest.fixture
def new_article(db):
    return ArticleFactory(title="A new article", published_at=timezone.now() - timedelta(hours=3))


def _use_sink(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


def test_running_twice_sends_each_subscriber_one_digest(smtp_server, new_article):
    """The second run finds a sent-log row for everyone and sends nothing."""
    SubscriberFactory.create_batch(5)

    call_command("send_digests", "--frequency", "weekly", verbosity=0)
    call_command("send_digests", "--frequency", "weekly", verbosity=0)

    recipients = Counter(message["To"] for message in smtp_server.messages)
    assert len(recipients) == 5
    assert set(recipients.values()) == {1}
    assert DigestSendLog.objects.count() == 5


def test_smtp_failure_after_20_then_recovery_ends_with_exactly_one_each(settings, new_article):
    """The server refuses from the 21st message on: the run stops cleanly, having logged
    the 20 it delivered; after recovery the next run sends exactly the missing 25."""
    SubscriberFactory.create_batch(45)
    with SMTPSink(fail_after=20) as sink:
        _use_sink(settings, sink)

        with pytest.raises(CommandError, match="Run the command again later"):
            call_command("send_digests", "--frequency", "weekly", "--batch-size", "8", "--retries", "0", verbosity=0)
        assert len(sink.messages) == 20
        assert DigestSendLog.objects.count() == 20

        sink.recover()
        call_command("send_digests", "--frequency", "weekly", "--batch-size", "8", verbosity=0)
        call_command("send_digests", "--frequency", "weekly", "--batch-size", "8", verbosity=0)

        received = Counter(message["To"] for message in sink.messages)
    assert set(received) == set(Subscriber.objects.values_list("email", flat=True))
    assert set(received.values()) == {1}
    assert DigestSendLog.objects.count() == 45


def test_temporary_failure_is_retried_with_backoff(settings, new_article):
    """A retry after a short wait gets through once the server recovers mid-run."""
    SubscriberFactory.create_batch(3)
    with SMTPSink(fail_after=1) as sink:
        _use_sink(settings, sink)
        waits = []

        def recover_while_waiting(seconds):
            waits.append(seconds)
            sink.recover()

        import community.services.digests as digests_module

        original_sleep = digests_module.time.sleep
        digests_module.time.sleep = recover_while_waiting
        try:
            summary = send_due_digests("weekly", retries=2, backoff=0.5)
        finally:
            digests_module.time.sleep = original_sleep

        assert summary.sent == 3 and not summary.stopped
        assert waits == [0.5]
        assert len(sink.messages) == 3


def test_message_id_is_stable_per_subscriber_and_period(new_article):
    """The same subscriber's digest for the same period always has the same Message-ID."""
    subscriber = SubscriberFactory()
    send_due_digests("weekly")
    first = mail.outbox[0].extra_headers["Message-ID"]
    DigestSendLog.objects.all().delete()  # pretend the log was lost: the resend is recognisable

    send_due_digests("weekly")

    assert mail.outbox[1].extra_headers["Message-ID"] == first
    assert first == f"<digest-{period_key('weekly')}-{subscriber.pk}@myelomaforum.example>"


def test_nothing_is_sent_when_nothing_is_new(db):
    """No new content since the last digest: no e-mail, no log row."""
    SubscriberFactory.create_batch(3)
    ArticleFactory(published_at=timezone.now() - timedelta(days=20))  # older than a first digest reaches

    summary = send_due_digests("weekly")

    assert summary.sent == 0 and summary.nothing_new == 3
    assert mail.outbox == []
    assert not DigestSendLog.objects.exists()


def test_second_period_only_has_what_is_new_since_the_last_digest(db):
    """Next week's digest leaves out the article already sent last week."""
    subscriber = SubscriberFactory()
    ArticleFactory(title="Old news", published_at=timezone.now() - timedelta(days=8))
    last_week = timezone.now() - timedelta(days=7)
    DigestSendLog.objects.create(subscriber=subscriber, period=period_key("weekly", last_week), sent_at=last_week)
    ArticleFactory(title="Fresh news", published_at=timezone.now() - timedelta(days=1))

    send_due_digests("weekly")

    [message] = mail.outbox
    assert "Fresh news" in message.body
    assert "Old news" not in message.body


def test_dry_run_and_limit(new_article):
    """--dry-run sends nothing and logs nothing; --limit caps the number sent."""
    SubscriberFactory.create_batch(4)

    call_command("send_digests", "--frequency", "weekly", "--dry-run", verbosity=0)
    assert mail.outbox == [] and not DigestSendLog.objects.exists()

    call_command("send_digests", "--frequency", "weekly", "--limit", "3", verbosity=0)
    assert len(mail.outbox) == 3


def test_only_due_subscribers_get_a_digest(new_article):
    """Daily subscribers, paused, pending and unsubscribed people get no weekly digest."""
    due = SubscriberFactory()
    SubscriberFactory(frequency="daily")
    SubscriberFactory(paused_until=timezone.now() + timedelta(days=3))
    SubscriberFactory(status="pending")
    SubscriberFactory(status="unsubscribed")
    SubscriberFactory(paused_until=timezone.now() - timedelta(days=1))  # pause is over

    send_due_digests("weekly")

    assert sorted(m.to[0] for m in mail.outbox) == sorted([due.email, Subscriber.objects.last().email])


def test_summary_and_period_keys(new_article, capsys):
    """The command prints a summary line; period keys name the ISO week or the day."""
    SubscriberFactory.create_batch(2)
    call_command("send_digests", "--frequency", "weekly")
    out = capsys.readouterr().out
    assert "2 due, sent 2, 0 had nothing new" in out
    assert period_key("weekly", timezone.make_aware(timezone.datetime(2026, 11, 23, 12))) == "weekly-2026-W48"
    assert period_key("daily", timezone.make_aware(timezone.datetime(2026, 11, 23, 12))) == "daily-2026-11-23"


def test_scheduled_task_sends_the_same_way(new_article):
    """The django-tasks version sends due digests and, run again, sends nothing more."""
    from community.tasks_newsletter import send_digests_task

    SubscriberFactory.create_batch(2)
    first = send_digests_task.enqueue("weekly")
    second = send_digests_task.enqueue("weekly")

    assert (first.return_value, second.return_value) == (2, 0)
    assert len(mail.outbox) == 2
