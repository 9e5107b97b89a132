"""Building and sending digests.

A run (`send_due_digests`) picks the subscribers due for a period (e.g.
weekly-2026-W48) and have no sent-log row for it, builds each one's digest from
the registered sections, and sends in batches over one SMTP connection per
batch. Each message is claimed and sent in its own short transaction: the
sent-log row is inserted first (its unique key stops any other run from taking
the same subscriber), the message goes to the server all but its final dot,
the row commits, and only then does the dot release the message
(`digest_delivery`). A worker killed mid-run therefore leaves no row for a
message the server has not taken (the next run sends it) and a committed row
for every one it has.

The run is not one transaction on purpose: holding a transaction open while
talking to a mail server for minutes would block every other writer."""

import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import formatdate
from itertools import islice
from urllib.parse import quote

from django.apps import apps
from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from community import digests as registry
from community.emails import build_email, render_templated_email, stable_message_id
from community.models.newsletter import DigestSendLog, Frequency, Subscriber
from community.services.digest_delivery import Deliverer, DeliveryStopped
from community.tokens import preferences_token

# A digest never reaches further back than this, even after a long pause.
LONGEST_WINDOW = timedelta(days=31)
FIRST_WINDOW = {Frequency.WEEKLY: timedelta(days=7), Frequency.DAILY: timedelta(days=1)}


def period_key(frequency, now=None):
    """The period a digest belongs to; one digest per subscriber per period."""
    local = timezone.localtime(now or timezone.now())
    if frequency == Frequency.DAILY:
        return f"daily-{local.date().isoformat()}"
    year, week, _weekday = local.isocalendar()
    return f"weekly-{year}-W{week:02d}"


def digest_message_id(subscriber_pk, period):
    return f"digest-{period}-{subscriber_pk}"


# --- Building ---------------------------------------------------------------


@dataclass(frozen=True)
class DigestLine:
    """An item as one subscriber may see it: member text only for members."""

    key: str
    title: str
    url: str
    summary: str
    text: str
    locked: bool  # a non-member sees only the title and a link to join


@dataclass
class Digest:
    subscriber: Subscriber
    sections: list = field(default_factory=list)  # [(title, [DigestLine])]

    @property
    def item_count(self):
        return sum(len(lines) for _title, lines in self.sections)

    @property
    def signature(self):
        return tuple((title, tuple(line.key for line in lines)) for title, lines in self.sections)


class DigestRun:
    """What everyone's digest is cut from: the shared sections fetched once."""

    def __init__(self, frequency, now=None):
        self.frequency = frequency
        self.now = now or timezone.now()
        self.period = period_key(frequency, self.now)
        self.sources = registry.sections()
        oldest = self.now - LONGEST_WINDOW
        self.shared = {
            source.key: list(source.fetch(since=oldest, until=self.now))
            for source in self.sources
            if not source.per_member
        }

    def since_for(self, subscriber):
        """Items newer than this are new to the subscriber."""
        last = getattr(subscriber, "last_digest_at", None)
        since = last or self.now - FIRST_WINDOW[Frequency(subscriber.frequency)]
        seen = member_last_seen(subscriber)
        if seen and seen > since:
            since = seen  # they visited since: only what they have not seen
        return max(since, self.now - LONGEST_WINDOW)

    def build(self, subscriber):
        since = self.since_for(subscriber)
        digest = Digest(subscriber=subscriber)
        for source in self.sources:
            if source.per_member and not subscriber.is_member:
                continue
            items = (
                source.fetch(user=subscriber.user, since=since, until=self.now)
                if source.per_member
                else self.shared[source.key]
            )
            chosen = _choose(items, subscriber, since, source)
            if chosen:
                lines = [_line(item, subscriber.is_member) for item in chosen]
                digest.sections.append((str(source.title), lines))
        return digest


def member_last_seen(subscriber):
    if not subscriber.is_member:
        return None
    times = [subscriber.user.last_login, getattr(subscriber, "session_last_seen", None)]
    times = [t for t in times if t]
    return max(times) if times else None


