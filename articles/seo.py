"""Structured data for search engines: schema.org MedicalWebPage for an article."""

from django.conf import settings


def article_json_ld(article, tags):
    url = f"{settings.SITE_URL}{article.get_absolute_url()}"
    data = {
        "@context": "https://schema.org",
        "@type": "MedicalWebPage",
        "@id": url,
        "url": url,
        "name": article.title,
        "headline": article.title,
        "description": article.summary,
        "datePublished": article.published_at.isoformat() if article.published_at else None,
        "dateModified": article.updated_at.isoformat(),
        "keywords": [tag.name for tag in tags],
        "author": {"@type": "Organization", "name": article.byline},
        "publisher": {"@type": "Organization", "name": "Myeloma Forum", "url": settings.SITE_URL},
        "about": {"@type": "MedicalCondition", "name": "Multiple myeloma"},
        "audience": {"@type": "Patient"},
    }
    if article.reviewed_on:
        data["lastReviewed"] = article.reviewed_on.isoformat()
    if article.reviewer_name:
        data["reviewedBy"] = {"@type": "Person", "name": article.reviewer_name}
        if article.reviewer_credentials:
            data["reviewedBy"]["jobTitle"] = article.reviewer_credentials
    if article.hero_image:
        data["image"] = f"{settings.SITE_URL}{article.hero_image.url}"
    return {key: value for key, value in data.items() if value is not None}
