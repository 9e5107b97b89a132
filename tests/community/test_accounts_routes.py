"""Anonymous visitors never see member data: every route in the URL resolver is walked as a visitor."""

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter

from tests.factories import UserFactory

# Pages about a member or their account: a visitor must be sent to sign in, or told there is nothing there.
MEMBER_PREFIXES = (
    "members/",
    "settings/",
    "accounts/email/",
    "accounts/password/change/",
    "accounts/password/set/",
    "accounts/3rdparty/$",  # connections; the login error/cancelled pages serve visitors mid-login
    "accounts/2fa/",
    "accounts/sessions/",
    "accounts/reauthenticate/",
)
SAMPLE_TEXT = "sample-value"


def walk(patterns, prefix=""):
    """Yield concrete paths for every route, filling each parameter with a sample value."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + _fill(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + _fill(entry.pattern)


def _fill(pattern, member_id=None):
    converters = getattr(pattern, "converters", {})
    text = str(pattern)
    if hasattr(pattern, "_route"):  # path(): <int:id>, <slug:slug> ...
        return re.sub(
            r"<(?:(\w+):)?(\w+)>",
            lambda m: "{id}" if isinstance(converters.get(m.group(2)), IntConverter) else SAMPLE_TEXT,
            text,
        )
    text = re.sub(r"\(\?P<\w+>[^)]*\)", SAMPLE_TEXT, text)  # re_path(): named groups
    return text.lstrip("^").rstrip("$").replace("\\", "")


@pytest.fixture
def secret_member(db):
    member = UserFactory(email="hidden.person@example.com", display_name="Zebedee Hartington")
    member.profile.city = "Kalamazoo"
    member.profile.about = "Diagnosed with smouldering myeloma in 2016"
    member.profile.save()
    return member


def is_member_path(path):
    path = path.lstrip("/")
    return any(path == prefix[:-1] if prefix.endswith("$") else path.startswith(prefix) for prefix in MEMBER_PREFIXES)


def member_data_in(html, member):
    return [s for s in (member.email, member.display_name, "Kalamazoo", "smouldering myeloma") if s in html]


@pytest.mark.django_db
def test_every_route_walked_as_visitor_shows_no_member_data(secret_member):
    visitor = Client()
    paths = sorted({"/" + p.format(id=secret_member.pk) for p in walk(get_resolver().url_patterns)})
    member_paths = [p for p in paths if is_member_path(p)]
    assert f"/members/{secret_member.pk}/" in member_paths  # the walk does reach the profile
    assert len(member_paths) >= 8
    leaks, open_member_pages = [], []
    for path in paths:
        if path.startswith("/static/") or path.startswith("/media/"):
            continue
        response = visitor.get(path)
        if response.status_code == 405:  # a POST-only route: try it the way a form would
            response = visitor.post(path)
        body = response.content.decode(errors="replace") if not response.streaming else ""
        if member_data_in(body, secret_member):
            leaks.append(path)
        if path in member_paths:
            login_redirect = response.status_code == 302 and "login" in response["Location"]
            if not (login_redirect or response.status_code == 404):
                open_member_pages.append((path, response.status_code))
    assert leaks == []
    assert open_member_pages == [], open_member_pages


@pytest.mark.django_db
def test_member_pages_carry_noindex_header(client, secret_member):
    client.force_login(UserFactory())
    response = client.get(f"/members/{secret_member.pk}/")
    assert response.status_code == 200
    assert "noindex" in response["X-Robots-Tag"]
    assert secret_member.email not in response.content.decode()
