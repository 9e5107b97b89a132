"""Discussion writes: questions, answers, comments, follows.

Each public function is atomic: the post, its counters, the search document
and the notifications are saved together or not at all, and e-mails are queued
only after the commit (see services.notifications)."""

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from community.cache import bump_public_version
from community.models import Answer, Comment, Follow, Notification, Question, Revision, Thread
from community.models.discussion import ModerationStatus
from community.services import moderation, posting
from community.services.notifications import follower_pairs, merge_recipients, notify

# tsvector documents are limited to 1 MB; a huge thread's oldest words matter least.
SEARCH_TEXT_LIMIT = 400_000


# --- threads ----------------------------------------------------------------


# Content that owns a thread through a `discussion` one-to-one registers a loader here
# (articles does, from its AppConfig.ready), so community never imports it.
_thread_owners = {}


def register_thread_owner(kind, loader):
    """`loader(pk)` returns the owner object (or raises DoesNotExist) for comment posts."""
    _thread_owners[kind] = loader


def load_thread_owner(kind, pk):
    loader = _thread_owners.get(kind)
    return loader(pk) if loader else None


@transaction.atomic
def thread_for_owner(owner, *, kind=Thread.Kind.ARTICLE):
    """The thread of any content with a `discussion` one-to-one (an article), created on first use."""
    if owner.discussion_id:
        return owner.discussion
    thread = Thread.objects.create(kind=kind, title=str(owner)[:200], url=owner.get_absolute_url())
    claimed = type(owner).objects.filter(pk=owner.pk, discussion__isnull=True).update(discussion=thread)
    if not claimed:  # another first comment won the race: use its thread, leave no orphan
        thread.delete()
    owner.refresh_from_db(fields=["discussion"])
    return owner.discussion


def _public_page_changed(thread):
    """Visitors see an article's comment count and teaser from a cached page: outdate it."""
    if thread.kind == Thread.Kind.ARTICLE:
        bump_public_version()


# Lock order for every write that touches several rows: the member's user row (posting
# and suspending take it first), the review item, then comment, answer, question, thread.
# Two writers taking the same rows in opposite orders deadlock on PostgreSQL; row locks
# are FOR NO KEY UPDATE, so the KEY SHARE locks of foreign-key checks (run at commit:
# Django makes them deferred) never wait for them;
# tests/community/test_discussion_lock_order.py checks every write service against it.


# --- counters: they count what readers can see --------------------------------
#
# A post counts (thread and answer comments, replies, answers) while it is visible and not
# removed: a held post counts from its approval, a hidden or removed one stops counting.
# Each change of state is claimed by one conditional UPDATE of the post's row, and whoever
# claims it moves the counters, so two racing writers never count a post twice.


def _thread_id_of(post):
    return post.question.thread_id if isinstance(post, Answer) else post.thread_id


def _count(post, delta, *, now=None, search=False):
    """Add `delta` to the counters `post` is part of; with `now`, it has just become news, so
    last activity moves too; with `search`, the question's search document follows what
    readers can see. Rows in the global order, after the post's own (which the caller holds)."""
    question, thread = {}, {}
    if isinstance(post, Comment):
        if post.parent_id:
            Comment.objects.filter(pk=post.parent_id).update(reply_count=F("reply_count") + delta)
        if post.answer_id:
            Answer.objects.filter(pk=post.answer_id).update(comment_count=F("comment_count") + delta)
        thread["comment_count"] = F("comment_count") + delta
    elif isinstance(post, Answer):
        question["answer_count"] = F("answer_count") + delta
    if now is not None:
        question["last_activity_at"] = thread["last_activity_at"] = now
    is_answer = isinstance(post, Answer)
    questions = Question.objects.filter(**({"pk": post.question_id} if is_answer else {"thread_id": post.thread_id}))
    if question:
        questions.update(**question)
    if search and not isinstance(post, Question) and connection.vendor == "postgresql":
        question_id = post.question_id if is_answer else questions.values_list("pk", flat=True).first()
        if question_id is not None:  # before the thread: the question's row comes first
            refresh_search_document(question_id)
    if thread:
        Thread.objects.filter(pk=_thread_id_of(post)).update(**thread)


