"""Writes for articles and polls. Views and the admin call these; nothing writes elsewhere."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from articles.models import Article, Ballot, Poll, PollChoice
from community.cache import bump_public_version


@transaction.atomic
def article_save(article: Article) -> Article:
    """Render the Markdown once and save; a first publication gets its date."""
    article.render_body()
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        article.published_at = timezone.now()
    article.full_clean(exclude=["hero_image"])
    article.save()
    bump_public_version()  # visitors' cached pages show the change at once
    return article


class AlreadyVoted(ValidationError):
    """The member has a ballot in this poll already."""


def _refuse(message: str):
    raise ValidationError(message)


@transaction.atomic
def poll_vote(*, poll: Poll, voter, choice_ids) -> Ballot:
    """Record one member's ballot; the unique constraint refuses a second one, even under races."""
    if not poll.is_open:
        _refuse(_("This poll is closed, so it no longer takes answers."))
    ids = {int(pk) for pk in choice_ids}
    choices = list(PollChoice.objects.filter(poll=poll, pk__in=ids))
    if not ids:
        _refuse(_("Please tick at least one answer before you send your vote."))
    if len(choices) != len(ids):
        _refuse(_("One of those answers is not part of this poll. Please try again."))
    try:
        # A savepoint, so a duplicate insert does not spoil the outer transaction.
        with transaction.atomic():
            ballot = Ballot.objects.create(poll=poll, voter=voter)
    except IntegrityError:
        raise AlreadyVoted(_("You have already answered this poll. Each member can vote once.")) from None
    ballot.choices.set(choices)
    return ballot
