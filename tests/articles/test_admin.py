"""Editors' admin: list columns, preview link, and hero images checked and re-encoded."""

import time
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from articles.models import Article
from tests.factories import ArticleFactory


@pytest.fixture
def editor_client(client, admin_user):
    """A staff member past MEMBERS' admin gate: a TOTP device and a two-step sign-in this session."""
    from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(user=admin_user, type=Authenticator.Type.TOTP, data={"secret": "unused"})
    client.force_login(admin_user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "type": "totp", "at": time.time()}]
    session.save()
    return client


def _form_data(**overrides):
    data = {
        "title": "A new article", "slug": "a-new-article", "summary": "Short.", "body": "## Part\n\nText.",
        "tags": "relapse", "status": "published", "byline": "the editors", "hero_alt": "A picture",
        "poll-TOTAL_FORMS": "0", "poll-INITIAL_FORMS": "0", "poll-MIN_NUM_FORMS": "0", "poll-MAX_NUM_FORMS": "1",
    }  # fmt: skip
    data.update(overrides)
    return data


def _image_bytes(fmt, size=(40, 30), **save_kwargs):
    buffer = BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt, **save_kwargs)
    return buffer.getvalue()


def _admin_guard_passes(editor_client):
    response = editor_client.get("/admin/articles/article/")
    assert response.status_code == 200
    return response


def test_changelist_shows_status_reviewer_and_tags(editor_client, db):
    ArticleFactory(title="Listed article", tags=["bones"])
    html = _admin_guard_passes(editor_client).content.decode()
    assert "Listed article" in html and "Dr. Test Reviewer" in html and "bones" in html and "?preview=1" in html


def test_upload_with_gps_exif_is_reencoded_clean(editor_client, db):
    _admin_guard_passes(editor_client)
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # GPS block
    upload = SimpleUploadedFile("photo.jpg", _image_bytes("JPEG", exif=exif), content_type="image/jpeg")
    response = editor_client.post("/admin/articles/article/add/", _form_data(hero_image=upload))
    assert response.status_code == 302, response.content.decode()[:2000]
    article = Article.objects.get(slug="a-new-article")
    with article.hero_image.open("rb") as handle, Image.open(handle) as image:
        assert image.format == "WEBP" and not image.getexif()
    assert article.body_html.startswith('<h2 id="part">') and article.published_at is not None


def test_gif_upload_is_refused_with_a_plain_message(editor_client, db):
    _admin_guard_passes(editor_client)
    upload = SimpleUploadedFile(
        "anim.gif", _image_bytes("GIF") + b"<script>alert(1)</script>", content_type="image/gif"
    )
    response = editor_client.post("/admin/articles/article/add/", _form_data(hero_image=upload))
    assert response.status_code == 200
    assert "Please choose a JPEG, PNG or WebP photo." in response.content.decode()
    assert not Article.objects.filter(slug="a-new-article").exists()