def _is_visible_now(post):
    """Read under the row lock our own UPDATE took, so a concurrent decision is either
    committed (and seen) or waits for us."""
    return type(post).objects.filter(pk=post.pk, moderation_status=ModerationStatus.VISIBLE).exists()


def _announce(post):
    """The notifications posting sends, for a post readers can now see (never the actor)."""
    if isinstance(post, Answer):
        question = post.question
        recipients = merge_recipients((question.author_id, Notification.Kind.ANSWER), *follower_pairs(question.thread))
        notify(recipients, thread=question.thread, actor=post.author, anonymous=False, url=post.get_absolute_url())
    elif isinstance(post, Comment):
        thread = post.thread
        recipients = _comment_recipients(thread, post.reply_to or post.parent, post.answer)
        notify(recipients, thread=thread, actor=post.author, anonymous=False, url=f"{thread.url}#comment-{post.pk}")


@transaction.atomic
def post_moderated(post, status, *, announce=False):
    """A moderator made `post` visible or hidden (community.services.moderation calls this,
    holding the post's review item). The counters follow what readers can see. `announce`:
    readers never saw the post (it was held), so last activity moves and the notifications
    posting held back go out, after the commit, unless its author deleted it meanwhile.
    Returns False when the post already had that status."""
    model = type(post)
    # The post's row first (it comes first in the order): an author's delete now waits for us.
    row = model.objects.select_for_update(no_key=True).values_list("moderation_status", "removed_at")
    old, post.removed_at = row.get(pk=post.pk)
    post.moderation_status = old
    if old == status or not model.objects.filter(pk=post.pk, moderation_status=old).update(moderation_status=status):
        return False  # already so: a double press, or another moderator came first
    post.moderation_status = status
    if post.removed_at is None and ModerationStatus.VISIBLE in (old, status):
        shown = status == ModerationStatus.VISIBLE
        _count(post, 1 if shown else -1, now=timezone.now() if shown and announce else None, search=True)
        if shown and announce:
            _announce(post)
        if isinstance(post, Comment):
            _public_page_changed(post.thread)
    return True


def _require_author(post, member):
    if not post.is_by(member):
        raise PermissionDenied(_("Only the person who wrote this can change it."))
    if post.is_removed:
        raise PermissionDenied(_("This post has been removed."))


def refresh_search_document(question_id):
    """Rebuild a question's weighted search vector (PostgreSQL only; SQLite searches the columns)."""
    if connection.vendor != "postgresql":
        return
    answers = Answer.objects.visible().filter(question_id=question_id).values_list("body", flat=True)
    comments = Comment.objects.visible().filter(thread__question=question_id).values_list("body", flat=True)
    extra = "\n".join([*answers, *comments])[:SEARCH_TEXT_LIMIT]
    Question.objects.filter(pk=question_id).update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
        + SearchVector(Value(extra), weight="C", config="english")
    )


# --- questions ----------------------------------------------------------------


@transaction.atomic
def question_ask(*, author, title, body, tags=(), is_anonymous=False, enforce_limits=True):
    """Post a question in its own thread; the asker follows it."""
    posting.guard(Question, author, body, enforce_limits=enforce_limits)
    screening = moderation.screen_new_post(author, title, body, holds=enforce_limits)
    now = timezone.now()
    title = title.strip()
    thread = Thread.objects.create(kind=Thread.Kind.QUESTION, title=title[:200], url="/", last_activity_at=now)
    question = Question.objects.create(
        author=author, thread=thread, title=title, slug=Question.make_slug(title), body=body.strip(),
        body_html=posting.render_post(author, body), is_anonymous=is_anonymous, created_at=now, last_activity_at=now,
        moderation_status=screening.status,
    )  # fmt: skip
    Thread.objects.filter(pk=thread.pk).update(url=question.get_absolute_url())
    if tags:
        question.tags.set(list(tags))
    Follow.objects.create(member=author, thread=thread)
    Question.objects.filter(pk=question.pk).update(follower_count=1)
    refresh_search_document(question.pk)
    moderation.post_screened(question, screening)
    return question


