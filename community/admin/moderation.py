"""Moderation in the admin: the review queue (decisions call services and are
logged), reports, word lists, crisis resources, member notes and the read-only
audit log. `AuditedAdminMixin` makes edits through any admin form land in the
audit log too."""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.admin.base import ReadOnlyTabularInline
from community.models import (
    Answer,
    AuditAction,
    AuditLogEntry,
    Comment,
    CrisisResource,
    HoldReason,
    MemberNote,
    ModeratorNote,
    Question,
    Report,
    ReportReason,
    ReviewItem,
    WordListEntry,
)
from community.services import moderation as services

# --- audit for the admin's own forms ---------------------------------------------------------


class AuditedAdminMixin:
    """Edits through the admin's add/change/delete forms are written to our audit log
    (beside Django's LogEntry), with the changed field names as details."""

    def log_addition(self, request, obj, message):
        services.audit(request.user, AuditAction.ADMIN_ADD, obj, member=_member_of(obj), details=_text(message))
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        services.audit(request.user, AuditAction.ADMIN_CHANGE, obj, member=_member_of(obj), details=_text(message))
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            services.audit(request.user, AuditAction.ADMIN_DELETE, obj, member=_member_of(obj))
        return super().log_deletions(request, queryset)


def _member_of(obj):
    if obj._meta.model_name == "user":
        return obj
    member = getattr(obj, "author", None) or getattr(obj, "member", None)
    return member if member is not None and member._meta.model_name == "user" else None


def _text(message):
    if isinstance(message, list):
        parts = []
        for entry in message:
            for verb, data in entry.items():
                parts.append(f"{verb}: {', '.join(map(str, data.get('fields', []))) or data.get('name', '')}")
        return "; ".join(parts)
    return str(message)


# --- queue filters -------------------------------------------------------------------


class ReasonFilter(admin.SimpleListFilter):
    title = _("reason")
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return ReportReason.choices

    def queryset(self, request, queryset):
        return queryset.filter(reasons__contains=self.value()) if self.value() else queryset


class AgeFilter(admin.SimpleListFilter):
    title = _("waiting for")
    parameter_name = "age"
    AGES = {"day": (None, 1), "week": (1, 7), "older": (7, None)}

    def lookups(self, request, model_admin):
        return [("day", _("less than a day")), ("week", _("1 to 7 days")), ("older", _("more than a week"))]

    def queryset(self, request, queryset):
        if self.value() not in self.AGES:
            return queryset
        newer, older = self.AGES[self.value()]
        now = timezone.now()
        if newer is not None:
            queryset = queryset.filter(created_at__lte=now - timedelta(days=newer))
        if older is not None:
            queryset = queryset.filter(created_at__gt=now - timedelta(days=older))
        return queryset


