"""Search: finds a question by a word in an answer, ranks title matches first on PostgreSQL,
highlights snippets, and shows visitors articles only."""

import pytest
from django.db import connection
from django.urls import reverse

from community.search import highlight, search
from tests.community.discussion_helpers import answer, ask, comment
from tests.conftest import postgres_only
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_question_found_by_word_in_an_answer():
    """A word that appears only in an answer finds its question (SQLite and PostgreSQL)."""
    question = ask(UserFactory(), title="Feeling tired all the time", body="Since treatment I sleep a lot.")
    answer(UserFactory(), question, body="My nurse suggested gentle walking and it helped with the fatigue.")
    ask(UserFactory(), title="Unrelated question about parking", body="Where do you park at the clinic?")
    hits = search("walking", user=UserFactory())
    assert [h.title for h in hits] == ["Feeling tired all the time"]
    assert "<mark>walking</mark>" in hits[0].snippet


def test_question_found_by_word_in_a_comment():
    """A word only in a comment on the question also finds it."""
    question = ask(UserFactory(), title="Which pharmacy do you use", body="Mine keeps running out.")
    comment(UserFactory(), question.thread, body="Try the hospital dispensary instead.")
    assert [h.title for h in search("dispensary", user=UserFactory())] == ["Which pharmacy do you use"]


@postgres_only()
def test_title_match_ranks_above_body_match_on_postgres():
    """On PostgreSQL the weighted vector puts a title match above a text match."""
    assert connection.vendor == "postgresql"
    ask(UserFactory(), title="Questions about my blood counts", body="Neuropathy in my feet is getting worse.")
    ask(UserFactory(), title="Neuropathy after Velcade", body="How long did it last for you?")
    hits = search("neuropathy", user=UserFactory())
    assert [h.title for h in hits] == ["Neuropathy after Velcade", "Questions about my blood counts"]
    assert hits[0].rank > hits[1].rank


def test_visitors_get_articles_only(client):
    """A visitor searching a word used in an article and in member posts sees only the article."""
    ArticleFactory(title="Understanding carfilzomib", body="Carfilzomib is a proteasome inhibitor.")
    question = ask(UserFactory(), title="Carfilzomib and my heart", body="Private worries about carfilzomib.")
    answer(UserFactory(), question, body="Carfilzomib private answer.")
    response = client.get(reverse("community:search") + "?q=carfilzomib")
    text = response.text
    assert "Understanding carfilzomib" in text
    assert "Carfilzomib and my heart" not in text and "Private worries" not in text
    assert response["X-Robots-Tag"].startswith("noindex")
    client.force_login(UserFactory())
    member_text = client.get(reverse("community:search") + "?q=carfilzomib").text
    assert "Understanding carfilzomib" in member_text and "Carfilzomib and my heart" in member_text


def test_removed_posts_are_not_found():
    """A removed question is not a search result."""
    from community.services import discussion

    owner = UserFactory()
    question = ask(owner, title="Something I regret asking", body="Please forget this.")
    discussion.question_remove(question=question, member=owner)
    assert search("regret", user=UserFactory()) == []


def test_article_comments_are_members_only():
    """Comments under articles are found by members, never by visitors."""
    from django.contrib.auth.models import AnonymousUser

    from community.services.discussion import thread_for_owner

    article = ArticleFactory(title="Living well")
    comment(UserFactory(), thread_for_owner(article), body="Grandchildren visits keep me going.")
    assert [h.kind for h in search("grandchildren", user=UserFactory())] == ["Comment"]
    assert search("grandchildren", user=AnonymousUser()) == []


def test_highlight_escapes_html_and_marks_terms():
    """Snippets are escaped text with <mark> around the words searched for."""
    snippet = highlight("Use <b>Revlimid</b> with care", ["revlimid"])
    assert "&lt;b&gt;<mark>Revlimid</mark>&lt;/b&gt;" in snippet
    assert "<b>" not in snippet


def test_empty_or_symbol_query_returns_nothing(client):
    """A blank or punctuation-only query shows the form without errors."""
    assert search("  ", user=UserFactory()) == []
    assert search("!!", user=UserFactory()) == []
    assert client.get(reverse("community:search") + "?q=%25%25").status_code == 200


@pytest.fixture
def held_and_hidden_answers(settings, django_capture_on_commit_callbacks):
    """A question with an answer waiting for a moderator and one hidden by a moderator,
    each with words that appear nowhere else."""
    from community.models import Answer
    from community.services.discussion import post_moderated

    question = ask(UserFactory(), title="Nausea on the second cycle", body="Anything that settles it?")
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 2
    held = answer(UserFactory(), question, body="Waiting words: ginger biscuits helped me.", enforce_limits=True)
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 0
    hidden = answer(UserFactory(), question, body="Moderated words: nausea cure in my shop.")
    with django_capture_on_commit_callbacks(execute=True):
        post_moderated(hidden, "hidden")
    assert Answer.objects.get(pk=held.pk).moderation_status == "held"
    assert Answer.objects.get(pk=hidden.pk).moderation_status == "hidden"
    return question


def test_held_and_hidden_answers_neither_find_nor_show(held_and_hidden_answers):
    """Their words find nothing, and a hit found by the title never shows their text."""
    member = UserFactory()
    assert search("ginger", user=member) == []
    hits = search("nausea", user=member)
    assert [h.title for h in hits] == ["Nausea on the second cycle"]
    assert "shop" not in hits[0].snippet and "cure" not in hits[0].snippet


@postgres_only()
def test_a_comment_its_author_removes_stops_finding_the_question():
    """PostgreSQL keeps the question's search document; removing a comment refreshes it."""
    from community.services.discussion import comment_remove

    question = ask(UserFactory(), title="Scans every three months", body="Is that usual?")
    author = UserFactory()
    said = comment(author, question.thread, body="My haematologist prefers a PET scan instead.")
    member = UserFactory()
    assert [h.title for h in search("haematologist", user=member)] == ["Scans every three months"]
    comment_remove(comment=said, member=author)
    assert search("haematologist", user=member) == []
