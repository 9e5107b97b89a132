"""Discussion writes take rows in one global order: comment, answer, question, thread.

Load-with-faults testing on PostgreSQL found a deadlock: posting a comment updated the
Thread row and then the Question row, while an answer posted at the same moment updated
the Question and then the Thread. Each waited for the row the other held. The fix in
community/services/discussion.py makes every write take rows in one order (the "Lock order"
comment there); these tests keep it that way.

1. On any database: record the SQL each write service sends (posting, editing, removing,
   following, reacting, accepting, moderating), work out which existing discussion rows
   every statement writes or locks, and check that no statement reaches for a row of a
   table that comes *earlier* in the order than a row the transaction already holds.
2. On PostgreSQL only: two real connections. One writer is paused while it holds a row
   lock, a second writer on the same question starts and has to queue behind it, the first
   goes on; both must commit (no deadlock) and the counters must be exact. Run for a comment
   against an answer (both ways round) and for a moderator hiding a comment against an answer.

What counts as taking a row (layer 1): UPDATE and DELETE take the rows their WHERE matches,
SELECT ... FOR UPDATE the rows it returns. Two things take nothing another transaction can
wait for, so they are left out: rows this transaction inserted (nobody else sees them before
the commit) and rows it already holds (locking a row again never waits). That is why
`refresh_search_document` may update the question again after the thread: the question row
is already held. Not checked here: the order between two rows of one table, and foreign-key
checks, which are not in the SQL (Django creates them deferred, so PostgreSQL takes their
KEY SHARE locks at the commit; plain UPDATEs do not conflict with those, only FOR UPDATE does).
"""

import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.db.models import Max

from community.models import Answer, Comment, Question, ReportReason, ReviewItem, Thread
from community.services import discussion, moderation, reactions
from community.services.posting import PostingRefused
from tests.community.discussion_helpers import answer, ask, comment
from tests.community.pg_race import blocked_by
from tests.factories import ArticleFactory, UserFactory

# --- the order and the checker --------------------------------------------------------------

LOCK_ORDER = (Comment, Answer, Question, Thread)
RANK = {model._meta.model_name: rank for rank, model in enumerate(LOCK_ORDER)}
TABLES = {model._meta.db_table: model for model in LOCK_ORDER}


@dataclass(frozen=True)
class Touch:
    """What one statement did to one discussion table.

    `rows`: primary keys of rows that existed before the service ran and that the statement
    writes or locks. `new_rows`: how many rows it matched that this transaction created."""

    table: str  # "comment", "answer", "question" or "thread"
    verb: str  # "insert", "update", "delete" or "lock" (SELECT ... FOR UPDATE)
    rows: frozenset = frozenset()
    new_rows: int = 0

    def __str__(self):
        shown = ", ".join(f"#{pk}" for pk in sorted(self.rows)) or "no existing row"
        return f"{self.verb} {self.table} {shown}" + (f" (+{self.new_rows} new)" if self.new_rows else "")


def lock_order_violations(touches):
    """Each statement that reaches for a row ranked below a row the transaction already holds.

    A statement waits only for rows it does not hold yet; if such a row ranks below a held
    one, two writers going the other way round can deadlock. Returns readable lines."""
    held = set()
    highest = None  # the statement that took the highest-ranked row so far
    violations = []
    for touch in touches:
        wanted = {(touch.table, pk) for pk in touch.rows} - held
        if not wanted:
            continue
        if highest is not None and RANK[touch.table] < RANK[highest.table]:
            violations.append(f"{touch}, while holding {highest}")
        held |= wanted
        if highest is None or RANK[touch.table] > RANK[highest.table]:
            highest = touch
    return violations


def acquisition_order(touches):
    """The tables in the order the transaction first took a row of them."""
    order, held = [], set()
    for touch in touches:
        wanted = {(touch.table, pk) for pk in touch.rows} - held
        held |= wanted
        if wanted and touch.table not in order:
            order.append(touch.table)
    return tuple(order)


# --- reading the SQL ------------------------------------------------------------------------