def _choose(items, subscriber, since, source):
    topics = set(subscriber.topics or ())
    kept = [
        item
        for item in items
        if (not source.new_only or item.when > since) and not (subscriber.newly_diagnosed_mode and item.is_sensitive)
    ]
    # Favoured topics first, then the busiest, then the newest.
    kept.sort(key=lambda item: (not topics.intersection(item.tags), -item.activity, -item.when.timestamp()))
    return kept[: source.limit]


def _line(item, is_member):
    locked = item.members_only and not is_member
    return DigestLine(
        key=item.key,
        title=item.title,
        url=item.url,
        summary=item.summary,
        text=item.member_text if is_member else "",
        locked=locked,
    )


def due_subscribers(frequency, period, now=None):
    qs = Subscriber.objects.due(frequency, period, now).with_last_digest().select_related("user").order_by("pk")
    if apps.is_installed("allauth.usersessions"):
        from allauth.usersessions.models import UserSession

        last_seen = (
            UserSession.objects.filter(user=OuterRef("user"))
            .values("user")
            .annotate(latest=Max("last_seen_at"))
            .values("latest")[:1]
        )
        qs = qs.annotate(session_last_seen=Subquery(last_seen))
    return qs


# --- Rendering ----------------------------------------------------------------

# Per-subscriber values are rendered as these markers, then replaced, so that
# thousands of subscribers with the same content share one template render
# (a mail merge). They are plain ASCII and never folded or escaped.
_NAME = "MFDIGESTNAMEMARKER"
_NAME_HTML = "MFDIGESTHTMLNAMEMARKER"
_PREFERENCES = "https://marker.invalid/preferences"
_UNSUBSCRIBE = "https://marker.invalid/unsubscribe"
_TO = "mf-digest-to@marker.invalid"
_MESSAGE_KEY = "MFDIGESTSUBSCRIBERMARKER"
_DATE = "MFDIGESTDATEMARKER"


def subscriber_links(subscriber):
    token = preferences_token(subscriber)
    return (
        settings.SITE_URL + reverse("community:newsletter-preferences", args=[token]),
        settings.SITE_URL + reverse("community:newsletter-unsubscribe", args=[token]),
    )


@dataclass(frozen=True)
class Outgoing:
    """One digest ready to send: a Django message, or (SMTP fast path) raw bytes."""

    subscriber_pk: int
    to: str
    message_id: str
    item_count: int
    message: object = None
    raw: bytes = b""


