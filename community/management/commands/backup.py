"""Write a consistent backup of the database and the uploaded files.

    python manage.py backup                       # into backups/<UTC time>/
    python manage.py backup --output /srv/backups/nightly

The folder holds:

- ``database.sqlite3`` (SQLite, copied page by page with SQLite's online backup
  API: in WAL mode a plain file copy can miss committed pages or catch a torn
  write) or ``database.pgdump`` (PostgreSQL, ``pg_dump -Fc``);
- ``media.tar.gz``: every uploaded file (avatars, article pictures);
- ``manifest.json``: database kind, time, applied migrations and the row count of
  every table, taken from the same snapshot as the dump. ``restore`` checks the
  restored database against these counts.

On PostgreSQL the counts and the dump share one snapshot: the command opens a
REPEATABLE READ transaction, exports its snapshot and runs ``pg_dump --snapshot``
inside it, so rows written meanwhile are in neither or both.
"""

import json
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
PG_FILE = "database.pgdump"
MEDIA_FILE = "media.tar.gz"


def backed_up_tables():
    """{model label: table} for every concrete model whose table the database holds."""
    return {
        model._meta.label_lower: model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }


def pg_environment(settings_dict):
    import os

    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if settings_dict.get(key):
            env[var] = str(settings_dict[key])
    return env


def count_rows(cursor, tables, quote):
    existing = set(connection.introspection.table_names(cursor))
    counts = {}
    for label, table in sorted(tables.items()):
        if table in existing:
            cursor.execute(f"SELECT COUNT(*) FROM {quote(table)}")  # noqa: S608  # nosec B608
            counts[label] = cursor.fetchone()[0]
    return counts


class Command(BaseCommand):
    help = "Back up the database (SQLite backup API or pg_dump -Fc) and the uploaded files."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="Folder to write (default: backups/<UTC time>/ in the project).")

    def handle(self, *args, output=None, verbosity=1, **options):
        stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
        target = Path(output or Path(settings.BASE_DIR) / "backups" / stamp)
        target.mkdir(parents=True, exist_ok=True)
        if any(target.iterdir()):
            raise CommandError(f"{target} is not empty; choose a new folder.")
        vendor = connection.vendor
        if vendor == "sqlite":
            counts = self._sqlite(target / SQLITE_FILE)
        elif vendor == "postgresql":
            counts = self._postgresql(target / PG_FILE)
        else:
            raise CommandError(f"Backups support SQLite and PostgreSQL, not {vendor}.")
        media_files = self._media(target / MEDIA_FILE)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "vendor": vendor,
            "migrations": sorted(MigrationRecorder.Migration.objects.values_list("app", "name")),
            "counts": counts,
            "media_files": media_files,
        }
        (target / MANIFEST).write_text(json.dumps(manifest, indent=2, default=list))
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Backup written to {target}: {sum(counts.values())} rows in {len(counts)} tables, "
                    f"{media_files} uploaded files."
                )
            )
        return None

    def _sqlite(self, path):
        connection.ensure_connection()
        destination = sqlite3.connect(path)
        try:
            with destination:
                connection.connection.backup(destination)
            # Count from the copy itself: exactly what was written.
            cursor = destination.cursor()
            tables = backed_up_tables()
            present = {row[0] for row in cursor.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            counts = {}
            for label, table in sorted(tables.items()):
                if table in present:
                    counts[label] = cursor.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]  # noqa: S608  # nosec B608
            return counts
        finally:
            destination.close()

    def _postgresql(self, path):
        settings_dict = connection.settings_dict
        connection.ensure_connection()
        raw = connection.connection
        with raw.transaction(), raw.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = count_rows(cursor, backed_up_tables(), connection.ops.quote_name)
            result = subprocess.run(  # noqa: S603
                ["pg_dump", "-Fc", "--no-owner", f"--snapshot={snapshot}", "-f", str(path), settings_dict["NAME"]],  # noqa: S607
                env=pg_environment(settings_dict),
                capture_output=True,
                text=True,
            )
        if result.returncode:
            raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
        return counts

    def _media(self, path):
        root = Path(settings.MEDIA_ROOT)
        files = [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
        with tarfile.open(path, "w:gz") as archive:
            for file in files:
                archive.add(file, arcname=str(file.relative_to(root)))
        return len(files)
