"""Demo articles, their hero pictures and the treatment poll, for `load_demo_content`.

Article text lives in articles/demo_content/<slug>.md (our own words). Everything
here is keyed by slug, so loading twice finds the same rows and changes nothing."""

import datetime
import math
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.models import Article, Ballot, Poll, PollChoice
from articles.services import article_save, poll_vote
from community.images import reencode
from community.services.accounts import ensure_profile

CONTENT_DIR = Path(__file__).resolve().parent / "demo_content"
MAIN_SLUG = "refractory-multiple-myeloma-treatment-options"
REVIEWER = {"reviewer_name": "Dr. Miriam Hale", "reviewer_credentials": "MD, haematologist (sample reviewer)"}
DEMO_VOTERS = 12  # above the results threshold, so the demo shows the chart

ARTICLES = [
    {
        "slug": MAIN_SLUG,
        "title": "Refractory multiple myeloma: your treatment options explained",
        "summary": "When myeloma comes back or stops responding, there are many medicines left to try. "
        "A plain guide to each group, the approved drugs and when doctors use them.",
        "tags": ["Refractory myeloma", "Relapse", "Treatment", "CAR T-cell therapy", "Bispecific antibodies"],
        "discussion_prompt": "Has your myeloma come back or stopped responding? Tell other members "
        "which medicines you have had and how they went for you.",
        "hero_alt": "An abstract drawing of round blue and pink cells on a soft background.",
        "hero_caption": "Many new medicines now exist for myeloma that returns.",
        "colors": ((31, 79, 143), (138, 47, 92)),
        "day": 20,
    },
    {
        "slug": "signs-of-myeloma-relapse",
        "title": "Signs that myeloma may be coming back",
        "summary": "Relapse is often found on a blood test before you feel anything. The changes worth "
        "reporting, and what happens next.",
        "tags": ["Relapse", "Symptoms", "Tests and results"],
        "discussion_prompt": "How was your relapse first noticed? Share what you wish you had known.",
        "hero_alt": "An abstract drawing of a line rising gently across a pale chart.",
        "hero_caption": "A steady rise in M protein is often the first clue.",
        "colors": ((30, 107, 58), (31, 79, 143)),
        "day": 12,
    },
    {
        "slug": "how-bispecific-t-cell-engagers-work",
        "title": "How bispecific T-cell engagers work",
        "summary": "Teclistamab, elranatamab, talquetamab and linvoseltamab bring your own immune cells "
        "to the myeloma. How they work, how they are given and the side effects to know.",
        "tags": ["Bispecific antibodies", "Treatment", "Refractory myeloma"],
        "discussion_prompt": "Have you had a bispecific medicine? What helped you through the first doses?",
        "hero_alt": "An abstract drawing of two round cells joined by a bridge.",
        "hero_caption": "One arm holds the myeloma cell, the other a T cell.",
        "colors": ((22, 58, 107), (138, 75, 0)),
        "day": 8,
    },
    {
        "slug": "what-car-t-cell-therapy-involves",
        "title": "What CAR T-cell therapy involves, step by step",
        "summary": "From collecting your cells to the weeks after the infusion: what CAR T-cell therapy "
        "for myeloma asks of you and your family.",
        "tags": ["CAR T-cell therapy", "Treatment", "Refractory myeloma"],
        "discussion_prompt": "If you have had CAR T-cell therapy, what would you tell someone about to start?",
        "hero_alt": "An abstract drawing of immune cells gathered around a larger cell.",
        "hero_caption": "Your own T cells, taught to find myeloma.",
        "colors": ((138, 47, 92), (30, 107, 58)),
        "day": 4,
    },
]

POLL_QUESTION = "Which treatments have you received?"
POLL_CHOICES = [
    "Immunomodulatory drugs (such as lenalidomide or pomalidomide)",
    "Proteasome inhibitors (such as bortezomib, carfilzomib or ixazomib)",
    "Monoclonal antibodies (such as daratumumab, isatuximab or elotuzumab)",
    "Stem cell transplant",
    "CAR T-cell therapy",
    "Bispecific T-cell engagers",
    "Antibody-drug conjugates (belantamab mafodotin)",
    "Nuclear export inhibitors (selinexor)",
    "A clinical trial",
]


