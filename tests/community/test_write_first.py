"""Write first, join after: visitors post from the comment box with a name and an e-mail address."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client, TestCase
from django.urls import reverse

from community.models import Comment, PendingPost, Question, User
from community.services import discussion
from tests.factories import DEFAULT_PASSWORD, ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db

BODY = "I have been on this treatment for two years and the tiredness got better after six months."


@pytest.fixture
def article():
    return ArticleFactory(title="Refractory myeloma: treatment options")


def comment_url(article):
    return reverse("community:write-first-comment-for", args=["article", article.pk])


def committed_post(client, url, data=None, **kwargs):
    """A POST whose after-commit work (the e-mail task) runs, as it does outside tests."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **kwargs)


def submit(client, article, *, email="new.visitor@example.com", name="Rosa", body=BODY, **extra):
    return committed_post(client, comment_url(article), {"name": name, "email": email, "body": body, **extra})


def link_from(message):
    return re.search(r"https?://\S+/write-first/confirm/[^/\s]+/", message.body).group(0)


def path_of(link):
    return link[link.index("/write-first/") :]


def normalised(response):
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'nonce="[^"]+"', "NONCE", html)


# --- the box -------------------------------------------------------------------------------


def test_visitor_sees_comment_box_with_name_email_consent_and_other_ways_in(client, article):
    html = client.get(article.get_absolute_url()).content.decode()
    box = html[html.index('id="write-first-form"') :]
    assert 'name="name"' in box and 'name="email"' in box and 'name="body"' in box
    assert "we open a free member account for you" in box  # the consent sentence
    assert "Continue with Facebook" in html and "Continue with your e-mail" in html


def test_member_does_not_get_the_visitor_box(member_client, article):
    html = member_client.get(article.get_absolute_url()).content.decode()
    assert 'id="write-first-form"' not in html
    assert 'name="body"' in html


def test_visitor_question_page_has_the_box(client):
    question = discussion.question_ask(author=UserFactory(), title="Why was my dexamethasone stopped?", body="x" * 20)
    html = client.get(question.get_absolute_url()).content.decode()
    assert reverse("community:write-first-comment", args=[question.thread_id]) in html


# --- submitting ----------------------------------------------------------------------------


def test_submit_keeps_pending_with_new_unverified_account_and_sends_one_email(client, article):
    response = submit(client, article)
    assert response.status_code == 302 and response["Location"] == reverse("community:write-first-sent")
    pending = PendingPost.objects.get()
    user = pending.author
    assert pending.new_account and pending.body == BODY and pending.thread.url == article.get_absolute_url()
    assert user.display_name == "Rosa" and not user.has_usable_password()
    assert EmailAddress.objects.get(user=user).verified is False
    assert not Comment.objects.exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.visitor@example.com"]
    assert message.subject.endswith("Confirm your address to publish your comment")
    assert "/write-first/confirm/" in message.body and "/write-first/confirm/" in message.alternatives[0][0]
    assert BODY not in message.body  # the visitor's words are never e-mailed (no spam relay)


def test_pending_comment_is_never_shown(article):
    visitor, member = Client(), Client()
    member.force_login(UserFactory())
    submit(visitor, article, body="A secret pending text that nobody may read yet.")
    assert "secret pending text" not in visitor.get(article.get_absolute_url()).content.decode()
    assert "secret pending text" not in member.get(article.get_absolute_url()).content.decode()


def test_same_answer_for_known_and_unknown_address(article):
    UserFactory(email="known.member@example.com")
    answers = []
    for address in ("known.member@example.com", "unknown.person@example.com"):
        client = Client()
        response = submit(client, article, email=address)
        page = client.get(response["Location"])
        answers.append((response.status_code, response["Location"], normalised(page)))
    assert answers[0] == answers[1]
    assert len(mail.outbox) == 2


# --- confirming ----------------------------------------------------------------------------


