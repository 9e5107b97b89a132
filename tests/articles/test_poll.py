"""The poll: visitor gate, one ballot per member, results hidden below 10 voters, exact under races."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from articles.models import Ballot, Poll, PollChoice
from articles.services import AlreadyVoted, poll_vote
from tests.conftest import postgres_only
from tests.factories import PollChoiceFactory, PollFactory, UserFactory


@pytest.fixture
def poll(db):
    poll = PollFactory()
    for text in ("Proteasome inhibitors", "CAR T-cell therapy", "Bispecific T-cell engagers"):
        PollChoiceFactory(poll=poll, text=text)
    return poll


def _vote_url(poll):
    return f"/articles/{poll.article.slug}/poll/"


def test_visitor_sees_question_and_gate_but_no_counts(client, poll):
    """Not signed in: the question, the choices, the sign-up gate, no form, no numbers."""
    for _ in range(11):
        poll_vote(poll=poll, voter=UserFactory(), choice_ids=[poll.choices.first().pk])
    html = client.get(poll.article.get_absolute_url()).content.decode()
    section = html[html.index('id="poll"') : html.index("</section>", html.index('id="poll"'))]
    assert "Which treatments have you received?" in section
    assert "Sign up to view the results" in section
    assert "Continue with Facebook" in section and "Continue with your e-mail" in section
    assert 'href="/accounts/signup/"' in section
    # Facebook is not configured in tests, so its button must not lead to a 404.
    facebook_href = section.split("Continue with Facebook")[0].rsplit('href="', 1)[1].split('"')[0]
    assert client.get(facebook_href).status_code == 200
    assert "<meter" not in section and "<form" not in section and "members have answered" not in section


def test_visitor_post_goes_to_login(client, poll):
    """Voting needs a signed-in member; visitors are sent to sign in and nothing is saved."""
    response = client.post(_vote_url(poll), {"choices": [poll.choices.first().pk]})
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Ballot.objects.count() == 0


def test_member_votes_once_and_second_vote_is_refused(member_client, member, poll):
    """The first vote is saved; the second gets a plain message and changes nothing."""
    first, second = poll.choices.all()[:2]
    response = member_client.post(_vote_url(poll), {"choices": [first.pk, second.pk]}, follow=True)
    assert "Thank you, your answer is saved." in response.content.decode()
    response = member_client.post(_vote_url(poll), {"choices": [second.pk]}, follow=True)
    assert "You have already answered this poll. Each member can vote once." in response.content.decode()
    ballot = Ballot.objects.get()
    assert ballot.voter == member and set(ballot.choices.all()) == {first, second}


def test_empty_or_foreign_choice_is_refused(member_client, poll):
    """No answer ticked, or a choice from another poll: a clear message, nothing saved."""
    response = member_client.post(_vote_url(poll), {}, follow=True)
    assert "Please tick at least one answer" in response.content.decode()
    other = PollChoiceFactory()
    response = member_client.post(_vote_url(poll), {"choices": [other.pk]}, follow=True)
    assert "not part of this poll" in response.content.decode()
    assert Ballot.objects.count() == 0


def test_unverified_member_cannot_vote(client, poll):
    """Only members who may post (confirmed e-mail) can vote."""
    client.force_login(UserFactory(verified=False))
    client.post(_vote_url(poll), {"choices": [poll.choices.first().pk]})
    assert Ballot.objects.count() == 0


def test_database_refuses_a_second_ballot(poll, member):
    """The unique constraint itself, not just the view, guarantees one ballot per member."""
    poll_vote(poll=poll, voter=member, choice_ids=[poll.choices.first().pk])
    with pytest.raises(AlreadyVoted):
        poll_vote(poll=poll, voter=member, choice_ids=[poll.choices.last().pk])
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(poll=poll, voter=member)


def test_closed_poll_refuses(poll, member):
    poll.is_open = False
    poll.save()
    with pytest.raises(ValidationError):
        poll_vote(poll=poll, voter=member, choice_ids=[poll.choices.first().pk])


def test_results_hidden_until_ten_members_voted(client, poll):
    """With 9 voters a member who voted sees a wait message; at 10 the bar chart with counts appears."""
    first = poll.choices.first()
    voters = [UserFactory() for _ in range(10)]
    for voter in voters[:9]:
        poll_vote(poll=poll, voter=voter, choice_ids=[first.pk])
    client.force_login(voters[0])
    html = client.get(poll.article.get_absolute_url()).content.decode()
    assert "once at least 10 members have answered" in html and "<meter" not in html
    poll_vote(poll=poll, voter=voters[9], choice_ids=[first.pk, poll.choices.last().pk])
    html = client.get(poll.article.get_absolute_url()).content.decode()
    assert "10 members have answered" in html
    assert '<meter min="0" max="100" value="100"' in html
    assert "100% (10 members)" in html and "10% (1 member)" in html
    assert "style=" not in html  # CSP forbids inline styles; the chart needs none


def test_member_who_has_not_voted_sees_the_form_not_results(client, poll):
    for _ in range(12):
        poll_vote(poll=poll, voter=UserFactory(), choice_ids=[poll.choices.first().pk])
    client.force_login(UserFactory())
    html = client.get(poll.article.get_absolute_url()).content.decode()
    assert 'type="checkbox" name="choices"' in html and "<meter" not in html


def _race(poll, voters, choice_ids):
    barrier = threading.Barrier(len(voters))
    errors = []

    def vote(voter):
        try:
            barrier.wait()
            poll_vote(poll=poll, voter=voter, choice_ids=choice_ids)
        except AlreadyVoted:
            errors.append("already")
        finally:
            connection.close()  # each thread has its own connection; close it

    threads = [threading.Thread(target=vote, args=(v,)) for v in voters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_voters_give_exact_counts():
    """8 members voting at the same moment on PostgreSQL: 8 ballots, every count exact."""
    poll = PollFactory()
    a, b = PollChoiceFactory(poll=poll), PollChoiceFactory(poll=poll)
    voters = [UserFactory() for _ in range(8)]
    errors = _race(poll, voters, [a.pk, b.pk])
    assert errors == []
    annotated = Poll.objects.with_counts_for(None).get(pk=poll.pk)
    assert annotated.voter_count == 8
    assert [c.votes for c in PollChoice.objects.filter(poll=poll).with_votes()] == [8, 8]
    connections.close_all()


@postgres_only()
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_member_voting_eight_times_at_once_counts_once():
    """The same member sending 8 votes at once: exactly one ballot, seven clear refusals."""
    poll = PollFactory()
    choice = PollChoiceFactory(poll=poll)
    member = UserFactory()
    errors = _race(poll, [member] * 8, [choice.pk])
    assert errors == ["already"] * 7
    assert Ballot.objects.filter(poll=poll).count() == 1
    connections.close_all()
