"""Headers that keep private pages out of shared caches and search engines.

Views add these one by one where their authors remembered; this middleware is
the net under them, so a page added later is covered without anyone thinking
of it (README "Security and reliability"):

- pages about a member's own account (settings, data export, sign-in security,
  the admin) are never stored by a browser or proxy (`Cache-Control: no-store`),
  so the back button on a shared library computer shows nothing after sign-out;
- every response to a signed-in member is `private` and `noindex`: what a
  member sees is member content, and must never be cached for, or indexed as,
  someone else.
"""

from django.utils.cache import patch_cache_control

# Prefixes (after the leading slash) of pages that show a member's own account.
NO_STORE_PREFIXES = ("settings/", "accounts/", "admin/", "notifications/", "members/")


def _is_signed_in(request):
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class PrivacyHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.lstrip("/").startswith(NO_STORE_PREFIXES):
            patch_cache_control(response, no_store=True)
        signed_in = _is_signed_in(request)
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, private=True)  # no-store already says more
        if signed_in and "noindex" not in response.get("X-Robots-Tag", ""):
            response["X-Robots-Tag"] = "noindex, nofollow"
        return response
