"""Question pages: members read and post; visitors see only counts, a teaser and the gate."""

import pytest
from django.urls import reverse

from community.models import Answer, Comment, Question
from tests.community.discussion_helpers import answer, ask, comment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def login(client, user=None):
    user = user or UserFactory()
    client.force_login(user)
    return user


def test_ask_posts_question_with_curated_and_free_tags(client):
    """A member asks with a curated topic and a free tag; the question page shows both."""
    login(client)
    response = client.post(
        reverse("community:question-ask"),
        {
            "title": "Why was my dexamethasone stopped?",
            "body": "I was on Revlimid and dex after Velcade, then dex was stopped.",
            "topics": ["Dexamethasone"],
            "other_tags": "steroids",
        },
    )
    question = Question.objects.get()
    assert response.status_code == 302 and response["Location"] == question.get_absolute_url()
    page = client.get(question.get_absolute_url())
    assert page.status_code == 200
    assert "Dexamethasone" in page.text and "steroids" in page.text
    assert page["X-Robots-Tag"].startswith("noindex")


def test_ask_form_errors_are_plain_and_keep_text(client):
    """Too short a title gets a plain message and the typed details stay in the form."""
    login(client)
    response = client.post(reverse("community:question-ask"), {"title": "Why?", "body": "Some details I typed."})
    assert response.status_code == 400
    assert "a bit short" in response.text
    assert "Some details I typed." in response.text
    assert Question.objects.count() == 0


def test_contact_details_need_confirmation(client):
    """Text with a phone number is held back with a warning until the member ticks the box."""
    login(client)
    question = ask(UserFactory())
    url = reverse("community:comment-create", args=[question.thread_id])
    body = "Call me on 555 123 4567 any time."
    first = client.post(url, {"body": body})
    assert first.status_code == 400 and "phone number" in first.text
    assert Comment.objects.count() == 0
    second = client.post(url, {"body": body, "confirm_contact": "on"})
    assert second.status_code == 302
    assert Comment.objects.count() == 1


def test_honeypot_refuses_bots(client):
    """A filled hidden field means a bot: nothing is posted."""
    login(client)
    question = ask(UserFactory())
    response = client.post(
        reverse("community:comment-create", args=[question.thread_id]), {"body": "Buy now", "website": "x"}
    )
    assert response.status_code == 400
    assert Comment.objects.count() == 0


def test_too_long_comment_gets_clear_message(client):
    """A comment over the limit is refused with the limit and length in plain words."""
    login(client)
    question = ask(UserFactory())
    response = client.post(reverse("community:comment-create", args=[question.thread_id]), {"body": "a" * 5001})
    assert response.status_code == 400
    assert "too long" in response.text and "5000" in response.text
    assert Comment.objects.count() == 0


def test_accepted_answer_shown_first(client):
    """The asker's "most helpful to me" answer comes first on the page."""
    asker = UserFactory()
    question = ask(asker)
    answer(UserFactory(), question, body="The first answer written.")
    later = answer(UserFactory(), question, body="The later but most helpful answer.")
    login(client, asker)
    client.post(reverse("community:answer-accept", args=[later.pk]))
    page = client.get(question.get_absolute_url()).text
    assert page.index("The later but most helpful answer.") < page.index("The first answer written.")
    assert "Most helpful to the person who asked" in page


def test_lists_newest_unanswered_active_and_by_tag(client):
    """The list sorts and filters: unanswered leaves out answered questions; a tag filters."""
    a = UserFactory()
    answered = ask(a, title="A question that has an answer", tags=["Relapse"])
    ask(a, title="A question still waiting", body="Nobody answered yet.")
    answer(UserFactory(), answered)
    login(client)
    unanswered = client.get(reverse("community:question-list") + "?sort=unanswered").text
    assert "A question still waiting" in unanswered and "A question that has an answer" not in unanswered
    by_tag = client.get(reverse("community:question-tag", args=["relapse"])).text
    assert "A question that has an answer" in by_tag and "A question still waiting" not in by_tag
    active = client.get(reverse("community:question-list") + "?sort=active").text
    assert active.index("A question that has an answer") < active.index("A question still waiting")


