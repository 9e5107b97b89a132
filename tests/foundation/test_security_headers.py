"""Every HTML response carries the security headers the site promises."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HTML_PAGES = ["home", "account_login", "account_signup"]


def _script_src(csp):
    match = re.search(r"script-src ([^;]+)", csp)
    assert match, f"no script-src in {csp!r}"
    return match.group(1)


@pytest.mark.parametrize("name", HTML_PAGES)
def test_html_pages_carry_csp_with_nonce_and_no_inline_scripts(client, name):
    """CSP has a fresh nonce for scripts and never allows inline script."""
    response = client.get(reverse(name))

    csp = response.headers["Content-Security-Policy"]
    script_src = _script_src(csp)
    assert re.search(r"'nonce-[A-Za-z0-9+/=]{16,}'", script_src)
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    assert f'nonce="{nonce}"' in response.text  # the page's own script uses it


def test_nonce_changes_on_every_response(client):
    """A nonce reused across responses would let an attacker predict it."""
    first = _script_src(client.get("/").headers["Content-Security-Policy"])
    second = _script_src(client.get("/").headers["Content-Security-Policy"])
    assert first != second


@pytest.mark.parametrize("name", HTML_PAGES)
def test_html_pages_forbid_sniffing_framing_and_leaky_referrers(client, name):
    response = client.get(reverse(name))

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_admin_pages_carry_csp_nonce_too(client):
    """Django's admin is HTML too: its pages use our nonce and carry the header."""
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(reverse("admin:login"), follow=True)
    assert "'nonce-" in response.headers["Content-Security-Policy"]


def test_not_found_page_is_friendly_and_carries_headers(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "'nonce-" in response.headers["Content-Security-Policy"]
