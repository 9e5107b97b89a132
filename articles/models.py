"""Medically reviewed articles and the polls embedded in them."""

import math
import re

from django.conf import settings
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from community.markdown import render_markdown

# Adults read plain health text at roughly this pace; used for "5 min read".
WORDS_PER_MINUTE = 200
RELATED_LIMIT = 3


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def newest_first(self):
        return self.order_by("-published_at", "-pk")

    def related_to(self, article, tag_ids):
        """Published articles sharing the most tags with `article`, never the article itself."""
        return (
            self.published()
            .filter(tags__in=tag_ids)
            .exclude(pk=article.pk)
            .annotate(shared_tags=Count("tags", distinct=True))
            .order_by("-shared_tags", "-published_at", "-pk")[:RELATED_LIMIT]
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two sentences; also the search-engine description.")
    )
    body = models.TextField(_("body (Markdown)"), help_text=_("Use ## for section headings."))
    body_html = models.TextField(_("rendered body"), editable=False, default="")
    toc = models.JSONField(_("table of contents"), editable=False, default=list)
    reading_minutes = models.PositiveSmallIntegerField(_("reading time (minutes)"), editable=False, default=1)
    hero_image = models.ImageField(_("hero image"), upload_to="articles/heroes/", blank=True)
    hero_alt = models.CharField(
        _("hero image description"),
        max_length=250,
        blank=True,
        help_text=_("What the picture shows, for screen readers."),
    )
    hero_caption = models.CharField(_("hero image caption"), max_length=250, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="articles_written",
    )
    byline = models.CharField(_("byline"), max_length=120, default=_("the Myeloma Forum editors"))
    reviewer_name = models.CharField(_("medical reviewer"), max_length=120, blank=True)
    reviewer_credentials = models.CharField(_("reviewer credentials"), max_length=120, blank=True)
    reviewed_on = models.DateField(_("date reviewed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    discussion_prompt = models.CharField(_("discussion prompt"), max_length=250, blank=True)
    tags = TaggableManager(_("tags"), blank=True)
    # The article's comment thread (DISCUSSION, issue 5); created by the first comment.
    discussion = models.OneToOneField(
        "community.Thread",
        verbose_name=_("discussion"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="article",
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-published_at", "-pk"]
        indexes = [models.Index(fields=["status", "-published_at"], name="article_status_published_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="article_published_has_date",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED and self.published_at is not None

    @property
    def reviewer_display(self):
        return ", ".join(part for part in (self.reviewer_name, self.reviewer_credentials) if part)

    def render_body(self):
        """Refresh the stored HTML, contents list and reading time from `body`.

        Called by the service and the admin before saving (rendering once on
        save keeps page views cheap); never from save() itself."""
        rendered = render_markdown(self.body, with_heading_anchors=True)
        self.body_html = rendered.html
        self.toc = [{"level": e.level, "anchor": e.anchor, "text": e.text} for e in rendered.toc]
        words = len(re.findall(r"\w+", self.body))
        self.reading_minutes = max(1, math.ceil(words / WORDS_PER_MINUTE))


class PollQuerySet(models.QuerySet):
    def with_counts_for(self, user):
        """Annotate voter count and whether `user` has voted, in the same query."""
        queryset = self.annotate(voter_count=Count("ballots", distinct=True))
        if user is not None and user.is_authenticated:
            mine = Ballot.objects.filter(poll=OuterRef("pk"), voter=user)
            return queryset.annotate(has_voted=Exists(mine))
        return queryset.annotate(has_voted=models.Value(False))


class Poll(models.Model):
    article = models.OneToOneField(Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="poll")
    question = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("help text"), max_length=200, blank=True, default=_("Choose all that apply."))
    is_open = models.BooleanField(_("open for votes"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = PollQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self):
        return self.question

    def get_absolute_url(self):
        return f"{self.article.get_absolute_url()}#poll"

    @staticmethod
    def results_threshold():
        """Results stay hidden until this many members voted, so nobody can be singled out."""
        return getattr(settings, "FORUM_POLL_MIN_VOTERS", 10)


class PollChoiceQuerySet(models.QuerySet):
    def with_votes(self):
        return self.annotate(votes=Count("ballots")).order_by("position", "pk")


class PollChoice(models.Model):
    poll = models.ForeignKey(Poll, verbose_name=_("poll"), on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    objects = PollChoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("poll choice")
        verbose_name_plural = _("poll choices")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["poll", "text"], name="pollchoice_unique_text")]

    def __str__(self):
        return self.text


class Ballot(models.Model):
    """One member's answer to one poll. The unique constraint is what makes "one vote each" true."""

    poll = models.ForeignKey(Poll, verbose_name=_("poll"), on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("voter"), on_delete=models.CASCADE, related_name="poll_ballots"
    )
    choices = models.ManyToManyField(PollChoice, verbose_name=_("choices"), related_name="ballots")
    created_at = models.DateTimeField(_("voted"), default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [models.UniqueConstraint(fields=["poll", "voter"], name="ballot_one_per_member")]

    def __str__(self):
        return f"{self.voter_id} → {self.poll_id}"

    def get_absolute_url(self):
        return self.poll.get_absolute_url()