_INSERT = re.compile(r'INSERT INTO "(?P<table>\w+)".*', re.S)
_UPDATE = re.compile(r'UPDATE "(?P<table>\w+)" SET (?P<assignments>.*?)(?: WHERE (?P<where>.*))?', re.S)
_DELETE = re.compile(r'DELETE FROM "(?P<table>\w+)"(?: WHERE (?P<where>.*))?', re.S)
_LOCKING_SELECT = re.compile(
    r"SELECT (?P<columns>.*?) FROM (?P<source>.*?)"
    r" (?P<lock>FOR (?:NO KEY )?UPDATE(?: OF (?P<of>.+?))?(?: NOWAIT| SKIP LOCKED)?)",
    re.S,
)


def _pk_query(table, source, params):
    """SQL selecting the primary keys of the `table` rows that `FROM source` finds."""
    model = TABLES[table]
    column = f'"{table}"."{model._meta.pk.column}"'
    return f"SELECT {column} FROM {source}", list(params)  # noqa: S608 - names come from the models


def discussion_statements(sql, params):
    """[(verb, model name, pk query or None)] for each discussion table the statement writes or locks.

    The pk query (SQL, params) finds the rows the statement will touch; run it just before."""
    params = list(params or ())
    if match := _INSERT.fullmatch(sql):
        table = match["table"]
        return [("insert", TABLES[table]._meta.model_name, None)] if table in TABLES else []
    for verb, pattern in (("update", _UPDATE), ("delete", _DELETE)):
        if (match := pattern.fullmatch(sql)) and match["table"] in TABLES:
            table = match["table"]
            skipped = (match.groupdict().get("assignments") or "").count("%s")
            source = f'"{table}"' + (f" WHERE {match['where']}" if match["where"] else "")
            return [(verb, TABLES[table]._meta.model_name, _pk_query(table, source, params[skipped:]))]
    if match := _LOCKING_SELECT.fullmatch(sql):
        of = match["of"]
        locked = re.findall(r'"(\w+)"', of) if of else re.findall(r'(?:FROM|JOIN) "(\w+)"', f"FROM {match['source']}")
        skipped = match["columns"].count("%s")
        return [
            ("lock", TABLES[table]._meta.model_name, _pk_query(table, match["source"], params[skipped:]))
            for table in dict.fromkeys(locked)
            if table in TABLES
        ]
    return []


def without_lock_clause(sql):
    """The statement without its FOR UPDATE clause (SQLite cannot parse one)."""
    match = _LOCKING_SELECT.fullmatch(sql)
    return sql[: match.start("lock") - 1] if match else sql


@contextmanager
def row_locks_written_out():
    """SQLite has no row locks, so Django leaves `select_for_update()` out of its SQL there.
    Let Django write the clause anyway, so the recorder sees which rows a service means to
    lock on every database; the recorder strips it again before SQLite runs the statement."""
    if connection.features.has_select_for_update:
        yield
        return
    flags = ("has_select_for_update", "has_select_for_update_of", "has_select_for_no_key_update")
    features = connection.features
    saved = {flag: features.__dict__[flag] for flag in flags if flag in features.__dict__}
    for flag in flags:
        setattr(features, flag, True)
    try:
        yield
    finally:
        for flag in flags:
            if flag in saved:
                setattr(features, flag, saved[flag])
            else:
                delattr(features, flag)


@contextmanager
def recording():
    """Yield a list that fills with a Touch for every discussion table each statement touches.

    Rows are told apart by primary key: a row above the table's highest key at the start was
    created in this transaction. The pk queries run on a raw cursor of the same connection,
    inside the same transaction, just before the statement, so they see what it will see."""
    newest = {model._meta.model_name: model.objects.aggregate(top=Max("pk"))["top"] or 0 for model in LOCK_ORDER}
    locks_rows = connection.features.has_select_for_update  # False on SQLite
    touches = []

    def record(execute, sql, params, many, context):
        for verb, table, pk_query in discussion_statements(sql, params):
            if pk_query is None:
                touches.append(Touch(table, verb, new_rows=1))
                continue
            assert not many, f"cannot tell which rows a batch statement touches: {sql}"
            cursor = context["connection"].create_cursor()
            try:
                cursor.execute(*pk_query)
                keys = [row[0] for row in cursor.fetchall()]
            finally:
                cursor.close()
            existing = frozenset(pk for pk in keys if pk <= newest[table])
            touches.append(Touch(table, verb, existing, new_rows=len(keys) - len(existing)))
        if not locks_rows:
            sql = without_lock_clause(sql)
        return execute(sql, params, many, context)

    with row_locks_written_out(), connection.execute_wrapper(record):
        yield touches


