"""The "Moderators" and "Editors" groups with least-privilege permissions.

Moderators: the review queue, reports, notes, word lists, discussion posts, and
members (suspension and notes; the member admin limits which fields they may
touch). Editors: articles, polls and the crisis resources page. Neither group
may change passwords, groups or permissions; only superusers can."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATORS = {
    "community": {
        "reviewitem": ["view", "change", "decide"],
        "report": ["view"],
        "moderatornote": ["view", "add"],
        "membernote": ["view", "add", "change"],
        "wordlistentry": ["view", "add", "change", "delete"],
        "auditlogentry": ["view"],
        "comment": ["view", "change"],
        "question": ["view", "change"],
        "answer": ["view", "change"],
        "user": ["view", "change"],
        "crisisresource": ["view"],
    },
}
EDITORS = {
    "articles": {
        "article": ["view", "add", "change"],
        "poll": ["view", "add", "change", "delete"],
        "pollchoice": ["view", "add", "change", "delete"],
    },
    "taggit": {"tag": ["view", "add", "change"]},
    "community": {"crisisresource": ["view", "add", "change", "delete"]},
}
GROUPS = {"Moderators": MODERATORS, "Editors": EDITORS}


def _codename(action, model):
    return "decide_reviewitem" if action == "decide" else f"{action}_{model}"


def _ensure_permissions(apps):
    # Permissions are normally created after all migrations ran; a data
    # migration on a fresh database has to create them itself.
    # (Tests call create_groups with the real registry after a flush; its apps keep their modules.)
    for app_config in apps.get_app_configs():
        had_module = getattr(app_config, "models_module", None)
        app_config.models_module = had_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_module


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    _ensure_permissions(apps)
    for name, spec in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = [
            Permission.objects.get(content_type__app_label=app, content_type__model=model, codename=_codename(a, model))
            for app, models in spec.items()
            for model, actions in models.items()
            for a in actions
        ]
        group.permissions.set(wanted)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0005_moderation"),
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
