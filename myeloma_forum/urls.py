from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from community.cache import visitor_page_cache
from myeloma_forum import health, views

urlpatterns = [
    path("", visitor_page_cache(views.HomeView.as_view()), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("community.urls")),
    path("", include("articles.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
