"""Comment and answer fragments are rendered once and shared between members, yet each
member sees their own controls, and any change (text, reactions, name, anonymity) shows at once."""

import re

import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from community.services import discussion, reactions
from community.services.discussion import thread_for_owner
from community.services.profiles import update_profile
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


class Renders:
    """Counts how often a template is rendered (Django's test signal)."""

    def __init__(self, name):
        self.name, self.count = name, 0

    def __enter__(self):
        template_rendered.connect(self._seen)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self._seen)

    def _seen(self, sender, template, **kwargs):
        self.count += template.name == self.name


@pytest.fixture
def people():
    return UserFactory(display_name="Alma Author"), UserFactory(display_name="Bert Reader"), UserFactory()


@pytest.fixture
def article_page(people):
    author, _reader, _third = people
    article = ArticleFactory()
    thread = thread_for_owner(article)
    first = comment(author, thread, body="Steroid days are the hardest for me.")
    comment(people[2], thread, body="Walking in the morning helps my sleep.")
    return article.get_absolute_url(), first


def test_second_member_gets_the_shared_fragments_without_rendering(people, article_page):
    url, _first = article_page
    client_for(people[1]).get(url)  # renders and stores the fragments
    with Renders("community/comments/_comment.html") as renders:
        page = client_for(people[2]).get(url).text
    assert "Steroid days are the hardest for me." in page
    assert renders.count == 1  # only the third member's own comment differs (their Edit link)


def test_edit_links_only_for_the_author_even_when_shared(people, article_page):
    url, first = article_page
    edit = reverse("community:comment-edit", args=[first.pk])
    assert edit in client_for(people[0]).get(url).text
    assert edit not in client_for(people[1]).get(url).text
    assert edit in client_for(people[0]).get(url).text


def test_reaction_shows_pressed_for_the_member_who_gave_it_only(people, article_page):
    url, first = article_page
    client_for(people[2]).get(url)
    reactions.reaction_toggle(member=people[1], post=first, kind="hug")
    hug_button = re.compile(rf'comment/{first.pk}/hug/.*?aria-pressed="(\w+)">Hug <span class="count">(\d+)', re.S)
    mine = hug_button.search(client_for(people[1]).get(url).text).groups()
    theirs = hug_button.search(client_for(people[2]).get(url).text).groups()
    assert mine == ("true", "1") and theirs == ("false", "1")


def test_edit_name_and_anonymity_changes_show_at_once(people, article_page):
    url, first = article_page
    reader = client_for(people[1])
    assert "Alma Author" in reader.get(url).text
    discussion.comment_edit(comment=first, editor=people[0], body="Steroid days got easier with a lower dose.")
    assert "got easier with a lower dose" in reader.get(url).text
    profile = people[0].profile
    update_profile(profile=profile, display_name="Alma Renamed", cleaned_data={})
    assert "Alma Renamed" in reader.get(url).text
    update_profile(profile=profile, display_name="Alma Renamed", cleaned_data={"post_anonymously": True})
    page = reader.get(url).text
    assert "Alma Renamed" not in page and "A Myeloma Forum member" in page


def test_each_member_gets_their_own_csrf_token_and_page_address(people, article_page):
    url, first = article_page
    client_for(people[2]).get(url + "?order=newest")
    reader = Client(enforce_csrf_checks=True)
    reader.force_login(people[1])
    page = reader.get(url + "?order=newest").text
    tokens = set(CSRF.findall(page))
    assert len(tokens) == 1  # one fresh token everywhere, no other member's left in a fragment
    assert 'name="next" value="' + url + "?order=newest#comment-" in page
    action = reverse("community:reaction-toggle", args=["comment", first.pk, "helpful"])
    response = reader.post(action, {"csrfmiddlewaretoken": tokens.pop(), "next": url})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.helpful_count == 1


def test_answer_fragments_follow_accepting_and_new_comments(people):
    asker, helper, reader = people
    question = ask(asker)
    reply = answer(helper, question, body="My team lowered the dose first.")
    url = question.get_absolute_url()
    accept = reverse("community:answer-accept", args=[reply.pk])
    assert accept not in client_for(reader).get(url).text  # only the asker may choose
    assert accept in client_for(asker).get(url).text
    discussion.answer_accept(answer=reply, member=asker)
    assert "Most helpful to the person who asked" in client_for(reader).get(url).text
    comment(reader, question.thread, body="Same for my father.", answer=reply)
    assert "Same for my father." in client_for(helper).get(url).text
