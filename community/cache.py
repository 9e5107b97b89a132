"""Caches that keep pages fast: whole public pages for visitors, comment fragments for members.

Whole pages (visitors only). `visitor_page_cache(view)` serves the public
article and list pages from the cache to people who are not signed in. The
stored page is the same for every visitor: the two per-response values in it,
the CSP nonce and the CSRF token of the newsletter form, are cut out before
storing and filled in fresh on every hit, so no visitor ever gets another's
token and every response has its own nonce. A signed-in member never reads
or fills this cache, and a page is stored only when it was rendered for a
visitor and set no cookie. Keys carry a site-wide content version that the
write services bump (`bump_public_version`) after their transaction commits,
so a change is visible to visitors at once; FORUM_VISITOR_PAGE_SECONDS bounds
the age of a page anyway. With several processes the cache must be shared
(Redis in production); local memory is per process.

Comment fragments (members). `render_posts` (the `{% cached_posts %}` tag)
renders each comment, answer or question once and shares the HTML with every
member who sees the same thing. The key is built from the row itself: the
post's text version (edit time, removal), its reaction counts, its author's
display name, anonymity and picture, the replies shown under it, how old it
looks ("3 hours ago"), and the viewer-specific bits the fragment shows (is the
viewer its author, has the viewer hugged it or found it helpful). Any change
to those makes a new key, so nothing has to be deleted; stale entries expire.
The CSRF token and the page address (the forms' "next") are cut out and
filled per request, like on visitor pages.

Pages read the key fields of the posts they show as rows (`PostSource.rows`, one
values_list query, no model instances) and load full posts, one batch per source,
only for the fragments the cache does not have: on a busy thread nearly every post
is a hit, and building instances was most of the page's cost. A post changed
between the two reads is stored under the key of what was rendered, never under
its row's key, and a post no longer visible by then is left out.
"""

import hashlib
import re
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

PUBLIC_VERSION_KEY = "forum:public-version"
# Visitor pages are stored as pieces between these holes (str), the rest as bytes.
NONCE_HOLE = "\x00forum-nonce\x00"
CSRF_HOLE = "\x00forum-csrf\x00"
_CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
NEXT_HOLE = "\x00forum-next\x00"
KEPT_HEADERS = ("Content-Type", "X-Robots-Tag", "Content-Language")
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage


# --- the site-wide version of public content ------------------------------------------


def public_version():
    version = cache.get(PUBLIC_VERSION_KEY)
    if version is None:
        cache.add(PUBLIC_VERSION_KEY, 1, timeout=None)
        version = cache.get(PUBLIC_VERSION_KEY, 1)
    return version


def _bump():
    try:
        cache.incr(PUBLIC_VERSION_KEY)
    except ValueError:  # not there yet (or evicted): any new value outdates old keys
        cache.set(PUBLIC_VERSION_KEY, public_version() + 1, timeout=None)


def bump_public_version():
    """Outdate every cached visitor page once the current transaction commits."""
    transaction.on_commit(_bump)


# --- whole pages for visitors ----------------------------------------------------------


def _is_cacheable_request(request):
    """A GET from someone with no session (so not signed in) and no pending flash message.

    Checking the cookie, not request.user, also spares visitors a session query."""
    if request.method != "GET":
        return False
    return settings.SESSION_COOKIE_NAME not in request.COOKIES and MESSAGES_COOKIE not in request.COOKIES


def visitor_page_key(request):
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    return f"forum:visitor-page:{public_version()}:{get_language()}:{path}"


def _punch_holes(request, response):
    """The page as byte pieces between the holes, so a hit only joins (no search through the page)."""
    text = response.content.decode(response.charset)
    nonce = getattr(request, "_csp_nonce", None)
    if nonce:
        text = text.replace(str(nonce), NONCE_HOLE)
    text = _CSRF_INPUT.sub(lambda m: f"{m.group(1)}{CSRF_HOLE}{m.group(2)}", text)
    pieces = re.split(f"({NONCE_HOLE}|{CSRF_HOLE})", text)
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    return {"pieces": [p if p in (NONCE_HOLE, CSRF_HOLE) else p.encode() for p in pieces], "headers": headers}


