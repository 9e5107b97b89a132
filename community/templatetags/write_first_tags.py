"""The visitor's comment box ("write first, join after") for any comment section."""

from django import template

from community.forms.write_first import VisitorCommentForm

register = template.Library()


@register.inclusion_tag("community/write_first/_comment_box.html", takes_context=True)
def write_first_box(context, thread=None, owner_kind=None, owner_pk=None, level=3):
    """An empty box: the same for every visitor, so whole-page caching stays possible."""
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "thread": thread,
        "owner_kind": owner_kind,
        "owner_pk": owner_pk,
        "level": level,
        "form": VisitorCommentForm(prefix_id="wf"),
    }
