"""The staff home dashboard: queue counts and a 30-day posts chart drawn as SVG
(attributes only, no inline style, no JavaScript)."""

from datetime import timedelta

from django import template
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import timezone

from community.models import ReviewItem, User

register = template.Library()

CHART_DAYS = 30
CHART_HEIGHT = 120
BAR_WIDTH = 16
BAR_GAP = 4


def posts_per_day(days=CHART_DAYS):
    """[(date, count), ...] for the last `days` days, oldest first, days without posts as 0."""
    from community.models import Answer, Comment, Question

    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    counts = dict.fromkeys((start + timedelta(days=i) for i in range(days)), 0)
    since = timezone.now() - timedelta(days=days + 1)
    for model in (Comment, Question, Answer):
        rows = (
            model.objects.filter(created_at__gte=since)
            .annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone()))
            .values("day")
            .annotate(n=Count("pk"))
        )
        for row in rows:
            if row["day"] in counts:
                counts[row["day"]] += row["n"]
    return list(counts.items())


def chart_bars(series):
    peak = max([n for _d, n in series] + [1])
    bars = []
    for index, (day, n) in enumerate(series):
        height = round(n / peak * CHART_HEIGHT)
        bars.append(
            {
                "x": index * (BAR_WIDTH + BAR_GAP),
                "y": CHART_HEIGHT - height,
                "height": height,
                "day": day,
                "count": n,
            }
        )
    return bars


def queue_counts():
    open_items = ReviewItem.objects.open()
    return {
        "at_risk": open_items.filter(at_risk=True).count(),
        "reports": open_items.filter(report_count__gt=0).count(),
        "held": ReviewItem.objects.held().count(),
        "new_members": User.objects.filter(date_joined__gte=timezone.now() - timedelta(days=7)).count(),
    }


@register.inclusion_tag("admin/includes/_moderation_dashboard.html", takes_context=True)
def moderation_dashboard(context):
    user = context["request"].user
    if not user.has_perm("community.view_reviewitem"):
        return {"show": False}
    series = posts_per_day()
    queue = reverse("admin:community_reviewitem_changelist")
    return {
        "show": True,
        "counts": queue_counts(),
        "bars": chart_bars(series),
        "total_posts": sum(n for _d, n in series),
        "width": CHART_DAYS * (BAR_WIDTH + BAR_GAP),
        "height": CHART_HEIGHT,
        "bar_width": BAR_WIDTH,
        "links": {
            "at_risk": f"{queue}?open=yes&at_risk__exact=1",
            "reports": f"{queue}?open=yes",
            "held": f"{queue}?open=yes&hold_reason=new_member",
            "new_members": reverse("admin:community_user_changelist") + "?o=-7",
            "audit": reverse("admin:community_auditlogentry_changelist"),
        },
    }
