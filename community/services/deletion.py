"""Account deletion: the member, their profile, picture, sessions, tokens and
subscriptions go; their posts stay in threads, shown as by "a former member".

Posts by others point at the user with SET_NULL (agreed between the areas), so
deleting the user row unlinks them. Rows elsewhere that store the address as
plain text (a newsletter subscription kept before someone joined, for example)
are found by walking every model's e-mail fields."""

from allauth.usersessions.models import UserSession
from django.apps import apps
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models, transaction

from community.services.profiles import delete_files_after_commit, stored_files


def _end_sessions(user):
    keys = set(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    if settings.SESSION_ENGINE == "django.contrib.sessions.backends.db":
        # Sessions made before allauth tracked them: decode and compare.
        for session in Session.objects.iterator(chunk_size=500):
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                keys.add(session.session_key)
    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    for key in keys:
        engine.SessionStore(session_key=key).delete()


def _forget_address_elsewhere(user):
    """Delete rows in other models that hold this address in an e-mail field."""
    user_model = get_user_model()
    for model in apps.get_models():
        if model is user_model:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.EmailField):
                model._default_manager.filter(**{f"{field.name}__iexact": user.email}).delete()


def _forget_admin_history(user):
    # The admin log keeps the object's name as text; this member's entries go with them.
    user_type = ContentType.objects.get_for_model(get_user_model())
    LogEntry.objects.filter(content_type=user_type, object_id=str(user.pk)).delete()


@transaction.atomic
def delete_account(user):
    """Remove the member completely. Their posts remain, without an author."""
    profile = getattr(user, "profile", None)
    if profile is not None:
        delete_files_after_commit(stored_files(profile.avatar_files()))
        profile.treatments.clear()
    _end_sessions(user)
    _forget_admin_history(user)
    _forget_address_elsewhere(user)
    user.delete()  # cascades: profile, addresses, social accounts and tokens, two-factor, sessions list
