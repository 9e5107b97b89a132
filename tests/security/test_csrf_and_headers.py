"""Every state change needs a POST with a CSRF token (the one-click unsubscribe is the one
exemption, and it needs its signed token), and production sends HSTS."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from community.models import Subscriber
from tests.security.conftest import changed_models, database_state
from tests.security.walker import walk

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CSRF_EXEMPT = {"community:newsletter-unsubscribe"}  # RFC 8058 one-click; the signed token is the proof
# allauth's Google One Tap endpoint is csrf_exempt upstream: it signs in only with an ID token
# signed by Google, and answers 404 while Google is not configured. It may answer, never change data.
UPSTREAM_TOKEN_LOGIN = {"google_login_by_token"}


@pytest.mark.parametrize("role", ["visitor", "member"])
def test_post_without_csrf_token_is_refused_everywhere_but_one_click_unsubscribe(role, world):
    client = Client(enforce_csrf_checks=True)
    if role == "member":
        client.force_login(world.owner)
        client.get("/")  # a CSRF cookie exists; only the token in the form is missing
    answered = {}
    before = database_state()
    for route in walk(world):
        if route.name in CSRF_EXEMPT:
            continue
        status = client.post(route.path, {"body": "forged", "title": "forged title"}).status_code
        if status != 403 and not (route.name in UPSTREAM_TOKEN_LOGIN and status >= 400):
            answered[route.path] = status
    assert answered == {}, "these routes took a POST without a CSRF token"
    assert changed_models(before, database_state()) == []
    assert len(walk(world)) > 100


def test_every_csrf_exemption_in_the_code_is_the_unsubscribe_view():
    """A new csrf_exempt view anywhere in our apps fails here until it is reviewed."""
    found = []
    for folder in ("community", "articles", "myeloma_forum"):
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text()
            if "csrf_exempt" in text:
                found.append((str(path.relative_to(ROOT)), text.count("@csrf_exempt")))
    assert found == [("community/views/newsletter.py", 1)]


def test_one_click_unsubscribe_needs_the_signed_token(world):
    client = Client(enforce_csrf_checks=True)  # no cookies at all, as a mail provider posts
    subscriber = world.subscriber
    tampered = world.preferences_token[:-3] + ("aaa" if not world.preferences_token.endswith("aaa") else "bbb")
    assert client.post(f"/newsletter/unsubscribe/{tampered}/").status_code == 400
    assert Subscriber.objects.get(pk=subscriber.pk).status == "active"
    assert client.get(f"/newsletter/unsubscribe/{world.preferences_token}/").status_code == 200
    assert Subscriber.objects.get(pk=subscriber.pk).status == "active"  # a GET (link scanner) changes nothing
    assert client.post(f"/newsletter/unsubscribe/{world.preferences_token}/").status_code == 200
    assert Subscriber.objects.get(pk=subscriber.pk).status != "active"


PRODUCTION_SCRIPT = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="myelomaforum.example")
plain = client.get("/robots.txt")
secure = client.get("/robots.txt", secure=True)
print(plain.status_code, plain.get("Location", ""))
print(secure.status_code, secure.get("Strict-Transport-Security", ""))
print(secure.get("X-Content-Type-Options"), secure.get("Referrer-Policy"), secure.get("X-Frame-Options"))
"""


def test_production_settings_send_hsts_and_redirect_to_https(tmp_path):
    """With the production variables (DEBUG off), plain HTTP is redirected and HTTPS carries HSTS."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CACHE_URL", "EMAIL_URL")}
    env.update(
        DEBUG="false",
        SECRET_KEY="a-production-like-secret-0123456789abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="myelomaforum.example",
        SITE_URL="https://myelomaforum.example",
        DATABASE_URL=f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        DJANGO_SETTINGS_MODULE="myeloma_forum.settings",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    redirect, hsts, others = result.stdout.strip().splitlines()[-3:]
    assert redirect == "301 https://myelomaforum.example/robots.txt"
    status, header = hsts.split(" ", 1)
    assert status == "200"
    assert "max-age=31536000" in header and "includeSubDomains" in header and "preload" in header
    assert others == "nosniff same-origin DENY"


@pytest.mark.parametrize("path", ["/settings/", "/settings/my-data/", "/accounts/email/", "/admin/"])
def test_private_pages_are_never_stored(path, world, role_clients):
    """Settings, the data export and the admin: a shared computer's back button shows nothing."""
    client = role_clients["moderator" if path.startswith("/admin/") else "member"]
    response = client.get(path)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