@transaction.atomic
def question_edit(*, question, editor, title, body, tags=None):
    _require_author(question, editor)
    Revision.objects.create(question=question, title=question.title, body=question.body)
    question.title, question.body = title.strip(), body.strip()
    question.body_html = posting.render_post(editor, body)
    question.edited_at = timezone.now()
    question.save(update_fields=["title", "body", "body_html", "edited_at"])
    Thread.objects.filter(pk=question.thread_id).update(title=question.title[:200])
    if tags is not None:
        question.tags.set(list(tags))
    refresh_search_document(question.pk)
    return question


def _mark_removed(post):
    """Set `removed_at` only if it is not set yet, in one conditional UPDATE, so two removals
    racing (a double press, a retry) cannot both go on to decrement the counters."""
    now = timezone.now()
    claimed = type(post).objects.filter(pk=post.pk, removed_at__isnull=True).update(removed_at=now)
    if claimed:
        post.removed_at = now
    return bool(claimed)


@transaction.atomic
def question_remove(*, question, member):
    """Soft delete: the answers stay readable under "question removed"."""
    _require_author(question, member)
    if question.is_held:
        moderation.withdraw_if_waiting(question)
    question.removed_at = timezone.now()
    question.save(update_fields=["removed_at"])
    refresh_search_document(question.pk)
    return question


# --- answers ------------------------------------------------------------------


@transaction.atomic
def answer_create(*, author, question, body, enforce_limits=True):
    """Answer a question; the asker and the followers hear about it."""
    posting.guard(Answer, author, body, enforce_limits=enforce_limits)
    if question.is_removed:
        raise posting.PostingRefused(_("This question has been removed, so it cannot be answered."))
    screening = moderation.screen_new_post(author, body, holds=enforce_limits)
    now = timezone.now()
    answer = Answer.objects.create(
        author=author, question=question, body=body.strip(), body_html=posting.render_post(author, body),
        created_at=now, moderation_status=screening.status,
    )  # fmt: skip
    if not screening.is_held:  # a held answer counts and notifies when a moderator approves it
        _count(answer, 1, now=now)
        _announce(answer)
    refresh_search_document(question.pk)
    moderation.post_screened(answer, screening)
    return answer


@transaction.atomic
def answer_edit(*, answer, editor, body):
    _require_author(answer, editor)
    Revision.objects.create(answer=answer, body=answer.body)
    answer.body, answer.body_html, answer.edited_at = body.strip(), posting.render_post(editor, body), timezone.now()
    answer.save(update_fields=["body", "body_html", "edited_at"])
    refresh_search_document(answer.question_id)
    return answer


@transaction.atomic
def answer_remove(*, answer, member):
    _require_author(answer, member)
    if answer.is_held:
        moderation.withdraw_if_waiting(answer)
    if not _mark_removed(answer):
        return answer  # removed already (a second press): the counters were updated once
    if _is_visible_now(answer):  # a held or hidden answer never counted
        _count(answer, -1)
    Question.objects.filter(pk=answer.question_id, accepted_answer=answer).update(accepted_answer=None)
    refresh_search_document(answer.question_id)
    return answer


@transaction.atomic
def answer_accept(*, answer, member):
    """The asker marks the answer most helpful to them (one per question; marking another moves it)."""
    question = Question.objects.select_for_update(no_key=True).get(pk=answer.question_id)
    if not question.is_by(member):
        raise PermissionDenied(_("Only the person who asked can choose the most helpful answer."))
    if answer.is_removed:
        raise posting.PostingRefused(_("This answer has been removed."))
    if answer.is_held or answer.is_hidden_by_moderator:  # only a crafted request gets here
        raise posting.PostingRefused(_("This answer is not shown to others, so it cannot be chosen."))
    if question.accepted_answer_id == answer.pk:
        return question
    question.accepted_answer = answer
    question.save(update_fields=["accepted_answer"])
    notify(
        {answer.author_id: Notification.Kind.ACCEPTED} if answer.author_id else {},
        thread=question.thread, actor=member, anonymous=question.is_anonymous, url=answer.get_absolute_url(),
    )  # fmt: skip
    return question


