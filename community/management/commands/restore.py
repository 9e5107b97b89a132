"""Bring back a backup written by ``manage.py backup``: the database, then the uploaded files.

    python manage.py restore backups/20261123T220000Z            # asks first
    python manage.py restore backups/20261123T220000Z --noinput

It REPLACES what is there now. SQLite is written back through the backup API
(page by page, into the open database); PostgreSQL through
``pg_restore --clean --if-exists --single-transaction`` (all or nothing). The
uploaded files replace MEDIA_ROOT's contents. Afterwards every table's row count
is compared with the backup's manifest, and any difference is an error.

Stop the web and task workers first: requests during a restore would see a mix.
"""

import json
import shutil
import sqlite3
import subprocess
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from community.management.commands.backup import (
    MANIFEST,
    MEDIA_FILE,
    PG_FILE,
    SQLITE_FILE,
    backed_up_tables,
    count_rows,
    pg_environment,
)


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup` (replaces the database and uploaded files)."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="The backup folder (holds manifest.json).")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")

    def handle(self, folder, *args, interactive=True, verbosity=1, **options):
        source = Path(folder)
        manifest = self._manifest(source)
        if interactive and input(f"Replace the {connection.vendor} database and uploaded files? [y/N] ") != "y":
            raise CommandError("Restore cancelled.")
        if connection.vendor == "sqlite":
            self._sqlite(source / SQLITE_FILE)
        else:
            self._postgresql(source / PG_FILE)
        self._media(source / MEDIA_FILE)
        counts = self._counts()
        wrong = {label: (n, counts.get(label)) for label, n in manifest["counts"].items() if counts.get(label) != n}
        if wrong:
            raise CommandError(f"Restored row counts differ from the backup (table: expected, found): {wrong}")
        if verbosity:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Restored {sum(counts.values())} rows in {len(counts)} tables and "
                    f"{manifest['media_files']} uploaded files from {source}; counts match the backup."
                )
            )

    def _manifest(self, source):
        path = source / MANIFEST
        if not path.exists():
            raise CommandError(f"{source} is not a backup folder (no {MANIFEST}).")
        manifest = json.loads(path.read_text())
        if manifest["vendor"] != connection.vendor:
            raise CommandError(
                f"This backup is from {manifest['vendor']}; the configured database is {connection.vendor}."
            )
        return manifest

    def _sqlite(self, path):
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()

    def _postgresql(self, path):
        settings_dict = connection.settings_dict
        connection.close()  # no open transaction of ours may hold locks on the tables pg_restore drops
        result = subprocess.run(  # noqa: S603
            [  # noqa: S607
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--exit-on-error",
                "-d",
                settings_dict["NAME"],
                str(path),
            ],  # fmt: skip
            env=pg_environment(settings_dict),
            capture_output=True,
            text=True,
        )
        if result.returncode:
            raise CommandError(f"pg_restore failed: {result.stderr.strip()}")

    def _media(self, path):
        root = Path(settings.MEDIA_ROOT)
        if root.exists():
            for child in root.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        root.mkdir(parents=True, exist_ok=True)
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(root, filter="data")  # "data": no absolute paths, links out or devices

    def _counts(self):
        with connection.cursor() as cursor:
            return count_rows(cursor, backed_up_tables(), connection.ops.quote_name)
