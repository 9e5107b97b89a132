"""`manage.py backup` then `manage.py restore` brings back every row of every model and every
uploaded file, byte for byte, on SQLite and on PostgreSQL (CI runs the suite on both)."""

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone

from community.models.moderation import ReportReason
from community.services import discussion, moderation
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

OUR_APPS = ("community", "articles")


def every_model():
    return [m for m in apps.get_models(include_auto_created=True) if m._meta.managed and not m._meta.proxy]


def content_of(model):
    fields = [f.attname for f in model._meta.concrete_fields]
    rows = list(
        model._base_manager.order_by(*([model._meta.pk.attname] if model._meta.pk else [])).values_list(*fields)
    )
    return len(rows), hashlib.sha256(repr(rows).encode()).hexdigest()


def _sample(field):
    """A plausible value for a required field, so any model can get one row."""
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        related = field.related_model
        if field.unique or not related._base_manager.exists():
            # A fresh row: a one-to-one needs its own, and an empty table has none to point at.
            return UserFactory() if related is get_user_model() else fill_generically(related)
        return related._base_manager.order_by("pk").first()
    samples = [
        (models.EmailField, "sample@example.com"),
        (models.URLField, "https://example.com/"),
        (models.BooleanField, True),
        (models.DateTimeField, timezone.now()),
        (models.DateField, timezone.now().date()),
        (models.DurationField, timedelta(minutes=5)),
        (models.DecimalField, 1),
        (models.FloatField, 1.0),
        (models.IntegerField, 1),
        (models.JSONField, {"sample": 1}),
        (models.UUIDField, uuid.uuid4()),
        (models.BinaryField, b"sample"),
        (models.GenericIPAddressField, "127.0.0.1"),
        (models.FileField, "sample.txt"),
        (models.CharField, "sample"),
        (models.TextField, "A sample text for the backup round trip."),
    ]
    return next((value for kind, value in samples if isinstance(field, kind)), None)


def fill_generically(model):
    """One row in `model` with sample values: models added later are covered without changes here."""
    values = {}
    for field in model._meta.concrete_fields:
        optional = field.has_default() or (field.null and not field.is_relation)
        if field.primary_key or optional or getattr(field, "auto_now_add", False):
            continue
        value = _sample(field)
        if isinstance(field, models.CharField) and isinstance(value, str) and field.max_length:
            value = value[: field.max_length]
        values[field.name] = value
    try:
        with transaction.atomic():
            return model._base_manager.create(**values)
    except IntegrityError:
        return None  # a model with rules sample values cannot meet: the test names it, to be added above


def snapshot():
    return {model._meta.label_lower: content_of(model) for model in every_model()}


def media_files():
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def full_site(world, django_capture_on_commit_callbacks):
    """Demo content (articles, pictures, members, questions, reactions) plus the security world,
    a report, a suspension and a member note, so every model of ours holds rows."""
    call_command("load_demo_content", "--force", verbosity=0)
    moderator = UserFactory(is_staff=True, is_superuser=True)
    # The roles migration's groups are gone after an earlier test flushed the database.
    moderator.groups.add(Group.objects.get_or_create(name="Moderators")[0])
    with django_capture_on_commit_callbacks(execute=True):
        moderation.report_create(
            reporter=world.other, post=world.comment, reason=ReportReason.MISINFORMATION, note="Check this"
        )
        suspended = UserFactory()
        moderation.member_suspend(member=suspended, moderator=moderator, days=2, reason="Testing backups")
        moderation.member_note_add(member=suspended, moderator=moderator, text="Warned about links.")
        discussion.comment_edit(comment=world.comment, editor=world.owner, body="Edited for the backup test.")
    for model in every_model():
        if model._meta.app_label in OUR_APPS and not model._base_manager.exists():
            fill_generically(model)
    return world


def test_backup_and_restore_round_trip_every_model(full_site, tmp_path):
    empty = [m._meta.label for m in every_model() if m._meta.app_label in OUR_APPS and not m._base_manager.exists()]
    before, files_before = snapshot(), media_files()
    assert files_before, "the demo content has pictures, so media files are part of the test"
    target = tmp_path / "backup"

    call_command("backup", output=str(target), verbosity=0)
    assert {p.name for p in target.iterdir()} >= {"manifest.json", "media.tar.gz"}

    call_command("flush", interactive=False, verbosity=0)  # the disaster
    for path in Path(settings.MEDIA_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()
    assert snapshot() != before and media_files() == {}

    call_command("restore", str(target), interactive=False, verbosity=0)
    after = snapshot()
    assert {k: v for k, v in after.items() if v != before[k]} == {}
    assert media_files() == files_before
    rows = sum(count for count, _ in before.values())
    assert rows > 100
    assert empty == [], f"add rows for these models to the round trip: {empty}"


def test_restore_refuses_a_folder_that_is_not_a_backup(tmp_path):
    with pytest.raises(CommandError, match="not a backup folder"):
        call_command("restore", str(tmp_path), interactive=False)


def test_restore_refuses_a_backup_from_the_other_database(db, tmp_path):
    call_command("backup", output=str(tmp_path / "b"), verbosity=0)
    manifest = tmp_path / "b" / "manifest.json"
    other = "postgresql" if connection.vendor == "sqlite" else "sqlite"
    manifest.write_text(manifest.read_text().replace(f'"vendor": "{connection.vendor}"', f'"vendor": "{other}"'))
    with pytest.raises(CommandError, match=f"from {other}"):
        call_command("restore", str(tmp_path / "b"), interactive=False)
