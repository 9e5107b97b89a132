"""Editors work here: articles with their poll inline, previews of drafts, image checks."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from articles.forms import ArticleAdminForm
from articles.models import Article, Poll, PollChoice
from articles.services import article_save


class PollInline(admin.StackedInline):
    model = Poll
    extra = 0
    max_num = 1
    fields = ["question", "help_text", "is_open", "edit_choices"]
    readonly_fields = ["edit_choices"]

    @admin.display(description=_("choices"))
    def edit_choices(self, poll):
        if not poll.pk:
            return _("Save the article first, then add the choices.")
        url = reverse("admin:articles_poll_change", args=[poll.pk])
        return format_html('<a href="{}">{}</a>', url, _("Edit the choices"))


class PollChoiceInline(admin.TabularInline):
    model = PollChoice
    extra = 3
    fields = ["text", "position"]


@admin.register(Poll)
class PollAdmin(admin.ModelAdmin):
    list_display = ["question", "article", "is_open"]
    list_select_related = ["article"]
    search_fields = ["question", "article__title"]
    inlines = [PollChoiceInline]
    autocomplete_fields = ["article"]


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "status", "reviewer_name", "reviewed_on", "published_at", "tag_list", "preview_link"]
    list_filter = ["status", "reviewed_on", "published_at", "tags"]
    search_fields = ["title", "summary", "body", "reviewer_name"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["author"]
    date_hierarchy = "published_at"
    inlines = [PollInline]
    readonly_fields = ["preview_link", "updated_at", "created_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "body", "tags", "status", "published_at", "preview_link"]}),
        (_("Picture"), {"fields": ["hero_image", "hero_alt", "hero_caption"]}),
        (_("People"), {"fields": ["author", "byline", "reviewer_name", "reviewer_credentials", "reviewed_on"]}),
        (_("Discussion"), {"fields": ["discussion_prompt"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description=_("tags"))
    def tag_list(self, article):
        return ", ".join(tag.name for tag in article.tags.all())

    @admin.display(description=_("preview"))
    def preview_link(self, article):
        if not article.pk:
            return "-"
        return format_html('<a href="{}?preview=1" target="_blank">{}</a>', article.get_absolute_url(), _("Preview"))

    def save_model(self, request, obj, form, change):
        article_save(obj)
