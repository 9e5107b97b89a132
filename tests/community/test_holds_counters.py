"""Held posts count, move "last activity" and notify only once a moderator lets them through:
on every path (post, approve, hide, spam, author delete, restore) the counters equal what
readers can see, and approval sends once what posting held back."""

import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core import mail
from django.db import close_old_connections, connection
from django.utils import timezone

from community.models import (
    Answer,
    AuditLogEntry,
    Comment,
    Notification,
    Question,
    ReportReason,
    ReviewItem,
    Thread,
)
from community.search import search
from community.services import discussion, moderation
from community.services.digests import followed_replies
from tests.community.discussion_helpers import answer, ask, comment
from tests.community.pg_race import blocked_by
from tests.conftest import postgres_only
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def holds_on(settings):
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 2


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def talk():
    """A question (its asker follows it) with a visible answer, a comment and a reply to it,
    one more follower, and every inbox read: what happens next starts from zero."""
    asker, helper, replier, follower = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    question = ask(asker, title="How long did your stem cell transplant recovery take?")
    top = comment(helper, question.thread, body="About three months for me.")
    reply = comment(replier, question.thread, body="Much the same here.", parent=top)
    first_answer = answer(helper, question, body="Six weeks in hospital, then slowly better.")
    discussion.follow_toggle(member=follower, thread=question.thread)
    Notification.objects.update(read_at=timezone.now())
    return SimpleNamespace(
        question=question, thread=question.thread, top=top, reply=reply, answer=first_answer,
        asker=asker, helper=helper, replier=replier, follower=follower,
    )  # fmt: skip


def held_comment(thread, body, **kw):
    """A newcomer's comment posted as through the site: held for a moderator."""
    post = comment(UserFactory(), thread, body=body, enforce_limits=True, **kw)
    assert post.moderation_status == "held"
    return post


def held_answer(question, body):
    post = answer(UserFactory(), question, body=body, enforce_limits=True)
    assert post.moderation_status == "held"
    return post


def counters(t):
    return {
        "thread comments": Thread.objects.get(pk=t.thread.pk).comment_count,
        "answers": Question.objects.get(pk=t.question.pk).answer_count,
        "answer comments": Answer.objects.get(pk=t.answer.pk).comment_count,
        "replies": Comment.objects.get(pk=t.top.pk).reply_count,
    }


def assert_counts_match_what_readers_see(question):
    question = Question.objects.select_related("thread").get(pk=question.pk)
    assert question.answer_count == Answer.objects.visible().filter(question=question).count()
    assert question.thread.comment_count == Comment.objects.visible().filter(thread=question.thread).count()
    for post in Answer.objects.filter(question=question):
        assert post.comment_count == Comment.objects.visible().filter(answer=post).count(), post
    for top in Comment.objects.filter(thread=question.thread, parent=None):
        assert top.reply_count == Comment.objects.visible().filter(parent=top).count(), top


def keep(post, moderator):
    item = ReviewItem.objects.get(**{post._meta.model_name: post})
    return moderation.item_keep(item=item, moderator=moderator)


def unread(recipient):
    return Notification.objects.filter(recipient=recipient, read_at=None)


def test_held_answer_comment_and_reply_count_only_once_approved(talk, moderator):
    """Held posts leave every counter alone; approving each adds exactly one where it belongs."""
    before = counters(talk)
    posts = [
        held_answer(talk.question, "Ask about the stem cell clinic's nurse line."),
        held_comment(talk.thread, "It took me a year.", answer=talk.answer),
        held_comment(talk.thread, "Four months here.", parent=talk.reply),
    ]
    assert counters(talk) == before
    assert_counts_match_what_readers_see(talk.question)

    for post in posts:
        keep(post, moderator)
    assert counters(talk) == {
        "thread comments": before["thread comments"] + 2,
        "answers": before["answers"] + 1,
        "answer comments": before["answer comments"] + 1,
        "replies": before["replies"] + 1,
    }
    assert_counts_match_what_readers_see(talk.question)


def test_last_activity_moves_when_the_post_is_shown(talk, moderator):
    """A held post is no news to readers: the question's and thread's activity moves on approval."""
    long_ago = timezone.now() - timedelta(days=2)
    Question.objects.filter(pk=talk.question.pk).update(last_activity_at=long_ago)
    Thread.objects.filter(pk=talk.thread.pk).update(last_activity_at=long_ago)
    post = held_answer(talk.question, "My energy came back after about four months.")
    assert Question.objects.get(pk=talk.question.pk).last_activity_at == long_ago
    assert Thread.objects.get(pk=talk.thread.pk).last_activity_at == long_ago

    approved_at = timezone.now()
    keep(post, moderator)
    assert Question.objects.get(pk=talk.question.pk).last_activity_at >= approved_at
    assert Thread.objects.get(pk=talk.thread.pk).last_activity_at >= approved_at