def hero_image(colors, seed, size=(1200, 630)):
    """A calm abstract picture (gradient and soft 'cells'), drawn with Pillow: no downloads."""
    (r1, g1, b1), (r2, g2, b2) = colors
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for x in range(width):
        t = x / (width - 1)
        draw.line(
            [(x, 0), (x, height)], fill=(int(r1 + (r2 - r1) * t), int(g1 + (g2 - g1) * t), int(b1 + (b2 - b1) * t))
        )
    for i in range(9):
        angle = seed + i * 0.7
        cx = int(width * (0.15 + 0.7 * ((math.sin(angle) + 1) / 2)))
        cy = int(height * (0.2 + 0.6 * ((math.cos(angle * 1.3) + 1) / 2)))
        radius = 30 + (i * 17) % 70
        draw.ellipse([cx - radius, cy - radius, cx + radius, cy + radius], outline=(255, 255, 255), width=6)
    return image


def _published_at(day):
    return timezone.make_aware(datetime.datetime(2025, 10, day, 9, 0))


def load_article(spec, *, author=None):
    """Create or update one article; returns (article, changed)."""
    body = (CONTENT_DIR / f"{spec['slug']}.md").read_text(encoding="utf-8")
    wanted = {
        "title": spec["title"],
        "summary": spec["summary"],
        "body": body,
        "hero_alt": spec["hero_alt"],
        "hero_caption": spec["hero_caption"],
        "discussion_prompt": spec["discussion_prompt"],
        "status": Article.Status.PUBLISHED,
        "published_at": _published_at(spec["day"]),
        "reviewed_on": datetime.date(2025, 10, spec["day"]),
        **REVIEWER,
    }
    article = Article.objects.filter(slug=spec["slug"]).first() or Article(slug=spec["slug"])
    changed = article.pk is None or any(getattr(article, key) != value for key, value in wanted.items())
    if author is not None and article.author_id is None:
        article.author, changed = author, True
    if not article.hero_image or not article.hero_image.storage.exists(article.hero_image.name):
        article.hero_image.save(f"{spec['slug']}.webp", reencode(hero_image(spec["colors"], spec["day"])), save=False)
        changed = True
    if changed:
        for key, value in wanted.items():
            setattr(article, key, value)
        article_save(article)
    if sorted(article.tags.names()) != sorted(spec["tags"]):
        article.tags.set(spec["tags"])
        changed = True
    return article, changed


def load_poll(article):
    """The treatment poll on the main article; choices are added, never duplicated."""
    poll, created = Poll.objects.get_or_create(article=article, defaults={"question": POLL_QUESTION})
    changed = created
    for position, text in enumerate(POLL_CHOICES):
        _choice, made = PollChoice.objects.get_or_create(poll=poll, text=text, defaults={"position": position})
        changed = changed or made
    return poll, changed


def load_demo_voters(poll, count=DEMO_VOTERS):
    """Demo members who answered the poll, so the results chart has something to show."""
    User = get_user_model()
    choices = list(poll.choices.order_by("position"))
    added = 0
    for n in range(1, count + 1):
        voter, _created = User.objects.get_or_create(
            email=f"demo.voter{n:02d}@example.com", defaults={"display_name": f"Demo member {n}"}
        )
        if _created:
            voter.set_unusable_password()  # demo voters never sign in
            voter.save(update_fields=["password"])
            ensure_profile(voter)
        if Ballot.objects.filter(poll=poll, voter=voter).exists():
            continue
        picks = [c.pk for i, c in enumerate(choices) if (i * 7 + n) % 3 == 0 or i == n % 3]
        poll_vote(poll=poll, voter=voter, choice_ids=picks)
        added += 1
    return added
