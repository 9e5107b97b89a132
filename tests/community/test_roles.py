"""Roles: moderators reach discussion content, reports, suspensions and notes but
not articles, passwords or permissions; editors reach articles and polls, not reports.
Both come from the migration's groups and pass the real two-factor door."""

import pytest
from django.urls import reverse

from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator_client():
    return signed_in_admin(staff_member("Moderators"))


@pytest.fixture
def editor_client():
    return signed_in_admin(staff_member("Editors"))


@pytest.mark.parametrize(
    "url_name",
    ["admin:articles_article_changelist", "admin:articles_article_add", "admin:auth_group_changelist",
     "admin:auth_group_add", "admin:community_user_add"],
)  # fmt: skip
def test_moderator_cannot_reach_articles_or_permissions(moderator_client, url_name):
    assert moderator_client.get(reverse(url_name)).status_code == 403


def test_moderator_cannot_change_a_password(moderator_client):
    member = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    assert moderator_client.get(url).status_code == 403
    response = moderator_client.post(url, {"password1": "new-pass-123456", "password2": "new-pass-123456"})
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.check_password("a-long-test-password-42")


def test_moderator_cannot_grant_permissions_but_can_suspend(moderator_client):
    member = UserFactory(display_name="Rosalind")
    url = reverse("admin:community_user_change", args=[member.pk])
    page = moderator_client.get(url).content.decode()
    assert 'name="groups"' not in page and 'name="is_superuser"' not in page and 'name="is_staff"' not in page
    assert 'name="suspended_until_0"' in page
    assert member.password not in page
    moderator_client.post(
        url,
        {
            "suspended_until_0": "2099-01-01", "suspended_until_1": "10:00", "suspension_reason": "rude replies",
            "is_superuser": "on", "is_staff": "on", "email": "taken@example.com",
            "moderation_notes-TOTAL_FORMS": "1", "moderation_notes-INITIAL_FORMS": "0",
            "moderation_notes-MIN_NUM_FORMS": "0", "moderation_notes-MAX_NUM_FORMS": "1000",
            "moderation_notes-0-text": "",
        },
    )  # fmt: skip
    member.refresh_from_db()
    assert member.is_suspended and member.suspension_reason == "rude replies"
    assert not member.is_superuser and not member.is_staff and member.email != "taken@example.com"


def test_moderators_see_addresses_only_on_the_members_own_page(moderator_client):
    member = UserFactory(display_name="Bartholomew")
    listing = moderator_client.get(reverse("admin:community_user_changelist")).content.decode()
    assert "Bartholomew" in listing and member.email not in listing
    own_page = moderator_client.get(reverse("admin:community_user_change", args=[member.pk])).content.decode()
    assert member.email in own_page


@pytest.mark.parametrize(
    "url_name",
    ["admin:community_reviewitem_changelist", "admin:community_report_changelist",
     "admin:community_wordlistentry_changelist", "admin:community_auditlogentry_changelist",
     "admin:community_user_changelist"],
)  # fmt: skip
def test_editor_cannot_reach_reports_or_members(editor_client, url_name):
    assert editor_client.get(reverse(url_name)).status_code == 403


def test_editor_reaches_articles_and_polls_but_not_passwords(editor_client):
    assert editor_client.get(reverse("admin:articles_article_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:articles_poll_changelist")).status_code == 200
    assert editor_client.get(reverse("admin:community_crisisresource_add")).status_code == 200
    member = UserFactory()
    assert editor_client.get(reverse("admin:auth_user_password_change", args=[member.pk])).status_code == 403


def test_moderator_reaches_the_queue_reports_and_audit_log(moderator_client):
    for name in ["reviewitem", "report", "auditlogentry", "wordlistentry", "membernote"]:
        assert moderator_client.get(reverse(f"admin:community_{name}_changelist")).status_code == 200, name
