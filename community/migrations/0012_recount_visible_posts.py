"""Recount the discussion counters from the posts readers can see.

Until now a held post counted from the moment it was posted (and a post hidden by a
moderator kept counting), so a page said "3 comments" while showing 2. The services
now count a post only while it is visible and not removed; this brings the stored
counters in line once, so approving a post held before this release does not count it
twice. One UPDATE per counter; safe to run again."""

from django.db import migrations
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

VISIBLE = {"removed_at__isnull": True, "moderation_status": "visible"}


def visible_count(model, link):
    rows = model.objects.filter(**VISIBLE, **{link: OuterRef("pk")}).order_by().values(link)
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n")), Value(0), output_field=IntegerField())


def recount(apps, schema_editor):
    Thread, Question, Answer, Comment = (apps.get_model("community", n) for n in ("Thread", "Question", "Answer", "Comment"))
    Thread.objects.update(comment_count=visible_count(Comment, "thread"))
    Question.objects.update(answer_count=visible_count(Answer, "question"))
    Answer.objects.update(comment_count=visible_count(Comment, "answer"))
    Comment.objects.filter(parent__isnull=True).update(reply_count=visible_count(Comment, "parent"))


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0011_comment_reply_to"),
    ]

    operations = [migrations.RunPython(recount, migrations.RunPython.noop, elidable=True)]
