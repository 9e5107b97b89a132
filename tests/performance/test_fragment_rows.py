"""Question and comment pages read each post's fragment key from a cheap row (values_list)
and load full posts only for fragments not in the cache (community/cache.py). These tests
pin that a row's key is exactly its instance's key (else every view would miss), that a
post changed between the two reads never leaves a fragment under the wrong key, and that
every change still shows at once to members, on the question page as on the article page."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.cache import post_fragment_key, render_posts
from community.models import Answer, Comment
from community.models.discussion import ModerationStatus
from community.services import discussion, reactions
from community.services.profiles import update_profile
from community.views.discussion import comment_rows, comment_source, thread_comments
from community.views.questions import answer_source, answers_for, comments_under
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import UserFactory
from tests.performance.test_fragment_cache import Renders, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return UserFactory(display_name="Alma Author"), UserFactory(display_name="Bert Reader"), UserFactory()


def _keys(posts, viewer, reacted=frozenset(), extra="x"):
    now = timezone.now()
    return [post_fragment_key(p, viewer_id=viewer.pk, reacted=reacted, now=now, extra=extra) for p in posts]


def _full_answers(question, viewer):
    rows = list(answers_for(question, 1, viewer).object_list)
    full = answer_source(question, viewer).load(rows)
    return rows, [full[r.pk] for r in rows]


def test_row_keys_are_the_instance_keys_in_every_shape(people):
    """Anonymous posts, anonymous authors, pictures, former members, moderator notes,
    hidden, removed and held posts, the accepted answer, comments under answers."""
    asker, helper, reader = people
    shy = UserFactory(display_name="Shy Person")
    shy.profile.post_anonymously = True
    shy.profile.avatar_small.name = "avatars/shy-small.webp"
    shy.profile.save()
    question = ask(asker)
    plain = answer(helper, question, body="Plain answer.")
    hidden = answer(shy, question, body="Hidden answer.")
    accepted = answer(reader, question, body="Chosen answer.")
    gone = answer(UserFactory(), question, body="From a former member.")
    held = answer(reader, question, body="Waiting answer.")
    Answer.objects.filter(pk=hidden.pk).update(
        moderation_status=ModerationStatus.HIDDEN, moderation_note="Please see our article.", moderation_note_url="/a/"
    )
    Answer.objects.filter(pk=held.pk).update(moderation_status=ModerationStatus.HELD)
    Answer.objects.filter(pk=plain.pk).update(edited_at=timezone.now(), hug_count=3, helpful_count=2)
    discussion.answer_accept(answer=accepted, member=asker)
    anonymous = comment(shy, question.thread, body="Anonymous comment.", answer=plain)
    Comment.objects.filter(pk=anonymous.pk).update(is_anonymous=True)
    comment(helper, question.thread, body="Second comment.", answer=plain)
    removed = comment(reader, question.thread, body="Removed comment.", answer=accepted)
    discussion.comment_remove(comment=removed, member=reader)
    gone_author = gone.author
    gone_author.delete()
    question.refresh_from_db()

    for viewer in (reader, helper):  # the held answer is in the author's rows only
        rows, full = _full_answers(question, viewer)
        assert [r.pk for r in rows] == [a.pk for a in full]
        assert (held.pk in [r.pk for r in rows]) is (viewer == reader)
        assert rows[0].pk == accepted.pk and rows[0].is_accepted == full[0].is_accepted == 1
        reacted = {("answer", plain.pk, "hug"), ("comment", rows[1].comment_list[0].pk, "helpful")}
        assert _keys(rows, viewer, reacted) == _keys(full, viewer, reacted)
        nested = [c for r in rows for c in r.comment_list]
        loaded = [c for a in full for c in a.comment_list]
        assert [c.pk for c in nested] == [c.pk for c in loaded] and len(nested) == 3
        assert _keys(nested, viewer) == _keys(loaded, viewer)


def test_thread_comment_rows_with_replies_match_instances(people):
    author, reader, third = people
    question = ask(author)
    top = comment(author, question.thread, body="Top comment.")
    comment(reader, question.thread, body="A reply.", parent=top)
    comment(third, question.thread, body="Another top comment.")
    rows = comment_rows(thread_comments(question.thread, viewer=reader), reader)
    full = comment_source(reader).load(rows)
    instances = [full[r.pk] for r in rows]
    assert [len(r.reply_list) for r in rows] == [len(c.reply_list) for c in instances] == [1, 0]
    assert _keys(rows, reader) == _keys(instances, reader)


def _render(rows, viewer):
    return str(
        render_posts(
            rows,
            lambda post: f"<p>{post.pk}:{post.hug_count}:{post.moderation_status}</p>",
            viewer_id=viewer.pk,
            reacted=set(),
            csrf_token="t",
            next_path="/",
        )
    )


def test_a_post_changed_between_the_two_reads_is_stored_under_its_new_key(people):
    """The key is read first, the full post later: what is rendered must be stored under
    the key of what was rendered, or a later view in the old state would get this HTML."""
    author, reader, _third = people
    question = ask(author)
    first = answer(author, question, body="An answer.")
    cache.clear()
    stale_rows = list(answers_for(question, 1, reader).object_list)
    Answer.objects.filter(pk=first.pk).update(hug_count=5)  # someone hugs it in between
    assert f"<p>{first.pk}:5:visible</p>" in _render(stale_rows, reader)
    assert cache.get(_keys(stale_rows, reader, extra="")[0]) is None  # nothing under the 0-hug key
    Answer.objects.filter(pk=first.pk).update(hug_count=0)  # and takes the hug back
    fresh_rows = list(answers_for(question, 1, reader).object_list)
    assert f"<p>{first.pk}:0:visible</p>" in _render(fresh_rows, reader)


def test_a_post_held_between_the_two_reads_is_left_out(people):
    author, reader, _third = people
    question = ask(author)
    kept = answer(reader, question, body="Stays.")
    later_held = answer(author, question, body="Held by a moderator in between.")
    cache.clear()
    rows = list(answers_for(question, 1, reader).object_list)
    Answer.objects.filter(pk=later_held.pk).update(moderation_status=ModerationStatus.HELD)
    html = _render(rows, reader)
    assert f"<p>{kept.pk}:" in html and f"<p>{later_held.pk}:" not in html


def test_comments_under_answers_come_with_the_full_answer(people):
    author, reader, _third = people
    question = ask(author)
    first = answer(author, question)
    note = comment(reader, question.thread, body="Under the answer.", answer=first)
    assert [c.pk for c in comments_under([first], reader)[first.pk]] == [note.pk]


# --- on the question page: every change shows at once, to members only ---------------------


@pytest.fixture
def question_page(people):
    author, helper, _reader = people
    question = ask(author)
    reply = answer(helper, question, body="Ask your team about a lower dose.")
    under = comment(author, question.thread, body="That worked for my father.", answer=reply)
    return question, reply, under


def test_second_member_gets_answers_from_the_cache_without_loading_them(people, question_page):
    question, _reply, _under = question_page
    url = question.get_absolute_url()
    client_for(people[0]).get(url)
    client_for(people[1]).get(url)  # the helper's own answer differs (Edit link): now stored too
    with Renders("community/questions/_answer.html") as renders:
        page = client_for(people[1]).get(url).text
    assert "Ask your team about a lower dose." in page and renders.count == 0


def test_answer_edit_rename_reaction_and_hide_show_at_once(people, question_page):
    asker, helper, reader = people
    question, reply, under = question_page
    url = question.get_absolute_url()
    client = client_for(reader)
    assert "Ask your team about a lower dose." in client.get(url).text
    discussion.answer_edit(answer=reply, editor=helper, body="Ask your team about a lower dose, it helped.")
    assert "lower dose, it helped." in client.get(url).text
    update_profile(profile=helper.profile, display_name="Helper Renamed", cleaned_data={})
    assert "Helper Renamed" in client.get(url).text
    reactions.reaction_toggle(member=asker, post=under, kind="hug")
    hug = re.compile(rf'comment/{under.pk}/hug/.*?aria-pressed="(\w+)">Hug <span class="count">(\d+)', re.S)
    assert hug.search(client.get(url).text).groups() == ("false", "1")
    assert hug.search(client_for(asker).get(url).text).groups() == ("true", "1")
    discussion.post_moderated(reply, ModerationStatus.HIDDEN)
    page = client.get(url).text
    assert "This answer was removed by a moderator." in page and "it helped." not in page


def test_a_held_answer_is_shown_to_its_author_only_even_when_cached(people, question_page):
    asker, helper, reader = people
    question, reply, _under = question_page
    url = question.get_absolute_url()
    Answer.objects.filter(pk=reply.pk).update(moderation_status=ModerationStatus.HELD)
    assert "Ask your team about a lower dose." in client_for(helper).get(url).text  # stored for the author
    for other in (client_for(reader), client_for(asker)):
        assert "Ask your team about a lower dose." not in other.get(url).text
    visitor = Client().get(url).text
    assert "Ask your team about a lower dose." not in visitor and "That worked for my father." not in visitor


def test_a_held_comment_under_an_answer_is_shown_to_its_author_only(people, question_page):
    asker, _helper, reader = people
    question, _reply, under = question_page
    url = question.get_absolute_url()
    Comment.objects.filter(pk=under.pk).update(moderation_status=ModerationStatus.HELD)
    assert "That worked for my father." in client_for(asker).get(url).text
    assert "That worked for my father." not in client_for(reader).get(url).text
    assert reverse("community:comment-edit", args=[under.pk]) not in client_for(reader).get(url).text


def test_without_a_most_helpful_answer_answers_are_oldest_first_and_keys_agree(people):
    author, helper, reader = people
    question = ask(author)
    made = [answer(p, question, body=f"Answer {i}.") for i, p in enumerate((helper, reader, helper))]
    rows, full = _full_answers(question, reader)
    assert [r.pk for r in rows] == [a.pk for a in made]
    assert {r.is_accepted for r in rows} == {a.is_accepted for a in full} == {0}
    assert _keys(rows, reader) == _keys(full, reader)
    discussion.answer_accept(answer=made[2], member=author)
    question.refresh_from_db()
    rows, full = _full_answers(question, reader)
    assert [r.pk for r in rows] == [made[2].pk, made[0].pk, made[1].pk]
    assert _keys(rows, reader) == _keys(full, reader)
