"""Newsletter in the admin: subscribers (filters, search, CSV export, consent
record, sent-log) and a "send a test digest to me" action. Actions call services."""

import csv

from django.contrib import admin, messages
from django.http import StreamingHttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from community.admin.base import ReadOnlyTabularInline
from community.models.newsletter import ConsentRecord, DigestSendLog, Subscriber
from community.services import digests as digest_services

CSV_FIELDS = ["email", "name", "status", "frequency", "source", "created_at", "confirmed_at", "unsubscribed_at"]


class ConsentRecordInline(ReadOnlyTabularInline):
    model = ConsentRecord
    # Proof of consent is written by the services only.
    fields = ["created_at", "action", "ip_address", "user_agent", "text_version", "text"]


class DigestSendLogInline(ReadOnlyTabularInline):
    model = DigestSendLog
    fields = ["period", "sent_at", "item_count", "message_id"]
    ordering = ["-sent_at"]


class _Echo:
    def write(self, value):
        return value


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "status", "frequency", "source", "is_member", "created_at", "confirmed_at"]
    list_filter = ["status", "frequency", "source", "newly_diagnosed_mode", "created_at", "confirmed_at"]
    search_fields = ["email", "name", "user__display_name"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    readonly_fields = ["token_key", "created_at", "confirmed_at", "unsubscribed_at"]
    inlines = [ConsentRecordInline, DigestSendLogInline]
    actions = ["export_csv", "send_test_digest_to_me"]

    @admin.display(boolean=True, description=_("member"))
    def is_member(self, obj):
        return obj.is_member

    @admin.action(description=_("Export selected subscribers to CSV"))
    def export_csv(self, request, queryset):
        writer = csv.writer(_Echo())
        rows = queryset.order_by("pk").values_list(*CSV_FIELDS).iterator(chunk_size=2000)
        lines = (writer.writerow(row) for row in _with_header(rows))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="newsletter-subscribers.csv"'
        return response

    @admin.action(description=_("Send me a test digest as the selected subscriber would get it"))
    def send_test_digest_to_me(self, request, queryset):
        subscribers = list(queryset[:5])
        for subscriber in subscribers:
            digest_services.send_test_digest(subscriber, request.user.email)
        self.message_user(
            request,
            ngettext(
                "Sent %(count)d test digest to %(email)s.",
                "Sent %(count)d test digests to %(email)s.",
                len(subscribers),
            )
            % {"count": len(subscribers), "email": request.user.email},
            messages.SUCCESS,
        )


def _with_header(rows):
    yield CSV_FIELDS
    yield from rows


@admin.register(DigestSendLog)
class DigestSendLogAdmin(admin.ModelAdmin):
    list_display = ["period", "subscriber", "sent_at", "item_count", "message_id"]
    list_filter = ["period", "sent_at"]
    search_fields = ["subscriber__email", "message_id"]
    list_select_related = ["subscriber"]
    readonly_fields = ["subscriber", "period", "sent_at", "item_count", "message_id"]

    def has_add_permission(self, request):
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "action", "created_at", "ip_address", "text_version"]
    list_filter = ["action", "text_version", "created_at"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber"]
    readonly_fields = ["subscriber", "action", "created_at", "ip_address", "user_agent", "text_version", "text"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
