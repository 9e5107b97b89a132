"""Extra locks on the admin door.

allauth's rate limits cover its own pages, not Django's /admin/login/, so failed
admin logins are counted here, per e-mail and per address, in the shared cache:
once locked, even the right password is refused until the lock runs out. And a
staff member must have two-factor set up, and have used it in this session,
before any admin page opens."""

import hashlib

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _


def _key(kind, value):
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()
    return f"forum:admin-login-failures:{kind}:{digest}"


def _client_ip(request):
    return request.META.get("REMOTE_ADDR", "")


class AdminLoginThrottle:
    """Counts failures for an (e-mail, IP) pair; either one reaching the limit locks."""

    def __init__(self, request):
        self.keys = [_key("ip", _client_ip(request)), _key("email", request.POST.get("username", ""))]

    def is_locked(self):
        counts = cache.get_many(self.keys).values()
        return any(count >= settings.FORUM_ADMIN_LOGIN_MAX_FAILURES for count in counts)

    def record_failure(self):
        for key in self.keys:
            # add() starts the window on the first failure; incr() keeps its expiry.
            cache.add(key, 0, timeout=settings.FORUM_ADMIN_LOGIN_LOCKOUT_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=settings.FORUM_ADMIN_LOGIN_LOCKOUT_SECONDS)

    def record_success(self):
        cache.delete(self.keys[1])


def _used_two_factor(request):
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
    return any(record.get("method") == "mfa" for record in records)


def _has_totp(user):
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class AdminProtectionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if not request.path.startswith(admin_root):
            return self.get_response(request)
        if request.path == reverse("admin:login") and request.method == "POST":
            return self._guarded_login(request)
        if request.user.is_authenticated and request.user.is_staff and request.path != reverse("admin:logout"):
            return self._two_factor_gate(request) or self.get_response(request)
        return self.get_response(request)

    def _guarded_login(self, request):
        throttle = AdminLoginThrottle(request)
        if throttle.is_locked():
            minutes = settings.FORUM_ADMIN_LOGIN_LOCKOUT_SECONDS // 60
            return render(request, "community/admin_login_locked.html", {"minutes": minutes}, status=429)
        response = self.get_response(request)
        # The admin's login view answers 200 with the form again when the password is wrong.
        if response.status_code == 200:
            throttle.record_failure()
        elif response.status_code == 302:
            throttle.record_success()
        return response

    def _two_factor_gate(self, request):
        if request.path == reverse("admin:login"):
            return None
        if not _has_totp(request.user):
            messages.warning(
                request,
                _("Staff accounts need two-step sign-in before using the admin. Please set it up now."),
            )
            return redirect("mfa_activate_totp")
        if not _used_two_factor(request):
            messages.info(request, _("Please enter the code from your authenticator app to open the admin."))
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return None
