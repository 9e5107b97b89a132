"""Signed links for newsletter subscribers, who have no password.

- The confirmation link is signed with a time stamp (valid 72 hours) and carries
  the subscriber's current link key; confirming changes the key, so the link
  works once.
- The preferences / unsubscribe link never expires (an unsubscribe link in an
  old e-mail must keep working) but carries the link key too, so staff can
  make every old link stop working by changing the key.

Signing uses SECRET_KEY with a salt per purpose: a preferences token cannot be
used as a confirmation token or the other way round."""

from dataclasses import dataclass

from django.core import signing

from community.models.newsletter import CONFIRMATION_VALID_FOR, Subscriber

CONFIRM_SALT = "community.newsletter.confirm"
PREFERENCES_SALT = "community.newsletter.preferences"
_preferences_signer = signing.Signer(salt=PREFERENCES_SALT)


class InvalidToken(Exception):
    """The link was altered, belongs to nobody, or was replaced."""


class ExpiredToken(InvalidToken):
    """The link was genuine but is older than it may be."""


@dataclass(frozen=True)
class TokenMatch:
    subscriber: Subscriber
    key_matches: bool  # False once the link was used (confirmation) or revoked


def confirmation_token(subscriber):
    return signing.dumps({"s": subscriber.pk, "k": subscriber.token_key}, salt=CONFIRM_SALT, compress=True)


def read_confirmation_token(token):
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRMATION_VALID_FOR)
    except signing.SignatureExpired as exc:
        raise ExpiredToken from exc
    except signing.BadSignature as exc:
        raise InvalidToken from exc
    return _match(data.get("s"), data.get("k"))


def preferences_token(subscriber):
    return _preferences_signer.sign(f"{subscriber.pk}.{subscriber.token_key}")


def read_preferences_token(token):
    """The subscriber a preferences/unsubscribe link belongs to; InvalidToken otherwise."""
    try:
        value = _preferences_signer.unsign(token)
    except signing.BadSignature as exc:
        raise InvalidToken from exc
    pk, _sep, key = value.partition(".")
    match = _match(pk, key)
    if not match.key_matches:
        raise InvalidToken
    return match.subscriber


def _match(pk, key):
    try:
        subscriber = Subscriber.objects.get(pk=int(pk))
    except (Subscriber.DoesNotExist, TypeError, ValueError) as exc:
        raise InvalidToken from exc
    return TokenMatch(subscriber=subscriber, key_matches=subscriber.token_key == key)
