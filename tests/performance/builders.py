"""Data for the query-budget tests: the same page with few and with many things on it.

Large amounts are made with bulk_create in the shape the services save (the
Markdown already rendered into body_html); the services themselves are tested
in tests/community/."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory

WRITE_VERBS = {"INSERT", "UPDATE", "DELETE"}


def get_counted(client, url):
    """GET `url`; returns (response, number of queries, list of writing statements)."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().split(" ", 1)[0].upper() in WRITE_VERBS]
    return response, len(ctx), writes


def members(count):
    return [UserFactory() for _ in range(count)]


def bulk_comments(thread, authors, count, **fields):
    from community.models import Comment

    now = timezone.now()
    comments = Comment.objects.bulk_create(
        Comment(
            thread=thread, author=authors[i % len(authors)], body=f"Comment number {i}",
            body_html=f"<p>Comment number {i}</p>", created_at=now, hug_count=1, **fields,
        )
        for i in range(count)
    )  # fmt: skip
    type(thread).objects.filter(pk=thread.pk).update(comment_count=count)
    return comments


def bulk_answers(question, authors, count):
    from community.models import Answer

    now = timezone.now()
    answers = Answer.objects.bulk_create(
        Answer(question=question, author=authors[i % len(authors)], body=f"Answer {i}", body_html=f"<p>Answer {i}</p>",
               created_at=now)
        for i in range(count)
    )  # fmt: skip
    type(question).objects.filter(pk=question.pk).update(answer_count=count)
    return answers


def bulk_reactions(posts, authors):
    """Every author hugs and finds helpful every post (counters kept in step)."""
    from community.models import Reaction

    if not posts:
        return
    target = posts[0]._meta.model_name
    Reaction.objects.bulk_create(
        Reaction(member=a, kind=kind, **{target: p}) for p in posts for a in authors for kind in ("hug", "helpful")
    )
    type(posts[0]).objects.filter(pk__in=[p.pk for p in posts]).update(
        hug_count=len(authors), helpful_count=len(authors)
    )
