"""A small world of real rows and one signed-in client per role, for the security walks."""

import hashlib

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.test import Client

from community.models import Notification
from community.models.profiles import Visibility
from community.tokens import preferences_token
from tests.community.discussion_helpers import answer, ask, comment
from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import ArticleFactory, PollChoiceFactory, PollFactory, SubscriberFactory, UserFactory
from tests.security.walker import World

PRIVATE_WORDS = ("Kalamazoo", "smouldering myeloma since 2016")

# Rows that a page view may legitimately touch: sessions and their "last seen" and
# the last login time.
VOLATILE_MODELS = {"sessions.session", "usersessions.usersession", "django_tasks_database.dbtaskresult"}
VOLATILE_FIELDS = {"last_login", "last_seen_at", "expire_date", "session_data"}


@pytest.fixture
def world(db):
    owner = UserFactory(email="owner.person@example.com", display_name="Owner Ostrander")
    owner.profile.city = PRIVATE_WORDS[0]
    owner.profile.about = f"Diagnosed with {PRIVATE_WORDS[1]}"
    # "Only me": even other members must never see these two.
    owner.profile.location_visibility = Visibility.ONLY_ME
    owner.profile.about_visibility = Visibility.ONLY_ME
    owner.profile.save()
    other = UserFactory(email="other.person@example.com", display_name="Other Oakley")
    article = ArticleFactory(tags=["velcade"])
    choice = PollChoiceFactory(poll=PollFactory(article=article))
    question = ask(owner, tags=["velcade"])
    first_answer = answer(owner, question)
    first_comment = comment(owner, question.thread, body="A comment the owner wrote about their week.")
    comment(other, question.thread, body="A reply from someone else.", parent=first_comment)
    subscriber = SubscriberFactory(email="reader.person@example.com")
    answer(other, question, body="Mine was stopped for sleep trouble.")  # the owner gets a notification
    notification = Notification.objects.filter(recipient=owner).first()
    return World(
        owner=owner,
        other=other,
        article=article,
        poll_choice=choice,
        question=question,
        question_slug=question.get_absolute_url().rstrip("/").rsplit("/", 1)[-1],
        answer=first_answer,
        comment=first_comment,
        notification=notification,
        subscriber=subscriber,
        preferences_token=preferences_token(subscriber),
        tag_slug="velcade",
        user_content_type_id=ContentType.objects.get_for_model(owner).pk,
    )


@pytest.fixture
def role_clients(world):
    """One client per role. Staff pass the admin login and a real TOTP code."""
    member = Client()
    member.force_login(world.owner)
    other = Client()
    other.force_login(world.other)
    return {
        "visitor": Client(),
        "member": member,
        "other": other,
        "moderator": signed_in_admin(staff_member("Moderators")),
        "editor": signed_in_admin(staff_member("Editors")),
    }


def _row_digest(model):
    fields = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE_FIELDS]
    rows = model._base_manager.order_by("pk").values_list(*fields)
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def database_state():
    """A digest of every row of every model (minus the volatile ones above)."""
    state = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in VOLATILE_MODELS or model._meta.proxy or not model._meta.managed:
            continue
        state[label] = _row_digest(model)
    return state


def changed_models(before, after):
    return sorted(label for label in before if before[label] != after.get(label))
