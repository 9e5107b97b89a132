from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = _("Articles")

    def ready(self):
        from articles import digest

        digest.register()  # new articles in the e-mail digests (owner: NEWSLETTER)
        # Published articles in site search, for visitors too (owner: DISCUSSION).
        from articles.models import Article
        from community.search import ModelSource, register_source
        from community.services.discussion import register_thread_owner

        register_source(
            "articles",
            ModelSource(
                lambda: Article.objects.published(),
                fields=[("title", "A"), ("summary", "B"), ("body", "C")],
                label=_("Article"),
                snippet_field="body_html",
            ),
            public=True,
        )
        # The first comment on an article creates its thread (owner: DISCUSSION).
        register_thread_owner("article", lambda pk: Article.objects.published().get(pk=pk))
