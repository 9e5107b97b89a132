"""Markdown is rendered once, when saved: pages show the stored HTML and never parse the text again."""

import pytest

from articles.models import Article
from community.models import Answer, Question
from tests.community.discussion_helpers import answer, ask
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_article_page_shows_the_html_saved_with_it(client):
    article = ArticleFactory(body="## Saved heading\n\nSaved words.")
    # Change the Markdown behind the service's back: a page that rendered per view would show it.
    Article.objects.filter(pk=article.pk).update(body="## Unsaved heading\n\nUnsaved words.")
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Saved words." in page and "Unsaved words." not in page


def test_question_and_answers_show_the_html_saved_with_them(member, member_client):
    question = ask(member, body="Question *text as saved*.")
    reply = answer(member, question, body="Answer **text as saved**.")
    Question.objects.filter(pk=question.pk).update(body="Question *changed later*.")
    Answer.objects.filter(pk=reply.pk).update(body="Answer **changed later**.")
    page = member_client.get(question.get_absolute_url()).content.decode()
    assert "<em>text as saved</em>" in page and "<strong>text as saved</strong>" in page
    assert "changed later" not in page
