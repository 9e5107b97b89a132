"""Bench-only URLconf: the site's own routes plus the same-bytes bare view."""

from django.urls import path

from bench.bare_view import bare_bytes
from myeloma_forum.urls import urlpatterns as site_urlpatterns

urlpatterns = [
    path("__bench__/bare/<int:size>/", bare_bytes, name="bench-bare"),
    *site_urlpatterns,
]
