"""Admin for discussion plumbing. Questions, answers and comments are moderated
in community/admin/moderation.py; here are threads, reactions, follows and notifications."""

from django.contrib import admin

from community.models import Follow, Notification, Reaction, Revision, Thread


@admin.register(Thread)
class ThreadAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "comment_count", "last_activity_at"]
    list_filter = ["kind"]
    search_fields = ["title"]
    readonly_fields = ["comment_count", "last_activity_at", "created_at"]


@admin.register(Reaction)
class ReactionAdmin(admin.ModelAdmin):
    list_display = ["kind", "member", "question", "answer", "comment", "created_at"]
    list_filter = ["kind"]
    list_select_related = ["member", "question"]
    autocomplete_fields = ["member"]
    raw_id_fields = ["question", "answer", "comment"]


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["member", "thread", "created_at"]
    list_select_related = ["member", "thread"]
    autocomplete_fields = ["member"]
    raw_id_fields = ["thread"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "thread", "event_count", "updated_at", "read_at", "emailed_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient", "thread"]
    raw_id_fields = ["recipient", "actor", "thread"]


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "comment", "question", "answer", "created_at"]
    raw_id_fields = ["comment", "question", "answer"]
