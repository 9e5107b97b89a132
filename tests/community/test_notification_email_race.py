"""A notification e-mail sent while a new post folds into the same notification."""

import threading

import pytest
from django.core import mail
from django.db import connection, connections, transaction

from community.models import Notification
from community.tasks import _send_notification
from tests.community.discussion_helpers import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_sending_while_a_new_post_folds_in_names_the_new_poster():
    """The sender waits for the fold's row lock, then reads the new actor, not an empty one.
    (Locking and outer-joining in one statement read `actor` as None on PostgreSQL.)"""
    if connection.vendor != "postgresql":
        pytest.skip("row locks with concurrent writers: PostgreSQL only (CI runs it)")
    asker, walter, carmen = UserFactory(), UserFactory(display_name="Walter"), UserFactory(display_name="Carmen")
    question = ask(asker)
    notification = Notification.objects.create(
        recipient=asker, thread=question.thread, kind=Notification.Kind.ANSWER, actor=walter, url="/"
    )
    mail.outbox.clear()
    folding, release = threading.Event(), threading.Event()

    def fold_in_a_new_post():
        try:
            with transaction.atomic():
                Notification.objects.filter(pk=notification.pk).update(actor=carmen)
                folding.set()
                release.wait(5)
        finally:
            connections.close_all()

    folder = threading.Thread(target=fold_in_a_new_post)
    folder.start()
    assert folding.wait(5)
    threading.Timer(0.5, release.set).start()  # commit while the sender waits on the lock
    result = _send_notification(notification.pk)
    folder.join(5)

    assert result == "sent"
    [message] = mail.outbox
    assert "Carmen" in message.body and "Walter" not in message.body
