"""Template helpers for discussions: time ago, reactions, the notifications bell,
the comment section of any content that owns a thread, related questions."""

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django import template
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from community.models import Notification, Question

register = template.Library()
READ_MORE_CHARS = 700


@register.simple_tag
def time_ago(moment):
    """ "3 hours ago", with the exact date and time on hover (title) and for machines (datetime)."""
    if moment is None:
        return ""
    local = timezone.localtime(moment)
    exact = date_format(local, "DATETIME_FORMAT")
    label = _("%(time)s ago") % {"time": timesince(moment).split(",")[0]}
    return format_html('<time datetime="{}" title="{}">{}</time>', local.isoformat(), exact, label)


@register.filter
def is_long(post):
    return len(post.body) > READ_MORE_CHARS


@register.simple_tag
def has_reacted(reacted, post, kind):
    return (post._meta.model_name, post.pk, kind) in reacted


@register.simple_tag(takes_context=True)
def unread_notification_count(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return 0
    return Notification.objects.for_member(request.user).unread().count()


@register.simple_tag(takes_context=True)
def facebook_login_url(context):
    """Facebook sign-in when that provider is set up, else the ordinary sign-up page."""
    try:
        configured = bool(get_social_adapter().list_apps(context.get("request"), provider="facebook"))
        return reverse("facebook_login") if configured else reverse("account_signup")
    except (NoReverseMatch, LookupError):
        return reverse("account_signup")


@register.inclusion_tag("community/comments/_section.html", takes_context=True)
def discussion_for(context, owner, prompt=""):
    """The comment section of any content with a `discussion` thread (an article)."""
    from community.views.discussion import comment_section

    request = context["request"]
    thread = owner.discussion if owner.discussion_id else None
    section = comment_section(request, thread, owner_kind=owner._meta.model_name, owner_pk=owner.pk)
    return {
        **section,
        "request": request,
        "user": request.user,
        "prompt": prompt,
        "csrf_token": context.get("csrf_token"),
    }


@register.simple_tag
def questions_sharing_tags(tags, limit=5):
    """Questions that share tags (by slug) with some content, most shared first."""
    slugs = [t.slug for t in tags]
    if not slugs:
        return []
    return list(
        Question.objects.visible()
        .filter(tags__slug__in=slugs)
        .annotate(shared=Count("tags", distinct=True))
        .order_by("-shared", "-created_at")[:limit]
    )


@register.simple_tag
def form_prefix(base, parent=None, answer=None):
    """Unique ids for the several posting forms on one page (labels must point at their own box)."""
    parts = [str(base or "post")]
    if parent:
        parts.append(f"r{parent.pk}")
    if answer:
        parts.append(f"a{answer.pk}")
    return "-".join(parts)
