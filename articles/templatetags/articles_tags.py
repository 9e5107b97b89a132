"""Template helpers for article pages."""

import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import _json_script_escapes, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def json_ld(context, data):
    """A JSON-LD block escaped exactly like Django's json_script, carrying the CSP nonce."""
    payload = json.dumps(data, cls=DjangoJSONEncoder).translate(_json_script_escapes)
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", "") if request is not None else ""
    return format_html('<script type="application/ld+json" nonce="{}">{}</script>', nonce, mark_safe(payload))  # noqa: S308 (escaped above)


@register.filter
def percent_of(part, whole):
    """Whole-number percentage for the poll bars; 0 when nobody voted."""
    return round(100 * part / whole) if whole else 0
