"""Site search across sources that register here.

`community` owns questions (with their answers and comments) and article
comments; other apps join through `register_source` (articles registers from
its AppConfig.ready, because community never imports articles).

PostgreSQL: weighted full-text search (title A, text B, the rest C) ranked
with SearchRank; questions keep a stored vector with a GIN index. SQLite: every
word must appear somewhere (icontains), ranked title > text > rest in Python.
Visitors only ever search sources registered as public.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

SNIPPET_CHARS = 220
WEIGHT_SCORES = {"A": 1.0, "B": 0.4, "C": 0.2, "D": 0.1}
_sources: dict[str, tuple[object, bool]] = {}


@dataclass
class SearchHit:
    kind: str
    title: str
    url: str
    snippet: str
    rank: float


def register_source(name, source, *, public=False):
    """Add a source (an object with `.search(query, limit)` -> [SearchHit]). Public sources are shown to visitors."""
    _sources[name] = (source, public)


def registered_sources():
    return dict(_sources)


def terms_of(query):
    return [t for t in re.findall(r"\w+", query.lower()) if len(t) > 1][:8]


def is_postgres():
    return connection.vendor == "postgresql"


def plain_text(markup):
    return " ".join(html.unescape(strip_tags(markup or "")).split())


def highlight(text, terms, width=SNIPPET_CHARS):
    """An escaped snippet around the first match with every term wrapped in <mark>."""
    text = " ".join((text or "").split())
    if not terms:
        return escape(text[:width])
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    match = pattern.search(text)
    start = max(0, (match.start() if match else 0) - width // 3)
    window = text[start : start + width]
    pieces, last = [], 0
    for found in pattern.finditer(window):
        pieces.append(escape(window[last : found.start()]))
        pieces.append(f"<mark>{escape(found.group())}</mark>")
        last = found.end()
    pieces.append(escape(window[last:]))
    prefix = "… " if start else ""
    suffix = " …" if start + width < len(text) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 (every piece escaped above)


def pg_query(query):
    return SearchQuery(query, search_type="websearch", config="english")


def text_filter(terms, fields):
    """Every term appears in at least one of `fields` (the SQLite fallback)."""
    return reduce(and_, [reduce(or_, [Q(**{f"{f}__icontains": t}) for f in fields]) for t in terms])


def python_rank(terms, weighted_texts):
    """Score like SearchRank's weights: a title hit counts more than a body hit."""
    score = 0.0
    for text, weight in weighted_texts:
        lowered = (text or "").lower()
        score += sum(WEIGHT_SCORES[weight] for t in terms if t in lowered)
    return score


class ModelSource:
    """Searches a model's text fields, e.g. ModelSource(lambda: Article.objects.published(),
    fields=[("title", "A"), ("summary", "B"), ("body", "C")], label=_("Article"))."""

    def __init__(self, queryset, *, fields, label, title_field="title", snippet_field=None, indexed=False):
        self.queryset, self.fields, self.label = queryset, fields, label
        # True when a GIN index exists on exactly this weighted vector (see migration 0010).
        self.indexed = indexed
        self.title_field = title_field
        self.snippet_field = snippet_field or fields[min(1, len(fields) - 1)][0]

    def search(self, query, limit):
        terms = terms_of(query)
        if not terms:
            return []
        names = [name for name, _weight in self.fields]
        if is_postgres():
            vector = reduce(lambda a, b: a + b, [SearchVector(n, weight=w, config="english") for n, w in self.fields])
            q = pg_query(query)
            rows = self.queryset().annotate(document=vector, rank=SearchRank(vector, q)).filter(document=q)
            if self.indexed:
                rows = rows.filter(pk__in=self._index_matches(vector, q))
            return [self._hit(row, terms, row.rank) for row in rows.order_by("-rank")[:limit]]
        rows = self.queryset().filter(text_filter(terms, names))[: limit * 3]
        hits = [
            self._hit(row, terms, python_rank(terms, [(getattr(row, n), w) for n, w in self.fields])) for row in rows
        ]
        return sorted(hits, key=lambda h: -h.rank)[:limit]

    def _index_matches(self, vector, q):
        """Ids matching through the GIN index alone. Joined with other filters, PostgreSQL may walk
        one long thread row by row instead (100 ms over 5,000 comments; 1 ms this way)."""
        model = self.queryset().model
        return list(model.objects.annotate(document=vector).filter(document=q).values_list("pk", flat=True)[:2000])

    def _hit(self, row, terms, rank):
        text = plain_text(getattr(row, self.snippet_field))
        return SearchHit(
            str(self.label), str(getattr(row, self.title_field)), row.get_absolute_url(), highlight(text, terms), rank
        )


class QuestionSource:
    """Questions found by their title, text, answers or comments (members only)."""

    label = _("Question")

    def _rows(self, query, terms, limit):
        from community.models import Answer, Question

        # Only answers readers can see: never a held or hidden one's text in a snippet.
        answers = Prefetch("answers", queryset=Answer.objects.visible(), to_attr="readable_answers")
        base = Question.objects.visible().prefetch_related(answers)
        if is_postgres():
            q = pg_query(query)
            return list(
                base.filter(search_vector=q).annotate(rank=SearchRank(F("search_vector"), q)).order_by("-rank")[:limit]
            )
        rows = list(base.filter(reduce(and_, [_question_matches(term) for term in terms]))[: limit * 3])
        for row in rows:
            row.rank = python_rank(terms, [(row.title, "A"), (row.body, "B")]) + 0.01
        return rows

    def search(self, query, limit):
        terms = terms_of(query)
        if not terms:
            return []
        rows = self._rows(query, terms, limit)
        return sorted((self._hit(row, terms) for row in rows), key=lambda h: -h.rank)[:limit]

    def _hit(self, row, terms):
        texts = [row.body] + [a.body for a in row.readable_answers]
        text = next((t for t in texts if any(term in t.lower() for term in terms)), row.body)
        return SearchHit(str(self.label), row.title, row.get_absolute_url(), highlight(text, terms), row.rank)


def _question_matches(term):
    """SQLite fallback: `term` in the question or in an answer or comment readers can see
    (PostgreSQL's search document is built from visible posts only, in discussion.py)."""
    from community.models import Answer, Comment

    in_answers = Answer.objects.visible().filter(question=OuterRef("pk"), body__icontains=term)
    in_comments = Comment.objects.visible().filter(thread=OuterRef("thread"), body__icontains=term)
    return Q(title__icontains=term) | Q(body__icontains=term) | Exists(in_answers) | Exists(in_comments)


def comment_source():
    from community.models import Comment, Thread

    return ModelSource(
        lambda: Comment.objects.visible().filter(thread__kind=Thread.Kind.ARTICLE).select_related("thread"),
        fields=[("body", "C")],
        label=_("Comment"),
        title_field="thread",
        snippet_field="body",
        indexed=True,
    )


def search(query, *, user, limit=20):
    """Ranked hits from every source this user may see (visitors: public sources only)."""
    query = (query or "").strip()[:200]
    if not terms_of(query):
        return []
    hits = []
    for source, public in _sources.values():
        if public or user.is_authenticated:
            hits.extend(source.search(query, limit))
    return sorted(hits, key=lambda h: -h.rank)[:limit]


register_source("questions", QuestionSource())
register_source("comments", comment_source())
