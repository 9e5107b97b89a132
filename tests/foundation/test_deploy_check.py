"""Production settings pass Django's deployment checklist."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "a-real-production-secret-9f8e7d6c5b4a3928171615141312111009080706",
    "ALLOWED_HOSTS": "myelomaforum.example",
    "SITE_URL": "https://myelomaforum.example",
    "CSRF_TRUSTED_ORIGINS": "https://myelomaforum.example",
    "DJANGO_SETTINGS_MODULE": "myeloma_forum.settings",
}


TEST_ONLY = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "CACHE_URL", "EMAIL_URL", "TASKS_BACKEND"}


def _manage(*args, env_overrides):
    # The test process's own switches (async-unsafe ORM for Playwright) are not production's.
    env = {key: value for key, value in os.environ.items() if key not in PRODUCTION_ENV and key not in TEST_ONLY}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_passes_with_production_variables():
    """`check --deploy --fail-level WARNING` exits 0 with the production variables set."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_fails_with_development_defaults():
    """The same check does flag the development defaults, so the test above can fail."""
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env_overrides={"DEBUG": "true"})
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG is on


def test_production_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in PRODUCTION_ENV.items() if key != "SECRET_KEY"}
    result = _manage("check", env_overrides=env)
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr
