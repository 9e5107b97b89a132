"""Sitemaps: published articles and their topic pages only. Member content never appears."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.urls import reverse
from taggit.models import Tag

from articles.models import Article


class _SiteUrlSitemap(Sitemap):
    """Use SITE_URL for the address rather than the Sites framework's example.com."""

    def get_domain(self, site=None):
        return urlsplit(settings.SITE_URL).netloc

    def get_protocol(self, protocol=None):
        return urlsplit(settings.SITE_URL).scheme or "https"


class ArticleSitemap(_SiteUrlSitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Article.objects.published().newest_first()

    def lastmod(self, item):
        return item.updated_at


class TagSitemap(_SiteUrlSitemap):
    changefreq = "weekly"
    priority = 0.5

    def items(self):
        published = Article.objects.published()
        return Tag.objects.filter(article__in=published).distinct().order_by("slug")

    def location(self, item):
        return reverse("articles:tag", kwargs={"tag": item.slug})


SITEMAPS = {"articles": ArticleSitemap, "tags": TagSitemap}
