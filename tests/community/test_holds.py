"""New-member holds and the hold word list: a new member's first posts wait for a
moderator and only the author sees them; after N approved posts the hold lifts."""

import pytest
from django.test import Client
from django.urls import reverse

from community.models import HoldReason, Question, ReviewItem, WordListEntry
from community.services import discussion, moderation
from tests.community.discussion_helpers import ask
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def holds_on(settings):
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 2


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True, is_superuser=True)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def ask_through_the_site(client, title, body=None):
    body = body or f"How did you cope with the first weeks? ({title})"  # the duplicate guard wants new text
    response = client.post(reverse("community:question-ask"), {"title": title, "body": body, "website": ""})
    assert response.status_code == 302, response.content.decode()[:500]
    return Question.objects.get(title=title)


def test_first_post_is_held_and_invisible_to_others_until_approved(moderator):
    newcomer, other = UserFactory(), UserFactory()
    author_client = signed_in(newcomer)
    question = ask_through_the_site(author_client, "First question from a newcomer")
    assert question.moderation_status == "held"
    item = ReviewItem.objects.get(question=question)
    assert item.hold_reason == HoldReason.NEW_MEMBER and item.is_open

    own_view = author_client.get(question.get_absolute_url())
    assert own_view.status_code == 200 and "waiting for a moderator" in own_view.content.decode()
    other_client = signed_in(other)
    assert other_client.get(question.get_absolute_url()).status_code == 404
    assert "First question from a newcomer" not in other_client.get(reverse("community:question-list")).content.decode()

    moderation.item_keep(item=item, moderator=moderator)
    question.refresh_from_db()
    assert question.moderation_status == "visible"
    page = other_client.get(question.get_absolute_url())
    assert page.status_code == 200 and "First question from a newcomer" in page.content.decode()
    assert "waiting for a moderator" not in page.content.decode()


def test_third_post_after_two_approved_appears_at_once(moderator):
    member = UserFactory()
    client = signed_in(member)
    for n in range(2):
        question = ask_through_the_site(client, f"Early question number {n}")
        assert question.moderation_status == "held"
        moderation.item_keep(item=question.review_item, moderator=moderator)
    third = ask_through_the_site(client, "Third question, no longer new")
    assert third.moderation_status == "visible"
    assert not ReviewItem.objects.filter(question=third).exists()
    assert signed_in(UserFactory()).get(third.get_absolute_url()).status_code == 200


def test_a_hidden_held_post_does_not_count_towards_lifting_the_hold(moderator):
    member = UserFactory()
    client = signed_in(member)
    first = ask_through_the_site(client, "A first try")
    moderation.item_hide(item=first.review_item, moderator=moderator)
    second = ask_through_the_site(client, "A second try")
    assert second.moderation_status == "held"


def test_hold_word_holds_a_post_from_an_established_member(settings):
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 0
    WordListEntry.objects.create(kind=WordListEntry.Kind.HOLD, phrase="miracle cure")
    question = ask_through_the_site(
        signed_in(UserFactory()), "Have you heard of this?", body="A Miracle  Cure sold online, 99 dollars"
    )
    assert question.moderation_status == "held"
    item = question.review_item
    assert item.hold_reason == HoldReason.HOLD_WORD and "miracle cure" in item.matched_words


def test_staff_posts_are_never_held():
    question = ask_through_the_site(signed_in(UserFactory(is_staff=True)), "A note from the team")
    assert question.moderation_status == "visible"


def test_pages_count_only_what_readers_see(moderator):
    """While a newcomer's answer and comment wait, other members read "0 answers" and
    "0 comments"; the counts rise when a moderator approves them."""
    question = ask(UserFactory(), title="What helped with neuropathy from Velcade?")
    newcomer = signed_in(UserFactory())
    for url, body in [
        (reverse("community:answer-create", args=[question.pk]), "Warm socks and B vitamins, ask first."),
        (reverse("community:comment-create", args=[question.thread_id]), "Following, same problem here."),
    ]:
        assert newcomer.post(url, {"body": body, "website": ""}).status_code == 302
    assert ReviewItem.objects.held().count() == 2
    reader = signed_in(UserFactory())
    page = reader.get(question.get_absolute_url()).content.decode()
    assert "0 answers" in page and "0 comments" in page

    for item in ReviewItem.objects.held():
        moderation.item_keep(item=item, moderator=moderator)
    page = reader.get(question.get_absolute_url()).content.decode()
    assert "1 answer<" in page and "1 comment<" in page


def test_a_held_post_its_author_deletes_leaves_the_queue(moderator):
    """Nothing is left to decide, so moderators do not spend time on it."""
    newcomer = UserFactory()
    question = ask_through_the_site(signed_in(UserFactory()), "A question to answer")
    moderation.item_keep(item=question.review_item, moderator=moderator)
    answer = discussion.answer_create(author=newcomer, question=question, body="My first answer, waiting.")
    assert answer.is_held and ReviewItem.objects.get(answer=answer).is_open

    discussion.answer_remove(answer=answer, member=newcomer)

    item = ReviewItem.objects.get(answer=answer)
    assert item.status == ReviewItem.Status.WITHDRAWN and not item.is_open
    assert not ReviewItem.objects.open().filter(answer=answer).exists()


def test_a_held_post_with_crisis_words_stays_for_a_moderator_after_deletion(moderator):
    """Someone who may be at risk and then deletes their words still needs a moderator."""
    WordListEntry.objects.create(kind=WordListEntry.Kind.CRISIS, phrase="no reason to go on")
    newcomer = UserFactory()
    question = ask_through_the_site(signed_in(newcomer), "Tired of all this", body="I feel no reason to go on.")
    assert question.is_held
    discussion.question_remove(question=question, member=newcomer)
    item = ReviewItem.objects.get(question=question)
    assert item.is_open and item.at_risk
