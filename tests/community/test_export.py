"""Data export: a JSON download holding every model that refers to the member, and no secrets."""

import json

import pytest
from allauth.socialaccount.models import SocialAccount
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse


def models_pointing_at_user():
    """Found independently of the code under test: every FK or one-to-one to the user model."""
    user_model = get_user_model()
    labels = set()
    for model in apps.get_models():
        for field in model._meta.fields:
            if field.is_relation and field.related_model is user_model and (field.many_to_one or field.one_to_one):
                labels.add(f"{model._meta.label_lower}.{field.name}")
    return labels


@pytest.fixture
def export(member_client, member):
    member.profile.city = "Duluth"
    member.profile.save()
    member.profile.treatments.add("Velcade")
    SocialAccount.objects.create(user=member, provider="google", uid="g-123", extra_data={"name": "M"})
    response = member_client.post(reverse("community:settings-export"))
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_export_is_private_json_download(export):
    """The file downloads as JSON and is never stored by a browser or proxy cache."""
    assert export["Content-Type"].startswith("application/json")
    assert export["Cache-Control"] == "no-store"
    assert export["Content-Disposition"].startswith("attachment;")


@pytest.mark.django_db
def test_export_contains_every_model_referring_to_member(export):
    """Walks apps.get_models(): every model with a key to the member has its section."""
    data = json.loads(export.content)["data"]
    expected = models_pointing_at_user()
    assert {"community.profile.user", "account.emailaddress.user"} <= expected  # the walk found the obvious ones
    missing = expected - set(data)
    assert not missing, f"export leaves out {sorted(missing)}"


@pytest.mark.django_db
def test_export_holds_members_data_but_no_secrets(export, member):
    payload = json.loads(export.content)
    assert payload["account"]["email"] == member.email
    profile_rows = payload["data"]["community.profile.user"]
    assert profile_rows[0]["city"] == "Duluth"
    assert profile_rows[0]["treatments"] == ["Velcade"]
    assert payload["data"]["socialaccount.socialaccount.user"][0]["uid"] == "g-123"
    assert member.password not in export.content.decode()
    assert "password" not in payload["account"]


@pytest.mark.django_db
def test_export_page_needs_post_to_download(member_client):
    response = member_client.get(reverse("community:settings-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