def _fill_holes(request, entry):
    values = {}
    pieces = entry["pieces"]
    if NONCE_HOLE in pieces:
        values[NONCE_HOLE] = str(request.csp_nonce).encode()
    if CSRF_HOLE in pieces:
        values[CSRF_HOLE] = get_token(request).encode()
    body = b"".join(values[p] if type(p) is str else p for p in pieces)
    response = HttpResponse(body, headers=entry["headers"])
    response["X-Forum-Cache"] = "hit"
    return response


def _storable(response):
    return response.status_code == 200 and not response.streaming and not response.cookies


def visitor_page_cache(view):
    """Serve `view` whole from the cache to visitors; members always get a fresh page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not _is_cacheable_request(request):
            return view(request, *args, **kwargs)
        key = visitor_page_key(request)
        entry = cache.get(key)
        if entry is not None:
            return _fill_holes(request, entry)
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response = response.render()
        if _storable(response):
            cache.set(key, _punch_holes(request, response), timeout=settings.FORUM_VISITOR_PAGE_SECONDS)
        return response

    return wrapper


# --- comment, answer and question fragments for members -----------------------------

# What a fragment key reads from a post and its author, in the order `_row_fields` expects.
KEY_FIELDS = (
    "pk", "edited_at", "removed_at", "hug_count", "helpful_count", "is_anonymous", "moderation_status",
    "moderation_note", "moderation_note_url", "created_at", "author_id", "author__display_name",
    "author__profile__post_anonymously", "author__profile__avatar_small",
)  # fmt: skip
_CREATED = KEY_FIELDS.index("created_at")


class FragmentRow:
    """One post as its fragment key sees it, read with values_list (no model instances).

    Building full instances (post, author, profile) and rendering them is most of a
    page's cost; with rows, only the posts whose fragment is not cached are loaded in
    full, by `source`, in one batch. Attributes mirror the model's where templates or
    views read them (pk, parent_id, answer_id, reply_list, comment_list, is_accepted)."""

    def __init__(self, source, values, extra_names=()):
        self.source, self.target = source, source.target
        self.pk, self.created_at = values[0], values[_CREATED]
        author_id = values[_CREATED + 1]
        display_name, anonymously, avatar = values[_CREATED + 2 : _CREATED + 5]
        # The same tuple `_post_fields` makes from an instance (a test pins that they agree).
        self.fields = (
            *values[:_CREATED],
            author_id,
            (display_name or "") if author_id else "",
            bool(anonymously),
            avatar or "",
        )
        for name, value in zip(extra_names, values[len(KEY_FIELDS) :], strict=True):
            setattr(self, name, value)


class PostSource:
    """Where rows of one kind of post come from, and how the misses are loaded in full.

    `load(rows) -> {pk: instance}` loads the posts (with what their template shows
    inside them: replies, an answer's comments) under the same visibility rules; a post
    that is gone or no longer visible is left out, and so not shown."""

    def __init__(self, target, load):
        self.target, self.load = target, load

    def rows(self, queryset, *extra):
        """FragmentRows for `queryset` (values_list of the key fields plus `extra` ones)."""
        return [FragmentRow(self, values, extra) for values in queryset.values_list(*KEY_FIELDS, *extra)]


def _age_bucket(moment, now):
    """Changes exactly as often as "n minutes/hours/days ago" can change."""
    seconds = int((now - moment).total_seconds())
    for size in (60, 3600, 86400):
        if seconds < size * 60 or size == 86400:
            return f"{size}:{seconds // size}"
    return ""  # pragma: no cover (the loop always returns)


def _post_fields(post):
    """The post's own key fields (see KEY_FIELDS), from a row or from a model instance."""
    if type(post) is FragmentRow:
        return post.fields
    author = post.author if post.author_id else None
    profile = getattr(author, "profile", None) if author else None
    return (
        post.pk, post.edited_at, post.removed_at, post.hug_count, post.helpful_count, post.is_anonymous,
        str(post.moderation_status), post.moderation_note, post.moderation_note_url,
        post.author_id,
        author.display_name if author else "",
        bool(profile and profile.post_anonymously),
        profile.avatar_small.name if profile and profile.avatar_small else "",
    )  # fmt: skip


def _target(post):
    return post.target if type(post) is FragmentRow else post._meta.model_name


def _nested(post):
    """Posts shown inside this one: a comment's prefetched replies, an answer's comments."""
    replies = getattr(post, "reply_list", None) or getattr(post, "_prefetched_objects_cache", {}).get("replies", ())
    return [*replies, *(getattr(post, "comment_list", None) or ())]


def post_fragment_key(post, *, viewer_id, reacted, now, extra="", language=None):
    """The cache key for one post (row or instance) as this viewer sees it (see the module docstring)."""
    target = _target(post)
    fields = _post_fields(post)
    pk, author_id = fields[0], fields[9]
    parts = (
        target, fields, _age_bucket(post.created_at, now), language or get_language(), extra,
        author_id is not None and author_id == viewer_id,
        (target, pk, "hug") in reacted, (target, pk, "helpful") in reacted,
        getattr(post, "is_accepted", None),
        tuple(post_fragment_key(r, viewer_id=viewer_id, reacted=reacted, now=now, language=language)
              for r in _nested(post)),
    )  # fmt: skip
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"forum:frag:{target}:{pk}:{digest}"


def punch_fragment(html, csrf_token, next_path):
    if csrf_token:
        html = html.replace(str(csrf_token), CSRF_HOLE)
    return html.replace(f'name="next" value="{next_path}', f'name="next" value="{NEXT_HOLE}')


def fill_fragment(html, csrf_token, next_path):
    return html.replace(CSRF_HOLE, str(csrf_token)).replace(NEXT_HOLE, next_path)


def full_posts(posts):
    """Model instances for `posts`, in order: rows are loaded (one batch per source), instances kept.

    A row whose post is gone or no longer visible to this viewer is dropped."""
    by_source = {}
    for post in posts:
        if type(post) is FragmentRow:
            by_source.setdefault(post.source, []).append(post)
    loaded = {source: source.load(rows) for source, rows in by_source.items()}
    out = []
    for post in posts:
        full = loaded[post.source].get(post.pk) if type(post) is FragmentRow else post
        if full is not None:
            out.append(full)
    return out


def render_posts(posts, render_one, *, viewer_id, reacted, csrf_token, next_path, extra=""):
    """HTML for each post: cached fragments where present (one get_many), rendered and stored otherwise.

    `posts` are FragmentRows or model instances; only missed rows are loaded in full.
    `render_one(post) -> str` renders a post (an instance) with its template for this request."""
    now = timezone.now()
    language = get_language()

    def key_of(post):
        return post_fragment_key(post, viewer_id=viewer_id, reacted=reacted, now=now, extra=extra, language=language)

    keys = [key_of(p) for p in posts]
    found = cache.get_many(keys) if keys else {}
    misses = [p for key, p in zip(keys, posts, strict=True) if key not in found]
    rendered = {}
    missing = {}
    for full in full_posts(misses):
        html = punch_fragment(render_one(full), csrf_token, next_path)
        rendered[_target(full), full.pk] = html
        # Stored under the key of what was rendered: the row may have changed since its key was
        # read, and the HTML must never sit under a key that describes another state of the post.
        missing[key_of(full)] = html
    out = []
    for key, post in zip(keys, posts, strict=True):
        html = found.get(key)
        if html is None:
            html = rendered.get((_target(post), post.pk))
        if html is not None:
            out.append(html)
    if missing:
        cache.set_many(missing, timeout=settings.FORUM_FRAGMENT_SECONDS)
    return mark_safe(fill_fragment("".join(out), csrf_token, next_path))  # noqa: S308 (our own rendered templates)
