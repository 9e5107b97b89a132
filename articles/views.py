"""Article pages, the article list, tag pages, poll voting, robots.txt."""

from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import DetailView, ListView
from taggit.models import Tag

from articles.models import Article, Poll, PollChoice
from articles.seo import article_json_ld
from articles.services import poll_vote
from community.services.accounts import can_post, posting_refusal_reason


class ArticleDetailView(DetailView):
    template_name = "articles/article_detail.html"
    context_object_name = "article"

    def get_queryset(self):
        # Editors may preview drafts; everyone else sees published articles only.
        if self.request.user.is_staff and "preview" in self.request.GET:
            return Article.objects.select_related("author")
        return Article.objects.published().select_related("author")

    def get_context_data(self, **kwargs):
        article = self.object
        tags = list(article.tags.order_by("name"))
        context = super().get_context_data(**kwargs)
        context.update(
            tags=tags,
            related_articles=list(
                Article.objects.related_to(article, [t.pk for t in tags]).only("title", "slug", "summary")
            ),
            poll=_poll_context(article, self.request.user),
            json_ld=article_json_ld(article, tags),
            canonical_url=f"{settings.SITE_URL}{article.get_absolute_url()}",
            facebook_url=_facebook_url(self.request),
        )
        return context


def _facebook_url(request):
    """Facebook sign-in when that provider is set up here, else the ordinary sign-up page."""
    try:
        configured = bool(get_social_adapter().list_apps(request, provider="facebook"))
        return reverse("facebook_login") if configured else reverse("account_signup")
    except (NoReverseMatch, LookupError):
        return reverse("account_signup")


def _poll_context(article, user):
    """Everything the poll partial needs, in two queries however many choices it has."""
    poll = Poll.objects.filter(article=article).with_counts_for(user).first()
    if poll is None:
        return None
    choices = list(PollChoice.objects.filter(poll=poll).with_votes())
    show_results = poll.has_voted and poll.voter_count >= Poll.results_threshold()
    return {"poll": poll, "choices": choices, "show_results": show_results, "threshold": Poll.results_threshold()}


class ArticleListView(ListView):
    template_name = "articles/article_list.html"
    context_object_name = "articles"
    paginate_by = 10

    def get_queryset(self):
        queryset = Article.objects.published().newest_first()
        self.tag = self._tag()
        if self.tag is not None:
            queryset = queryset.filter(tags__slug=self.tag.slug)
        return queryset

    def _tag(self):
        slug = self.kwargs.get("tag") or self.request.GET.get("tag")
        if not slug:
            return None
        tag = Tag.objects.filter(slug=slug).first()
        if tag is None:
            raise Http404(_("There is no topic with that name."))
        return tag

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tag"] = self.tag
        context["all_tags"] = Tag.objects.filter(article__status=Article.Status.PUBLISHED).distinct().order_by("name")
        return context


@require_POST
def poll_vote_view(request, slug):
    article = get_object_or_404(Article.objects.published(), slug=slug)
    if not request.user.is_authenticated:
        return redirect_to_login(article.get_absolute_url())
    if not can_post(request.user):
        # The one plain reason (e-mail not confirmed, or suspended by a moderator).
        messages.error(request, posting_refusal_reason(request.user))
        return redirect(f"{article.get_absolute_url()}#poll")
    poll = get_object_or_404(Poll, article=article)
    try:
        poll_vote(poll=poll, voter=request.user, choice_ids=_int_list(request.POST.getlist("choices")))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Thank you, your answer is saved."))
    return redirect(f"{article.get_absolute_url()}#poll")


def _int_list(values):
    return [int(value) for value in values if str(value).isdigit()]


def robots_txt(request):
    body = render_to_string("robots.txt", {"request": request}, request=request)
    return HttpResponse(body, content_type="text/plain; charset=utf-8")