def test_link_publishes_signs_in_and_lands_on_the_comment(client, article):
    submit(client, article)
    link = path_of(link_from(mail.outbox[0]))
    page = client.get(link)
    assert page.status_code == 200 and BODY in page.content.decode()
    assert not Comment.objects.exists()  # opening the link alone (a mail scanner) publishes nothing
    response = client.post(link)
    comment = Comment.objects.get()
    assert response["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"
    assert comment.body == BODY and comment.author.email == "new.visitor@example.com"
    assert EmailAddress.objects.get(user=comment.author).verified is True
    assert not PendingPost.objects.exists()
    landing = client.get(response["Location"])
    assert landing.wsgi_request.user == comment.author
    html = landing.content.decode()
    assert BODY in html and reverse("account_set_password") in html


def test_link_works_once(client, article):
    submit(client, article)
    link = path_of(link_from(mail.outbox[0]))
    client.post(link)
    again = Client().post(link)
    assert again.status_code == 400 and "does not work any more" in again.content.decode()
    assert Comment.objects.count() == 1


def test_altered_link_is_refused(client, article):
    submit(client, article)
    link = path_of(link_from(mail.outbox[0]))
    response = client.post(link[:-3] + "xx/")
    assert response.status_code == 400 and not Comment.objects.exists()


def test_link_expires_after_seven_days(client, article, monkeypatch):
    import time

    submit(client, article)
    link = path_of(link_from(mail.outbox[0]))
    later = time.time() + 8 * 86400
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    response = client.post(link)
    assert response.status_code == 400 and "older than 7 days" in response.content.decode()
    assert not Comment.objects.exists()


def test_existing_member_address_publishes_only_after_that_member_signs_in(article):
    owner = UserFactory(email="owner@example.com", display_name="Margaret")
    visitor = Client()
    submit(visitor, article, email="OWNER@example.com", name="Impostor")
    pending = PendingPost.objects.get()
    assert pending.author == owner and not pending.new_account
    owner.refresh_from_db()
    assert owner.display_name == "Margaret"  # the visitor's name changes nothing
    link = path_of(link_from(mail.outbox[0]))
    # Whoever holds the link but is not signed in as the owner gets a sign-in page; nothing is published.
    for response in (visitor.get(link), visitor.post(link)):
        assert response.status_code == 200 and "Please sign in to publish" in response.content.decode()
    assert not Comment.objects.exists()
    someone_else = Client()
    someone_else.force_login(UserFactory())
    someone_else.post(link)
    assert not Comment.objects.exists()
    # The owner signs in the normal way, comes back to the link, and publishes.
    owner_client = Client()
    login = owner_client.post(
        reverse("account_login"), {"login": "owner@example.com", "password": DEFAULT_PASSWORD, "next": link}
    )
    assert login.status_code == 302 and login["Location"] == link
    owner_client.post(link)
    comment = Comment.objects.get()
    assert comment.author == owner and comment.body == BODY


def test_question_from_ask_page(client):
    page = client.get(reverse("community:question-ask"))
    assert page.status_code == 200 and 'name="email"' in page.content.decode()
    response = committed_post(
        client,
        reverse("community:question-ask"),
        {"name": "Ann", "email": "ann@example.com", "title": "Why was my dexamethasone stopped?", "body": BODY,
         "topics": ["Dexamethasone"]},
    )  # fmt: skip
    assert response["Location"] == reverse("community:write-first-sent")
    assert mail.outbox[0].subject.endswith("Confirm your address to publish your question")
    assert not Question.objects.exists()
    client.post(path_of(link_from(mail.outbox[0])))
    question = Question.objects.get()
    assert question.author.email == "ann@example.com" and "Dexamethasone" in question.tags.names()


def test_member_still_asks_as_before(member_client):
    response = member_client.post(
        reverse("community:question-ask"), {"title": "Does neuropathy get better?", "body": BODY}
    )
    assert response.status_code == 302 and Question.objects.get().title == "Does neuropathy get better?"
    assert not PendingPost.objects.exists()


def test_account_deletion_takes_pending_posts(client, article):
    submit(client, article)
    User.objects.get(email="new.visitor@example.com").delete()
    assert not PendingPost.objects.exists()


def test_published_comment_is_subject_to_the_new_member_hold(client, settings, article):
    settings.FORUM_NEW_MEMBER_HOLD_POSTS = 2
    submit(client, article)
    response = committed_post(client, path_of(link_from(mail.outbox[0])))
    comment = Comment.objects.get()
    assert comment.moderation_status == "held"
    landing = client.get(response["Location"]).content.decode()
    assert "waiting for a moderator" in landing and BODY in landing  # the author sees it, marked
    other = Client()
    other.force_login(UserFactory())
    assert BODY not in other.get(article.get_absolute_url()).content.decode()


def test_export_lists_pending_posts_without_the_link_hash(client, article):
    from community.services.export import build_export

    submit(client, article)
    user = User.objects.get(email="new.visitor@example.com")
    rows = build_export(user)["data"]["community.pendingpost.author"]
    assert rows[0]["body"] == BODY and "token_hash" not in rows[0]


def test_visitor_comment_on_a_question_lands_in_its_thread(client):
    question = discussion.question_ask(author=UserFactory(), title="Why was my dexamethasone stopped?", body="x" * 20)
    url = reverse("community:write-first-comment", args=[question.thread_id])
    committed_post(client, url, {"name": "Lou", "email": "lou@example.com", "body": BODY})
    response = committed_post(client, path_of(link_from(mail.outbox[0])))
    comment = Comment.objects.get()
    assert comment.thread_id == question.thread_id
    assert response["Location"] == f"{question.get_absolute_url()}#comment-{comment.pk}"