# --- layer 1: every discussion write service, on any database ---------------------------------


@pytest.fixture
def world(db, settings):
    """A question with two answers, a comment on it and one under an answer, an article with
    a comment, a comment and an answer held for a new member, reports on four posts, one
    comment already hidden by a moderator, and the members who act on them."""
    w = SimpleNamespace(
        asker=UserFactory(),
        helper=UserFactory(),
        commenter=UserFactory(),
        other=UserFactory(),
        reporter=UserFactory(),
        newcomer=UserFactory(),
        moderator=UserFactory(is_staff=True, is_superuser=True),
    )
    w.question = ask(w.asker)
    w.answer = answer(w.helper, w.question)
    w.second_answer = answer(w.other, w.question, body="Mine was lowered, not stopped.")
    w.top = comment(w.commenter, w.question.thread, body="A comment on the question.")
    w.under = comment(w.commenter, w.question.thread, body="A comment under the answer.", answer=w.answer)
    w.hidden = comment(w.other, w.question.thread, body="A comment a moderator hid.")
    w.bare_article = ArticleFactory()
    w.article = ArticleFactory()
    w.article_thread = discussion.thread_for_owner(w.article)
    w.article_comment = comment(w.commenter, w.article_thread, body="Thank you for this article.")
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 2  # the newcomer's first posts wait for a moderator
    w.held_comment = comment(w.newcomer, w.question.thread, body="My first comment here.", enforce_limits=True)
    w.held_answer = answer(w.newcomer, w.question, body="My first answer here.", enforce_limits=True)
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 0
    assert w.held_comment.is_held and w.held_answer.is_held
    for post in (w.top, w.under, w.answer, w.question, w.hidden):
        moderation.report_create(reporter=w.reporter, post=post, reason=ReportReason.OTHER)
    moderation.item_hide(item=_item(w.hidden), moderator=w.moderator)
    reactions.reaction_toggle(member=w.other, post=w.question, kind="hug")
    # Services receive objects as the views load them.
    w.question = Question.objects.select_related("thread").get(pk=w.question.pk)
    w.answer = Answer.objects.select_related("question__thread").get(pk=w.answer.pk)
    w.top = Comment.objects.select_related("thread").get(pk=w.top.pk)
    w.under = Comment.objects.select_related("thread").get(pk=w.under.pk)
    w.article_thread = Thread.objects.get(pk=w.article_thread.pk)
    return w


def _item(post):
    return ReviewItem.objects.get(**{post._meta.model_name: post})


@dataclass(frozen=True)
class Case:
    """One discussion write, and tables whose existing rows it must take (at least).

    `takes` is a floor, not the whole list: it proves the recording saw the writes the case
    is about, while a service may take more rows (the checker judges their order)."""

    name: str
    run: object  # world -> anything
    takes: tuple


def _post(service, **kw):
    return service(enforce_limits=True, **kw)  # the views' path: user lock, duplicate and rate checks


