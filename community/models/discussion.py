"""Discussion: threads, comments (with edit history), questions, answers,
reactions and follows.

A Thread is a neutral object that any content owns (an article through
`Article.discussion`, a question through `Question.thread`), so comments never
need a generic foreign key and `community` never imports `articles`.

Authors are nullable with SET_NULL: when a member deletes their account their
posts stay in the conversation, shown as by "a former member".
"""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

# Treatments and topics offered as tick boxes when asking; members may add their own tags too.
CURATED_TOPICS = [
    "Velcade (bortezomib)",
    "Revlimid (lenalidomide)",
    "Pomalyst (pomalidomide)",
    "Kyprolis (carfilzomib)",
    "Ninlaro (ixazomib)",
    "Darzalex (daratumumab)",
    "Sarclisa (isatuximab)",
    "Empliciti (elotuzumab)",
    "Dexamethasone",
    "CAR T-cell therapy",
    "Bispecific antibodies",
    "Stem cell transplant",
    "Clinical trials",
    "Side effects",
    "Relapse",
    "Diagnosis",
    "Caregiving",
    "Living with myeloma",
]


class Thread(models.Model):
    """The conversation that belongs to one piece of content."""

    class Kind(models.TextChoices):
        ARTICLE = "article", _("Article")
        QUESTION = "question", _("Question")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Denormalised from the owner so lists, notifications and e-mails need no join
    # to (and no import of) whatever owns the thread.
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("address"), max_length=300)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("discussion thread")
        verbose_name_plural = _("discussion threads")
        indexes = [models.Index(fields=["kind", "-last_activity_at"], name="thread_kind_activity_idx")]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return self.url


class ModerationStatus(models.TextChoices):
    """Moderation (issue 7): held posts wait for a moderator (only the author sees them);
    hidden ones show "removed by a moderator" to members."""

    VISIBLE = "visible", _("Visible")
    HELD = "held", _("Waiting for a moderator")
    HIDDEN = "hidden", _("Removed by a moderator")


class PostQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(removed_at__isnull=True, moderation_status=ModerationStatus.VISIBLE)

    def for_viewer(self, user):
        """Everything but other members' held posts (the author sees their own, marked waiting)."""
        held = Q(moderation_status=ModerationStatus.HELD)
        if user is not None and user.is_authenticated:
            return self.exclude(held & ~Q(author_id=user.pk))
        return self.exclude(held)

    def for_display(self):
        return self.select_related("author__profile")

    def by(self, user):
        return self.filter(author=user)


