"""Members' own pages render in our layout, carry noindex and show no e-mail addresses."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory

MEMBER_PAGES = [
    "community:settings",
    "community:settings-profile",
    "community:settings-avatar",
    "community:settings-export",
    "community:settings-delete",
    "account_email",
    "account_change_password",
    "socialaccount_connections",
    "mfa_index",
    "usersessions_list",
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", MEMBER_PAGES)
def test_settings_pages_render_in_site_layout(member_client, name):
    """Each settings page opens for a member inside base.html with a robots noindex."""
    response = member_client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert 'content="noindex' in html


@pytest.mark.django_db
def test_profile_page_hides_email_and_only_me_fields(client):
    """Another member sees the display name and shared fields, never the e-mail or "only me" fields."""
    owner = UserFactory(display_name="Rosalind")
    owner.profile.city = "Tulsa"
    owner.profile.location_visibility = "only_me"
    owner.profile.about = "Retired teacher, diagnosed after a broken rib."
    owner.profile.about_visibility = "members"
    owner.profile.save()
    client.force_login(UserFactory())
    response = client.get(reverse("community:member-profile", args=[owner.pk]))
    html = response.content.decode()
    assert response["X-Robots-Tag"].startswith("noindex")
    assert "Rosalind" in html and "Retired teacher" in html
    assert "Tulsa" not in html
    assert owner.email not in html


@pytest.mark.django_db
def test_owner_sees_own_only_me_fields(client):
    owner = UserFactory()
    owner.profile.city = "Tulsa"
    owner.profile.location_visibility = "only_me"
    owner.profile.save()
    client.force_login(owner)
    assert "Tulsa" in client.get(reverse("community:member-profile", args=[owner.pk])).content.decode()


@pytest.mark.django_db
def test_anonymous_switch_hides_profile_from_others(client):
    """With "post anonymously" on, others see only "A Myeloma Forum member"."""
    owner = UserFactory(display_name="Bartholomew")
    owner.profile.post_anonymously = True
    owner.profile.save()
    client.force_login(UserFactory())
    html = client.get(reverse("community:member-profile", args=[owner.pk])).content.decode()
    assert "A Myeloma Forum member" in html
    assert "Bartholomew" not in html


@pytest.mark.django_db
def test_profile_form_saves_fields_and_tags(member_client, member):
    """Saving the profile stores the fields, the visibility choices and the treatments as tags."""
    response = member_client.post(
        reverse("community:settings-profile"),
        {
            "display_name": "Maggie",
            "role": "caregiver",
            "role_visibility": "members",
            "city": "Austin",
            "state": "Texas",
            "location_visibility": "only_me",
            "diagnosis_year": "2019",
            "diagnosis_year_visibility": "members",
            "treatments": "Revlimid, stem cell transplant",
            "treatments_visibility": "members",
            "about": "Hello",
            "about_visibility": "only_me",
            "avatar_visibility": "members",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    member.profile.refresh_from_db()
    assert member.display_name == "Maggie"
    assert member.profile.city == "Austin"
    assert member.profile.location_visibility == "only_me"
    assert sorted(member.profile.treatments.names()) == ["Revlimid", "stem cell transplant"]


@pytest.mark.django_db
def test_bad_diagnosis_year_gets_plain_message(member_client):
    response = member_client.post(
        reverse("community:settings-profile"),
        {"display_name": "Maggie", "diagnosis_year": "1066", "location_visibility": "members"},
    )
    assert response.status_code == 200
    assert "Please enter a year between 1950 and this year" in response.content.decode()


@pytest.mark.django_db
def test_notification_preference_saved(member_client, member):
    response = member_client.post(reverse("community:settings-notifications"), {"notification_email": "daily"})
    assert response.status_code == 302
    member.profile.refresh_from_db()
    assert member.profile.notification_email == "daily"


@pytest.mark.django_db
def test_can_post_refuses_suspended_and_unverified():
    """can_post: verified active members yes; suspended or unconfirmed no, with a reason."""
    from datetime import timedelta

    from django.utils import timezone

    from community.services.accounts import can_post, posting_refusal_reason

    member = UserFactory()
    assert can_post(member)
    member.suspended_until = timezone.now() + timedelta(days=3)
    member.suspension_reason = "repeated advertising"
    assert member.is_suspended and not can_post(member)
    assert "repeated advertising" in posting_refusal_reason(member)
    member.suspended_until = timezone.now() - timedelta(days=1)
    assert not member.is_suspended and can_post(member)
    assert not can_post(UserFactory(verified=False))


@pytest.mark.django_db
def test_signup_confirmation_email_is_ours_and_has_link(client, mailoutbox):
    """The confirmation e-mail greets from Myeloma Forum (not allauth's example.com) and carries the link."""
    client.post(
        reverse("account_signup"),
        {"email": "fresh@example.com", "password1": "plum-tree-harbour-91", "password2": "plum-tree-harbour-91"},
    )
    [message] = mailoutbox
    assert message.subject.startswith("[Myeloma Forum]")
    assert "Hello from Myeloma Forum" in message.body
    assert "example.com!" not in message.body
    assert "/accounts/confirm-email/" in message.body
