"""A newcomer's whole journey in Chromium, with e-mail through a real SMTP server:
join with e-mail, confirm by link, sign in, fill the profile, add a picture, sign out,
and sign back in with a one-time code."""

import io
import re

import pytest
from PIL import Image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "new.member@example.com"
PASSWORD = "quiet-harbour-lantern-58"


def text_of(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def a_photo(tmp_path):
    path = tmp_path / "me.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (90, 140, 200)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def test_new_member_journey(site, page, smtp_server, tmp_path, assert_accessible):
    # Open the site and choose to join with an e-mail address.
    page.goto(site.url("/"))
    page.get_by_role("link", name="Join", exact=True).click()
    assert_accessible(page)
    page.get_by_text("Continue with your e-mail").click()
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    assert "verify" in page.url or "confirm" in page.url

    # The confirmation e-mail arrives over SMTP; follow its link.
    [confirmation] = smtp_server.wait_for(1)
    assert confirmation["To"] == EMAIL
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", text_of(confirmation)).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # Sign in with the password.
    page.goto(site.url("/accounts/login/"))
    if page.get_by_role("button", name="Sign out").count() == 0:
        page.get_by_label("Email", exact=True).fill(EMAIL)
        page.get_by_label("Password", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("button", name="Sign out").is_visible()

    # Fill the profile.
    page.goto(site.url("/settings/profile/"))
    assert_accessible(page)
    page.get_by_label("Display name").fill("Harriet")
    page.get_by_label("Town or city").fill("Portland")
    page.get_by_label("Treatments received").fill("Revlimid, dexamethasone")
    page.get_by_role("button", name="Save my profile").click()
    assert page.get_by_role("heading", name="Harriet").is_visible()
    assert page.get_by_text("Revlimid").is_visible()

    # Upload a picture.
    page.goto(site.url("/settings/picture/"))
    page.get_by_label("Choose a picture").set_input_files(str(a_photo(tmp_path)))
    page.get_by_role("button", name="Upload picture").click()
    assert page.get_by_text("Your new picture is saved.").is_visible()

    # Sign out.
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("link", name="Sign in").first.is_visible()

    # Sign in again with a one-time code sent by e-mail.
    page.goto(site.url("/accounts/login/"))
    page.get_by_role("link", name="E-mail me a sign-in code").click()
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_role("button", name=re.compile("code", re.I)).click()
    messages = smtp_server.wait_for(2)
    code = re.search(r"^\s*([A-Z0-9][A-Z0-9-]{4,}[A-Z0-9])\s*$", text_of(messages[-1]), re.M).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_role("button", name=re.compile("sign in|confirm", re.I)).click()
    assert page.get_by_role("button", name="Sign out").is_visible()
