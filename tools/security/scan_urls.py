"""The site's URLs plus one page that reflects its input unescaped: the scan's control.

Mounted only by tools/security/scan_settings.py, which only the control scan uses."""

from django.http import HttpResponse
from django.urls import include, path


def reflect_unescaped(request):
    """Deliberately vulnerable: echoes ?q= into HTML without escaping (control only)."""
    query = request.GET.get("q", "")
    page = f"<!doctype html><html><body><p>You searched for {query}</p></body></html>"
    return HttpResponse(page)  # nosec B703 - the point of the control: a scanner must flag this


urlpatterns = [
    path("scan-control/reflect/", reflect_unescaped, name="scan-control-reflect"),
    path("", include("myeloma_forum.urls")),
]
