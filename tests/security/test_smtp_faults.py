"""A mail server that hangs, refuses or fails midway: requests never wait on it (e-mail goes
through the task queue), tasks retry with a growing wait, and in the end every e-mail is
delivered exactly once. Real SMTP over TCP (tests/security/faulty_smtp.py), the real
database task backend and its worker."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from community.models import Notification, Subscriber
from community.services import digests as digest_services
from tests.community.discussion_helpers import answer, ask
from tests.factories import ArticleFactory, SubscriberFactory, UserFactory
from tests.security.faulty_smtp import FaultySMTP, refused_port

pytestmark = pytest.mark.django_db(transaction=True)
FAULTS = ["hang", "refuse", "refused-port", "midway"]


@pytest.fixture
def mail(settings):
    """Real SMTP to the faulty server, tasks in the database (as in production), short timeouts."""
    with FaultySMTP() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 1  # a hung server costs the worker one second, never a request
        settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
        settings.FORUM_EMAIL_RETRIES = 6
        settings.FORUM_EMAIL_RETRY_BACKOFF = 60
        server.settings = settings
        yield server


def set_fault(server, fault):
    """Switch the server's behaviour; "refused-port" points Django at a port where nothing listens."""
    server.settings.EMAIL_PORT = refused_port() if fault == "refused-port" else server.port
    server.mode = "ok" if fault == "refused-port" else fault


def run_worker():
    """One pass of the real worker over the tasks that are due now."""
    worker = Worker(
        queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="smtp-fault-test", excluded_queue_names=[],
    )  # fmt: skip
    worker.run()


def pending_email_tasks():
    return DBTaskResult.objects.filter(status="READY")


def time_passes():
    """Make every queued retry due now (instead of sleeping through the back-off)."""
    waits = [(t.run_after - t.enqueued_at).total_seconds() for t in pending_email_tasks() if t.run_after]
    pending_email_tasks().update(run_after=timezone.now() - timedelta(seconds=1))
    return waits


def test_notification_email_survives_every_fault_and_is_sent_once(mail):
    """Hang, refuse, nothing listening, drop midway: each time the task is queued again with a
    longer wait; when the server recovers the member gets exactly one e-mail."""
    asker, helper = UserFactory(), UserFactory()
    question = ask(asker)
    mail.mode = "hang"
    answer(helper, question)  # queues the e-mail after the commit; does not send it
    assert mail.connections == 0
    notification = Notification.objects.get(recipient=asker)
    assert pending_email_tasks().count() == 1

    waits = []
    for fault in FAULTS:
        set_fault(mail, fault)
        run_worker()
        assert mail.received == [], fault
        assert pending_email_tasks().count() == 1, f"after {fault} the e-mail must be queued again, once"
        waits += time_passes()
    assert waits == sorted(waits) and waits[-1] >= 4 * waits[0] > 0  # the wait grows each time

    set_fault(mail, "ok")
    run_worker()
    run_worker()  # a second pass finds nothing left to send
    [message] = mail.messages
    assert message["To"] == asker.email
    assert message["Message-ID"] == f"<notification-{notification.pk}@myelomaforum.example>"
    notification.refresh_from_db()
    assert notification.emailed_at is not None
    assert pending_email_tasks().count() == 0


def test_a_request_never_waits_on_a_hung_mail_server(mail):
    """Signing up for the newsletter with the mail server hung: the page answers at once and
    the confirmation waits in the queue; it goes out once when the server recovers."""
    mail.mode = "hang"
    response = Client().post("/newsletter/", {"name": "Ruth", "email": "ruth@example.com", "consent": "on"})
    assert response.status_code == 302
    assert mail.connections == 0  # the request did not even open a connection
    assert pending_email_tasks().count() == 1

    run_worker()  # the worker waits out the timeout, not the member
    assert mail.connections == 1 and mail.received == []
    time_passes()
    set_fault(mail, "ok")
    run_worker()
    [message] = mail.messages
    assert message["To"] == "ruth@example.com"
    assert Subscriber.objects.get(email="ruth@example.com").status == "pending"  # until they click


def test_tasks_give_up_after_the_last_retry_and_say_so(mail):
    mail.settings.FORUM_EMAIL_RETRIES = 2
    question = ask(UserFactory())
    set_fault(mail, "refuse")
    answer(UserFactory(), question)
    for _ in range(3):
        run_worker()
        time_passes()
    assert pending_email_tasks().count() == 0
    assert DBTaskResult.objects.filter(status="FAILED").count() == 1  # visible in the admin's task results
    assert mail.received == []


@pytest.mark.parametrize("fault", ["hang", "refuse", "midway"])
def test_digest_run_stops_cleanly_and_the_next_run_sends_only_what_is_missing(mail, fault):
    """A digest run against a broken server sends nothing twice: after recovery each
    subscriber has exactly one digest."""
    mail.settings.FORUM_DIGEST_RETRIES = 1
    mail.settings.FORUM_DIGEST_RETRY_BACKOFF = 0.01
    ArticleFactory(title="Staying active during treatment", published_at=timezone.now() - timedelta(hours=3))
    subscribers = [SubscriberFactory() for _ in range(5)]
    set_fault(mail, fault)
    first = digest_services.send_due_digests("weekly")
    assert first.sent == 0 and first.stopped
    set_fault(mail, "ok")
    second = digest_services.send_due_digests("weekly")
    third = digest_services.send_due_digests("weekly")
    recipients = sorted(m["To"] for m in mail.messages)
    assert recipients == sorted(s.email for s in subscribers)
    assert second.sent == 5 and third.sent == 0


def test_write_first_confirmation_waits_out_a_refusing_server_and_arrives_once(mail):
    """A visitor's "confirm your address" e-mail is retried like the others, never lost or doubled."""
    article = ArticleFactory()
    set_fault(mail, "refuse")
    response = Client().post(
        reverse("community:write-first-comment-for", args=["article", article.pk]),
        {"name": "Rosa", "email": "rosa@example.com", "body": "Two years on this treatment; tiredness eased later."},
    )
    assert response.status_code == 302
    assert mail.connections == 0  # the visitor's request did not touch the mail server

    run_worker()
    assert mail.received == [] and pending_email_tasks().count() == 1  # queued again, once
    time_passes()
    set_fault(mail, "ok")
    run_worker()
    run_worker()
    [message] = mail.messages
    assert message["To"] == "rosa@example.com"
    assert pending_email_tasks().count() == 0
