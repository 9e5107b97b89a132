"""Members' side of moderation: reporting a post, and the crisis resources page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from community.forms.moderation import ReportForm
from community.models import Answer, Comment, CrisisResource, Question
from community.services import moderation
from community.services.accounts import posting_refusal_reason

REPORTABLE = {"comment": Comment, "question": Question, "answer": Answer}


def _post(kind, pk):
    model = REPORTABLE.get(kind)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.visible(), pk=pk)


def _refused(request, post, message):
    messages.error(request, message)
    return redirect(post.get_absolute_url())


@login_required
def report_post(request, kind, pk):
    """Report a comment, question or answer to the moderators (once per post)."""
    post = _post(kind, pk)
    refusal = posting_refusal_reason(request.user)
    if refusal:
        return _refused(request, post, refusal)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.report_create(reporter=request.user, post=post, **form.cleaned_data)
        except ValidationError as error:
            return _refused(request, post, " ".join(error.messages))
        messages.success(request, _("Thank you. A moderator will look at this post soon."))
        return redirect(post.get_absolute_url())
    context = {"form": form, "post": post, "kind": kind}
    response = render(request, "community/moderation/report.html", context, status=400 if form.errors else 200)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def announce_screening(request, post):
    """After a member posts: the crisis resources box when the text suggests they may be
    at risk, and "waiting for a moderator" when the post is held. True when held."""
    if getattr(post, "crisis_flagged", False):
        messages.warning(request, _("Help is there right now."), extra_tags="crisis")
    if getattr(post, "moderation_status", "visible") == "held":
        messages.info(
            request,
            _("Thank you. Your post is waiting for a moderator; only you can see it until then."),
        )
        return True
    return False


def crisis_resources(request):
    """Help right now: open to everyone, signed in or not, and indexable."""
    resources = CrisisResource.objects.all()
    return render(request, "community/moderation/crisis_resources.html", {"resources": resources})
