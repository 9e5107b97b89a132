"""Every page's SQL count is fixed: the same with few and with many comments, answers,
tags, reactions or notifications, and never above the budget pinned here.

Visitor pages are counted on a cache miss (the render); a hit costs nothing
(test_visitor_cache.py). A budget may go down; raising one needs a reason."""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from community.models import Notification, ReviewItem
from community.services.discussion import thread_for_owner
from tests.community.discussion_helpers import ask
from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import ArticleFactory, PollChoiceFactory, PollFactory, UserFactory
from tests.performance.builders import bulk_answers, bulk_comments, bulk_reactions, get_counted, members

BUDGETS = {
    "article_visitor": 9,
    "article_member": 15,
    "article_list_visitor": 4,
    "article_list_member": 7,
    "home_visitor": 1,
    "question_member": 14,
    "question_list_member": 6,
    "search_member": 7,
    "notifications_member": 5,
    "profile_member": 9,
    "admin_queue": 8,
}

pytestmark = pytest.mark.django_db


def _counts(client, urls, *, fresh_cache=False):
    counts = []
    for url in urls:
        client.get(url)  # first view fills per-process caches (content types, fragments)
        if fresh_cache:
            cache.clear()
        counts.append(get_counted(client, url)[1])
    return counts


def _assert_fixed(page, counts):
    few, many = counts
    assert many == few, f"{page}: {few} queries with few items but {many} with many"
    assert many <= BUDGETS[page], f"{page}: {many} queries, budget {BUDGETS[page]}"


def _article(tag_count, comment_count, authors):
    article = ArticleFactory(tags=[f"topic {i}" for i in range(tag_count)])
    poll = PollFactory(article=article)
    for _ in range(1 + tag_count):
        PollChoiceFactory(poll=poll)
    for i in range(tag_count):  # related articles through shared tags
        ArticleFactory(tags=[f"topic {i}"])
    thread = thread_for_owner(article)
    comments = bulk_comments(thread, authors, comment_count)
    bulk_reactions(comments[:10], authors)
    return article


@pytest.fixture
def articles():
    authors = members(4)
    return [_article(1, 1, authors[:1]), _article(8, 60, authors)]


def test_article_page_visitor(articles):
    urls = [a.get_absolute_url() for a in articles]
    _assert_fixed("article_visitor", _counts(Client(), urls, fresh_cache=True))


def test_article_page_member(articles, member_client):
    urls = [a.get_absolute_url() for a in articles]
    _assert_fixed("article_member", _counts(member_client, urls))


def test_article_list_visitor_and_member(member_client):
    ArticleFactory(tags=["one"])
    url_few = reverse("articles:tag", kwargs={"tag": "one"})
    for i in range(12):
        ArticleFactory(tags=["many", f"extra {i}"])
    url_many = reverse("articles:tag", kwargs={"tag": "many"})
    _assert_fixed("article_list_visitor", _counts(Client(), [url_few, url_many], fresh_cache=True))
    _assert_fixed("article_list_member", _counts(member_client, [url_few, url_many]))


def test_home_page_visitor():
    ArticleFactory()
    few = _counts(Client(), ["/"], fresh_cache=True)[0]
    for _ in range(6):
        ArticleFactory()
    many = _counts(Client(), ["/"], fresh_cache=True)[0]
    _assert_fixed("home_visitor", [few, many])


def _question(authors, answers, comments, tags):
    question = ask(authors[0], tags=[f"tag {i}" for i in range(tags)])
    made = bulk_answers(question, authors, answers)
    bulk_comments(question.thread, authors, comments)
    if made:
        bulk_comments(question.thread, authors, comments, answer=made[0])
    bulk_reactions(made[:10], authors)
    return question


def test_question_page_member(member_client):
    authors = members(4)
    questions = [_question(authors, 1, 1, 1), _question(authors, 40, 30, 6)]
    _assert_fixed("question_member", _counts(member_client, [q.get_absolute_url() for q in questions]))


def test_question_list_member(member_client):
    authors = members(3)
    _question(authors, 1, 0, 1)
    few = _counts(member_client, [reverse("community:question-list")])[0]
    for i in range(25):
        _question(authors, i % 3, 0, 4)
    many = _counts(member_client, [reverse("community:question-list")])[0]
    _assert_fixed("question_list_member", [few, many])


def test_search_member(member_client):
    authors = members(3)
    question = ask(authors[0], title="Neuropathy in my feet", body="Tingling feet since Velcade.")
    url = reverse("community:search") + "?q=neuropathy"
    few = _counts(member_client, [url])[0]
    for _ in range(15):
        bulk_answers(question, authors, 5)
        ask(authors[1], title="Neuropathy again", body="More neuropathy and tingling.", tags=["a", "b", "c"])
    many = _counts(member_client, [url])[0]
    _assert_fixed("search_member", [few, many])


def _notify(recipient, threads, actors):
    Notification.objects.bulk_create(
        Notification(recipient=recipient, thread=t, kind=Notification.Kind.ANSWER, actor=actors[i % len(actors)],
                     url=t.url, event_count=2)
        for i, t in enumerate(threads)
    )  # fmt: skip


def test_notifications_member(member, member_client):
    authors = members(3)
    threads = [ask(authors[i % 3], title=f"Question {i} about fatigue").thread for i in range(30)]
    url = reverse("community:notification-list")
    _notify(member, threads[:1], authors)
    few = _counts(member_client, [url])[0]
    Notification.objects.all().delete()
    _notify(member, threads, authors)
    many = _counts(member_client, [url])[0]
    _assert_fixed("notifications_member", [few, many])


def test_profile_member(member_client):
    shy, busy = UserFactory(), UserFactory()
    busy.profile.treatments.set([f"treatment {i}" for i in range(10)])
    for question_author in (shy, busy):
        ask(question_author)
    urls = [reverse("community:member-profile", args=[u.pk]) for u in (shy, busy)]
    _assert_fixed("profile_member", _counts(member_client, urls))


def test_admin_review_queue():
    moderator = staff_member("Moderators")
    client = signed_in_admin(moderator)
    authors = members(3)
    url = reverse("admin:community_reviewitem_changelist")
    thread = ask(authors[0]).thread
    ReviewItem.objects.bulk_create(ReviewItem(comment=c) for c in bulk_comments(thread, authors, 1))
    few = _counts(client, [url])[0]
    ReviewItem.objects.bulk_create(ReviewItem(comment=c) for c in bulk_comments(thread, authors, 40))
    many = _counts(client, [url])[0]
    _assert_fixed("admin_queue", [few, many])
