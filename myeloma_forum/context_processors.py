from django.conf import settings


def site(request):
    """Values every template may need: the site's name and absolute address."""
    return {"SITE_NAME": "Myeloma Forum", "SITE_URL": settings.SITE_URL}