class DigestRenderer:
    """Renders digests, reusing one render for identical content (bounded cache).

    With an SMTP connection and an ASCII name and address, the finished MIME
    bytes are cached too and only the markers are replaced: building MIME with
    the standard library costs more than everything else per message."""

    def __init__(self, period, max_cached=256):
        self.period = period
        self.max_cached = max_cached
        self._parts = OrderedDict()
        self._skeletons = OrderedDict()
        self.from_email = settings.DEFAULT_FROM_EMAIL

    def _remember(self, cache, key, make):
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        cache[key] = value = make()
        if len(cache) > self.max_cached:
            cache.popitem(last=False)
        return value

    def _key(self, digest):
        subscriber = digest.subscriber
        return (subscriber.is_member, bool(subscriber.name), digest.signature)

    def _render_shared(self, digest):
        return self._remember(self._parts, self._key(digest), lambda: self._render(digest))

    def _render(self, digest):
        subscriber = digest.subscriber
        context = {
            "name": _NAME if subscriber.name else "",
            "is_member": subscriber.is_member,
            "sections": digest.sections,
            "signup_url": settings.SITE_URL + reverse("account_signup"),
            "preferences_url": _PREFERENCES,
            "frequency": subscriber.frequency,
        }
        subject, text, html = render_templated_email("digest", context, unsubscribe_url=_UNSUBSCRIBE)
        return subject, text, html.replace(_NAME, _NAME_HTML)

    def _personal(self, subscriber):
        preferences_url, unsubscribe_url = subscriber_links(subscriber)
        return {
            "to": subscriber.user.email if subscriber.is_member else subscriber.email,
            "name": subscriber.name,
            "preferences_url": preferences_url,
            "unsubscribe_url": unsubscribe_url,
            "message_id": stable_message_id(digest_message_id(subscriber.pk, self.period)),
        }

    def message(self, digest, *, connection=None):
        """A Django EmailMultiAlternatives for `digest` (works with every e-mail backend)."""
        subject, text, html = self._render_shared(digest)
        values = self._personal(digest.subscriber)
        replacements = [(_PREFERENCES, values["preferences_url"]), (_UNSUBSCRIBE, values["unsubscribe_url"])]
        text = _replace_all(text.replace(_NAME, values["name"]), replacements)
        html = _replace_all(html.replace(_NAME_HTML, escape(values["name"])), replacements)
        return build_email(
            subject,
            text,
            html,
            values["to"],
            bulk=True,
            unsubscribe_url=values["unsubscribe_url"],
            connection=connection,
            message_id=values["message_id"],
        )

    def outgoing(self, digest, *, fast=False):
        subscriber = digest.subscriber
        values = self._personal(subscriber)
        common = {"subscriber_pk": subscriber.pk, "to": values["to"], "item_count": digest.item_count}
        raw = fast and values["to"].isascii() and values["name"].isascii() and self._raw(digest, values)
        if raw:
            return Outgoing(message_id=values["message_id"], raw=raw, **common)
        message = self.message(digest)
        return Outgoing(message_id=message.extra_headers["Message-ID"], message=message, **common)

    def _raw(self, digest, values):
        skeleton = self._remember(self._skeletons, self._key(digest), lambda: self._skeleton(digest))
        if skeleton is None:
            return None
        return _replace_all(
            skeleton,
            [
                (_TO.encode(), values["to"].encode()),
                (_DATE.encode(), formatdate(localtime=True).encode()),
                (self._marker_message_id, values["message_id"].encode()),
                (_NAME.encode(), values["name"].encode()),
                (_NAME_HTML.encode(), escape(values["name"]).encode()),
                (_PREFERENCES.encode(), values["preferences_url"].encode()),
                (_UNSUBSCRIBE.encode(), values["unsubscribe_url"].encode()),
                # The mailto: form of List-Unsubscribe carries the link percent-encoded.
                (quote(_UNSUBSCRIBE, safe="").encode(), quote(values["unsubscribe_url"], safe="").encode()),
            ],
        )

    @property
    def _marker_message_id(self):
        return stable_message_id(_MESSAGE_KEY).encode()

    def _skeleton(self, digest):
        subject, text, html = self._render_shared(digest)
        message = build_email(
            subject,
            text,
            html,
            _TO,
            bulk=True,
            unsubscribe_url=_UNSUBSCRIBE,
            message_id=_MESSAGE_KEY,
            headers={"Date": _DATE},
        )
        raw = message.message().as_bytes(linesep="\r\n")
        # Markers survive only in 7bit/8bit parts; quoted-printable (very long lines)
        # could split one, so such content takes the ordinary path instead.
        return None if b"quoted-printable" in raw or b"base64" in raw else raw


def _replace_all(value, replacements):
    for old, new in replacements:
        value = value.replace(old, new)
    return value


# --- Sending ----------------------------------------------------------------------


@dataclass
class RunSummary:
    frequency: str
    period: str
    due: int = 0
    sent: int = 0
    nothing_new: int = 0
    refused: int = 0  # addresses the server rejected for good
    dry_run: bool = False
    stopped: str = ""  # why the run stopped early, if it did
    seconds: float = 0.0

    @property
    def rate(self):
        return self.sent / self.seconds if self.seconds else 0.0


def _batches(iterable, size):
    iterator = iter(iterable)
    while batch := list(islice(iterator, size)):
        yield batch


