"""Reaction counts stay exact when 8 members react at once (PostgreSQL shows races; SQLite cannot)."""

import threading

import pytest
from django.db import close_old_connections, connection

from community.models import Question, Reaction
from community.services.reactions import reaction_toggle
from tests.community.discussion_helpers import ask
from tests.conftest import postgres_only
from tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, postgres_only(), pytest.mark.django_db(transaction=True)]
WORKERS = 8
ROUNDS = 5


def run_concurrently(functions):
    barrier = threading.Barrier(len(functions))
    errors = []

    def runner(fn):
        try:
            barrier.wait()
            fn()
        except Exception as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=runner, args=(fn,)) for fn in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_eight_members_hugging_at_once_count_exactly():
    """8 members each toggle hug and helpful 2*ROUNDS+1 times concurrently: every count is exact."""
    question = ask(UserFactory())
    members = [UserFactory() for _ in range(WORKERS)]

    def clicks(member):
        def go():
            for _ in range(2 * ROUNDS + 1):  # odd number of toggles: ends "on"
                reaction_toggle(member=member, post=question, kind="hug")
                reaction_toggle(member=member, post=question, kind="helpful")

        return go

    run_concurrently([clicks(m) for m in members])
    question = Question.objects.get(pk=question.pk)
    assert question.hug_count == WORKERS == Reaction.objects.filter(question=question, kind="hug").count()
    assert question.helpful_count == WORKERS == Reaction.objects.filter(question=question, kind="helpful").count()


def test_same_member_double_clicking_counts_once():
    """One member's 8 simultaneous first clicks make exactly one reaction and a count of one."""
    question = ask(UserFactory())
    member = UserFactory()
    run_concurrently([lambda: _add_once(member, question) for _ in range(WORKERS)])
    question = Question.objects.get(pk=question.pk)
    rows = Reaction.objects.filter(question=question, member=member, kind="hug").count()
    assert question.hug_count == rows


def _add_once(member, question):
    reaction_toggle(member=member, post=question, kind="hug")
