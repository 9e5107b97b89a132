"""The digest section registry.

`community` never imports `articles`, yet the digest lists new articles. So the
digest is built from *sections* registered here: articles registers its section
from `articles/apps.py` `ready()`; the discussion sections live in
`community/services/digests.py`.

A section's `fetch(since, until)` returns `DigestItem`s for everyone; it is
called once per run (not once per subscriber) with the widest window, and each
subscriber's digest then keeps the items newer than their own last digest.
A `per_member` section's `fetch(user, since, until)` is called for each member
(replies in threads they follow)."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class DigestItem:
    """One line of a digest. `member_text` is shown only to members; everyone
    else gets the title and a link (to sign up, when `members_only`)."""

    key: str  # unique within the section, e.g. "article:12"
    title: str
    url: str  # absolute
    when: datetime  # published / last activity: decides "new since last digest"
    summary: str = ""  # public text, safe for anyone (e.g. an article's summary)
    member_text: str = ""  # an excerpt of member-only writing
    members_only: bool = False  # the page itself needs signing in
    is_sensitive: bool = False  # a moderator marked it hard reading (newly diagnosed mode hides it)
    tags: tuple = ()  # tag slugs, so subscribers' topics can favour it
    activity: int = 0  # replies or reactions, to rank "most active"


@dataclass(frozen=True)
class SectionSource:
    key: str
    title: str
    fetch: object  # callable
    order: int = 100
    per_member: bool = False  # fetch(user, since, until) for each member instead of once
    limit: int = 5
    new_only: bool = True  # False: show regardless of age (e.g. unanswered questions still waiting)


@dataclass
class DigestSection:
    key: str
    title: str
    items: list = field(default_factory=list)


_sections = {}
_topics = {}


def register_section(key, *, title, fetch, order=100, per_member=False, limit=5, new_only=True):
    """Add (or replace, so a reload is harmless) a digest section."""
    _sections[key] = SectionSource(
        key=key, title=title, fetch=fetch, order=order, per_member=per_member, limit=limit, new_only=new_only
    )


def unregister_section(key):
    _sections.pop(key, None)


def sections():
    return sorted(_sections.values(), key=lambda source: (source.order, source.key))


def register_topics(key, choices):
    """`choices()` returns (slug, label) pairs subscribers may favour (e.g. article tags)."""
    _topics[key] = choices


def topic_choices():
    seen = {}
    for choices in _topics.values():
        for slug, label in choices():
            seen.setdefault(slug, label)
    return sorted(seen.items(), key=lambda pair: str(pair[1]).lower())
