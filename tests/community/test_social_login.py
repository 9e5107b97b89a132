"""Facebook and Google sign-in through allauth's real provider code, with the providers'
token and profile endpoints answered by a local HTTP server (no Python functions mocked)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import jwt
import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.factories import UserFactory

CLIENT_ID = "test-client-id"


class FakeProvider(ThreadingHTTPServer):
    """Answers the token and profile endpoints; `person` is who the provider says signed in."""

    def __init__(self, address):
        super().__init__(address, _Handler)
        self.person = {}
        self.requests = []


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def _reply(self, payload):
        body = json.dumps(payload).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        self.server.requests.append(("GET", url.path, parse_qs(url.query)))
        person = self.server.person
        if url.path == "/facebook/oauth/access_token":
            self._reply({"access_token": "fb-access-token", "token_type": "bearer", "expires_in": 3600})
        elif url.path == "/facebook/me":
            self._reply(
                {
                    "id": person["id"],
                    "email": person["email"],
                    "first_name": person["first_name"],
                    "last_name": "Tester",
                    "name": f"{person['first_name']} Tester",
                }
            )
        elif url.path == "/google/userinfo":
            self._reply(
                {
                    "id": person["id"],
                    "email": person["email"],
                    "verified_email": True,
                    "given_name": person["first_name"],
                }
            )
        else:
            self.send_error(404)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        form = parse_qs(self.rfile.read(length).decode())
        self.server.requests.append(("POST", self.path, form))
        if self.path != "/google/token":
            self.send_error(404)
            return
        person = self.server.person
        now = int(time.time())
        claims = {
            "iss": "https://accounts.google.com",
            "aud": CLIENT_ID,
            "sub": person["id"],
            "iat": now,
            "exp": now + 600,
            "email": person["email"],
            "email_verified": True,
            "given_name": person["first_name"],
        }
        id_token = jwt.encode(claims, "a-local-test-key-that-is-long-enough-for-hs256", algorithm="HS256")
        self._reply(
            {
                "access_token": "g-access-token",
                "expires_in": 3600,
                "token_type": "Bearer",
                "scope": "openid email profile",
                "id_token": id_token,
            }
        )


@pytest.fixture
def provider(settings):
    host, port = urlparse(settings.FAKE_PROVIDER_URL).netloc.split(":")
    server = FakeProvider((host, int(port)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    providers = {
        name: {**conf, "APPS": [{"client_id": CLIENT_ID, "secret": "test-secret", "key": ""}]}
        for name, conf in settings.SOCIALACCOUNT_PROVIDERS.items()
    }
    settings.SOCIALACCOUNT_PROVIDERS = providers
    yield server
    server.shutdown()
    server.server_close()


def sign_in_with(client, provider_id, person, server):
    """Start the login as the button does (POST), then return from the provider with a code."""
    server.person = person
    start = client.post(reverse(f"{provider_id}_login") + "?process=login")
    assert start.status_code == 302
    assert start["Location"].startswith(settings.FAKE_PROVIDER_URL)  # sent to the (local) provider
    state = parse_qs(urlparse(start["Location"]).query)["state"][0]
    return client.get(reverse(f"{provider_id}_callback"), {"code": "one-time-code", "state": state})


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")


@pytest.mark.django_db
def test_new_person_with_google_gets_an_account_and_is_signed_in(client, provider):
    person = {"id": "g-1001", "email": "new.google@example.com", "first_name": "Ada"}
    response = sign_in_with(client, "google", person, provider)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.google@example.com")
    assert user.display_name == "Ada"
    assert user.profile.post_anonymously is False  # the profile came with the account
    assert SocialAccount.objects.filter(user=user, provider="google", uid="g-1001").exists()
    assert EmailAddress.objects.get(user=user).verified  # Google vouches for the address
    assert signed_in_user_id(client) == str(user.pk)
    token_call = next(r for r in provider.requests if r[1] == "/google/token")
    assert token_call[2]["code"] == ["one-time-code"]


@pytest.mark.django_db
def test_new_person_with_facebook_gets_an_account(client, provider, mailoutbox):
    person = {"id": "fb-2002", "email": "new.facebook@example.com", "first_name": "Grace"}
    response = sign_in_with(client, "facebook", person, provider)
    assert response.status_code == 302
    user = get_user_model().objects.get(email="new.facebook@example.com")
    assert SocialAccount.objects.filter(user=user, provider="facebook", uid="fb-2002").exists()
    assert hasattr(user, "profile")
    # Facebook's address is not trusted as confirmed: the member confirms it by e-mail first.
    assert not EmailAddress.objects.get(user=user).verified
    assert [m.to for m in mailoutbox] == [["new.facebook@example.com"]]
    me_call = next(r for r in provider.requests if r[1] == "/facebook/me")
    assert me_call[2]["access_token"] == ["fb-access-token"]
    assert "appsecret_proof" in me_call[2]


@pytest.mark.django_db
@pytest.mark.parametrize("provider_id", ["google", "facebook"])
def test_existing_local_account_is_not_taken_over(client, provider, provider_id):
    """Same e-mail as a local member: the visitor is NOT signed into that account, and nothing is linked."""
    local = UserFactory(email="local.member@example.com")
    person = {"id": f"{provider_id}-3003", "email": "local.member@example.com", "first_name": "Mallory"}
    response = sign_in_with(client, provider_id, person, provider)
    assert signed_in_user_id(client) != str(local.pk)
    assert signed_in_user_id(client) is None
    assert not SocialAccount.objects.filter(user=local).exists()
    assert get_user_model().objects.filter(email__iexact="local.member@example.com").count() == 1
    assert response.status_code == 302
    # Sent to "check your e-mail" (as for any sign-up with a known address), not into the account.
    assert response["Location"] in {reverse("socialaccount_signup"), reverse("account_email_verification_sent")}


@pytest.mark.django_db
def test_providers_offered_only_with_credentials(client, provider, settings):
    """With credentials both buttons show; without, neither does."""
    html = client.get(reverse("account_signup")).content.decode()
    assert "Continue with Facebook" in html and "Continue with Google" in html
    assert "Continue with your e-mail" in html
    settings.SOCIALACCOUNT_PROVIDERS = {n: {**c, "APPS": []} for n, c in settings.SOCIALACCOUNT_PROVIDERS.items()}
    html = client.get(reverse("account_signup")).content.decode()
    assert "Continue with Facebook" not in html and "Continue with Google" not in html
