"""Account deletion: confirmed by password; afterwards no table holds the e-mail or name and no avatar file is left."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from tests.community.test_avatar_upload import gps_jpeg
from tests.factories import DEFAULT_PASSWORD, UserFactory

EMAIL = "philomena.q@example.org"
NAME = "Philomena Quartermaine"


def rows_mentioning(*needles):
    """Scan every table's text values in the database, whatever model owns it."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                for value in row:
                    text = value if isinstance(value, str) else ""
                    if any(needle.lower() in text.lower() for needle in needles):
                        found.append((table, text[:80]))
    return found


@pytest.fixture
def doomed(client, django_capture_on_commit_callbacks, settings):
    user = UserFactory(email=EMAIL, display_name=NAME)
    user.profile.city = "Scranton"
    user.profile.about = f"I am {NAME}"
    user.profile.save()
    user.profile.treatments.add("Darzalex")
    SocialAccount.objects.create(user=user, provider="facebook", uid="fb-1", extra_data={"email": EMAIL, "name": NAME})
    LogEntry.objects.create(
        user=UserFactory(is_staff=True),
        content_type=ContentType.objects.get_for_model(get_user_model()),
        object_id=str(user.pk),
        object_repr=NAME,
        action_flag=CHANGE,
    )
    client.force_login(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("community:settings-avatar"), {"avatar": SimpleUploadedFile("me.jpg", gps_jpeg())})
    user.profile.refresh_from_db()
    assert user.profile.has_avatar
    assert rows_mentioning(EMAIL, NAME)  # the scan does see the member before deletion
    return user


@pytest.mark.django_db
def test_wrong_password_deletes_nothing(client, doomed):
    response = client.post(reverse("community:settings-delete"), {"password": "not-it", "confirm": "on"})
    assert response.status_code == 200
    assert "That password is not right" in response.content.decode()
    assert get_user_model().objects.filter(pk=doomed.pk).exists()


@pytest.mark.django_db
def test_deletion_leaves_no_trace(client, doomed, settings, django_capture_on_commit_callbacks):
    """After deletion: signed out, no row anywhere mentions the e-mail or name, no avatar file remains."""
    avatar_dir = settings.MEDIA_ROOT / "avatars"
    assert any(avatar_dir.iterdir())
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("community:settings-delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=doomed.pk).exists()
    assert rows_mentioning(EMAIL, NAME) == []
    assert list(avatar_dir.iterdir()) == []
    # The old session is gone too: the settings page now asks to sign in.
    assert client.get(reverse("community:settings"))["Location"].startswith(reverse("account_login"))


@pytest.mark.django_db
def test_deletion_ends_other_sessions(client, doomed, django_capture_on_commit_callbacks):
    """A second browser signed in as the member is signed out as well."""
    from django.test import Client

    other = Client()
    other.force_login(doomed)
    assert other.get(reverse("community:settings")).status_code == 200
    client.post(reverse("community:settings-delete"), {"password": DEFAULT_PASSWORD, "confirm": "on"})
    assert other.get(reverse("community:settings")).status_code == 302


@pytest.mark.django_db
def test_posts_by_others_keep_author_fks_nullable():
    """Agreed interface: every key from another model to the user is SET_NULL or CASCADE, never PROTECT,
    so deletion always succeeds and posts lose their author instead of blocking it."""
    from django.apps import apps
    from django.db.models import PROTECT, RESTRICT

    user_model = get_user_model()
    blocking = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.fields
        if field.is_relation
        and field.related_model is user_model
        and field.remote_field.on_delete in (PROTECT, RESTRICT)
    ]
    assert blocking == []