CASES = [
    Case(
        "first comment on an article makes its thread",
        lambda w: discussion.thread_for_owner(w.bare_article),
        (),
    ),
    Case(
        "comment on an article",
        lambda w: _post(discussion.comment_create, author=w.other, thread=w.article_thread, body="Very clear."),
        ("thread",),
    ),
    Case(
        "comment on a question",
        lambda w: _post(discussion.comment_create, author=w.other, thread=w.question.thread, body="Same here."),
        ("question", "thread"),
    ),
    Case(
        "reply to a comment on a question",
        lambda w: _post(
            discussion.comment_create, author=w.other, thread=w.question.thread, body="Me too.", parent=w.top
        ),
        ("comment", "question", "thread"),
    ),
    Case(
        "comment under an answer",
        lambda w: _post(
            discussion.comment_create, author=w.other, thread=w.question.thread, body="Good point.", answer=w.answer
        ),
        ("answer", "question", "thread"),
    ),
    Case(
        "reply to a comment under an answer",
        lambda w: _post(
            discussion.comment_create, author=w.other, thread=w.question.thread, body="Agreed.", parent=w.under
        ),
        ("comment", "answer", "question", "thread"),
    ),
    Case(
        "ask a question",
        lambda w: _post(discussion.question_ask, author=w.other, title="Is fatigue normal?", body="On Revlimid."),
        (),
    ),
    Case(
        "answer a question",
        lambda w: _post(discussion.answer_create, author=w.commenter, question=w.question, body="Ask your nurse."),
        ("question", "thread"),
    ),
    Case(
        "accept an answer",
        lambda w: discussion.answer_accept(answer=w.answer, member=w.asker),
        ("question",),
    ),
    Case(
        "edit a question",
        lambda w: discussion.question_edit(question=w.question, editor=w.asker, title="Why stopped?", body="Edited."),
        ("question", "thread"),
    ),
    Case(
        "edit an answer",
        lambda w: discussion.answer_edit(answer=w.answer, editor=w.helper, body="Edited answer."),
        ("answer",),
    ),
    Case(
        "edit a comment",
        lambda w: discussion.comment_edit(comment=w.top, editor=w.commenter, body="Edited comment."),
        ("comment",),
    ),
    Case(
        "remove a question",
        lambda w: discussion.question_remove(question=w.question, member=w.asker),
        ("question",),
    ),
    Case(
        "remove an answer",
        lambda w: discussion.answer_remove(answer=w.answer, member=w.helper),
        ("answer", "question"),
    ),
    Case(
        "remove a comment on a question",
        lambda w: discussion.comment_remove(comment=w.top, member=w.commenter),
        ("comment", "thread"),
    ),
    Case(
        "remove a comment under an answer",
        lambda w: discussion.comment_remove(comment=w.under, member=w.commenter),
        ("comment", "answer", "thread"),
    ),
    Case(
        "follow a question",
        lambda w: discussion.follow_toggle(member=w.other, thread=w.question.thread),
        ("question",),
    ),
    Case(
        "stop following a question",
        lambda w: discussion.follow_toggle(member=w.asker, thread=w.question.thread),
        ("question",),
    ),
    Case(
        "hug a comment",
        lambda w: reactions.reaction_toggle(member=w.other, post=w.top, kind="hug"),
        ("comment",),
    ),
    Case(
        "mark an answer helpful",
        lambda w: reactions.reaction_toggle(member=w.other, post=w.answer, kind="helpful"),
        ("answer",),
    ),
    Case(
        "take back a hug on a question",
        lambda w: reactions.reaction_toggle(member=w.other, post=w.question, kind="hug"),
        ("question",),
    ),
    Case(
        "moderator hides a comment on a question",
        lambda w: moderation.item_hide(item=_item(w.top), moderator=w.moderator),
        ("comment", "thread"),
    ),
    Case(
        "moderator hides a comment under an answer",
        lambda w: moderation.item_hide(item=_item(w.under), moderator=w.moderator),
        ("comment", "answer", "thread"),
    ),
    Case(
        "moderator shows a hidden comment again",
        lambda w: moderation.item_keep(item=_item(w.hidden), moderator=w.moderator),
        ("comment", "thread"),
    ),
    Case(
        "moderator approves a held comment",
        lambda w: moderation.item_keep(item=_item(w.held_comment), moderator=w.moderator),
        ("comment", "question", "thread"),
    ),
    Case(
        "moderator approves a held answer",
        lambda w: moderation.item_keep(item=_item(w.held_answer), moderator=w.moderator),
        ("answer", "question", "thread"),
    ),
    Case(
        "moderator hides a held answer",
        lambda w: moderation.item_hide(item=_item(w.held_answer), moderator=w.moderator),
        ("answer",),
    ),
    Case(
        "moderator hides an answer",
        lambda w: moderation.item_hide(item=_item(w.answer), moderator=w.moderator),
        ("answer", "question"),
    ),
    Case(
        "moderator hides a question",
        lambda w: moderation.item_hide(item=_item(w.question), moderator=w.moderator),
        ("question",),
    ),
    Case(
        "moderator deletes an answer as spam",
        lambda w: moderation.item_delete_spam(item=_item(w.answer), moderator=w.moderator),
        ("answer", "question"),
    ),
    Case(
        "moderator adds a note to a question",
        lambda w: moderation.item_add_note(item=_item(w.question), moderator=w.moderator, text="See our article."),
        ("question",),
    ),
    Case(
        "moderator marks an unreported answer sensitive",
        lambda w: moderation.post_mark_sensitive(post=w.second_answer, moderator=w.moderator),
        ("answer",),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_write_takes_rows_in_the_global_order(world, case):
    """Every discussion write takes existing rows comment -> answer -> question -> thread,
    and the recording saw the writes the case is about (so it cannot pass by seeing nothing)."""
    with recording() as touches:
        case.run(world)
    statements = "\n  ".join(str(touch) for touch in touches) or "(none)"
    assert touches, f"{case.name}: no statement on a discussion table was recorded"
    assert set(case.takes) <= set(acquisition_order(touches)), f"{case.name}; statements:\n  {statements}"
    assert lock_order_violations(touches) == [], f"{case.name} goes back in the order; statements:\n  {statements}"


# --- the checker and the recorder can fail ------------------------------------------------------


def _t(table, *rows, verb="update", new_rows=0):
    return Touch(table, verb, frozenset(rows), new_rows)


@pytest.mark.parametrize(
    ("touches", "violations"),
    [
        pytest.param([_t("thread", 1), _t("question", 1)], 1, id="the order that deadlocked"),
        pytest.param([_t("question", 1), _t("thread", 1)], 0, id="the fixed order"),
        pytest.param([_t("comment", 1), _t("thread", 1), _t("answer", 1)], 1, id="back two steps"),
        pytest.param([_t("answer", 1), _t("question", 1), _t("answer", 1)], 0, id="a held row again"),
        pytest.param([_t("question", 1), _t("thread", 1), _t("question", 2)], 1, id="another row of a held table"),
        pytest.param([_t("thread", new_rows=1), _t("question", 1)], 0, id="a new row is nobody's lock"),
        pytest.param([_t("thread", 1), _t("question", 1), _t("comment", 1)], 2, id="each step back counts"),
    ],
)
def test_checker(touches, violations):
    """The checker flags a row wanted below one already held, and only that."""
    assert len(lock_order_violations(touches)) == violations


def test_recording_catches_the_order_that_deadlocked(world):
    """The comment's writes as they were before the fix (thread, then question): the real
    statements, recorded and checked like the services above, are flagged."""
    thread = world.question.thread
    with recording() as touches, transaction.atomic():
        Thread.objects.filter(pk=thread.pk).update(comment_count=thread.comment_count + 1)
        Question.objects.filter(thread_id=thread.pk).update(last_activity_at=thread.last_activity_at)
    assert acquisition_order(touches) == ("thread", "question")
    assert lock_order_violations(touches) == [f"update question #{world.question.pk}, while holding {touches[0]}"]


def test_recording_sees_select_for_update_on_every_database(world):
    """A row lock taken out of order with select_for_update() is flagged too, on SQLite as
    well, where Django normally leaves the FOR UPDATE clause out of the SQL."""
    with recording() as touches, transaction.atomic():
        Thread.objects.select_for_update().get(pk=world.question.thread_id)
        Answer.objects.filter(pk=world.answer.pk).update(body="locked after the thread")
    assert [touch.verb for touch in touches] == ["lock", "update"]
    assert len(lock_order_violations(touches)) == 1


# --- layer 2: two connections on PostgreSQL -----------------------------------------------------

WAIT = 10  # seconds; every wait has this bound, so a regression fails instead of hanging
ANY_ROW = tuple(RANK)


class Writer(threading.Thread):
    """Runs one service on its own database connection.

    With `pause_on` (table names) it stops right after its first statement that writes or
    locks an existing row of one of those tables, keeps its locks (the transaction stays
    open) until `resume` is set or WAIT passes, then goes on. Its connection is closed when
    it ends, whatever happens."""

    def __init__(self, name, work, *, pause_on=()):
        super().__init__(name=name, daemon=True)
        self.work, self.pause_on = work, pause_on
        self.holding, self.resume = threading.Event(), threading.Event()
        self.pid = self.error = self.paused_after = None

    def run(self):
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"SET lock_timeout = '{WAIT}s'")  # a lock wait past WAIT is an error, not a hang
                cursor.execute("SELECT pg_backend_pid()")
                (self.pid,) = cursor.fetchone()
            with connection.execute_wrapper(self._pause):
                self.work()
        except Exception as error:  # reported by the test
            self.error = error
        finally:
            self.holding.set()  # never leave the test waiting for a writer that stopped early
            connection.close()

    def _pause(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        takes = [
            f"{verb} {table}"
            for verb, table, _pk_query in discussion_statements(sql, params)
            if verb != "insert" and table in self.pause_on
        ]
        if takes and self.paused_after is None:
            self.paused_after = takes[0]
            self.holding.set()
            self.resume.wait(WAIT)
        return result


def race(first, second, *, pause_on=ANY_ROW):
    """Run `first` (name, work) until it holds a row of `pause_on`, start `second`, wait until
    `second` queues behind `first`'s lock, let `first` go on; both must commit."""
    holder = Writer(first[0], first[1], pause_on=pause_on)
    waiter = Writer(second[0], second[1])
    try:
        holder.start()
        assert holder.holding.wait(WAIT), f"the {holder.name} never took a row of {pause_on}"
        assert holder.error is None, f"the {holder.name} failed before taking a row: {holder.error!r}"
        waiter.start()
        queued = blocked_by(waiter, holder, WAIT)
    finally:
        holder.resume.set()
        for writer in (holder, waiter):
            if writer.ident is not None:  # started
                writer.join(2 * WAIT)
    assert not holder.is_alive() and not waiter.is_alive(), "a writer is still stuck after the timeout"
    errors = {writer.name: repr(writer.error) for writer in (holder, waiter) if writer.error is not None}
    assert errors == {}, f"{holder.name} paused after {holder.paused_after}, then: {errors}"
    assert queued, f"the {waiter.name} never waited for the {holder.name} ({holder.paused_after}): no race was run"


def postgres_race(test):
    """Marks for a two-connection test: PostgreSQL only, real commits (no wrapping transaction)."""
    needs_postgres = pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite locks the whole database per write, so two writers can never deadlock",
    )
    return pytest.mark.postgres(needs_postgres(pytest.mark.django_db(transaction=True)(test)))


@pytest.mark.parametrize("first", ["comment", "answer"])
@postgres_race
def test_comment_and_answer_on_one_question_at_once_both_commit(first):
    """The race that deadlocked: a comment and an answer on one question at the same moment.
    The `first` writer is held right after its first row lock; the other must queue behind
    it (not take a row the first one needs next); then both commit and the counters are exact."""
    asker, commenter, helper = UserFactory(), UserFactory(), UserFactory()
    question = Question.objects.select_related("thread").get(pk=ask(asker).pk)
    writers = {
        "comment": lambda: discussion.comment_create(author=commenter, thread=question.thread, body="Same for me."),
        "answer": lambda: discussion.answer_create(author=helper, question=question, body="Ask about the dose."),
    }
    second = "answer" if first == "comment" else "comment"
    race((first, writers[first]), (second, writers[second]))

    question.refresh_from_db()
    thread = Thread.objects.get(pk=question.thread_id)
    assert question.answer_count == Answer.objects.visible().filter(question=question).count() == 1
    assert thread.comment_count == Comment.objects.visible().filter(thread=thread).count() == 1


@postgres_race
def test_member_hugging_a_comment_while_replying_to_it_both_commit():
    """Found by load with faults in CI: the hug updates the comment's counts, and at commit
    its new row's foreign key to the member is checked with a KEY SHARE lock; the reply
    locks the member's row first and then wants the same comment. A FOR UPDATE on the
    member's row blocked that check: a deadlock. FOR NO KEY UPDATE does not."""
    asker, member = UserFactory(), UserFactory()
    question = Question.objects.select_related("thread").get(pk=ask(asker).pk)
    top = comment(asker, question.thread, body="Has anyone tried a cold cap?")
    race(
        ("hug", lambda: reactions.reaction_toggle(member=member, post=top, kind="hug")),
        (
            "reply",
            lambda: discussion.comment_create(
                author=member, thread=question.thread, parent=top, body="Yes, it helped a bit.", enforce_limits=True
            ),
        ),
        pause_on=("comment",),
    )

    top.refresh_from_db()
    assert top.reply_count == Comment.objects.visible().filter(parent=top).count() == 1
    assert top.hug_count == 1


@postgres_race
def test_moderator_hiding_a_comment_while_an_answer_is_posted_both_commit():
    """Hiding a comment on a question updates the thread's comment count and the question's
    search document; an answer updates the question, then the thread. A version of
    post_moderated took the thread first and deadlocked here. The moderator is held right
    after taking the thread row, the point where that version still lacked the question."""
    asker, commenter, helper, reporter = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    moderator = UserFactory(is_staff=True, is_superuser=True)
    question = Question.objects.select_related("thread").get(pk=ask(asker).pk)
    hidden = comment(commenter, question.thread, body="Try this miracle cure.")
    moderation.report_create(reporter=reporter, post=hidden, reason=ReportReason.MISINFORMATION)
    race(
        ("hide", lambda: moderation.item_hide(item=_item(hidden), moderator=moderator)),
        ("answer", lambda: discussion.answer_create(author=helper, question=question, body="Please ask your team.")),
        pause_on=("thread",),
    )

    question.refresh_from_db()
    thread = Thread.objects.get(pk=question.thread_id)
    assert Comment.objects.get(pk=hidden.pk).is_hidden_by_moderator
    assert question.answer_count == Answer.objects.visible().filter(question=question).count() == 1
    assert thread.comment_count == Comment.objects.visible().filter(thread=thread).count() == 0


def _refusal(create, author, question):
    try:
        create(author=author, question=question, body="More cheap pills")
    except PostingRefused as refusal:
        return refusal.code
    return "posted"


@postgres_race
def test_spammer_answering_while_a_moderator_deletes_their_answer_as_spam_both_commit():
    """Posting locks the author's user row first (posting.one_post_at_a_time), then the
    question. Deleting as spam took the answer and the question, then updated the author's
    row (member_suspend), and the two deadlocked. Now the spam path takes the author's row
    first too: the spammer's new answer waits, then reads the fresh suspension and is refused."""
    asker, spammer, reporter = UserFactory(), UserFactory(), UserFactory()
    moderator = UserFactory(is_staff=True, is_superuser=True)
    question = Question.objects.select_related("thread").get(pk=ask(asker).pk)
    spam = answer(spammer, question, body="Buy cheap pills at example.com")
    refused = []
    moderation.report_create(reporter=reporter, post=spam, reason=ReportReason.SPAM)
    race(
        ("spam", lambda: moderation.item_delete_spam(item=_item(spam), moderator=moderator)),
        ("answer", lambda: refused.append(_refusal(discussion.answer_create, spammer, question))),
        pause_on=("question",),
    )

    question.refresh_from_db()
    assert Answer.objects.get(pk=spam.pk).is_hidden_by_moderator
    assert refused == ["not_allowed"]  # the suspension, read after waiting for the lock
    assert not Answer.objects.filter(question=question, body="More cheap pills").exists()
    assert question.answer_count == Answer.objects.visible().filter(question=question).count() == 0
