"""Data export: everything the site holds about one member, as JSON.

The walk is generic: every model with a foreign key or one-to-one to the user
model is included, so models added later (posts, votes, subscriptions) appear
without anyone remembering to add them here. Secrets are left out."""

import datetime
import json
import uuid
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db.models import FileField, ForeignKey, ManyToManyField, OneToOneField
from django.db.models.fields.files import FieldFile
from django.utils import timezone

# Field names never exported: hashes, keys and two-factor secrets.
SECRET_FIELDS = {"password", "secret", "token", "token_secret", "key", "session_key", "session_data"}
SECRET_FIELDS_BY_MODEL = {"mfa.authenticator": {"data"}, "community.pendingpost": {"token_hash"}}
USER_FIELDS = ["id", "email", "display_name", "date_joined", "last_login", "suspended_until", "suspension_reason"]


def models_referring_to_user():
    """(model, field name) for every concrete FK/one-to-one to the user model."""
    user_model = get_user_model()
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, ForeignKey | OneToOneField) and field.related_model is user_model:
                found.append((model, field.name))
    return found


def _plain(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes):
        return None
    return value


def _row(obj):
    label = obj._meta.label_lower
    hidden = SECRET_FIELDS | SECRET_FIELDS_BY_MODEL.get(label, set())
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in hidden:
            continue
        value = getattr(obj, field.attname)
        row[field.name] = _plain(value if not isinstance(field, FileField) else getattr(obj, field.name))
    for field in obj._meta.many_to_many:
        if isinstance(field, ManyToManyField):
            row[field.name] = [str(o) for o in getattr(obj, field.name).all()]
    if label == "community.profile":
        row["treatments"] = sorted(obj.treatments.names())
    return row


def build_export(user):
    """A dict ready for json.dumps: the account itself plus rows from every related model."""
    data = {}
    for model, field_name in models_referring_to_user():
        label = f"{model._meta.label_lower}.{field_name}"
        data[label] = [_row(obj) for obj in model._default_manager.filter(**{field_name: user})]
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {name: _plain(getattr(user, name)) for name in USER_FIELDS},
        "data": data,
    }


def export_json(user):
    return json.dumps(build_export(user), indent=2, ensure_ascii=False, default=str)
