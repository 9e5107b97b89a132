"""RSS and Atom feeds of published articles. Links are absolute, built from SITE_URL."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from articles.models import Article

FEED_SIZE = 20


def absolute(path):
    return f"{settings.SITE_URL}{path}"


class ArticlesFeed(Feed):
    title = _("Myeloma Forum articles")
    description = _("New medically reviewed articles from Myeloma Forum.")

    def link(self):
        return absolute(reverse("articles:article-list"))

    def feed_url(self):
        return absolute(reverse("articles:feed-rss"))

    def items(self):
        return Article.objects.published().newest_first().select_related("author")[:FEED_SIZE]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return absolute(item.get_absolute_url())

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_author_name(self, item):
        return item.byline


class ArticlesAtomFeed(ArticlesFeed):
    feed_type = Atom1Feed
    subtitle = ArticlesFeed.description

    def feed_url(self):
        return absolute(reverse("articles:feed-atom"))
