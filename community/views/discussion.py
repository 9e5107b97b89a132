"""Comments, follows and reactions: the routes, plus the comment-section reader
that question pages and the article page share.

Reads run a fixed number of queries whatever the thread's size: one page of
top-level comments, their replies in one query, the viewer's reactions in one."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.cache import PostSource
from community.forms.discussion import CommentForm
from community.models import Answer, Comment, Reaction, ReactionKind, Thread
from community.services import discussion, reactions
from community.templatetags.forum_cache import replies_of
from community.views.moderation import announce_screening

COMMENTS_PER_PAGE = 50
TEASER_CHARS = 200


def member_only(view):
    """Signed-in members only, never indexed (visitors are sent to sign in)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


def safe_next(request, fallback):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def refuse(request, error, fallback):
    """Show why a write was refused, in plain words, and go back."""
    for message in getattr(error, "messages", [str(error)]):
        messages.error(request, message)
    return redirect(safe_next(request, fallback))


# --- reading ------------------------------------------------------------------


def comment_order(request):
    return "newest" if request.GET.get("order") == "newest" else "oldest"


def thread_comments(thread, *, order="oldest", viewer=None):
    """Top-level comments of the thread (not under an answer); other members' held
    comments are left out (moderation). Replies are read by `comment_rows`."""
    ordering = ("-created_at", "-pk") if order == "newest" else ("created_at", "pk")
    return (
        Comment.objects.filter(thread=thread, parent__isnull=True, answer__isnull=True)
        .for_viewer(viewer)
        .order_by(*ordering)
    )


def comment_source(viewer):
    """Thread comments for the fragment cache: full instances (with their replies) only for misses."""

    def load(rows):
        ids = {row.pk for row in rows}
        # The same rules as the rows were read with: a comment held or deleted since is left out.
        found = (
            Comment.objects.filter(Q(pk__in=ids) | Q(parent_id__in=ids))
            .for_viewer(viewer)
            .for_display()
            .order_by("created_at", "pk")
        )
        tops, replies = {}, {pk: [] for pk in ids}
        for comment in found:
            if comment.pk in ids:
                tops[comment.pk] = comment
            else:
                replies[comment.parent_id].append(comment)
        for pk, comment in tops.items():
            comment.reply_list = replies[pk]
        return tops

    return PostSource("comment", load)


def comment_rows(page_rows_queryset, viewer):
    """FragmentRows of a page of top-level comments, each with its replies' rows in `reply_list`.

    Two queries (the page, its replies), as with prefetch_related, but no model instances:
    the full comments are loaded only for fragments not in the cache."""
    source = comment_source(viewer)
    comments = source.rows(page_rows_queryset)
    if comments:
        by_parent = {c.pk: [] for c in comments}
        replies = Comment.objects.filter(parent_id__in=list(by_parent)).for_viewer(viewer).order_by("created_at", "pk")
        for reply in source.rows(replies, "parent_id"):
            by_parent[reply.parent_id].append(reply)
        for comment in comments:
            comment.reply_list = by_parent[comment.pk]
    return comments


def my_reactions(user, *, comments=(), answers=(), questions=()):
    """{(target, pk, kind)} the viewer has given, in one query (posts may be FragmentRows)."""
    if not user.is_authenticated:
        return set()
    ids = {
        "comment": [c.pk for c in comments],
        "answer": [a.pk for a in answers],
        "question": [q.pk for q in questions],
    }
    rows = Reaction.objects.filter(member=user).filter(
        Q(comment_id__in=ids["comment"]) | Q(answer_id__in=ids["answer"]) | Q(question_id__in=ids["question"])
    )
    result = set()
    for r in rows.values("comment_id", "answer_id", "question_id", "kind"):
        for target in ("comment", "answer", "question"):
            if r[f"{target}_id"]:
                result.add((target, r[f"{target}_id"], r["kind"]))
    return result


def flatten(comments):
    for c in comments:
        yield c
        yield from replies_of(c)


