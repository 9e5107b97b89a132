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
from community.services.digest_delivery import Deliverer
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


def _dies_on_the_eighth(real_method):
    calls = Counter()

    def wrapper(self, *args):
        result = real_method(self, *args)
        calls["n"] += 1
        if calls["n"] == 8:
            raise WorkerKilled
        return result

    return wrapper


def _everyone_got_exactly_one(sink):
    received = Counter(message["To"] for message in sink.messages)
    message_ids = Counter(message["Message-ID"] for message in sink.messages)
    assert set(received) == set(Subscriber.objects.values_list("email", flat=True))
    assert set(received.values()) == {1}
    assert set(message_ids.values()) == {1}
    assert DigestSendLog.objects.count() == Subscriber.objects.count()


def test_killed_with_the_8th_message_handed_over_but_its_final_dot_unsent(settings, new_article, monkeypatch):
    """The 8th message's data is on the wire and its claim not yet committed when the
    worker dies: the claim rolls back, the server throws the unfinished message away,
    and the second run sends the other 13."""
    SubscriberFactory.create_batch(20)
    with SMTPSink() as sink:
        _use_sink(settings, sink)
        monkeypatch.setattr(Deliverer, "prepare", _dies_on_the_eighth(Deliverer.prepare))
        with pytest.raises(WorkerKilled):
            send_due_digests("weekly", batch_size=20)
        assert DigestSendLog.objects.count() == 7  # one row per accepted message, none for the 8th
        assert len(sink.messages) == 7

        monkeypatch.undo()
        summary = send_due_digests("weekly", batch_size=20)
        assert summary.sent == 13
        _everyone_got_exactly_one(sink)


def test_killed_right_after_the_8th_final_dot(settings, new_article, monkeypatch):
    """Past the final dot the message is the server's and its claim is committed:
    the second run leaves that subscriber alone and sends the other 12."""
    SubscriberFactory.create_batch(20)
    with SMTPSink() as sink:
        _use_sink(settings, sink)
        monkeypatch.setattr(Deliverer, "release", _dies_on_the_eighth(Deliverer.release))
        with pytest.raises(WorkerKilled):
            send_due_digests("weekly", batch_size=20)
        assert DigestSendLog.objects.count() == 8
        sink.wait_for(8)

        monkeypatch.undo()
        summary = send_due_digests("weekly", batch_size=20)
        assert summary.sent == 12
        _everyone_got_exactly_one(sink)


def test_message_refused_at_its_final_dot_gives_back_its_claim(settings, new_article):
    """A 554 after the data (a content filter, say): that subscriber is counted as
    refused and keeps no sent-log row, so a later run may try again; the rest go."""
    refused, *others = SubscriberFactory.create_batch(3)
    with SMTPSink(reject=[refused.email]) as sink:
        _use_sink(settings, sink)
        summary = send_due_digests("weekly")
        recipients = sorted(message["To"] for message in sink.messages)
    assert (summary.sent, summary.refused, summary.stopped) == (2, 1, "")
    assert recipients == sorted(s.email for s in others)
    assert not DigestSendLog.objects.filter(subscriber=refused).exists()


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
        deliverer = Deliverer(connection, retries=0, backoff=0)
        subscriber = digests.due_subscribers("weekly", period).get(pk=free.pk)
        outcomes = [
            digests._claim_and_send(deliverer, renderer.outgoing(run.build(s)), period)
            for s in (Subscriber.objects.with_last_digest().get(pk=taken.pk), subscriber)
        ]
        connection.close()
        recipients = [message["To"] for message in sink.messages]
    assert outcomes == ["taken", "sent"]
    assert recipients == [free.email]