def send_due_digests(
    frequency,
    *,
    now=None,
    dry_run=False,
    limit=None,
    batch_size=None,
    retries=None,
    backoff=None,
    progress=None,
):
    """Send this period's digests to everyone due. Returns a RunSummary; never raises
    for SMTP trouble (the summary says it stopped). `progress(summary)` is called after
    each batch."""
    frequency = Frequency(frequency)
    batch_size = batch_size or settings.FORUM_DIGEST_BATCH_SIZE
    retries = settings.FORUM_DIGEST_RETRIES if retries is None else retries
    backoff = settings.FORUM_DIGEST_RETRY_BACKOFF if backoff is None else backoff
    started = time.monotonic()
    run = DigestRun(frequency, now)
    renderer = DigestRenderer(run.period)
    queryset = due_subscribers(frequency, run.period, run.now)
    summary = RunSummary(frequency=frequency, period=run.period, due=queryset.count(), dry_run=dry_run)
    for batch in _batches(queryset.iterator(chunk_size=batch_size), batch_size):
        digests = [d for d in (run.build(s) for s in batch) if d.item_count]
        summary.nothing_new += len(batch) - len(digests)
        if limit is not None:
            digests = digests[: max(limit - summary.sent, 0)]
        if dry_run:
            summary.sent += len(digests)
        else:
            _send_batch(digests, renderer, run.period, summary, retries, backoff)
        summary.seconds = time.monotonic() - started
        if progress:
            progress(summary)
        if summary.stopped or (limit is not None and summary.sent >= limit):
            break
    summary.seconds = time.monotonic() - started
    return summary


def _send_batch(digests, renderer, period, summary, retries, backoff):
    if not digests:
        return
    connection = get_connection(fail_silently=False)
    deliverer = Deliverer(connection, retries, backoff)
    try:
        connection.open()
        for digest in digests:
            outcome = _claim_and_send(deliverer, renderer.outgoing(digest, fast=deliverer.is_smtp), period)
            summary.sent += outcome == "sent"
            summary.refused += outcome == "refused"
    except DeliveryStopped as exc:
        summary.stopped = _("The mail server stopped accepting messages (%(error)s).") % {"error": exc}
    except OSError as exc:  # could not even connect
        summary.stopped = _("Could not reach the mail server (%(error)s).") % {"error": exc}
    finally:
        deliverer.close()


