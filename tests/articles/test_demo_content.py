"""load_demo_content: idempotent, Pillow-made hero images, no demo accounts in production without --force."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from PIL import Image

from articles.models import Article, Ballot, PollChoice


def _snapshot():
    return {
        "articles": sorted(Article.objects.values_list("slug", "updated_at", "hero_image", "body_html")),
        "choices": PollChoice.objects.count(),
        "ballots": Ballot.objects.count(),
        "users": get_user_model().objects.count(),
        "tags": sorted((a.slug, tuple(sorted(a.tags.names()))) for a in Article.objects.all()),
    }


@pytest.mark.django_db
def test_running_twice_changes_nothing(settings):
    settings.DEBUG = True
    call_command("load_demo_content", stdout=StringIO())
    first = _snapshot()
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    assert _snapshot() == first
    assert "Updated" not in out.getvalue()
    assert first["ballots"] == 12 and len(first["articles"]) >= 4


@pytest.mark.django_db
def test_hero_images_are_real_pictures_without_metadata(settings):
    call_command("load_demo_content", stdout=StringIO())
    for article in Article.objects.all():
        with article.hero_image.open("rb") as handle, Image.open(handle) as image:
            assert image.format == "WEBP" and image.size == (1200, 630)
            assert not image.getexif()
        assert article.hero_alt


@pytest.mark.django_db
def test_refuses_demo_accounts_when_debug_is_off(settings):
    settings.DEBUG = False
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    assert get_user_model().objects.count() == 0
    assert "demo members were not created" in out.getvalue()
    assert Article.objects.published().count() >= 4  # articles still load
    call_command("load_demo_content", "--force", stdout=StringIO())
    assert get_user_model().objects.count() >= 12