def test_held_posts_hidden_or_deleted_as_spam_never_count_nor_notify(talk, moderator):
    before = counters(talk)
    hidden = held_comment(talk.thread, "Buy my supplement, cures myeloma.", parent=talk.top)
    spam = held_answer(talk.question, "Cheap pills online, no prescription needed.")
    moderation.item_hide(item=hidden.review_item, moderator=moderator)
    moderation.item_delete_spam(item=spam.review_item, moderator=moderator)
    moderation.item_hide(item=spam.review_item, moderator=moderator)  # a second decision on the same post

    assert counters(talk) == before
    assert_counts_match_what_readers_see(talk.question)
    assert not Notification.objects.filter(read_at=None).exists()


def test_held_post_deleted_by_its_author_never_counts_nor_notifies(talk, moderator):
    """The author deletes their held comment; a moderator approving it later changes nothing."""
    before = counters(talk)
    post = held_comment(talk.thread, "Sorry, posted in the wrong place.", answer=talk.answer)
    assert counters(talk) == before
    discussion.comment_remove(comment=post, member=post.author)
    assert counters(talk) == before

    keep(post, moderator)
    assert counters(talk) == before
    assert_counts_match_what_readers_see(talk.question)
    assert not Notification.objects.filter(read_at=None).exists()


def test_hiding_and_restoring_a_visible_post_moves_counters_once(talk, moderator):
    """A reported reply hidden (twice) drops out of the counts once; kept (twice) comes back once,
    without notifying anyone again (its notifications went out when it was posted)."""
    moderation.report_create(reporter=talk.asker, post=talk.reply, reason=ReportReason.OTHER)
    item = talk.reply.review_item
    before = counters(talk)

    for _ in range(2):
        moderation.item_hide(item=item, moderator=moderator)
        assert counters(talk) == {**before, "thread comments": before["thread comments"] - 1, "replies": 0}
        assert_counts_match_what_readers_see(talk.question)
    for _ in range(2):
        moderation.item_keep(item=item, moderator=moderator)
        assert counters(talk) == before
    assert not unread(talk.helper).exists() and not unread(talk.follower).exists()


def test_approving_a_held_reply_sends_what_posting_would_have(talk, moderator, django_capture_on_commit_callbacks):
    """A reply to a reply: its author hears "replied", the asker "commented", the follower
    "posted"; the top comment's author nothing. E-mails go only after the commit."""
    post = held_comment(talk.thread, "Four months, and walking helped.", parent=talk.reply)
    assert not Notification.objects.filter(read_at=None).exists()

    with django_capture_on_commit_callbacks(execute=True):
        keep(post, moderator)
        assert mail.outbox == []
    kinds = dict(Notification.objects.filter(read_at=None).values_list("recipient_id", "kind"))
    assert kinds == {
        talk.replier.pk: Notification.Kind.REPLY,
        talk.asker.pk: Notification.Kind.COMMENT,
        talk.follower.pk: Notification.Kind.FOLLOWED,
    }
    notification = unread(talk.replier).get()
    assert notification.actor == post.author and notification.url.endswith(f"#comment-{post.pk}")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (talk.replier, talk.asker, talk.follower))


def test_approving_a_held_answer_twice_notifies_once(talk, moderator, django_capture_on_commit_callbacks):
    """The asker and the follower hear about the answer once, and one approval is logged."""
    post = held_answer(talk.question, "Ask for a physiotherapy referral early.")
    with django_capture_on_commit_callbacks(execute=True):
        keep(post, moderator)
    with django_capture_on_commit_callbacks(execute=True):
        keep(post, UserFactory(is_staff=True, is_superuser=True))

    assert unread(talk.asker).get().kind == Notification.Kind.ANSWER
    assert unread(talk.follower).get().kind == Notification.Kind.FOLLOWED
    assert list(Notification.objects.filter(read_at=None).values_list("event_count", flat=True)) == [1, 1]
    assert len(mail.outbox) == 2
    assert AuditLogEntry.objects.filter(action="approve").count() == 1
    assert Question.objects.get(pk=talk.question.pk).answer_count == 2


def test_a_held_post_hidden_by_mistake_is_announced_when_restored(talk, moderator):
    """Held, hidden, then kept after all: counted and announced then, and only then."""
    post = held_answer(talk.question, "Keep a diary of your blood counts.")
    moderation.item_hide(item=post.review_item, moderator=moderator)
    assert not unread(talk.asker).exists()

    keep(post, moderator)
    assert unread(talk.asker).get().event_count == 1
    moderation.item_hide(item=post.review_item, moderator=moderator)
    keep(post, moderator)
    assert unread(talk.asker).get().event_count == 1
    assert_counts_match_what_readers_see(talk.question)