class OpenFilter(admin.SimpleListFilter):
    title = _("open or decided")
    parameter_name = "open"

    def lookups(self, request, model_admin):
        return [("yes", _("Waiting")), ("no", _("Decided"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.open()
        if self.value() == "no":
            return queryset.exclude(status__in=ReviewItem.OPEN_STATUSES)
        return queryset


# --- the review queue ----------------------------------------------------------------------


class ReportInline(ReadOnlyTabularInline):
    model = Report
    fields = ["created_at", "reason", "reporter_name", "note"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reporter")

    @admin.display(description=_("reporter"))
    def reporter_name(self, report):
        return report.reporter.public_name


class ModeratorNoteInline(ReadOnlyTabularInline):
    model = ModeratorNote
    fields = ["created_at", "text", "article_url", "author"]


class Decision:
    NOTHING = ""
    KEEP = "keep"
    HIDE = "hide"
    SPAM = "spam"
    ESCALATE = "escalate"
    CHOICES = [
        (NOTHING, _("No decision yet (only save the note or sensitive mark)")),
        (KEEP, _("Keep the post (approve it if it was held)")),
        (HIDE, _('Hide the post (members see "removed by a moderator")')),
        (SPAM, _("Delete as spam and suspend the author")),
        (ESCALATE, _("Escalate to a senior moderator")),
    ]


class ReviewDecisionForm(forms.ModelForm):
    """The change page of a review item is a decision form; nothing is edited directly."""

    note = forms.CharField(
        label=_("Note shown under the post"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: This claim is not supported; see our reviewed article on treatment options."),
    )
    article_url = forms.CharField(
        label=_("Reviewed article address"),
        required=False,
        help_text=_("For example /articles/refractory-multiple-myeloma-treatment-options/"),
    )
    sensitive = forms.BooleanField(label=_("Sensitive (left out of digests in newly diagnosed mode)"), required=False)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.CHOICES, required=False)
    reason = forms.CharField(label=_("Reason (for the audit log)"), required=False, max_length=500)

    class Meta:
        model = ReviewItem
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        post = self.instance.post if self.instance.pk else None
        if post is not None:
            self.fields["sensitive"].initial = getattr(post, "is_sensitive", False)

    def clean(self):
        data = super().clean()
        if data.get("article_url") and not data.get("note"):
            self.add_error("note", _("Please write the note that goes with the article link."))
        return data


@admin.register(ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """The queue: open items first, "someone may be at risk" on top and highlighted."""

    form = ReviewDecisionForm
    list_display = [
        "priority", "post_excerpt", "author_summary", "reason_summary", "report_count", "hold_reason",
        "status", "created_at",
    ]  # fmt: skip
    list_display_links = ["post_excerpt"]
    list_filter = [OpenFilter, ReasonFilter, "status", AgeFilter, "at_risk", "hold_reason"]
    search_fields = ["comment__body", "question__title", "question__body", "answer__body", "matched_words"]
    list_select_related = ["comment__author", "question__author", "answer__author"]
    ordering = [
        Case(When(status__in=ReviewItem.OPEN_STATUSES, then=Value(0)), default=Value(1)).asc(),
        "-at_risk",
        "created_at",
    ]
    list_per_page = 50
    actions = ["keep_selected", "hide_selected", "spam_selected", "sensitive_selected", "escalate_selected"]
    inlines = [ReportInline, ModeratorNoteInline]
    fieldsets = [
        (_("The post"), {"fields": ["priority", "post_text", "post_link", "status", "hold_reason", "matched_words"]}),
        (_("The author"), {"fields": ["author_history"]}),
        (_("Decide"), {"fields": ["decision", "reason", "note", "article_url", "sensitive"]}),
    ]
    readonly_fields = ["priority", "post_text", "post_link", "status", "hold_reason", "matched_words", "author_history"]

    class Media:
        css = {"all": ["css/moderation-admin.css"]}

    def has_add_permission(self, request):
        return False  # items come from reports and holds only

    def has_delete_permission(self, request, obj=None):
        return False  # decisions are kept for the record

    # columns

    @admin.display(description=_("priority"), ordering="-at_risk")
    def priority(self, item):
        if item.at_risk:
            return format_html('<strong class="mod-at-risk">{}</strong>', _("Someone may be at risk"))
        if item.hold_reason in (HoldReason.NEW_MEMBER, HoldReason.HOLD_WORD):
            return format_html('<span class="mod-held">{}</span>', _("Held"))
        return _("Report")

    @admin.display(description=_("post"))
    def post_excerpt(self, item):
        post = item.post
        text = getattr(post, "title", "") or post.body
        return f"{item.post_kind.capitalize()}: {Truncator(text).chars(90)}"

    @admin.display(description=_("author"))
    def author_summary(self, item):
        author = item.post.author
        if author is None:
            return _("a former member")
        return format_html(
            '<a href="{}">{}</a><br><small>{} {}</small>',
            reverse("admin:community_user_change", args=[author.pk]),
            author.public_name,
            _("joined"),
            author.date_joined.strftime("%b %-d, %Y"),
        )

    @admin.display(description=_("reasons"))
    def reason_summary(self, item):
        labels = dict(ReportReason.choices)
        return ", ".join(str(labels.get(r, r)) for r in item.reason_list) or "-"

    # change page

    @admin.display(description=_("text"))
    def post_text(self, item):
        post = item.post
        title = getattr(post, "title", "")
        return format_html('<div class="mod-post-text">{}{}</div>', f"{title}\n\n" if title else "", post.body)

    @admin.display(description=_("on the site"))
    def post_link(self, item):
        return format_html('<a href="{}">{}</a>', item.post.get_absolute_url(), _("Open the post on the site"))

    @admin.display(description=_("history"))
    def author_history(self, item):
        author = item.post.author
        if author is None:
            return _("a former member")
        history = services.member_history(author)
        actions = format_html_join(
            "", "<li>{}: {} ({})</li>",
            ((f"{e.created_at:%Y-%m-%d}", e.get_action_display(), e.reason[:80]) for e in history["actions"]),
        )  # fmt: skip
        return format_html(
            '<p><a href="{}">{}</a>. {}: {}. {}: {}. {}: {}.{}</p><ul>{}</ul>',
            reverse("admin:community_user_change", args=[author.pk]), author.public_name,
            _("Joined"), author.date_joined.strftime("%B %-d, %Y"),
            _("Posts"), history["posts"],
            _("Posts reported before"), history["reports_against"],
            format_html(" <strong>{}</strong>", _("Suspended now.")) if author.is_suspended else "",
            actions or format_html("<li>{}</li>", _("No earlier moderator actions.")),
        )  # fmt: skip

    def save_model(self, request, obj, form, change):
        """Apply the decision through the services (they write the audit log)."""
        data = form.cleaned_data
        try:
            self._apply(request, obj, data)
        except (ValidationError, PermissionDenied) as error:
            self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)

    def _apply(self, request, item, data):
        moderator, reason = request.user, data.get("reason", "")
        if data.get("note"):
            services.item_add_note(item=item, moderator=moderator, text=data["note"], article_url=data["article_url"])
        if bool(data.get("sensitive")) != bool(getattr(item.post, "is_sensitive", False)):
            services.item_mark_sensitive(item=item, moderator=moderator, sensitive=data["sensitive"], reason=reason)
        decide = {
            Decision.KEEP: services.item_keep,
            Decision.HIDE: services.item_hide,
            Decision.SPAM: services.item_delete_spam,
            Decision.ESCALATE: services.item_escalate,
        }.get(data.get("decision"))
        if decide:
            decide(item=item, moderator=moderator, reason=reason)

    def log_change(self, request, obj, message):
        return None  # the services wrote the audit rows for what really happened

    # bulk actions

    def _bulk(self, request, queryset, service, done_message, **kwargs):
        count = 0
        for item in queryset.select_related("comment", "question", "answer"):
            try:
                service(item=item, moderator=request.user, **kwargs)
                count += 1
            except (ValidationError, PermissionDenied) as error:
                self.message_user(request, " ".join(getattr(error, "messages", [str(error)])), messages.ERROR)
        self.message_user(request, ngettext(done_message[0], done_message[1], count) % {"count": count})

    @admin.action(description=_("Keep (approve) the selected posts"), permissions=["change"])
    def keep_selected(self, request, queryset):
        self._bulk(request, queryset, services.item_keep, ("Kept %(count)d post.", "Kept %(count)d posts."))

    @admin.action(description=_("Hide the selected posts"), permissions=["change"])
    def hide_selected(self, request, queryset):
        self._bulk(request, queryset, services.item_hide, ("Hid %(count)d post.", "Hid %(count)d posts."))

    @admin.action(description=_("Delete as spam and suspend the authors"), permissions=["change"])
    def spam_selected(self, request, queryset):
        self._bulk(
            request, queryset, services.item_delete_spam, ("Deleted %(count)d post.", "Deleted %(count)d posts.")
        )

    @admin.action(description=_("Mark the selected posts sensitive"), permissions=["change"])
    def sensitive_selected(self, request, queryset):
        self._bulk(
            request, queryset, services.item_mark_sensitive, ("Marked %(count)d post.", "Marked %(count)d posts.")
        )

    @admin.action(description=_("Escalate the selected items"), permissions=["change"])
    def escalate_selected(self, request, queryset):
        self._bulk(
            request, queryset, services.item_escalate, ("Escalated %(count)d item.", "Escalated %(count)d items.")
        )


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Every report, read-only; decisions happen on the review item."""

    list_display = ["created_at", "reason", "reporter_name", "item_link", "outcome_notified_at"]
    list_filter = ["reason", "created_at"]
    search_fields = ["note", "reporter__display_name"]
    list_select_related = ["reporter", "item"]
    readonly_fields = ["item", "reporter", "reason", "note", "created_at", "outcome_notified_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("reporter"), ordering="reporter__display_name")
    def reporter_name(self, report):
        return report.reporter.public_name

    @admin.display(description=_("review item"))
    def item_link(self, report):
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:community_reviewitem_change", args=[report.item_id]), report.item
        )


@admin.register(WordListEntry)
class WordListEntryAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["phrase", "kind", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["phrase"]
    list_editable = ["is_active"]
    readonly_fields = ["created_at"]


@admin.register(CrisisResource)
class CrisisResourceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "phone", "url", "position"]
    list_editable = ["position"]
    search_fields = ["name", "description"]


@admin.register(MemberNote)
class MemberNoteAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "member", "author", "short_text"]
    list_select_related = ["member", "author"]
    search_fields = ["text", "member__display_name"]
    autocomplete_fields = ["member"]
    readonly_fields = ["author", "created_at"]

    @admin.display(description=_("note"))
    def short_text(self, note):
        return Truncator(note.text).chars(80)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)


class MemberNoteInline(admin.TabularInline):
    """Moderators' notes on the member's admin page."""

    model = MemberNote
    fk_name = "member"
    extra = 1
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    can_delete = False

    def get_formset(self, request, obj=None, **kwargs):
        """New notes are signed by whoever is signed in (and logged as a moderator action)."""
        base = super().get_formset(request, obj, **kwargs)

        class SignedNotes(base):
            def save_new(self, form, commit=True):
                note = super().save_new(form, commit=False)
                note.author = request.user
                if commit:
                    note.save()
                    services.audit(request.user, AuditAction.MEMBER_NOTE, note.member, member=note.member,
                                   reason=note.text)  # fmt: skip
                return note

        return SignedNotes


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(admin.ModelAdmin):
    """Read-only and searchable: who did what, when, to which object, and why."""

    list_display = ["created_at", "actor", "action", "object_repr", "member", "reason_excerpt"]
    list_filter = ["action", "object_type", "created_at"]
    search_fields = ["reason", "details", "object_repr", "object_id", "actor__display_name", "member__display_name"]
    list_select_related = ["actor", "member"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "created_at", "actor", "action", "object_type", "object_id", "object_repr", "member", "reason", "details",
    ]  # fmt: skip

    @admin.display(description=_("reason"))
    def reason_excerpt(self, entry):
        return Truncator(entry.reason).chars(80)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- discussion posts -----------------------------------------------------------------------


class PostAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Members' posts for moderators: the words stay the member's (read-only);
    moderation fields are changed through the queue's services."""

    list_select_related = ["author"]
    search_fields = ["body", "author__display_name"]
    list_filter = ["moderation_status", "is_sensitive", "created_at"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["send_to_queue", "mark_sensitive"]

    def has_add_permission(self, request):
        return False  # members post on the site, never through the admin

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # moderators hide; they do not erase

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name not in self.moderator_fields]

    moderator_fields = ("is_sensitive",)

    @admin.action(description=_("Mark the selected posts sensitive"), permissions=["change"])
    def mark_sensitive(self, request, queryset):
        for post in queryset:
            services.post_mark_sensitive(post=post, moderator=request.user)
        self.message_user(request, _("Marked sensitive: left out of digests in newly diagnosed mode."))

    @admin.display(description=_("text"))
    def excerpt(self, post):
        return Truncator(post.body).chars(90)

    @admin.display(description=_("author"), ordering="author__display_name")
    def author_name(self, post):
        return post.author.public_name if post.author_id else _("a former member")

    @admin.action(description=_("Put the selected posts in the review queue"), permissions=["change"])
    def send_to_queue(self, request, queryset):
        for post in queryset:
            services.post_to_queue(post=post, moderator=request.user)
        self.message_user(request, _("The posts are in the review queue."))


@admin.register(Comment)
class CommentAdmin(PostAdmin):
    list_display = ["excerpt", "author_name", "thread_title", "moderation_status", "is_sensitive", "created_at"]
    list_select_related = ["author", "thread"]
    search_fields = ["body", "author__display_name", "thread__title"]

    @admin.display(description=_("conversation"), ordering="thread__title")
    def thread_title(self, comment):
        return Truncator(comment.thread.title).chars(60)


@admin.register(Question)
class QuestionAdmin(PostAdmin):
    list_display = ["title", "author_name", "answer_count", "moderation_status", "is_sensitive", "created_at"]
    search_fields = ["title", "body", "author__display_name"]


@admin.register(Answer)
class AnswerAdmin(PostAdmin):
    list_display = ["excerpt", "author_name", "question_title", "moderation_status", "is_sensitive", "created_at"]
    list_select_related = ["author", "question"]
    search_fields = ["body", "author__display_name", "question__title"]

    @admin.display(description=_("question"), ordering="question__title")
    def question_title(self, answer):
        return Truncator(answer.question.title).chars(60)