# --- comments -----------------------------------------------------------------


def _comment_recipients(thread, parent, answer):
    pairs = []
    if parent is not None:
        pairs.append((parent.author_id, Notification.Kind.REPLY))
    if answer is not None:
        pairs.append((answer.author_id, Notification.Kind.COMMENT))
    question = Question.objects.filter(thread_id=thread.pk).only("author_id").first()
    if question is not None:
        pairs.append((question.author_id, Notification.Kind.COMMENT))
        pairs.extend(follower_pairs(thread))
    return merge_recipients(*pairs)


def _check_placement(thread, parent, answer):
    """One level of replies: a reply to a reply joins its top-level comment."""
    if answer is not None and answer.question.thread_id != thread.pk:
        raise posting.PostingRefused(_("That answer belongs to another conversation."))
    if parent is None:
        return None, answer
    if parent.thread_id != thread.pk:
        raise posting.PostingRefused(_("That comment belongs to another conversation."))
    top = parent.parent if parent.parent_id else parent
    return top, top.answer


@transaction.atomic
def comment_create(*, author, thread, body, parent=None, answer=None, enforce_limits=True):
    """Post a comment (or a reply) on a thread, with its counters and notifications."""
    posting.guard(Comment, author, body, enforce_limits=enforce_limits)
    top, answer = _check_placement(thread, parent, answer)
    screening = moderation.screen_new_post(author, body, holds=enforce_limits)
    now = timezone.now()
    comment = Comment.objects.create(
        author=author, thread=thread, parent=top, reply_to=parent, answer=answer, body=body.strip(),
        body_html=posting.render_post(author, body), created_at=now, moderation_status=screening.status,
    )  # fmt: skip
    if not screening.is_held:  # a held comment counts and notifies when a moderator approves it
        _count(comment, 1, now=now)
        _announce(comment)
    moderation.post_screened(comment, screening)
    if thread.kind == Thread.Kind.QUESTION:
        refresh_search_document(Question.objects.values_list("pk", flat=True).get(thread_id=thread.pk))
    _public_page_changed(thread)
    return comment


@transaction.atomic
def comment_edit(*, comment, editor, body):
    """Replace the text, keeping the old one as a revision ("edited" is shown)."""
    _require_author(comment, editor)
    Revision.objects.create(comment=comment, body=comment.body)
    comment.body, comment.body_html = body.strip(), posting.render_post(editor, body)
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "body_html", "edited_at"])
    _public_page_changed(comment.thread)
    return comment


@transaction.atomic
def comment_remove(*, comment, member):
    """Soft delete: "comment removed" is shown and the replies stay."""
    _require_author(comment, member)
    if comment.is_held:
        moderation.withdraw_if_waiting(comment)
    if not _mark_removed(comment):
        return comment  # removed already (a second press): the counters were updated once
    if _is_visible_now(comment):  # a held or hidden comment never counted
        _count(comment, -1, search=True)  # its words stop finding the question
    _public_page_changed(comment.thread)
    return comment


# --- follows ------------------------------------------------------------------


@transaction.atomic
def follow_toggle(*, member, thread):
    """Follow or stop following; returns True when the member now follows."""
    deleted, _rows = Follow.objects.filter(member=member, thread=thread).delete()
    delta = -1 if deleted else 1
    if not deleted:
        try:
            with transaction.atomic():
                Follow.objects.create(member=member, thread=thread)
        except IntegrityError:
            return True  # a double click already followed
    Question.objects.filter(thread_id=thread.pk).update(follower_count=F("follower_count") + delta)
    return not deleted
