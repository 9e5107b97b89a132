"""Editor forms: the article form checks the hero image by its content."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from articles.models import Article
from community.images import clean_uploaded_image, reencode

HERO_MAX_SIDE = 1600


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "slug", "summary", "body", "tags", "status", "published_at", "hero_image", "hero_alt",
            "hero_caption", "author", "byline", "reviewer_name", "reviewer_credentials", "reviewed_on",
            "discussion_prompt",
        ]  # fmt: skip

    def clean_hero_image(self):
        """JPEG, PNG or WebP only, at most 5 MB and 40 megapixels; re-encoded so no EXIF or GPS survives."""
        upload = self.cleaned_data.get("hero_image")
        if not upload or upload == self.instance.hero_image or not hasattr(upload, "content_type"):
            return upload  # unchanged or cleared
        image = clean_uploaded_image(upload)
        return reencode(image, fmt="WEBP", size=HERO_MAX_SIDE)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()  # publishing without a date means "now"
        if cleaned.get("hero_image") and not cleaned.get("hero_alt"):
            self.add_error("hero_alt", _("Please describe the picture for people who cannot see it."))
        return cleaned