class Post(models.Model):
    """What comments, questions and answers have in common."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    body = models.TextField(_("text"))
    # Rendered once when saved (by the service) so page views never parse Markdown.
    body_html = models.TextField(_("rendered text"), editable=False, default="")
    is_anonymous = models.BooleanField(_("posted anonymously"), default=False)
    hug_count = models.PositiveIntegerField(_("hugs"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    created_at = models.DateTimeField(_("posted"), default=timezone.now, db_index=True)
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    removed_at = models.DateTimeField(_("removed"), null=True, blank=True)
    # Moderation (issue 7): set only by community.services.moderation.
    moderation_status = models.CharField(
        _("moderation"), max_length=8, choices=ModerationStatus.choices, default=ModerationStatus.VISIBLE
    )
    is_sensitive = models.BooleanField(
        _("sensitive"), default=False, help_text=_("Hard reading: left out of digests in newly diagnosed mode.")
    )
    moderation_note = models.TextField(_("note from the moderators"), blank=True)
    moderation_note_url = models.CharField(_("reviewed article linked by the note"), max_length=300, blank=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def is_removed(self):
        return self.removed_at is not None

    @property
    def is_held(self):
        return self.moderation_status == ModerationStatus.HELD

    @property
    def is_hidden_by_moderator(self):
        return self.moderation_status == ModerationStatus.HIDDEN

    @property
    def shows_as_anonymous(self):
        """Anonymous when this post asked for it or the author chose it for everything."""
        if self.is_anonymous:
            return True
        profile = getattr(self.author, "profile", None) if self.author_id else None
        return bool(profile and profile.post_anonymously)

    @property
    def display_name(self):
        if self.author_id is None:
            return _("a former member")
        if self.shows_as_anonymous:
            return _("A Myeloma Forum member")
        return self.author.public_name

    @property
    def reaction_target(self):
        return self._meta.model_name

    def is_by(self, user):
        return user.is_authenticated and self.author_id == user.pk


class Question(Post):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="questions_asked",
    )  # fmt: skip
    thread = models.OneToOneField(Thread, verbose_name=_("thread"), on_delete=models.PROTECT, related_name="question")
    title = models.CharField(_("question"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160, allow_unicode=False)
    tags = TaggableManager(_("topics"), blank=True)
    answer_count = models.PositiveIntegerField(_("answers"), default=0)
    follower_count = models.PositiveIntegerField(_("followers"), default=0)
    accepted_answer = models.ForeignKey(
        "Answer", verbose_name=_("most helpful answer"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    # Filled by the services on PostgreSQL only: title (A), text (B), answers and comments (C).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at"], name="question_newest_idx"),
            models.Index(fields=["-last_activity_at"], name="question_activity_idx"),
            models.Index(fields=["answer_count", "-created_at"], name="question_unanswered_idx"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("community:question-detail", kwargs={"pk": self.pk, "slug": self.slug or "q"})

    @staticmethod
    def make_slug(title):
        slug = slugify(title)[:150] or "question"
        # /questions/<pk>/edit/ and friends are routes, never a question's slug.
        return f"{slug}-q" if slug in {"answer", "edit", "remove"} else slug


class Answer(Post):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="answers_given",
    )  # fmt: skip
    question = models.ForeignKey(Question, verbose_name=_("question"), on_delete=models.CASCADE, related_name="answers")
    comment_count = models.PositiveIntegerField(_("comments"), default=0)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["question", "created_at"], name="answer_question_time_idx")]

    def __str__(self):
        return _("Answer to %(question)s") % {"question": self.question_id}

    def get_absolute_url(self):
        return f"{reverse('community:question-detail-short', kwargs={'pk': self.question_id})}#answer-{self.pk}"


class Comment(Post):
    """A comment on a thread; `answer` set when it sits under one answer; one level of replies."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="comments_written",
    )  # fmt: skip
    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="comments")
    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("reply to"), on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    # The comment the member pressed "reply" on; `parent` is its top-level comment (one level
    # of replies). Kept so a held reply notifies the right person when a moderator approves it.
    reply_to = models.ForeignKey(
        "self", verbose_name=_("in reply to"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply_count = models.PositiveIntegerField(_("replies"), default=0)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["thread", "parent", "answer", "created_at"], name="comment_thread_page_idx"),
            models.Index(fields=["author", "-created_at"], name="comment_author_recent_idx"),
        ]

    def __str__(self):
        return _("Comment %(pk)s") % {"pk": self.pk}

    def get_absolute_url(self):
        return f"{self.thread.url}#comment-{self.pk}"


class Revision(models.Model):
    """An earlier version of a post, kept whenever its author edits it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="revisions")
    title = models.CharField(_("title"), max_length=150, blank=True)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField(_("replaced"), default=timezone.now)

    class Meta:
        verbose_name = _("earlier version")
        verbose_name_plural = _("earlier versions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(comment__isnull=False, question__isnull=True, answer__isnull=True)
                    | Q(comment__isnull=True, question__isnull=False, answer__isnull=True)
                    | Q(comment__isnull=True, question__isnull=True, answer__isnull=False)
                ),
                name="revision_exactly_one_post",
            )
        ]

    def __str__(self):
        return _("Version of %(time)s") % {"time": self.created_at}


class ReactionKind(models.TextChoices):
    HUG = "hug", _("Hug")
    HELPFUL = "helpful", _("Helpful")


class Reaction(models.Model):
    """One member's hug or "helpful" on one post; a second click takes it back."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions")
    kind = models.CharField(_("reaction"), max_length=10, choices=ReactionKind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions")
    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="reactions")
    created_at = models.DateTimeField(_("when"), default=timezone.now)

    TARGETS = ("comment", "question", "answer")

    class Meta:
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(comment__isnull=False, question__isnull=True, answer__isnull=True)
                    | Q(comment__isnull=True, question__isnull=False, answer__isnull=True)
                    | Q(comment__isnull=True, question__isnull=True, answer__isnull=False)
                ),
                name="reaction_exactly_one_post",
            ),
            *[
                models.UniqueConstraint(
                    fields=["member", target, "kind"],
                    condition=Q(**{f"{target}__isnull": False}),
                    name=f"reaction_once_per_{target}",
                )
                for target in ("comment", "question", "answer")
            ],
        ]

    def __str__(self):
        return f"{self.kind} by {self.member_id}"


class Follow(models.Model):
    """A member who wants to hear about new posts in a thread."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="follows")
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["member", "thread"], name="follow_once_per_thread")]

    def __str__(self):
        return f"{self.member_id} follows {self.thread_id}"
