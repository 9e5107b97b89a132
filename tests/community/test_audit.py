"""The audit log: every moderator action is written (who, when, what, which object,
why), edits through the admin's own forms too; it is read-only and searchable."""

import pytest
from django.urls import reverse

from community.models import AuditLogEntry, WordListEntry
from community.services import moderation
from tests.community.moderation_helpers import signed_in_admin, staff_member
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    return staff_member("Moderators", display_name="Moderator Mo")


@pytest.fixture
def client(moderator):
    return signed_in_admin(moderator)


def test_word_list_added_in_the_admin_form_is_logged(client, moderator):
    response = client.post(
        reverse("admin:community_wordlistentry_add"), {"kind": "crisis", "phrase": "no way out", "is_active": "on"}
    )
    assert response.status_code == 302
    entry = WordListEntry.objects.get(phrase="no way out")
    log = AuditLogEntry.objects.get(action="admin_add")
    assert log.actor == moderator and log.object_type == "wordlistentry" and log.object_id == str(entry.pk)


def test_suspension_through_the_member_admin_is_logged(client, moderator):
    member = UserFactory(display_name="Cornelius")
    client.post(
        reverse("admin:community_user_change", args=[member.pk]),
        {
            "suspended_until_0": "2099-05-01", "suspended_until_1": "09:00", "suspension_reason": "threats",
            "moderation_notes-TOTAL_FORMS": "1", "moderation_notes-INITIAL_FORMS": "0",
            "moderation_notes-MIN_NUM_FORMS": "0", "moderation_notes-MAX_NUM_FORMS": "1000",
            "moderation_notes-0-text": "Warned twice before.",
        },
    )  # fmt: skip
    suspend = AuditLogEntry.objects.get(action="suspend")
    assert suspend.actor == moderator and suspend.member == member and suspend.reason == "threats"
    assert AuditLogEntry.objects.filter(action="admin_change", member=member).exists()
    assert member.moderation_notes.get().author == moderator
    # No name or address of the member is stored in the log's text columns.
    for row in AuditLogEntry.objects.all():
        assert "Cornelius" not in row.object_repr and member.email not in row.object_repr + row.details


def test_audit_log_is_read_only_and_searchable(client, moderator):
    moderation.audit(moderator, "escalate", UserFactory(), reason="asked the nurse on the team")
    moderation.audit(moderator, "escalate", UserFactory(), reason="something else entirely")
    entry = AuditLogEntry.objects.get(reason__contains="nurse")
    changelist = reverse("admin:community_auditlogentry_changelist")
    html = client.get(changelist, {"q": "nurse"}).content.decode()
    assert "asked the nurse" in html and "something else entirely" not in html
    assert client.get(reverse("admin:community_auditlogentry_add")).status_code == 403
    assert client.get(reverse("admin:community_auditlogentry_delete", args=[entry.pk])).status_code == 403
    page = client.get(reverse("admin:community_auditlogentry_change", args=[entry.pk])).content.decode()
    assert 'name="reason"' not in page and "asked the nurse" in page
    client.post(reverse("admin:community_auditlogentry_change", args=[entry.pk]), {"reason": "rewritten"})
    entry.refresh_from_db()
    assert entry.reason == "asked the nurse on the team"