def test_digest_leaves_out_held_posts_until_approved(talk, moderator):
    """The follower's digest lists a reply only once readers can see it (a regression guard)."""
    post = held_comment(talk.thread, "Three months, then back at work part time.")
    window = {"since": timezone.now() - timedelta(hours=1), "until": timezone.now() + timedelta(hours=1)}
    keys = {item.key for item in followed_replies(user=talk.follower, **window)}
    assert f"comment:{post.pk}" not in keys
    keep(post, moderator)
    keys = {item.key for item in followed_replies(user=talk.follower, **window)}
    assert f"comment:{post.pk}" in keys


@postgres_only()
def test_search_finds_an_answer_only_while_readers_can_see_it(talk, moderator):
    """The question's search document takes a held answer's words on approval and drops a
    hidden answer's words at once."""
    post = held_answer(talk.question, "Zoledronate infusions helped my bones.")
    assert search("zoledronate", user=talk.follower) == []
    keep(post, moderator)
    assert [hit.url for hit in search("zoledronate", user=talk.follower)] == [talk.question.get_absolute_url()]
    moderation.item_hide(item=post.review_item, moderator=moderator)
    assert search("zoledronate", user=talk.follower) == []


# --- two moderators at once (PostgreSQL: real row locks, two connections) ---------------

WAIT = 10  # seconds; every wait is bounded, so a regression fails instead of hanging


class Moderator(threading.Thread):
    """Runs `work` on its own connection. With `pause`, stops right after locking the first
    review item, keeping the lock until `resume` is set."""

    def __init__(self, work, *, pause=False):
        super().__init__(daemon=True)
        self.work, self.pause = work, pause
        self.holding, self.resume = threading.Event(), threading.Event()
        self.pid = self.error = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{WAIT}s'")
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
            with connection.execute_wrapper(self._pause_after_item_lock):
                self.work()
        except Exception as error:  # noqa: BLE001 - reported by the test
            self.error = error
        finally:
            self.holding.set()
            close_old_connections()
            connection.close()

    def _pause_after_item_lock(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if self.pause and not self.holding.is_set() and "FOR UPDATE" in sql and "community_reviewitem" in sql:
            self.holding.set()
            self.resume.wait(WAIT)
        return result


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_moderators_approving_at_once_count_and_notify_once(talk):
    """Two moderators press "keep" on the same held answer and held comment at once; the
    second waits for the first's lock, then finds the work done: each counter rises by
    exactly one and one set of notifications (and e-mails) goes out."""
    held_a = held_answer(talk.question, "Ask about a bone marrow biopsy schedule.")
    held_c = held_comment(talk.thread, "Same for me, three months.", answer=talk.answer)
    items = [held_a.review_item, held_c.review_item]
    before = counters(talk)
    mail.outbox.clear()

    def approve(moderator):
        return lambda: [moderation.item_keep(item=item, moderator=moderator) for item in items]

    first, second = (UserFactory(is_staff=True, is_superuser=True) for _ in range(2))
    holder, waiter = Moderator(approve(first), pause=True), Moderator(approve(second))
    try:
        holder.start()
        assert holder.holding.wait(WAIT), "the first moderator never locked the review item"
        waiter.start()
        queued = blocked_by(waiter, holder, WAIT)
    finally:
        holder.resume.set()
        holder.join(2 * WAIT)
        waiter.join(2 * WAIT)
    assert (holder.error, waiter.error) == (None, None)
    assert queued, "the second moderator never waited for the first: no race was run"

    assert counters(talk) == {
        **before,
        "thread comments": before["thread comments"] + 1,
        "answers": before["answers"] + 1,
        "answer comments": before["answer comments"] + 1,
    }
    assert_counts_match_what_readers_see(talk.question)
    # The answer is approved first; the comment then folds into the same unread notification.
    kinds = dict(Notification.objects.filter(read_at=None).values_list("recipient_id", "kind"))
    assert kinds == {
        talk.asker.pk: Notification.Kind.COMMENT,
        talk.helper.pk: Notification.Kind.COMMENT,
        talk.follower.pk: Notification.Kind.FOLLOWED,
    }
    # Two events each (answer and comment), except the helper, whom only the comment concerns.
    events = dict(Notification.objects.filter(read_at=None).values_list("recipient_id", "event_count"))
    assert events == {talk.asker.pk: 2, talk.helper.pk: 1, talk.follower.pk: 2}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in (talk.asker, talk.helper, talk.follower))
    assert AuditLogEntry.objects.filter(action="approve").count() == 2
