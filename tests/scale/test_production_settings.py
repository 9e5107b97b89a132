"""Acceptance 3: in production mode nothing that must be shared lives in one process or on one disk."""

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Backends whose state lives in one process (or on one node's disk), so two web
# nodes would disagree: sessions, rate limits, caches and locks must avoid them.
PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.dummy.DummyCache",
}
PER_NODE_SESSIONS = {"django.contrib.sessions.backends.file", "django.contrib.sessions.backends.signed_cookies"}
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-production-like-secret-key-for-this-test-only-0123456789",
    "ALLOWED_HOSTS": "forum.example",
    "DATABASE_URL": "postgres://forum:secret@db.internal:5432/forum",
    "CACHE_URL": "redis://cache.internal:6379/0",
    "TASKS_BACKEND": "database",
    "EMAIL_URL": "smtp://mail.internal:587",
}

INSPECT = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "myeloma_forum.settings"
import django
django.setup()
from django.conf import settings
from django.db import connection
from community import locks
print(json.dumps({
    "debug": settings.DEBUG,
    "caches": {alias: c["BACKEND"] for alias, c in settings.CACHES.items()},
    "session_engine": settings.SESSION_ENGINE,
    "session_cache_alias": settings.SESSION_CACHE_ALIAS,
    "rate_limit_cache": getattr(settings, "ACCOUNT_RATE_LIMITS_CACHE", "default"),
    "db_vendor": connection.vendor,
    "advisory_locks": locks.uses_advisory_locks(),
    "tasks": settings.TASKS["default"]["BACKEND"],
    "media": settings.STORAGES["default"]["BACKEND"],
    "img_src": settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "log_formatter": settings.LOGGING["handlers"]["console"]["formatter"],
}))
"""


def _production_settings(**overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    for name in ("SESSION_BACKEND", "MEDIA_STORAGE_URL", "LOG_FORMAT", "MEDIA_ROOT"):
        env.pop(name, None)
    env.update(PRODUCTION, **overrides)
    result = subprocess.run(
        [sys.executable, "-c", INSPECT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _assert_shared(values):
    assert values["debug"] is False
    for alias, backend in values["caches"].items():
        assert backend not in PER_PROCESS_CACHES, f"cache {alias!r} is per-process: {backend}"
    assert values["session_engine"] not in PER_NODE_SESSIONS
    if values["session_engine"].endswith((".cache", ".cached_db")):
        assert values["caches"][values["session_cache_alias"]] not in PER_PROCESS_CACHES
    # allauth's rate limits, the admin door and report limits all count in the default cache.
    assert values["caches"][values["rate_limit_cache"]] not in PER_PROCESS_CACHES
    assert values["db_vendor"] == "postgresql" and values["advisory_locks"] is True
    assert values["tasks"] == "django_tasks_db.DatabaseBackend"
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert values["log_formatter"] == "json"


@pytest.mark.parametrize("session_backend", ["db", "cache"])
def test_production_settings_share_everything(session_backend):
    """Sessions (db or Redis), caches and rate limits (Redis), locks (PostgreSQL), tasks (database)."""
    values = _production_settings(SESSION_BACKEND=session_backend)
    _assert_shared(values)


def test_bucket_for_media_when_configured():
    """MEDIA_STORAGE_URL=s3://... puts uploads in the bucket and lets the CSP show them."""
    values = _production_settings(
        MEDIA_STORAGE_URL="s3://forum-media?endpoint_url=https://objects.example:9000&region_name=eu-west-1"
    )
    _assert_shared(values)
    assert values["media"] == "storages.backends.s3.S3Storage"
    assert "https://objects.example:9000" in values["img_src"]


def test_the_inspection_catches_a_per_process_cache():
    """The same check fails on the development default (local memory), so it can fail."""
    values = _production_settings(CACHE_URL="locmemcache://")
    with pytest.raises(AssertionError, match="per-process"):
        _assert_shared(values)


# Registries filled once at start-up from code (the same on every node), not state.
ALLOWED_MODULE_STATE = {
    ("community/digests.py", "_sections"),
    ("community/digests.py", "_topics"),
    ("community/services/discussion.py", "_thread_owners"),
    ("community/search.py", "_sources"),
}
_MUTABLE_CALLS = {"dict", "list", "set", "defaultdict", "Counter", "OrderedDict", "deque", "Lock", "RLock"}


def _module_state(path):
    """Module-level names bound to a mutable container or a lock."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            mutable = isinstance(value, ast.Dict | ast.List | ast.Set) or (
                isinstance(value, ast.Call)
                and getattr(value.func, "id", getattr(value.func, "attr", "")) in _MUTABLE_CALLS
            )
            for target in targets:
                if (
                    mutable
                    and isinstance(target, ast.Name)
                    and not target.id.isupper()
                    and target.id not in {"__all__", "urlpatterns"}
                ):
                    yield target.id
        for decorator in getattr(node, "decorator_list", []):
            name = getattr(decorator, "id", getattr(decorator, "attr", ""))
            if isinstance(decorator, ast.Call):
                name = getattr(decorator.func, "id", getattr(decorator.func, "attr", ""))
            if name in {"lru_cache", "cache"}:
                yield f"@{name} {node.name}"


def test_no_module_keeps_state_in_a_process_global():
    """Counters, caches and locks in a module global would differ between nodes."""
    found = set()
    for app in ("community", "articles", "myeloma_forum"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            found |= {(relative, name) for name in _module_state(path)}
    assert found - ALLOWED_MODULE_STATE == set()
