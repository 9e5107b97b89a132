"""Discussion services: counters, replies, soft delete, edit history, permissions, atomicity."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from community.models import Answer, Comment, Follow, Notification, Question, Revision, Thread
from community.services import discussion
from community.services.posting import PostingRefused
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_question_ask_creates_thread_follow_and_tags():
    """Asking makes a question thread whose address is the question page; the asker follows it."""
    asker = UserFactory()
    question = ask(asker, tags=["Dexamethasone", "my own tag"])
    assert question.thread.kind == Thread.Kind.QUESTION
    question.thread.refresh_from_db()
    assert question.thread.url == question.get_absolute_url()
    assert Follow.objects.filter(member=asker, thread=question.thread).exists()
    assert sorted(question.tags.names()) == ["Dexamethasone", "my own tag"]


def test_answer_counts_and_notifies_asker():
    """An answer raises the answer count and tells the asker, not the person answering."""
    asker, helper = UserFactory(), UserFactory()
    question = ask(asker)
    answer(helper, question)
    question.refresh_from_db()
    assert question.answer_count == 1
    assert Notification.objects.filter(recipient=asker, kind="answer").count() == 1
    assert not Notification.objects.filter(recipient=helper).exists()


def test_reply_to_a_reply_stays_one_level_and_counts():
    """Replying to a reply attaches to the top-level comment; counters follow."""
    a, b, c = UserFactory(), UserFactory(), UserFactory()
    question = ask(a)
    top = comment(a, question.thread, body="First")
    reply = comment(b, question.thread, body="Second", parent=top)
    deeper = comment(c, question.thread, body="Third", parent=reply)
    assert deeper.parent_id == top.pk
    top.refresh_from_db()
    question.thread.refresh_from_db()
    assert top.reply_count == 2
    assert question.thread.comment_count == 3
    assert Notification.objects.get(recipient=b).kind == "reply"


def test_several_events_fold_into_one_notification():
    """Three answers on one thread give the asker one unread notification counting three events."""
    asker = UserFactory()
    question = ask(asker)
    for _ in range(3):
        answer(UserFactory(), question)
    notification = Notification.objects.get(recipient=asker)
    assert notification.event_count == 3
    assert notification.is_unread


def test_edit_keeps_history_and_marks_edited():
    """An edit keeps the old text as a revision and sets edited_at."""
    author = UserFactory()
    question = ask(author)
    c = comment(author, question.thread, body="Old words")
    discussion.comment_edit(comment=c, editor=author, body="New words")
    c.refresh_from_db()
    assert c.body == "New words" and c.edited_at is not None
    assert list(Revision.objects.filter(comment=c).values_list("body", flat=True)) == ["Old words"]


def test_soft_delete_keeps_replies():
    """Removing a comment keeps its replies and lowers the visible count."""
    a, b = UserFactory(), UserFactory()
    question = ask(a)
    top = comment(a, question.thread, body="Top")
    comment(b, question.thread, body="Reply", parent=top)
    discussion.comment_remove(comment=top, member=a)
    top.refresh_from_db()
    question.thread.refresh_from_db()
    assert top.is_removed
    assert Comment.objects.filter(parent=top).count() == 1
    assert question.thread.comment_count == 1


@pytest.mark.parametrize("action", ["comment_edit", "comment_remove"])
def test_only_author_may_change_comment(action):
    """Another member cannot edit or remove someone else's comment."""
    a, other = UserFactory(), UserFactory()
    c = comment(a, ask(a).thread)
    kwargs = {"comment": c, ("editor" if action == "comment_edit" else "member"): other}
    if action == "comment_edit":
        kwargs["body"] = "hijacked"
    with pytest.raises(PermissionDenied):
        getattr(discussion, action)(**kwargs)
    c.refresh_from_db()
    assert c.body != "hijacked" and not c.is_removed


def test_only_asker_accepts_and_accepted_is_single():
    """Only the asker marks the most helpful answer; marking another moves the mark."""
    asker, h1, h2 = UserFactory(), UserFactory(), UserFactory()
    question = ask(asker)
    first, second = answer(h1, question, body="one"), answer(h2, question, body="two")
    with pytest.raises(PermissionDenied):
        discussion.answer_accept(answer=first, member=h2)
    discussion.answer_accept(answer=first, member=asker)
    discussion.answer_accept(answer=second, member=asker)
    question.refresh_from_db()
    assert question.accepted_answer_id == second.pk
    assert Notification.objects.filter(recipient=h2, kind="accepted").exists()


@pytest.mark.parametrize("status", ["held", "hidden"])
def test_an_answer_others_cannot_see_cannot_be_chosen(status):
    """Held or hidden answers are not on the asker's page; a crafted request is refused."""
    asker = UserFactory()
    question = ask(asker)
    unseen = answer(UserFactory(), question, body="Not shown to others.")
    Answer.objects.filter(pk=unseen.pk).update(moderation_status=status)
    unseen.refresh_from_db()
    with pytest.raises(PostingRefused, match="not shown to others"):
        discussion.answer_accept(answer=unseen, member=asker)
    question.refresh_from_db()
    assert question.accepted_answer_id is None


def test_duplicate_post_refused():
    """The same text twice within a minute is refused with a plain message."""
    a = UserFactory()
    question = ask(a)
    discussion.comment_create(author=a, thread=question.thread, body="Same words")
    with pytest.raises(PostingRefused, match="same text"):
        discussion.comment_create(author=a, thread=question.thread, body="Same words")
    assert Comment.objects.count() == 1


def test_rate_limit_is_lower_for_new_members(settings):
    from datetime import timedelta

    from django.utils import timezone

    """A new member hits the limit sooner than an established member."""
    settings.FORUM_POST_RATE_LIMITS = {"new": [(2, 600)], "member": [(4, 600)]}
    new = UserFactory()
    question = ask(new)
    for n in range(2):
        discussion.comment_create(author=new, thread=question.thread, body=f"note {n}")
    with pytest.raises(PostingRefused, match="wait a little"):
        discussion.comment_create(author=new, thread=question.thread, body="one too many")
    old = UserFactory(date_joined=timezone.now() - timedelta(days=365))
    for n in range(4):
        discussion.comment_create(author=old, thread=question.thread, body=f"old {n}")
    assert Comment.objects.filter(author=old).count() == 4


def test_suspended_and_unverified_members_are_refused():
    """can_post decides: suspended or unconfirmed members cannot post."""
    from datetime import timedelta

    from django.utils import timezone

    suspended = UserFactory(suspended_until=timezone.now() + timedelta(days=1))
    unverified = UserFactory(verified=False)
    question = ask(UserFactory())
    for member in (suspended, unverified):
        with pytest.raises(PostingRefused):
            discussion.comment_create(author=member, thread=question.thread, body="hello")
    assert Comment.objects.count() == 0


def test_new_member_links_limited_and_no_images():
    """A new member's post keeps two links and shows no image."""
    a = UserFactory()
    body = "[a](https://a.org) [b](https://b.org) [c](https://c.org) ![pic](https://x.org/p.png)"
    c = comment(a, ask(a).thread, body=body)
    assert c.body_html.count("<a ") == 2
    assert "<img" not in c.body_html


@pytest.mark.django_db(transaction=True)
def test_failure_after_save_leaves_nothing(monkeypatch, settings):
    """A failure after the answer is saved rolls back the answer, its notification and its e-mail."""
    asker, helper = UserFactory(), UserFactory()
    question = ask(asker)
    mail.outbox.clear()

    def boom(question_id):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(discussion, "refresh_search_document", boom)
    with pytest.raises(RuntimeError):
        discussion.answer_create(author=helper, question=question, body="This will not stay.")
    assert Answer.objects.count() == 0
    assert Notification.objects.count() == 0
    assert Question.objects.get().answer_count == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_immediate_email_sent_after_commit_and_capped(settings):
    """Immediate members get an e-mail after commit; the hourly cap stops a flood."""
    settings.FORUM_NOTIFICATION_EMAILS_PER_HOUR = 2
    asker = UserFactory()
    mail.outbox.clear()
    for n in range(4):  # four different threads: no folding, only the cap limits
        question = ask(asker, title=f"Question number {n}", body=f"body {n}")
        answer(UserFactory(), question)
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert message.to == [asker.email]
    assert "answered your question" in message.subject
    assert "/notifications/" in message.body or "/questions/" in message.body
    html = message.alternatives[0][0]
    assert "Read it on Myeloma Forum" in html
    # E-mails never carry what members wrote.
    assert "ask about side effects" not in message.body


@pytest.mark.django_db(transaction=True)
def test_daily_and_never_members_get_no_immediate_email():
    """Members who chose a daily digest or no e-mail are not e-mailed at once."""
    from community.models import NotificationEmail

    for choice in (NotificationEmail.DAILY, NotificationEmail.NEVER):
        asker = UserFactory()
        asker.profile.notification_email = choice
        asker.profile.save()
        mail.outbox.clear()
        answer(UserFactory(), ask(asker, title=f"A {choice} question"))
        assert mail.outbox == []
        assert Notification.objects.filter(recipient=asker).count() == 1


def test_two_racing_removals_count_once():
    """Two requests removing the same post at once (a double press, a retry), each holding
    the post as it was before either saved, take the counters down only once."""
    asker, helper = UserFactory(), UserFactory()
    question = ask(asker)
    first, second = answer(helper, question), answer(helper, question)
    note = discussion.comment_create(author=asker, thread=question.thread, body="Thank you, that helps a lot.")
    answer_views = [Answer.objects.get(pk=first.pk) for _ in range(2)]
    comment_views = [Comment.objects.get(pk=note.pk) for _ in range(2)]

    for stale in answer_views:
        discussion.answer_remove(answer=stale, member=helper)
    for stale in comment_views:
        discussion.comment_remove(comment=stale, member=asker)

    assert Question.objects.get(pk=question.pk).answer_count == 1  # `second` still stands
    assert Thread.objects.get(pk=question.thread_id).comment_count == 0
    assert Answer.objects.filter(pk=second.pk, removed_at__isnull=True).exists()
