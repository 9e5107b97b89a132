"""Fill a throw-away benchmark database with realistic data, fast.

Run in a child process whose environment points DATABASE_URL at a temporary
SQLite file or a throw-away PostgreSQL database (bench/site_bench.py does it).
Everything big is made with bulk_create, and Markdown is rendered once per
distinct text (as the services would on save), so building takes seconds:

- the demo content (`load_demo_content --force`),
- 2,000 members (each with a confirmed address and a profile),
- 200 questions with tags, one of them with 2,000 answers and 500 comments,
- the main article with 500 comments,
- a signed-in session for one member, and notifications for that member.

Prints a JSON manifest (URLs to load and the member's session cookie) as its
last line. Parts whose models do not exist yet are skipped and named."""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEMBERS = 2_000
QUESTIONS = 200
BIG_THREAD_ANSWERS = 2_000
BIG_THREAD_COMMENTS = 500
ARTICLE_COMMENTS = 500
SMALL_ARTICLE_COMMENTS = 5
NOTIFICATIONS = 60
BATCH = 1_000

TEXTS = [
    "I had the same question after my transplant. My nurse said the **dexamethasone** was stopped "
    "because my sugar levels went up, and the team felt the other two medicines were enough.",
    "Thank you for sharing this. We found that writing every question down before clinic helped a lot; "
    "the appointments go quickly and it is easy to forget.",
    "My husband was on Revlimid for two years. The tiredness was real, but walking every morning helped "
    "him more than anything else. Ask about a lower dose if it gets too much.",
    "Our support group meets every second Tuesday. People there have had almost every treatment in the "
    "article, and hearing them talk made the choices feel less frightening.",
]


def setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()


def _rendered():
    from community.markdown import render_markdown

    return [(text, render_markdown(text, allow_images=False).html) for text in TEXTS]


