from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from community.admin.moderation import AuditedAdminMixin, MemberNoteInline
from community.models import Profile, User
from community.services import moderation as moderation_services


class VerifiedFilter(admin.SimpleListFilter):
    title = _("e-mail confirmed")
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        verified = Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True))
        if self.value() == "yes":
            return queryset.filter(verified)
        if self.value() == "no":
            return queryset.exclude(verified)
        return queryset


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["post_anonymously", "notification_email", "role", "city", "state", "diagnosis_year", "about"]
    extra = 0


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    """Members in the admin: found by e-mail or name, never showing a password hash."""

    ordering = ["-date_joined"]
    list_display = ["email", "display_name", "email_confirmed", "two_factor", "is_staff", "is_active", "date_joined"]
    list_filter = [VerifiedFilter, "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "display_name"]
    readonly_fields = ["last_login", "date_joined", "email_confirmed", "two_factor"]
    inlines = [ProfileInline, MemberNoteInline]
    fieldsets = [
        (None, {"fields": ["email", "display_name", "email_confirmed"]}),
        (_("Suspension"), {"fields": ["suspended_until", "suspension_reason"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "two_factor"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "display_name", "password1", "password2"]}),
    ]
    filter_horizontal = ["groups"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _verified=Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verified=True)),
                _totp=Exists(Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)),
            )
        )

    @admin.display(boolean=True, description=_("e-mail confirmed"), ordering="_verified")
    def email_confirmed(self, obj):
        return getattr(obj, "_verified", None)

    @admin.display(boolean=True, description=_("two-step sign-in"), ordering="_totp")
    def two_factor(self, obj):
        return getattr(obj, "_totp", None)

    # --- Moderators (issue 7): suspension and notes only; no e-mail in lists, ---
    # no passwords, no groups or permissions. Superusers keep the full page.
    MODERATOR_EDITABLE = ("suspended_until", "suspension_reason")

    def get_list_display(self, request):
        fields = super().get_list_display(request)
        if request.user.is_superuser:
            return fields
        return ["display_name" if f == "email" else f for f in fields if f != "display_name"]

    def get_search_fields(self, request):
        return self.search_fields if request.user.is_superuser else ["display_name"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"is_superuser", "groups", "user_permissions", "password"}
        return [(name, {**opts, "fields": [f for f in opts["fields"] if f not in hidden]}) for name, opts in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser or obj is None:
            return readonly
        every = [f for _name, opts in self.get_fieldsets(request, obj) for f in opts["fields"]]
        return readonly + [f for f in every if f not in self.MODERATOR_EDITABLE and f not in readonly]

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise PermissionDenied  # moderators and editors never set anyone's password
        return super().user_change_password(request, id, form_url)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "suspended_until" in form.changed_data:
            moderation_services.suspension_changed_in_admin(member=obj, moderator=request.user)
