"""Suspensions: for a period or for good, with a reason the member sees; a
suspended member reads but is refused on every posting route; all their sessions
end; posting works again once the period is over."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.models import Answer, AuditLogEntry, Comment, Question, Reaction, Report, User
from community.services import moderation
from tests.community.discussion_helpers import answer, ask
from tests.factories import PollChoiceFactory, UserFactory

pytestmark = pytest.mark.django_db

REASON = "repeated rude replies"


@pytest.fixture
def moderator():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def world():
    author = UserFactory()
    question = ask(author, title="What helped your neuropathy?", body="My feet tingle all day.")
    reply = answer(author, question, body="Vitamin B checks helped me.")
    choice = PollChoiceFactory()
    return {"question": question, "answer": reply, "choice": choice}


def posting_routes(world):
    """(name, url, data, rows_that_must_not_grow) for every route where a member writes."""
    q, a, choice = world["question"], world["answer"], world["choice"]
    article = choice.poll.article

    def body(text):
        return {"body": text, "website": ""}

    return [
        ("comment", reverse("community:comment-create", args=[q.thread_id]), body("A fresh thought."), Comment),
        (
            "comment on an answer",
            reverse("community:comment-create", args=[q.thread_id]),
            {**body("Same here, thank you."), "answer": a.pk},
            Comment,
        ),
        (
            "question",
            reverse("community:question-ask"),
            {**body("How long did your fatigue last?"), "title": "A brand new question here"},
            Question,
        ),
        ("answer", reverse("community:answer-create", args=[q.pk]), body("Mine eased after a month."), Answer),
        ("hug", reverse("community:reaction-toggle", args=["question", q.pk, "hug"]), {}, Reaction),
        ("helpful", reverse("community:reaction-toggle", args=["answer", a.pk, "helpful"]), {}, Reaction),
        ("poll vote", reverse("articles:poll-vote", args=[article.slug]), {"choices": [choice.pk]}, None),
        ("report", reverse("community:report-post", args=["answer", a.pk]), {"reason": "spam"}, Report),
    ]


def _count(model, choice):
    if model is None:
        return choice.poll.ballots.count()
    return model.objects.count()


def test_suspended_member_is_refused_on_every_posting_route_then_posts_after_the_period(world, moderator):
    member = UserFactory()
    moderation.member_suspend(member=member, moderator=moderator, days=3, reason=REASON)
    client = Client()
    client.force_login(member)  # reading is still allowed: they may sign in again
    for name, url, data, model in posting_routes(world):
        before = _count(model, world["choice"])
        response = client.post(url, data, follow=True)
        page = response.content.decode()
        assert REASON in page, f"{name}: no clear refusal ({response.status_code})"
        assert _count(model, world["choice"]) == before, f"{name}: something was saved"
    # Reading still works.
    assert client.get(world["question"].get_absolute_url()).status_code == 200

    # The period ends (the date passes): nothing to lift by hand.
    User.objects.filter(pk=member.pk).update(suspended_until=timezone.now() - timedelta(seconds=1))
    for name, url, data, model in posting_routes(world):
        before = _count(model, world["choice"])
        response = client.post(url, data, follow=True)
        assert REASON not in response.content.decode(), name
        assert _count(model, world["choice"]) == before + 1, f"{name}: not saved after the suspension ended"


def test_suspension_ends_every_session_and_is_logged(moderator):
    member = UserFactory()
    phone, laptop = Client(), Client()
    phone.force_login(member)
    laptop.force_login(member)
    assert phone.get(reverse("community:settings")).status_code == 200
    with_commit = pytest.importorskip("django.test").TestCase.captureOnCommitCallbacks
    with with_commit(execute=True):
        moderation.member_suspend(member=member, moderator=moderator, days=7, reason=REASON)
    for client in (phone, laptop):
        response = client.get(reverse("community:settings"))
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    entry = AuditLogEntry.objects.get(action="suspend")
    assert entry.actor == moderator and entry.member == member and entry.reason == REASON
    assert "7 days" in entry.details


def test_permanent_suspension_says_so(moderator):
    from community.services.accounts import posting_refusal_reason

    member = UserFactory()
    moderation.member_suspend(member=member, moderator=moderator, days=None, reason="spam links")
    member.refresh_from_db()
    assert member.is_suspended
    message = posting_refusal_reason(member)
    assert "no longer post" in message and "spam links" in message and "9999" not in message


def test_a_reason_is_required(moderator):
    with pytest.raises(moderation.ModerationRefused, match="reason"):
        moderation.member_suspend(member=UserFactory(), moderator=moderator, days=1, reason=" ")
