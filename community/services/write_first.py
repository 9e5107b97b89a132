"""Write first, join after: a visitor posts with a name and an e-mail address, and the
post is published when they open the link we e-mail them.

- Submitting keeps the text as a PendingPost linked to a new, unverified account
  (or to the existing account of that address) and queues one e-mail. The visitor
  is told the same thing whether the address was known or not.
- The link is signed, expires after 7 days and works once: it carries the pending
  post's id and a secret whose SHA-256 is stored; publishing deletes the row.
- An account we made for the post is verified and signed in by the link. An
  existing account publishes only after its owner signs in, so knowing someone's
  address never lets anybody post in their name.
- Publishing calls the normal discussion services: the same posting rules, rate
  limits and moderation holds as every member post.
- Unconfirmed posts older than 7 days are deleted with the accounts made for them.
"""

import hashlib
import secrets

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community.models import PendingPost
from community.models.pending import PENDING_KEPT_FOR
from community.services import discussion
from community.services.accounts import ensure_profile
from community.services.posting import PostingRefused

LINK_SALT = "community.write_first.confirm"
DEFAULT_RATE_LIMITS = {"ip": [(5, 3600), (20, 86400)], "address": [(3, 3600), (5, 86400)]}
DEFAULT_MAX_PENDING = 3


class InvalidLink(Exception):
    """The link was altered, already used, or its post was deleted."""


class ExpiredLink(InvalidLink):
    """The link is genuine but older than 7 days."""


# --- limits ---------------------------------------------------------------------------


def rate_limits(scope):
    limits = getattr(settings, "FORUM_WRITE_FIRST_RATE_LIMITS", {})
    return limits.get(scope, DEFAULT_RATE_LIMITS[scope])


def max_pending():
    return getattr(settings, "FORUM_WRITE_FIRST_MAX_PENDING", DEFAULT_MAX_PENDING)


def address_key(email):
    """The cache key part for an address: a hash, so the cache holds no addresses."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


def _over_limit(scope, ident):
    """Count one submission against fixed windows in the shared cache; True when over."""
    now = int(timezone.now().timestamp())
    over = False
    for allowed, seconds in rate_limits(scope):
        key = f"forum:write-first:{scope}:{ident}:{seconds}:{now // seconds}"
        cache.add(key, 0, timeout=seconds)
        over = cache.incr(key) > allowed or over
    return over


def check_limits(*, ip, email):
    if _over_limit("ip", ip or "unknown"):
        raise PostingRefused(
            _("Too many posts have been sent from this connection in a short time. Please wait an hour and try again."),
            code="rate_limited",
        )
    if _over_limit("address", address_key(email)):
        raise PostingRefused(
            _("Too many posts have been sent with this e-mail address in a short time. Please try again tomorrow."),
            code="rate_limited",
        )


def check_pending(author, body):
    waiting = PendingPost.objects.filter(author=author)
    if waiting.filter(body=body.strip()).exists():
        raise PostingRefused(
            _("This same text is already waiting for you. Please open the link in the e-mail we sent you."),
            code="duplicate",
        )
    if waiting.count() >= max_pending():
        raise PostingRefused(
            _(
                "There are already %(max)d posts from this address waiting for confirmation. "
                "Please open the link in one of the e-mails we sent before writing more."
            )
            % {"max": max_pending()},
            code="too_many_pending",
        )


# --- accounts -------------------------------------------------------------------------


def is_write_first_account(user):
    """An account nobody has used yet: made for a pending post, never confirmed or signed into."""
    return (
        not user.is_staff
        and user.last_login is None
        and not user.has_usable_password()
        and not EmailAddress.objects.filter(user=user, verified=True).exists()
        and not user.socialaccount_set.exists()
    )


def _existing_account(email):
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
        user = address.user if address else None
    return user


def _new_account(email, name):
    User = get_user_model()
    with transaction.atomic():  # a savepoint: a second request for the same address may win the race
        user = User.objects.create_user(email=email, password=None, display_name=name.strip()[:60])
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=False)
        ensure_profile(user)
    return user


def account_for_address(email, name):
    """(account, made_for_write_first): the existing account of the address, else a new
    unverified one with an unusable password and the visitor's name."""
    user = _existing_account(email)
    if user is None:
        try:
            user = _new_account(email, name)
        except IntegrityError:
            user = _existing_account(email)
    return user, is_write_first_account(user)


