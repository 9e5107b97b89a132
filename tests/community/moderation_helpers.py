"""Builders for moderation tests: staff in the real groups, signed in through the
admin with a real TOTP code (the members' MFA middleware stays on)."""

import importlib

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from tests.community.test_admin_access import admin_login, current_code
from tests.factories import DEFAULT_PASSWORD, UserFactory


def ensure_role_groups():
    """The groups the roles migration made. Tests with transaction=True flush the tables
    between tests, so the migration's own function rebuilds them when they are gone."""
    if Group.objects.filter(name__in=["Moderators", "Editors"]).count() != 2:
        migration = importlib.import_module("community.migrations.0006_moderator_and_editor_groups")
        migration.create_groups(apps, None)


def staff_member(group_name, **kwargs):
    """A staff user in the "Moderators" or "Editors" group (made by the migration) with TOTP set up."""
    ensure_role_groups()
    user = UserFactory(is_staff=True, **kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    user.totp_secret = secret
    return user


def signed_in_admin(user):
    """A client that passed the admin login and the two-factor code."""
    client = Client()
    response = admin_login(client, user.email, DEFAULT_PASSWORD)
    assert response.status_code == 302, "the admin login failed"
    client.post(reverse("mfa_reauthenticate"), {"code": current_code(user.totp_secret)})
    assert client.get(reverse("admin:index")).status_code == 200, "two-factor did not open the admin"
    return client
