"""Project-wide pages that belong to neither app: home and health check."""

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from articles.models import Article


class HomeView(TemplateView):
    template_name = "home.html"
    latest_articles_count = 3

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["latest_articles"] = Article.objects.published().newest_first()[: self.latest_articles_count]
        return context


@never_cache
def healthz(request):
    """Answer 200 when the process is up and the database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not healthy"
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
