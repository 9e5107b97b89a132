"""An article's discussion thread is created once, even when two first comments race."""

import pytest

from articles.models import Article
from community.models import Thread
from community.services.discussion import thread_for_owner
from tests.factories import ArticleFactory

pytestmark = pytest.mark.django_db


def test_two_first_comments_share_one_thread_and_leave_no_orphan():
    article = ArticleFactory()
    first_view, second_view = Article.objects.get(pk=article.pk), Article.objects.get(pk=article.pk)

    winner = thread_for_owner(first_view)
    loser = thread_for_owner(second_view)  # still believes the article has no thread

    assert loser.pk == winner.pk
    assert Thread.objects.count() == 1
