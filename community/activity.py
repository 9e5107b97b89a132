"""A member's "last seen", written at most once every few minutes per session.

allauth's UserSessionsMiddleware (with USERSESSIONS_TRACK_ACTIVITY) runs a
get_or_create and an UPDATE inside a transaction on every signed-in page view:
three to five queries and a write for each GET. This middleware does the same
work only when the session has not been marked in the cache for
FORUM_LAST_SEEN_INTERVAL seconds (cache.add is atomic, so two workers never
both write). The usersessions rows still exist (allauth creates them at
sign-in), so "sign out everywhere" keeps working, and the sessions page still
shows a last-seen time accurate to a few minutes."""

from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.cache import cache


def _cache_key(session_key):
    return f"forum:last-seen:{session_key}"


def touch_last_seen(request):
    """Record activity for this session unless it was recorded in the last interval."""
    session_key = request.session.session_key
    if not session_key:
        return False
    if not cache.add(_cache_key(session_key), 1, timeout=settings.FORUM_LAST_SEEN_INTERVAL):
        return False
    UserSession.objects.create_from_request(request)
    return True


class ThrottledUserSessionsMiddleware:
    """Drop-in for allauth.usersessions.middleware.UserSessionsMiddleware, throttled."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if hasattr(request, "session") and user is not None and user.is_authenticated:
            touch_last_seen(request)
        return self.get_response(request)
