"""The community demo loader creates members and a kind conversation once; a rerun adds nothing."""

import io

import pytest

from community.demo import load_community_demo
from community.models import Answer, Comment, Question, Reaction

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent_and_complete():
    """First run: questions, answers, comments, reactions, a most helpful answer; second run: no change."""
    out = io.StringIO()
    assert load_community_demo(out) == 3
    counts = (Question.objects.count(), Answer.objects.count(), Comment.objects.count(), Reaction.objects.count())
    assert counts[0] == 3 and counts[1] >= 3 and counts[2] >= 3 and counts[3] >= 3
    dex = Question.objects.get(title__icontains="dexamethasone")
    assert dex.accepted_answer is not None and dex.answer_count == 2
    assert load_community_demo(io.StringIO()) == 0
    assert counts == (
        Question.objects.count(),
        Answer.objects.count(),
        Comment.objects.count(),
        Reaction.objects.count(),
    )
    assert "3 new questions" in out.getvalue()
