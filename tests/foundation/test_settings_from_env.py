"""Settings come from the environment, with safe development defaults."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONTROLLED = {"DATABASE_URL", "CACHE_URL", "EMAIL_URL", "TASKS_BACKEND", "DEBUG", "SECRET_KEY", "EMAIL_TIMEOUT"}

PRINT_SETTINGS = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "myeloma_forum.settings"
from django.conf import settings
db = settings.DATABASES["default"]
print(json.dumps({
    "db_engine": db["ENGINE"], "db_name": str(db["NAME"]), "db_options": db.get("OPTIONS", {}),
    "cache": settings.CACHES["default"]["BACKEND"], "email": settings.EMAIL_BACKEND,
    "email_host": getattr(settings, "EMAIL_HOST", None), "email_timeout": settings.EMAIL_TIMEOUT,
    "tasks": settings.TASKS["default"]["BACKEND"], "hasher": settings.PASSWORD_HASHERS[0],
}))
"""


def _settings_with(**env_overrides):
    env = {key: value for key, value in os.environ.items() if key not in CONTROLLED}
    env.update(env_overrides)
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_development_defaults():
    """No variables: SQLite file in WAL mode, local memory cache, console e-mail, tasks run at once."""
    values = _settings_with()
    assert values["db_engine"] == "django.db.backends.sqlite3"
    assert values["db_name"] == str(ROOT / "db.sqlite3")
    assert values["db_options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in values["db_options"]["init_command"]
    assert values["db_options"]["timeout"] >= 5
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert values["email"] == "django.core.mail.backends.console.EmailBackend"
    assert values["tasks"] == "django_tasks.backends.immediate.ImmediateBackend"
    assert values["hasher"] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_services_from_urls():
    """PostgreSQL, Redis, SMTP (with a bounded timeout) and the database task queue by variables."""
    values = _settings_with(
        DATABASE_URL="postgres://forum:secret@db.internal:5432/forum",
        CACHE_URL="redis://127.0.0.1:6379/1",
        EMAIL_URL="smtp://mail.internal:2525",
        EMAIL_TIMEOUT="60",
        TASKS_BACKEND="database",
    )
    assert values["db_engine"] == "django.db.backends.postgresql"
    assert values["db_options"] == {}
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert values["email"] == "django.core.mail.backends.smtp.EmailBackend"
    assert values["email_host"] == "mail.internal"
    assert values["email_timeout"] == 10  # capped: a hung server must not hang a worker
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"


@pytest.mark.parametrize("value", ["celery", ""])
def test_unknown_task_backend_is_refused_with_a_clear_message(value):
    env = {key: v for key, v in os.environ.items() if key not in CONTROLLED}
    env["TASKS_BACKEND"] = value
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "TASKS_BACKEND must be one of" in result.stderr