def test_visitor_sees_teaser_and_gate_without_names(client):
    """A visitor gets the counts, 200 characters and the sign-up gate; no name, no answers."""
    asker = UserFactory(display_name="Harriet")
    question = ask(asker, body="x" * 210 + " SECRET-AFTER-200")
    answer(UserFactory(display_name="Bernard"), question, body="An answer only members see.")
    response = client.get(question.get_absolute_url())
    assert response.status_code == 200
    text = response.text
    assert "Sign up to read and post comments" in text
    assert "Continue with Facebook" in text and "Continue with your e-mail" in text
    assert "Harriet" not in text and "Bernard" not in text
    assert "An answer only members see." not in text
    assert "SECRET-AFTER-200" not in text
    assert 'name="robots" content="noindex"' in text


def test_visitor_question_list_shows_no_titles(client):
    """The question list gives visitors a count and the gate, never titles."""
    ask(UserFactory(), title="A private worry about my treatment")
    text = client.get(reverse("community:question-list")).text
    assert "A private worry" not in text
    assert "Sign up to read and post comments" in text


def test_comment_read_more_uses_details_and_shows_edited(client):
    """A long comment is folded in <details> with the full text on the page; an edit shows "edited"."""
    from community.services import discussion

    author = UserFactory()
    question = ask(author)
    long = comment(author, question.thread, body="word " * 300 + "THE-END")
    discussion.comment_edit(comment=long, editor=author, body="word " * 300 + "THE-END-EDITED")
    login(client)
    text = client.get(question.get_absolute_url()).text
    assert "<summary>Read more</summary>" in text
    assert "THE-END-EDITED" in text
    assert ">edited<" in text
    assert '<time datetime="' in text and 'title="' in text


def test_comment_pagination_and_order(client):
    """Long threads are paginated; newest first puts the last comment on page one."""
    author = UserFactory()
    question = ask(author)
    Comment.objects.bulk_create(
        Comment(thread=question.thread, author=author, body=f"comment number {n:03d}", body_html=f"<p>c{n:03d}</p>")
        for n in range(60)
    )
    login(client)
    oldest = client.get(question.get_absolute_url()).text
    assert "c000" in oldest and "c059" not in oldest
    newest = client.get(question.get_absolute_url() + "?order=newest").text
    assert "c059" in newest and "c000" not in newest
    page2 = client.get(question.get_absolute_url() + "?page=2").text
    assert "c059" in page2


def test_notifications_page_and_mark_read(client):
    """The asker sees the folded notification with the bell count, opens it, and it is read."""
    asker = UserFactory()
    question = ask(asker)
    answer(UserFactory(display_name="Bernard"), question)
    answer(UserFactory(), question)
    login(client, asker)
    home = client.get("/").text
    assert "1 new" in home
    page = client.get(reverse("community:notification-list")).text
    assert "answered your question" in page and "2 new posts" in page
    from community.models import Notification

    notification = Notification.objects.get(recipient=asker)
    assert client.get(reverse("community:notification-open", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.is_unread  # a GET (a prefetcher, a scanner) marks nothing read
    opened = client.post(reverse("community:notification-open", args=[notification.pk]))
    assert opened.status_code == 302 and opened["Location"].startswith(f"/questions/{question.pk}/")
    notification.refresh_from_db()
    assert not notification.is_unread


def test_reaction_toggle_and_who_reacted(client):
    """A hug is added, listed under "who reacted", and a second press takes it back."""
    author = UserFactory()
    question = ask(author)
    c = comment(author, question.thread)
    hugger = login(client, UserFactory(display_name="Rosalind"))
    url = reverse("community:reaction-toggle", args=["comment", c.pk, "hug"])
    client.post(url)
    c.refresh_from_db()
    assert c.hug_count == 1
    listing = client.get(reverse("community:reaction-list", args=["comment", c.pk])).text
    assert "Rosalind" in listing
    client.post(url)
    c.refresh_from_db()
    assert c.hug_count == 0
    assert hugger.reactions.count() == 0


def test_anonymous_question_hides_name(client):
    """An anonymous question shows "A Myeloma Forum member" instead of the name."""
    asker = UserFactory(display_name="Penelope")
    question = ask(asker, is_anonymous=True)
    login(client)
    text = client.get(question.get_absolute_url()).text
    assert "A Myeloma Forum member" in text and "Penelope" not in text


def test_former_member_shown_after_account_deletion(client):
    """When the author's account is gone, the answer stays, by "a former member"."""
    asker, helper = UserFactory(), UserFactory(display_name="Gone")
    question = ask(asker)
    answer(helper, question, body="Still useful advice.")
    helper.delete()
    login(client)
    text = client.get(question.get_absolute_url()).text
    assert "Still useful advice." in text and "a former member" in text
    assert Answer.objects.get().author is None