# --- links ----------------------------------------------------------------------------


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def link_token(pending, secret):
    return signing.dumps({"p": pending.pk, "s": secret}, salt=LINK_SALT, compress=True)


def pending_for_link(token):
    """The pending post a link belongs to; InvalidLink / ExpiredLink otherwise."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=PENDING_KEPT_FOR)
    except signing.SignatureExpired as exc:
        raise ExpiredLink from exc
    except signing.BadSignature as exc:
        raise InvalidLink from exc
    pending = PendingPost.objects.select_related("author", "thread").filter(pk=data.get("p")).first()
    if pending is None or not secrets.compare_digest(pending.token_hash, _hash(str(data.get("s", "")))):
        raise InvalidLink
    return pending


def needs_sign_in(pending, user):
    """True unless the account was made for this post and is still unused, or its owner is signed in."""
    if user.is_authenticated and user.pk == pending.author_id:
        return False
    return not (pending.new_account and is_write_first_account(pending.author))


# --- writes ---------------------------------------------------------------------------


def _queue_confirmation(pending, secret):
    from community.tasks_write_first import send_write_first_confirmation

    token = link_token(pending, secret)
    transaction.on_commit(lambda: send_write_first_confirmation.enqueue(pending.pk, token))


@transaction.atomic
def pending_submit(*, kind, name, email, body, ip, thread=None, title="", tags=(), is_anonymous=False):
    """Keep a visitor's comment or question until they confirm; e-mail them the link.

    Raises PostingRefused (nothing saved) when a limit says no. The caller tells the
    visitor the same thing whatever account the address belongs to."""
    email = email.strip()
    check_limits(ip=ip, email=email)
    author, made_for_it = account_for_address(email, name)
    check_pending(author, body)
    secret = secrets.token_urlsafe(32)
    pending = PendingPost.objects.create(
        kind=kind, author=author, new_account=made_for_it, thread=thread, title=title.strip(), body=body.strip(),
        tags=list(tags), is_anonymous=is_anonymous, token_hash=_hash(secret),
    )  # fmt: skip
    _queue_confirmation(pending, secret)
    return pending


def _verify_address(user):
    EmailAddress.objects.filter(user=user, email__iexact=user.email).update(verified=True, primary=True)
    if not EmailAddress.objects.filter(user=user, email__iexact=user.email).exists():
        EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=True)


def _publish(pending):
    if pending.kind == PendingPost.Kind.QUESTION:
        return discussion.question_ask(
            author=pending.author, title=pending.title, body=pending.body, tags=pending.tags,
            is_anonymous=pending.is_anonymous,
        )  # fmt: skip
    return discussion.comment_create(author=pending.author, thread=pending.thread, body=pending.body)


@transaction.atomic
def pending_publish(*, pending, user):
    """Publish through the discussion services and forget the pending row (the link then
    stops working). An account made for the post gets its address verified here.

    Raises InvalidLink when someone else used the link first, PermissionDenied when the
    owner of an existing account is not the one signed in, and PostingRefused when the
    posting rules say no (nothing changes then)."""
    pending = (
        PendingPost.objects.select_for_update(of=("self",))
        .select_related("author", "thread")
        .filter(pk=pending.pk)
        .first()
    )
    if pending is None:
        raise InvalidLink
    if needs_sign_in(pending, user):
        raise PermissionDenied(_("Please sign in to the account this e-mail was sent to."))
    if pending.new_account:
        _verify_address(pending.author)
    post = _publish(pending)
    pending.delete()
    return post


@transaction.atomic
def pending_purge(*, dry_run=False):
    """Delete pending posts older than 7 days and the unused accounts made for them.

    Returns (posts, accounts). Confirmed posts are no longer pending, so they are
    never touched; an account that was confirmed or signed into in the meantime stays."""
    expired = PendingPost.objects.expired()
    author_ids = set(expired.filter(new_account=True).values_list("author_id", flat=True))
    posts = expired.count()
    if dry_run:
        return posts, len(author_ids)
    expired.delete()
    User = get_user_model()
    unused = [
        user
        for user in User.objects.filter(pk__in=author_ids, pending_posts__isnull=True)
        if is_write_first_account(user)
    ]
    for user in unused:
        user.delete()  # cascades to the profile and the unverified address
    return posts, len(unused)
