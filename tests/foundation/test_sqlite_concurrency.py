"""Eight processes writing to the SQLite file at once all succeed.

Each child opens the database through the project's own settings (WAL,
IMMEDIATE transactions, busy timeout) and runs read-then-write transactions,
the pattern that fails with "database is locked" under SQLite's defaults."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 8
TRANSACTIONS_EACH = 50

CHILD = """
import django, os
os.environ["DJANGO_SETTINGS_MODULE"] = "myeloma_forum.settings"
django.setup()
from django.db import connection, transaction
worker = int(os.environ["WORKER"])
for i in range(int(os.environ["TRANSACTIONS"])):
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT total FROM counter WHERE id = 1")
            total = cursor.fetchone()[0]
            cursor.execute("UPDATE counter SET total = %s WHERE id = 1", [total + 1])
            cursor.execute("INSERT INTO entry (worker, seq) VALUES (%s, %s)", [worker, i])
"""


def test_eight_concurrent_writers_never_see_database_is_locked(tmp_path):
    db_file = tmp_path / "concurrency.sqlite3"
    with sqlite3.connect(db_file) as setup:
        setup.execute("CREATE TABLE counter (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)")
        setup.execute("CREATE TABLE entry (worker INTEGER, seq INTEGER, UNIQUE (worker, seq))")
        setup.execute("INSERT INTO counter VALUES (1, 0)")

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_file}", "TRANSACTIONS": str(TRANSACTIONS_EACH)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            cwd=ROOT,
            env={**env, "WORKER": str(n)},
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    errors = [child.communicate(timeout=120)[1] for child in children]

    assert [child.returncode for child in children] == [0] * PROCESSES, "\n".join(errors)
    assert not any("database is locked" in err for err in errors)
    with sqlite3.connect(db_file) as check:
        assert check.execute("SELECT total FROM counter").fetchone()[0] == PROCESSES * TRANSACTIONS_EACH
        assert check.execute("SELECT COUNT(*) FROM entry").fetchone()[0] == PROCESSES * TRANSACTIONS_EACH
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
