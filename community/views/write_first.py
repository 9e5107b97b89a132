"""Write first, join after: the visitor's comment box and question form, the "check your
e-mail" page and the confirmation link. Logic lives in services.write_first.

Every answer to a submission is the same whatever account the address belongs to:
a redirect to one fixed page that names no address."""

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from community.forms.write_first import VisitorCommentForm, VisitorQuestionForm
from community.models import PendingPost, Question, Thread
from community.services import write_first
from community.views import discussion as discussion_views
from community.views import questions as question_views
from community.views.discussion import owner_thread_id_or_404, safe_next
from community.views.moderation import announce_screening

AUTH_BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def noindex(response):
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def client_ip(request):
    # REMOTE_ADDR: behind a proxy, the server (e.g. gunicorn --forwarded-allow-ips) must set it.
    return request.META.get("REMOTE_ADDR", "")


def _refused(request, form, template, context, error):
    form.add_error(None, error)
    status = 429 if getattr(error, "code", "") == "rate_limited" else 400
    return noindex(render(request, template, {**context, "form": form}, status=status))


# --- comments -------------------------------------------------------------------------


@require_POST
def visitor_comment_for_owner(request, kind, pk):
    """A visitor's first comment on content without a thread yet (an article)."""
    return visitor_comment(request, owner_thread_id_or_404(kind, pk))


@require_POST
def visitor_comment(request, thread_id):
    if request.user.is_authenticated:  # signed in in another tab meanwhile: post as the member
        return discussion_views.comment_create(request, thread_id)
    thread = get_object_or_404(Thread, pk=thread_id)
    form = VisitorCommentForm(request.POST)
    context = {"thread": thread, "next": safe_next(request, thread.url)}
    template = "community/write_first/comment_page.html"
    if not form.is_valid():
        return noindex(render(request, template, {**context, "form": form}, status=400))
    data = form.cleaned_data
    try:
        write_first.pending_submit(
            kind=PendingPost.Kind.COMMENT, name=data["name"], email=data["email"], body=data["body"],
            ip=client_ip(request), thread=thread,
        )  # fmt: skip
    except ValidationError as error:
        return _refused(request, form, template, context, error)
    return redirect("community:write-first-sent")


# --- questions ------------------------------------------------------------------------


def question_ask(request):
    """/questions/ask/: members ask as before; visitors ask with their name and e-mail."""
    if request.user.is_authenticated:
        return question_views.question_ask(request)
    form = VisitorQuestionForm(request.POST or None)
    template = "community/write_first/ask.html"
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            write_first.pending_submit(
                kind=PendingPost.Kind.QUESTION, name=data["name"], email=data["email"], body=data["body"],
                title=data["title"], tags=form.tags(), is_anonymous=data["is_anonymous"], ip=client_ip(request),
            )  # fmt: skip
        except ValidationError as error:
            return _refused(request, form, template, {}, error)
        return redirect("community:write-first-sent")
    return noindex(render(request, template, {"form": form}, status=400 if form.errors else 200))


# --- after submitting -----------------------------------------------------------------


def sent(request):
    return noindex(render(request, "community/write_first/sent.html"))


def _welcome(request, post):
    """Published: say so (or that a moderator will look first) and offer a way back in."""
    if not announce_screening(request, post):
        messages.success(request, _("Thank you. Your post is published."))
    if not request.user.has_usable_password():
        offer = _(
            'To come back later, <a href="{password}">choose a password</a>, or keep signing in with '
            '<a href="{code}">a code we e-mail you</a>.'
        )
        password, code = reverse("account_set_password"), reverse("account_request_login_code")
        messages.info(request, format_html(offer, password=password, code=code))


def _landing(post):
    if isinstance(post, Question):
        return post.get_absolute_url()
    return f"{post.thread.url}#comment-{post.pk}"


@never_cache
def confirm(request, token):
    """GET shows the post and a button; POST publishes. A button, not the link itself,
    because mail scanners open links in e-mails and must not publish or sign anyone in."""
    try:
        pending = write_first.pending_for_link(token)
    except write_first.ExpiredLink:
        return noindex(render(request, "community/write_first/bad_link.html", {"expired": True}, status=400))
    except write_first.InvalidLink:
        return noindex(render(request, "community/write_first/bad_link.html", {"expired": False}, status=400))
    context = {"pending": pending, "token": token}
    if write_first.needs_sign_in(pending, request.user):
        return noindex(render(request, "community/write_first/sign_in.html", context))
    if request.method != "POST":
        return noindex(render(request, "community/write_first/confirm.html", context))
    try:
        post = write_first.pending_publish(pending=pending, user=request.user)
    except write_first.InvalidLink:
        return noindex(render(request, "community/write_first/bad_link.html", {"expired": False}, status=400))
    except (ValidationError, PermissionDenied) as error:
        errors = getattr(error, "messages", [str(error)])
        return noindex(render(request, "community/write_first/confirm.html", {**context, "errors": errors}, status=400))
    if request.user.pk != pending.author_id:
        login(request, pending.author, backend=AUTH_BACKEND)
    _welcome(request, post)
    return redirect(_landing(post))
