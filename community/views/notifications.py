"""The member's notifications: list, open (marks read), mark all read."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community.models import Notification
from community.services.notifications import notification_mark_read
from community.views.discussion import member_only

PER_PAGE = 30


@member_only
def notification_list(request):
    notifications = Notification.objects.for_member(request.user).for_display()
    page = Paginator(notifications, PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/notifications/list.html", {"page": page})


@member_only
@require_POST
def notification_open(request, pk):
    """Follow a notification to its post and mark it read: a POST, because a GET never
    writes (link prefetchers and scanners must not mark anything read)."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notification_mark_read(member=request.user, notification_id=notification.pk)
    return redirect(notification.url)


@member_only
@require_POST
def notification_mark_all_read(request):
    count = notification_mark_read(member=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("community:notification-list")
