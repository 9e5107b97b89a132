"""Articles in the e-mail digest: registered into community's section registry
from ArticlesConfig.ready(), because community never imports articles."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from taggit.models import Tag

from articles.models import Article
from community.digests import DigestItem, register_section, register_topics


def new_articles(*, since, until):
    """Articles published in the window; their summaries are public, so anyone may read them."""
    articles = (
        Article.objects.published()
        .filter(published_at__gt=since, published_at__lte=until)
        .prefetch_related("tags")
        .order_by("-published_at")[:50]
    )
    return [
        DigestItem(
            key=f"article:{article.pk}",
            title=article.title,
            url=settings.SITE_URL + article.get_absolute_url(),
            when=article.published_at,
            summary=article.summary,
            tags=tuple(tag.slug for tag in article.tags.all()),
        )
        for article in articles
    ]


def article_topics():
    """Tags used on published articles: what subscribers may choose to favour."""
    tags = Tag.objects.filter(article__status=Article.Status.PUBLISHED).distinct().order_by("name")
    return [(tag.slug, tag.name) for tag in tags]


def register():
    register_section("articles", title=_("New articles"), fetch=new_articles, order=10, limit=5)
    register_topics("articles", article_topics)
