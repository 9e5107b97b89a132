"""factory_boy factories for every model the tests build."""

import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

DEFAULT_PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.com")
    display_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """A member whose e-mail is confirmed (may post) and who has a profile.
        `UserFactory(verified=False)` leaves the address unconfirmed."""
        if not create:
            return
        from allauth.account.models import EmailAddress

        from community.services.accounts import ensure_profile

        EmailAddress.objects.create(
            user=obj, email=obj.email, primary=True, verified=True if extracted is None else bool(extracted)
        )
        ensure_profile(obj)


# ---- Articles (owner: ARTICLES) ----
class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article whose Markdown is rendered as the service would."""

    class Meta:
        model = "articles.Article"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Article number {n}")
    slug = factory.Sequence(lambda n: f"article-{n}")
    summary = "A short summary for testing."
    body = "## First part\n\nSome words.\n\n### A detail\n\nMore words."
    status = "published"
    published_at = factory.LazyFunction(lambda: timezone.now())
    reviewer_name = "Dr. Test Reviewer"
    reviewer_credentials = "MD"
    reviewed_on = datetime.date(2025, 10, 1)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        from articles.services import article_save

        return article_save(model_class(*args, **kwargs))

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.tags.set(list(extracted))


class PollFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "articles.Poll"

    article = factory.SubFactory(ArticleFactory)
    question = "Which treatments have you received?"


class PollChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "articles.PollChoice"

    poll = factory.SubFactory(PollFactory)
    text = factory.Sequence(lambda n: f"Choice {n}")
    position = factory.Sequence(lambda n: n)


# ---- Newsletter (owner: NEWSLETTER) ----
class SubscriberFactory(factory.django.DjangoModelFactory):
    """A confirmed newsletter subscriber who is not a member."""

    class Meta:
        model = "community.Subscriber"

    email = factory.Sequence(lambda n: f"reader{n}@example.com")
    name = factory.Faker("first_name")
    status = "active"
    frequency = "weekly"
    source = "page"
    confirmed_at = factory.LazyFunction(timezone.now)
