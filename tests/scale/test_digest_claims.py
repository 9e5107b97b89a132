"""Acceptance 2 (unit level): each digest is claimed and sent in its own transaction,
so a worker that dies mid-run leaves no one without a digest and no one with two.
`make scale-test` does the same with a real SIGKILL against PostgreSQL."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.mail import get_connection
from django.utils import timezone

from community.models import DigestSendLog, Subscriber
from community.services import digests
from community.services.digests import period_key, send_due_digests
from tests.factories import ArticleFactory, SubscriberFactory
from tests.smtp import SMTPSink


@pytest.fixture
def new_article(db):
    return ArticleFactory(title="Something new this week", published_at=timezone.now() - timedelta(hours=2))


def _use_sink(settings, sink):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.host, sink.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5


class WorkerKilled(BaseException):
    """Stands in for the process dying: not an Exception, so nothing in the run catches it."""


def test_worker_dying_mid_batch_then_a_second_run_gives_everyone_exactly_one(settings, new_article, monkeypatch):
    """Killed while handing over the 8th message of a 20-message batch: 7 rows are
    committed, the 8th claim is rolled back, and the second run sends the other 13."""
    SubscriberFactory.create_batch(20)
    real_send_once = digests._Deliverer._send_once
    calls = Counter()

    def dies_on_the_eighth(self, outgoing):
        calls["n"] += 1
        if calls["n"] == 8:
            raise WorkerKilled
        return real_send_once(self, outgoing)

    with SMTPSink() as sink:
        _use_sink(settings, sink)
        monkeypatch.setattr(digests._Deliverer, "_send_once", dies_on_the_eighth)
        with pytest.raises(WorkerKilled):
            send_due_digests("weekly", batch_size=20)
        assert len(sink.messages) == 7
        assert DigestSendLog.objects.count() == 7  # one row per accepted message, none for the 8th

        monkeypatch.setattr(digests._Deliverer, "_send_once", real_send_once)
        summary = send_due_digests("weekly", batch_size=20)
        received = Counter(message["To"] for message in sink.messages)
        message_ids = Counter(message["Message-ID"] for message in sink.messages)

    assert summary.sent == 13
    assert set(received) == set(Subscriber.objects.values_list("email", flat=True))
    assert set(received.values()) == {1}
    assert set(message_ids.values()) == {1}
    assert DigestSendLog.objects.count() == 20


def test_a_subscriber_claimed_by_another_run_is_skipped(settings, new_article):
    """Another run's row for the same period (sent or being sent) means: do not send."""
    taken, free = SubscriberFactory.create_batch(2)
    period = period_key("weekly")
    DigestSendLog.objects.create(subscriber=taken, period=period, message_id="<other-run@example>")
    with SMTPSink() as sink:
        _use_sink(settings, sink)
        run = digests.DigestRun("weekly")
        renderer = digests.DigestRenderer(run.period)
        connection = get_connection()
        connection.open()
        deliverer = digests._Deliverer(connection, retries=0, backoff=0)
        subscriber = digests.due_subscribers("weekly", period).get(pk=free.pk)
        outcomes = [
            digests._claim_and_send(deliverer, renderer.outgoing(run.build(s)), period)
            for s in (Subscriber.objects.with_last_digest().get(pk=taken.pk), subscriber)
        ]
        connection.close()
        recipients = [message["To"] for message in sink.messages]
    assert outcomes == ["taken", "sent"]
    assert recipients == [free.email]
