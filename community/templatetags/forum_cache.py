"""`{% cached_posts posts "community/comments/_comment.html" can_reply=True %}`: a list of
posts rendered from shared fragments (community/cache.py explains the keys)."""

from django import template
from django.utils.html import escape

from community.cache import full_posts, render_posts

register = template.Library()
SIMPLE = (bool, int, str, type(None))
FORMS = ("form", "comment_form")  # forms inside fragments; their limits depend on the member


@register.simple_tag(takes_context=True)
def cached_posts(context, posts, template_name, var="comment", **extra):
    request = context["request"]
    if any(getattr(context.get(f), "is_bound", False) for f in FORMS):  # this member's errors are never shared
        return _render_all(context, posts, template_name, var, extra)
    tpl = context.template.engine.get_template(template_name)

    def render_one(post):
        with context.push(**{var: post}, **extra):
            return tpl.render(context)

    flags = sorted((k, v) for k, v in extra.items() if isinstance(v, SIMPLE))
    return render_posts(
        list(posts),
        render_one,
        viewer_id=request.user.pk,
        reacted=context.get("reacted") or set(),
        csrf_token=context.get("csrf_token"),
        next_path=escape(request.get_full_path()),
        extra=repr((template_name, flags, *(getattr(context.get(f), "body_max", None) for f in FORMS))),
    )


def _render_all(context, posts, template_name, var, extra):
    from django.utils.safestring import mark_safe

    tpl = context.template.engine.get_template(template_name)
    parts = []
    for post in full_posts(list(posts)):  # rows (community/cache.py) are loaded in full here
        with context.push(**{var: post}, **extra):
            parts.append(tpl.render(context))
    return mark_safe("".join(parts))  # noqa: S308 (our own templates, autoescaped)


@register.filter
def top_level(comments):
    return [c for c in comments if not c.parent_id]


@register.filter
def replies_only(comments):
    return [c for c in comments if c.parent_id]


@register.filter
def replies_of(comment):
    """A comment's replies: the list thread_comments prefetched, else a query."""
    found = getattr(comment, "reply_list", None)
    return comment.replies.all() if found is None else found
