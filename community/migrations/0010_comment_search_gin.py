"""A GIN index on the expression the comment search matches (PostgreSQL only; SQLite
searches the columns). It must match community.search's SearchVector("body", weight="C",
config="english") exactly, or PostgreSQL will not use it."""

from django.db import migrations

GIN_SQL = (
    "CREATE INDEX IF NOT EXISTS comment_body_search_gin ON community_comment USING gin "
    "((setweight(to_tsvector('english'::regconfig, COALESCE(body, '')), 'C')))"
)
GIN_DROP = "DROP INDEX IF EXISTS comment_body_search_gin"


def create_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN_SQL)


def drop_gin_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN_DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0009_job_lock"),
    ]

    operations = [migrations.RunPython(create_gin_index, drop_gin_index)]
