"""Pieces shared by the community admin modules."""

from django.contrib import admin


class ReadOnlyTabularInline(admin.TabularInline):
    """A record shown under its parent that only services write (reports, notes, consents,
    sent-logs): no adding, changing or deleting from the admin. Subclasses set `fields`."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False
