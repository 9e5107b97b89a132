"""Hugs and "helpful": one of each per member per post, toggled, counted exactly.

Counts change with F() updates only when a row was really created or deleted,
so concurrent clicks can never lose or double a count (the unique constraints
catch a member's double click)."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from community.models import Answer, Comment, Question, Reaction, ReactionKind
from community.services.posting import check_may_post

TARGET_MODELS = {"comment": Comment, "question": Question, "answer": Answer}
COUNTER = {ReactionKind.HUG: "hug_count", ReactionKind.HELPFUL: "helpful_count"}


def target_name(post):
    return post._meta.model_name


def _counter_update(post, kind, delta):
    field = COUNTER[kind]
    type(post).objects.filter(pk=post.pk).update(**{field: F(field) + delta})


@transaction.atomic
def reaction_toggle(*, member, post, kind):
    """Add the member's reaction, or take it back; returns True when it is now on."""
    check_may_post(member)
    if post.is_removed:
        raise PermissionDenied(_("This post has been removed."))
    kind = ReactionKind(kind)
    lookup = {"member": member, "kind": kind, target_name(post): post}
    deleted, _rows = Reaction.objects.filter(**lookup).delete()
    if deleted:
        _counter_update(post, kind, -1)
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(**lookup)
    except IntegrityError:
        return True  # the same member's other click got there first; count it once
    _counter_update(post, kind, +1)
    return True


def reactors(post, kind=None):
    """Who reacted to `post` (for members only), oldest first."""
    reactions = Reaction.objects.filter(**{target_name(post): post}).select_related("member__profile")
    if kind:
        reactions = reactions.filter(kind=kind)
    return reactions.order_by("created_at", "pk")
