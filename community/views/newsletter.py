"""Newsletter pages: signing up, confirming, preferences and unsubscribing by
signed link (no sign-in needed), and a member's opt-in from their settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from community.forms.newsletter import CONSENT_TEXT, MemberNewsletterForm, NewsletterSignupForm, PreferencesForm
from community.models.newsletter import SubscriberStatus
from community.services import newsletter as services
from community.services.accounts import has_verified_email
from community.tokens import ExpiredToken, InvalidToken, read_confirmation_token, read_preferences_token

TEMPLATES = "community/newsletter"


def _page(request, name, context=None, status=200):
    response = render(request, f"{TEMPLATES}/{name}.html", context or {}, status=status)
    # Pages reached by a personal link: keep them out of search engines.
    response["X-Robots-Tag"] = "noindex"
    return response


def _bad_link(request, reason):
    return _page(request, "bad_link", {"reason": reason}, status=400)


def signup(request):
    form = NewsletterSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not form.is_robot():
            services.subscribe(
                email=form.cleaned_data["email"],
                name=form.cleaned_data["name"],
                source=form.cleaned_data["source"],
                info=services.RequestInfo.from_request(request),
                consent_text=str(CONSENT_TEXT),
            )
        # Same answer whether or not the address was already on the list.
        return redirect("community:newsletter-check-email")
    return render(request, f"{TEMPLATES}/signup.html", {"form": form})


def check_email(request):
    return render(request, f"{TEMPLATES}/check_email.html")


def confirm(request, token):
    """GET shows a button; the POST confirms, so mail scanners that open links confirm nothing."""
    try:
        match = read_confirmation_token(token)
    except ExpiredToken:
        return _bad_link(request, "expired")
    except InvalidToken:
        return _bad_link(request, "invalid")
    subscriber = match.subscriber
    if not match.key_matches:
        if subscriber.status == SubscriberStatus.ACTIVE:
            return _page(request, "confirmed", {"subscriber": subscriber, "already": True})
        return _bad_link(request, "replaced")
    if request.method == "POST":
        services.confirm(subscriber, info=services.RequestInfo.from_request(request))
        return _page(request, "confirmed", {"subscriber": subscriber})
    return _page(request, "confirm", {"subscriber": subscriber})


def preferences(request, token):
    try:
        subscriber = read_preferences_token(token)
    except InvalidToken:
        return _bad_link(request, "invalid")
    form = PreferencesForm(request.POST or None, subscriber=subscriber)
    if request.method == "POST" and form.is_valid():
        services.update_preferences(
            subscriber,
            schedule=form.cleaned_data["schedule"],
            topics=form.cleaned_data.get("topics", []),
            newly_diagnosed_mode=form.cleaned_data["newly_diagnosed_mode"],
        )
        messages.success(request, _("Your choices are saved."))
        return redirect("community:newsletter-preferences", token=token)
    context = {"form": form, "subscriber": subscriber, "token": token}
    return _page(request, "preferences", context)


@csrf_exempt  # RFC 8058 one-click: mail providers POST without cookies; the signed token is the proof
def unsubscribe(request, token):
    """GET only shows a button (link scanners must not unsubscribe anyone); POST unsubscribes."""
    try:
        subscriber = read_preferences_token(token)
    except InvalidToken:
        return _bad_link(request, "invalid")
    if request.method == "POST":
        services.unsubscribe(subscriber, info=services.RequestInfo.from_request(request))
        return _page(request, "unsubscribed", {"subscriber": subscriber, "token": token})
    return _page(request, "unsubscribe", {"subscriber": subscriber, "token": token})


@require_POST
@login_required
def member_settings(request):
    """A member's newsletter choice from their settings page: no confirmation e-mail
    when their address is already confirmed."""
    form = MemberNewsletterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose how often you would like the newsletter."))
    elif not form.cleaned_data["subscribed"]:
        subscription = getattr(request.user, "newsletter_subscription", None)
        if subscription:
            services.unsubscribe(subscription, info=services.RequestInfo.from_request(request))
        messages.success(request, _("You will not get the newsletter."))
    elif not has_verified_email(request.user):
        messages.error(request, _("Please confirm your e-mail address first: open the link we sent you."))
    else:
        services.member_subscribe(
            request.user,
            frequency=form.cleaned_data["frequency"],
            info=services.RequestInfo.from_request(request),
            consent_text=str(CONSENT_TEXT),
        )
        messages.success(request, _("You will get the newsletter. Thank you."))
    return redirect("community:settings")