def comment_section(
    request, thread, *, extra_comments=(), extra_answers=(), extra_questions=(), owner_kind=None, owner_pk=None
):
    """Everything a comment section template needs (members) or the teaser (visitors).

    `reacted` covers the extra posts too (a question page's answers and question), so the
    viewer's reactions on the whole page are read in one query.

    `thread` may be None for content nobody has commented on yet: reading never writes,
    the first comment creates the thread (see comment_create_for_owner)."""
    if thread is None:
        return {
            "thread": None, "owner_kind": owner_kind, "owner_pk": owner_pk, "comment_total": 0,
            "is_visitor": not request.user.is_authenticated, "comments": [], "form": CommentForm(user=request.user),
        }  # fmt: skip
    if not request.user.is_authenticated:
        return {"thread": thread, "teaser": teaser_for(thread), "is_visitor": True}
    order = comment_order(request)
    page = Paginator(thread_comments(thread, order=order, viewer=request.user), COMMENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    comments = comment_rows(page.object_list, request.user)
    page.object_list = comments
    reacted = my_reactions(
        request.user, comments=[*flatten(comments), *extra_comments], answers=extra_answers, questions=extra_questions
    )
    return {
        "thread": thread,
        "page": page,
        "comments": comments,
        "order": order,
        "form": CommentForm(user=request.user),
        "reacted": reacted,
    }


def teaser_for(thread):
    """The first 200 characters of the first visible comment: no name, no avatar."""
    first = Comment.objects.visible().filter(thread=thread).order_by("created_at", "pk").only("body").first()
    return first.body[:TEASER_CHARS] if first else ""


# --- comment routes -----------------------------------------------------------


def _comment_placement(request, thread):
    parent = answer = None
    if request.POST.get("parent"):
        parent = get_object_or_404(Comment, pk=request.POST["parent"], thread=thread)
    if request.POST.get("answer"):
        answer = get_object_or_404(Answer.objects.select_related("question"), pk=request.POST["answer"])
    return parent, answer


def owner_thread_id_or_404(kind, pk):
    """The thread of content that may not have one yet (an article): created on its first comment."""
    try:
        owner = discussion.load_thread_owner(kind, pk)
    except ObjectDoesNotExist:
        owner = None
    if owner is None:
        raise Http404
    return discussion.thread_for_owner(owner).pk


@member_only
@require_POST
def comment_create_for_owner(request, kind, pk):
    return comment_create(request, owner_thread_id_or_404(kind, pk))


@member_only
@require_POST
def comment_create(request, thread_id):
    thread = get_object_or_404(Thread, pk=thread_id)
    form = CommentForm(request.POST, user=request.user)
    parent, answer = _comment_placement(request, thread)
    if not form.is_valid():
        context = {
            "form": form,
            "thread": thread,
            "parent": parent,
            "answer": answer,
            "next": safe_next(request, thread.url),
        }
        return render(request, "community/comments/form_page.html", context, status=400)
    try:
        comment = discussion.comment_create(
            author=request.user, thread=thread, body=form.cleaned_data["body"], parent=parent, answer=answer
        )
    except ValidationError as error:
        return refuse(request, error, thread.url)
    if not announce_screening(request, comment):
        messages.success(request, _("Your comment is posted."))
    return redirect(f"{thread.url}#comment-{comment.pk}")


def _own_comment(request, pk):
    comment = get_object_or_404(Comment.objects.select_related("thread"), pk=pk)
    if not comment.is_by(request.user):
        raise PermissionDenied(_("Only the person who wrote this can change it."))
    return comment


@member_only
def comment_edit(request, pk):
    comment = _own_comment(request, pk)
    form = CommentForm(request.POST or None, user=request.user, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            discussion.comment_edit(comment=comment, editor=request.user, body=form.cleaned_data["body"])
        except PermissionDenied as error:
            return refuse(request, error, comment.thread.url)
        messages.success(request, _("Your changes are saved."))
        return redirect(comment.get_absolute_url())
    status = 400 if form.errors else 200
    return render(request, "community/comments/edit.html", {"form": form, "comment": comment}, status=status)


@member_only
def comment_delete(request, pk):
    comment = _own_comment(request, pk)
    if request.method == "POST":
        discussion.comment_remove(comment=comment, member=request.user)
        messages.success(request, _("Your comment is removed. Replies to it stay."))
        return redirect(comment.get_absolute_url())
    return render(request, "community/comments/delete.html", {"comment": comment})


# --- follows and reactions ------------------------------------------------------


@member_only
@require_POST
def follow_toggle(request, thread_id):
    thread = get_object_or_404(Thread, pk=thread_id)
    following = discussion.follow_toggle(member=request.user, thread=thread)
    messages.success(
        request, _("You are following this question.") if following else _("You stopped following this question.")
    )
    return redirect(safe_next(request, thread.url))


def _reaction_post(target, pk):
    model = reactions.TARGET_MODELS.get(target)
    if model is None:
        raise Http404
    return get_object_or_404(model, pk=pk)


@member_only
@require_POST
def reaction_toggle(request, target, pk, kind):
    if kind not in ReactionKind.values:
        raise Http404
    post = _reaction_post(target, pk)
    try:
        reactions.reaction_toggle(member=request.user, post=post, kind=kind)
    except (ValidationError, PermissionDenied) as error:
        return refuse(request, error, post.get_absolute_url())
    return redirect(safe_next(request, post.get_absolute_url()))


@member_only
def reaction_list(request, target, pk):
    post = _reaction_post(target, pk)
    context = {"post": post, "reactions": reactions.reactors(post), "back": safe_next(request, post.get_absolute_url())}
    return render(request, "community/comments/reactions.html", context)