def _fast_commit():
    """PostgreSQL: do not wait for the disk at each message's commit (it would cap a
    run at about a hundred messages a second). A killed worker loses nothing by
    this: the commit is already in the server's log buffer. Only a crash of the
    database server itself within a fraction of a second could forget the last
    few rows, and the price of that is a duplicate digest, never a missing one."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _claim_and_send(deliverer, outgoing, period):
    """Claim the subscriber with a sent-log row, hand the message over all but its
    final dot, commit the claim, then release the message (digest_delivery says why).

    The uncommitted row holds the (subscriber, period) key: another run that
    reaches the same subscriber waits for our commit and then skips them."""
    try:
        with transaction.atomic():
            _fast_commit()
            claim = DigestSendLog.objects.create(
                subscriber_id=outgoing.subscriber_pk,
                period=period,
                message_id=outgoing.message_id,
                item_count=outgoing.item_count,
            )
            if not deliverer.prepare(outgoing):  # DeliveryStopped rolls the claim back
                transaction.set_rollback(True)  # refused for good: no row, counted as refused
                return "refused"
    except IntegrityError:
        return "taken"  # another run sent it (or is sending it) already
    released = deliverer.release()
    if released == "accepted":
        return "sent"
    if released == "refused":
        claim.delete()
        return "refused"
    return _send_again(deliverer, outgoing, claim)


def _send_again(deliverer, outgoing, claim):
    """The server did not take the final dot. The committed claim keeps other runs
    away while we retry the whole message; if it cannot go, the claim goes, so the
    next run sends it."""
    try:
        sent = deliverer.send(outgoing)
    except DeliveryStopped:
        claim.delete()
        raise
    if not sent:
        claim.delete()
        return "refused"
    return "sent"


def send_test_digest(subscriber, to_email, *, frequency=Frequency.WEEKLY):
    """Staff preview: `subscriber`'s digest as it would be now, sent to `to_email`.
    No sent-log row: it must not stop the real digest."""
    run = DigestRun(frequency)
    subscriber.last_digest_at = None
    digest = run.build(subscriber)
    message = DigestRenderer(f"test-{run.period}").message(digest)
    message.to = [to_email]
    message.subject = _("[Test] %(subject)s") % {"subject": message.subject}
    message.send()
    return digest.item_count


# --- Discussion sections ----------------------------------------------------------
# Read directly from the discussion models (they live in community). Questions,
# answers and comments are member-only writing: items carry their text in
# `member_text`, which only members' digests show. `is_sensitive` is read if the
# discussion models have it (moderators mark hard reading); newly diagnosed mode
# leaves such items out.


def _excerpt(post, words=30):
    text = Truncator(strip_tags(post.body_html) or post.body).words(words)
    # Moderation (issue 7): "annotate, do not just erase" - the moderators' note travels with the post.
    note = getattr(post, "moderation_note", "")
    return _("%(text)s (Note from the moderators: %(note)s)") % {"text": text, "note": note} if note else text


def _sensitive(*posts):
    return any(getattr(post, "is_sensitive", False) for post in posts)


def _question_item(question, *, when, activity=0):
    return registry.DigestItem(
        key=f"question:{question.pk}",
        title=question.title,
        url=settings.SITE_URL + question.get_absolute_url(),
        when=when,
        member_text=_excerpt(question),
        members_only=True,
        is_sensitive=_sensitive(question),
        tags=tuple(tag.slug for tag in question.tags.all()),
        activity=activity,
    )


def active_questions(*, since, until):
    from community.models import Question

    questions = (
        Question.objects.visible()
        .filter(last_activity_at__gt=since, last_activity_at__lte=until, answer_count__gt=0)
        .prefetch_related("tags")
        .order_by("-answer_count", "-last_activity_at")[:50]
    )
    return [_question_item(q, when=q.last_activity_at, activity=q.answer_count + q.follower_count) for q in questions]


def unanswered_questions(*, since, until):
    from community.models import Question

    questions = (
        Question.objects.visible()
        .filter(created_at__gt=since, created_at__lte=until, answer_count=0)
        .prefetch_related("tags")
        .order_by("-created_at")[:50]
    )
    return [_question_item(q, when=q.created_at) for q in questions]


def followed_replies(*, user, since, until):
    """Answers and comments by others in threads `user` follows."""
    from community.models import Answer, Comment

    threads = user.follows.values("thread")
    window = {"created_at__gt": since, "created_at__lte": until}
    answers = (
        Answer.objects.visible()
        .filter(question__thread__in=threads, **window)
        .exclude(author=user)
        .select_related("question__thread")[:20]
    )
    comments = (
        Comment.objects.visible()
        .filter(thread__in=threads, **window)
        .exclude(author=user)
        .select_related("thread")[:20]
    )
    items = [_reply_item(a, a.question.thread, a.question, "answer") for a in answers]
    items += [_reply_item(c, c.thread, getattr(c.thread, "question", None), "comment") for c in comments]
    return items


def _reply_item(post, thread, question, kind):
    return registry.DigestItem(
        key=f"{kind}:{post.pk}",
        title=_("New reply: %(title)s") % {"title": thread.title},
        url=settings.SITE_URL + thread.url,
        when=post.created_at,
        member_text=_excerpt(post),
        members_only=True,
        is_sensitive=_sensitive(post, *([question] if question else [])),
    )


def _discussion_models_exist():
    try:
        apps.get_model("community", "Question")
        apps.get_model("community", "Follow")
    except LookupError:
        return False
    return True


def register_discussion_sections():
    if not _discussion_models_exist():
        return
    registry.register_section("active", title=_l("Most active questions"), fetch=active_questions, order=20)
    registry.register_section(
        "unanswered", title=_l("Questions waiting for someone with experience"), fetch=unanswered_questions, order=30
    )
    registry.register_section(
        "followed", title=_l("Replies in conversations you follow"), fetch=followed_replies, order=5, per_member=True
    )


register_discussion_sections()
