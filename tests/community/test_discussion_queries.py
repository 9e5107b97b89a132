"""Page cost does not grow with the thread: the article page and a question page make the
same number of SQL queries with 10 comments as with 500."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Comment, Reaction
from community.services.discussion import thread_for_owner
from tests.community.discussion_helpers import answer, ask
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def add_comments(thread, count, authors):
    """Comments with replies, several authors and reactions, the shape of a busy real thread."""
    tops = Comment.objects.bulk_create(
        Comment(thread=thread, author=authors[n % len(authors)], body=f"comment {n}", body_html=f"<p>comment {n}</p>")
        for n in range(count)
    )
    Comment.objects.bulk_create(
        Comment(thread=thread, parent=top, author=authors[0], body="reply", body_html="<p>reply</p>")
        for top in tops[: count // 5]
    )
    Reaction.objects.bulk_create(Reaction(member=authors[1], comment=c, kind="hug") for c in tops[: count // 3])


def count_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


@pytest.mark.parametrize("viewer", ["member", "visitor"])
def test_article_page_queries_do_not_grow_with_comments(client, viewer):
    """Article page: same query count with 10 and with 500 comments."""
    authors = [UserFactory() for _ in range(4)]
    if viewer == "member":
        client.force_login(authors[1])
    counts = []
    for size in (10, 500):
        article = ArticleFactory(tags=["Relapse"])
        add_comments(thread_for_owner(article), size, authors)
        client.get(article.get_absolute_url())  # warm caches (sessions, content types)
        counts.append(count_queries(client, article.get_absolute_url())[0])
    assert counts[0] == counts[1], counts


def test_question_page_queries_do_not_grow_with_comments(client):
    """Question page: same query count with 10 and with 500 comments (answers with comments too)."""
    authors = [UserFactory() for _ in range(4)]
    client.force_login(authors[2])
    counts = []
    for size in (10, 500):
        question = ask(authors[0], title=f"A question with {size} comments", tags=["Relapse"])
        for n in range(3):
            a = answer(authors[n + 1], question, body=f"answer {n} for {size}")
            Comment.objects.bulk_create(
                Comment(thread=question.thread, answer=a, author=authors[0], body="x", body_html="x")
                for _ in range(size // 10)
            )
        add_comments(question.thread, size, authors)
        client.get(question.get_absolute_url())
        counts.append(count_queries(client, question.get_absolute_url())[0])
    assert counts[0] == counts[1], counts


def test_article_page_shows_comments_to_members_and_teaser_to_visitors(client):
    """Members read comments under the article; visitors get the count, a teaser and the gate."""
    article = ArticleFactory(discussion_prompt="Which treatments have you received?")
    author = UserFactory(display_name="Winifred")
    from community.services import discussion

    discussion.comment_create(
        author=author, thread=thread_for_owner(article), body="First words. " + "z" * 250 + " HIDDEN-TAIL"
    )
    visitor = client.get(article.get_absolute_url()).text
    assert "1 comment" in visitor
    assert "First words." in visitor and "HIDDEN-TAIL" not in visitor and "Winifred" not in visitor
    assert "Sign up to read and post comments" in visitor
    client.force_login(UserFactory())
    member = client.get(article.get_absolute_url()).text
    assert "Winifred" in member and "HIDDEN-TAIL" in member
    assert "Which treatments have you received?" in member


def test_related_questions_on_article_by_shared_tags(client):
    """An article lists community questions that share its tags, not others."""
    article = ArticleFactory(tags=["Relapse"])
    ask(UserFactory(), title="What did relapse feel like for you?", tags=["Relapse"])
    ask(UserFactory(), title="Tips for the stem cell transplant day", tags=["Stem cell transplant"])
    client.force_login(UserFactory())
    text = client.get(article.get_absolute_url()).text
    assert "What did relapse feel like for you?" in text
    assert "Tips for the stem cell transplant day" not in text


def test_member_comments_post_on_article(client):
    """A member posts a comment from the article page; it lands on the article's thread."""
    article = ArticleFactory()
    thread = thread_for_owner(article)
    client.force_login(UserFactory())
    response = client.post(f"/threads/{thread.pk}/comment/", {"body": "Thank you for this clear article."})
    assert response.status_code == 302
    assert response["Location"].startswith(article.get_absolute_url())
    assert Comment.objects.get().thread_id == article.discussion_id


def test_first_comment_creates_article_thread_and_reading_never_writes(client):
    """Viewing an article creates nothing; the first comment creates its thread."""
    article = ArticleFactory()
    client.force_login(UserFactory())
    client.get(article.get_absolute_url())
    article.refresh_from_db()
    assert article.discussion_id is None
    response = client.post(f"/discussions/article/{article.pk}/comment/", {"body": "The first comment here."})
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.discussion.comments.get().body == "The first comment here."
    assert client.post("/discussions/nothing/1/comment/", {"body": "Lost words."}).status_code == 404


def test_visitor_cached_article_page_shows_new_comment_count(client, django_capture_on_commit_callbacks):
    """The cached visitor page of an article is outdated when a comment is posted."""
    from community.services import discussion

    article = ArticleFactory()
    author = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        discussion.comment_create(author=author, thread=thread_for_owner(article), body="The first kind words.")
    assert "1 comment" in client.get(article.get_absolute_url()).text
    with django_capture_on_commit_callbacks(execute=True):
        discussion.comment_create(author=author, thread=article.discussion, body="Some more kind words.")
    assert "2 comments" in client.get(article.get_absolute_url()).text
