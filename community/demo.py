"""Demo members, questions, answers, comments and reactions for `make run`.

Called by articles' `load_demo_content` (which refuses demo accounts when DEBUG
is off unless forced). Idempotent: members are found by e-mail and questions by
title, so a second run adds nothing. The words are our own, written for the demo.
"""

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from community.models import Question
from community.services import discussion, reactions
from community.services.accounts import ensure_profile

DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 (demo accounts on a developer's laptop only)

MEMBERS = [
    ("demo.ruth@myelomaforum.example", "Ruth", False),
    ("demo.walter@myelomaforum.example", "Walter", False),
    ("demo.carmen@myelomaforum.example", "Carmen", False),
    ("demo.anon@myelomaforum.example", "Sam", True),
]

QUESTIONS = [
    {
        "asker": "Ruth",
        "title": "Why would my doctor stop the dexamethasone but keep the Revlimid?",
        "body": (
            "After my first treatment with Velcade I moved on to Revlimid together with dexamethasone. "
            "A few months in, the dexamethasone was dropped and I carried on with Revlimid alone. "
            "Nobody really explained why, and I worry it means something went wrong. "
            "Has this happened to anyone else?"
        ),
        "tags": ["Dexamethasone", "Revlimid (lenalidomide)", "Velcade (bortezomib)"],
        "answers": [
            (
                "Walter",
                "The same thing happened to me. My hematologist said the steroid does its most useful work early on, "
                "and after that the side effects (poor sleep, high blood sugar, mood swings) can outweigh the "
                "benefit, so many people go on with Revlimid by itself as maintenance. It was not a bad sign for "
                "me; it meant things were stable. Do ask your team to explain your own case though.",
            ),
            (
                "Carmen",
                "My husband had his dex lowered and then stopped because it made his blood sugar hard to control. "
                "Writing your questions down before the appointment helps a lot, we found.",
            ),
        ],
        "accept": 0,
        "comments": [
            ("Sam", "Thank you for asking this. I was wondering the very same thing."),
            ("Carmen", "Sending you a hug, Ruth. The not-knowing is the hardest part."),
        ],
    },
    {
        "asker": "Walter",
        "title": "How did you cope with tiredness during maintenance?",
        "body": (
            "I am a year into maintenance and the tiredness comes in waves. Some afternoons I cannot keep my eyes "
            "open. What has helped you get through the day?"
        ),
        "tags": ["Side effects", "Living with myeloma"],
        "answers": [
            (
                "Ruth",
                "Short walks in the morning made the biggest difference for me, even ten minutes. "
                "I also stopped feeling guilty about a nap after lunch.",
            ),
        ],
        "accept": None,
        "comments": [("Carmen", "My husband swears by a regular bedtime, even at weekends.")],
    },
    {
        "asker": "Sam",
        "title": "Is it normal to feel nervous before every blood test?",
        "body": "Each time my M protein is checked I barely sleep the night before. Does that ever get easier?",
        "tags": ["Living with myeloma", "Relapse"],
        "anonymous": True,
        "answers": [],
        "accept": None,
        "comments": [],
    },
]


def _member(email, name, anonymous):
    user, created = get_user_model().objects.get_or_create(
        email=email, defaults={"display_name": name, "date_joined": timezone.now() - timedelta(days=400)}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    profile = ensure_profile(user)
    if profile.post_anonymously != anonymous:
        profile.post_anonymously = anonymous
        profile.save(update_fields=["post_anonymously"])
    return user


def _question(spec, members):
    asker = members[spec["asker"]]
    question = discussion.question_ask(
        author=asker, title=spec["title"], body=spec["body"], tags=spec["tags"],
        is_anonymous=spec.get("anonymous", False), enforce_limits=False,
    )  # fmt: skip
    answers = [
        discussion.answer_create(author=members[name], question=question, body=body, enforce_limits=False)
        for name, body in spec["answers"]
    ]
    if spec["accept"] is not None:
        discussion.answer_accept(answer=answers[spec["accept"]], member=asker)
    for name, body in spec["comments"]:
        discussion.comment_create(author=members[name], thread=question.thread, body=body, enforce_limits=False)
    for answer in answers:
        reactions.reaction_toggle(member=asker, post=answer, kind="helpful")
    reactions.reaction_toggle(
        member=members["Carmen" if spec["asker"] != "Carmen" else "Ruth"], post=question, kind="hug"
    )


@transaction.atomic
def load_community_demo(stdout):
    """Create the demo community once; report what was added."""
    members = {name: _member(email, name, anonymous) for email, name, anonymous in MEMBERS}
    added = 0
    for spec in QUESTIONS:
        if Question.objects.filter(title=spec["title"]).exists():
            continue
        _question(spec, members)
        added += 1
    stdout.write(f"Demo community: {len(members)} members, {added} new questions.")
    return added
