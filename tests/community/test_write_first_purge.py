"""Write first: unconfirmed posts and the accounts made for them are deleted after 7 days."""

from datetime import timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from community.models import Comment, PendingPost, Profile, User
from community.tasks_write_first import purge_pending_posts_task
from tests.community.test_write_first import committed_post, link_from, path_of, submit
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    return ArticleFactory()


def move_clock(monkeypatch, days):
    """Every `timezone.now()` from here on answers `days` later."""
    later = timezone.now() + timedelta(days=days)
    monkeypatch.setattr(timezone, "now", lambda: later)


def test_unconfirmed_posts_and_their_accounts_are_gone_after_seven_days(monkeypatch, article):
    member = UserFactory(email="member@example.com")
    submit(Client(), article, email="never.confirms@example.com", body="First text that is never confirmed.")
    submit(Client(), article, email="member@example.com", body="Written with a member's address.")
    submit(Client(), article, email="confirms@example.com", body="This one gets confirmed.")
    committed_post(Client(), path_of(link_from(mail.outbox[2])))
    published = Comment.objects.get()

    move_clock(monkeypatch, 6)
    assert call_command_output("purge_pending_posts") == "Deleted 0 unconfirmed post(s) and 0 unused account(s).\n"
    assert PendingPost.objects.count() == 2

    move_clock(monkeypatch, 8)
    assert call_command_output("purge_pending_posts") == "Deleted 2 unconfirmed post(s) and 1 unused account(s).\n"
    assert not PendingPost.objects.exists()
    # Nothing is kept about the visitor who never confirmed: no account, address or profile.
    assert not User.objects.filter(email__iexact="never.confirms@example.com").exists()
    assert not EmailAddress.objects.filter(email__iexact="never.confirms@example.com").exists()
    assert Profile.objects.count() == User.objects.count()
    # The existing member's account stays, and the confirmed comment and its account are untouched.
    assert User.objects.filter(pk=member.pk).exists()
    published.refresh_from_db()
    assert published.body == "This one gets confirmed." and published.author.email == "confirms@example.com"


def test_an_account_with_a_newer_pending_post_stays(monkeypatch, article):
    submit(Client(), article, email="twice@example.com", body="The first of two texts.")
    PendingPost.objects.update(created_at=timezone.now() - timedelta(days=8))
    submit(Client(), article, email="twice@example.com", body="The second, written later.")
    move_clock(monkeypatch, 1)
    assert call_command_output("purge_pending_posts") == "Deleted 1 unconfirmed post(s) and 0 unused account(s).\n"
    assert PendingPost.objects.get().body == "The second, written later."
    assert User.objects.filter(email="twice@example.com").exists()


def test_dry_run_deletes_nothing(monkeypatch, article):
    submit(Client(), article)
    move_clock(monkeypatch, 8)
    assert "Would delete 1 unconfirmed post(s)" in call_command_output("purge_pending_posts", "--dry-run")
    assert PendingPost.objects.count() == 1


def test_scheduled_task_purges(monkeypatch, article):
    submit(Client(), article)
    move_clock(monkeypatch, 8)
    result = purge_pending_posts_task.enqueue()
    assert result.return_value == 1
    assert not PendingPost.objects.exists() and not User.objects.exists()


def call_command_output(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()