def build_members():
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from community.models import Profile

    User = get_user_model()
    password = make_password("bench-password-not-secret")
    first = ["Ann", "Bob", "Carla", "Dev", "Edna", "Frank", "Grace", "Hal", "Ines", "Joe"]
    users = [
        User(email=f"member{i}@bench.example", display_name=f"{first[i % 10]} {i}", password=password)
        for i in range(MEMBERS)
    ]
    User.objects.bulk_create(users, batch_size=BATCH)
    users = list(User.objects.filter(email__endswith="@bench.example").order_by("pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, primary=True, verified=True) for u in users], batch_size=BATCH
    )
    Profile.objects.bulk_create(
        [Profile(user=u, post_anonymously=(i % 17 == 0), city="Springfield") for i, u in enumerate(users)],
        batch_size=BATCH,
    )
    return users


def _bulk_posts(model, users, count, rendered, start, **fields):
    objs = []
    for i in range(count):
        text, html = rendered[i % len(rendered)]
        objs.append(
            model(
                author=users[i % len(users)], body=text, body_html=html, created_at=start + timedelta(seconds=i),
                hug_count=i % 3, helpful_count=i % 5, **fields,
            )
        )  # fmt: skip
    return model.objects.bulk_create(objs, batch_size=BATCH)


def build_questions(users, rendered):
    from django.utils import timezone

    from community.models import Answer, Comment, Question, Thread

    start = timezone.now() - timedelta(days=30)
    threads = Thread.objects.bulk_create(
        [Thread(kind=Thread.Kind.QUESTION, title=f"Question {i}", url="/") for i in range(QUESTIONS)]
    )
    questions = Question.objects.bulk_create(
        [
            Question(
                author=users[i], thread=t, title=f"Why was my dexamethasone stopped after treatment number {i}?",
                slug=f"why-was-my-dexamethasone-stopped-{i}", body=rendered[i % 4][0], body_html=rendered[i % 4][1],
                created_at=start + timedelta(hours=i), last_activity_at=start + timedelta(hours=i),
                is_anonymous=(i % 9 == 0),
            )
            for i, t in enumerate(threads)
        ]
    )  # fmt: skip
    for question in questions:
        question.thread.url = question.get_absolute_url()
    Thread.objects.bulk_update([q.thread for q in questions], ["url"])
    for i, question in enumerate(questions):
        question.tags.set(["Dexamethasone", "Revlimid (lenalidomide)", "Side effects"][: 1 + i % 3])
    big = questions[-1]
    answers = _bulk_posts(Answer, users, BIG_THREAD_ANSWERS, rendered, start, question=big)
    comments = _bulk_posts(Comment, users, BIG_THREAD_COMMENTS, rendered, start, thread=big.thread)
    # Half the comments sit under answers (one in every eight answers has some).
    for i, comment in enumerate(comments[: BIG_THREAD_COMMENTS // 2]):
        comment.answer = answers[(i * 8) % len(answers)]
    Comment.objects.bulk_update(comments[: BIG_THREAD_COMMENTS // 2], ["answer"], batch_size=BATCH)
    Question.objects.filter(pk=big.pk).update(answer_count=BIG_THREAD_ANSWERS, accepted_answer=answers[3])
    Thread.objects.filter(pk=big.thread_id).update(comment_count=BIG_THREAD_COMMENTS)
    _search_vectors()
    return big


def _search_vectors():
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    from django.contrib.postgres.search import SearchVector

    from community.models import Question

    Question.objects.update(
        search_vector=SearchVector("title", weight="A", config="english")
        + SearchVector("body", weight="B", config="english")
    )


def build_article_comments(users, rendered):
    """The main article gets 500 comments; a second one 5, to show what each comment costs."""
    from articles.demo import MAIN_SLUG
    from articles.models import Article

    article = Article.objects.get(slug=MAIN_SLUG)
    small = Article.objects.published().exclude(pk=article.pk).order_by("pk").first()
    if not hasattr(Article, "discussion"):
        return article, small, "Article.discussion does not exist yet"
    from django.utils import timezone

    from community.models import Comment
    from community.services.discussion import thread_for_owner

    start = timezone.now() - timedelta(days=10)
    for owner, count in ((article, ARTICLE_COMMENTS), (small, SMALL_ARTICLE_COMMENTS)):
        thread = thread_for_owner(owner)
        _bulk_posts(Comment, users, count, rendered, start, thread=thread)
        type(thread).objects.filter(pk=thread.pk).update(comment_count=count)
    return article, small, None


def build_notifications(member, users, question):
    from django.utils import timezone

    from community.models import Notification, Thread

    threads = list(Thread.objects.order_by("pk")[:NOTIFICATIONS])
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=member, thread=t, kind=Notification.Kind.ANSWER, actor=users[i + 1], url=t.url,
                event_count=1 + i % 4, updated_at=now - timedelta(minutes=i), read_at=None if i % 2 else now,
            )
            for i, t in enumerate(threads)
        ]
    )  # fmt: skip


def signed_in_session(user):
    """A real session for `user`, as a login would leave it (and its usersessions row)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    from allauth.usersessions.models import UserSession

    UserSession.objects.create(user=user, ip="127.0.0.1", user_agent="bench", session_key=store.session_key)
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def _reverse_or_none(name, **kwargs):
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def _with_query(url, query):
    return f"{url}?{query}" if url else None


def build():
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo_content", force=True, verbosity=0)
    rendered = _rendered()
    users = build_members()
    member = users[0]
    skipped, big = {}, None
    try:
        big = build_questions(users, rendered)
    except ImportError as error:
        skipped["questions"] = str(error)
    article, small, why = build_article_comments(users, rendered)
    if why:
        skipped["article_comments"] = why
    if big is not None:
        build_notifications(member, users, big)
    pages = {
        "article": article.get_absolute_url(),
        "article_small": small.get_absolute_url(),
        "article_list": _reverse_or_none("articles:article-list"),
        "home": _reverse_or_none("home"),
        "question": big.get_absolute_url() if big is not None else None,
        "question_list": _reverse_or_none("community:question-list"),
        "search": _with_query(_reverse_or_none("community:search"), "q=dexamethasone"),
        "notifications": _reverse_or_none("community:notification-list"),
        "profile": _reverse_or_none("community:member-profile", user_id=users[5].pk),
    }
    return {"pages": pages, "cookie": signed_in_session(member), "member_id": member.pk, "skipped": skipped}


if __name__ == "__main__":
    setup_django()
    print(json.dumps(build()), flush=True)
