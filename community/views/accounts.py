"""Member pages: the profile others see, and the member's own settings.

Everything here is for signed-in members only and kept out of search engines."""

from functools import wraps

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.forms.accounts import AvatarForm, DeleteAccountForm, NotificationForm, ProfileForm
from community.services import deletion, export, profiles
from community.services.accounts import ensure_profile


def member_page(view):
    """Signed-in members only, and never indexed."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


@member_page
def member_profile(request, user_id):
    member = get_object_or_404(get_user_model(), pk=user_id, is_active=True)
    profile = ensure_profile(member)
    hidden = profile.post_anonymously and member != request.user
    context = {"member": member, "profile": profile, "hidden": hidden, "is_self": member == request.user}
    return render(request, "community/members/profile.html", context)


@member_page
def settings_index(request):
    profile = ensure_profile(request.user)
    social_accounts = request.user.socialaccount_set.all()
    context = {"profile": profile, "notification_form": NotificationForm(instance=profile), "social": social_accounts}
    return render(request, "community/settings/index.html", context)


@member_page
def settings_profile(request):
    profile = ensure_profile(request.user)
    form = ProfileForm(request.POST or None, instance=profile, user=request.user)
    if request.method == "POST" and form.is_valid():
        profiles.update_profile(
            profile=profile, display_name=form.cleaned_data["display_name"], cleaned_data=form.profile_data()
        )
        messages.success(request, _("Your profile is saved."))
        return redirect("community:member-profile", user_id=request.user.pk)
    return render(request, "community/settings/profile.html", {"form": form, "profile": profile})


@member_page
def settings_avatar(request):
    profile = ensure_profile(request.user)
    form = AvatarForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.set_avatar(profile=profile, upload=form.cleaned_data["avatar"])
        except ValidationError as error:
            form.add_error("avatar", error)
        else:
            messages.success(request, _("Your new picture is saved."))
            return redirect("community:settings-avatar")
    status = 400 if form.errors else 200
    return render(request, "community/settings/avatar.html", {"form": form, "profile": profile}, status=status)


@member_page
@require_POST
def settings_avatar_remove(request):
    profiles.remove_avatar(profile=ensure_profile(request.user))
    messages.success(request, _("Your picture is removed."))
    return redirect("community:settings-avatar")


@member_page
@require_POST
def settings_notifications(request):
    form = NotificationForm(request.POST, instance=ensure_profile(request.user))
    if form.is_valid():
        form.save()
        messages.success(request, _("Your e-mail choice is saved."))
    else:
        messages.error(request, _("Please choose one of the options."))
    return redirect("community:settings")


@member_page
def settings_export(request):
    if request.method != "POST":
        return render(request, "community/settings/export.html")
    response = HttpResponse(export.export_json(request.user), content_type="application/json; charset=utf-8")
    filename = f"myeloma-forum-my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _delete_account(request):
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        deletion.delete_account(request.user)
        logout(request)
        messages.success(request, _("Your account is deleted. Thank you for having been part of Myeloma Forum."))
        return redirect("home")
    return render(request, "community/settings/delete.html", {"form": form})


@member_page
def settings_delete(request):
    if request.user.has_usable_password():
        return _delete_account(request)
    # No password to type: a fresh sign-in (code, Facebook or Google) confirms instead.
    return reauthentication_required(_delete_account)(request)
