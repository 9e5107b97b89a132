"""Every route in the resolver, walked with GET as a visitor, the member who owns the
content, another member, a moderator and an editor: who may see what, that a GET
never changes data, and the headers every response must carry."""

import re

import pytest

from tests.security.conftest import PRIVATE_WORDS, changed_models, database_state
from tests.security.walker import walk

pytestmark = pytest.mark.django_db

# Pages about a member or their account: visitors are sent to sign in or told there is nothing there.
MEMBER_ONLY = re.compile(
    r"^/(members/|settings/|notifications/|accounts/(email|password/change|password/set|2fa|sessions|reauthenticate)/"
    r"|accounts/3rdparty/$)"
)
# Routes that act on one member's own post: nobody else may open them.
OWN_POST_ACTION = re.compile(r"^/(questions|answers|comments)/\d+/(edit|remove|most-helpful)/$")
ADMIN_DOOR = ("/admin/login/", "/admin/logout/")  # the door itself answers everyone
NO_STORE = re.compile(r"^/(settings|accounts|admin)/")
ADMIN_FORBIDDEN = {
    # Least privilege (issue 7): who must get a 403 where.
    "moderator": (
        "/admin/articles/article/",
        "/admin/articles/poll/",
        "/admin/auth/group/",
        "/admin/community/user/{owner}/password/",
    ),
    "editor": ("/admin/community/reviewitem/", "/admin/community/report/", "/admin/auth/group/"),
}
ADMIN_ALLOWED = {"moderator": "/admin/community/reviewitem/", "editor": "/admin/articles/article/"}


def _text(response):
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode(errors="replace")


def _header_problems(route, response, role):
    problems = []
    if response.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if response.get("Referrer-Policy") != "same-origin":
        problems.append("Referrer-Policy")
    if response.get("X-Frame-Options") != "DENY":
        problems.append("X-Frame-Options")
    is_html = response.get("Content-Type", "").startswith("text/html")
    if is_html and response.status_code == 200:
        problems += _csp_problems(response)
        if role != "visitor" and "noindex" not in response.get("X-Robots-Tag", ""):
            problems.append("noindex")
        if role != "visitor" and NO_STORE.match(route.path) and "no-store" not in response.get("Cache-Control", ""):
            problems.append("no-store")
    return [(route.path, p) for p in problems]


def _csp_problems(response):
    """A CSP on every page; a script the page carries runs only with this response's nonce."""
    csp = response.get("Content-Security-Policy", "")
    script_src = (re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)).group(1)
    problems = []
    if "unsafe-inline" in script_src or "unsafe-eval" in script_src or "frame-ancestors 'none'" not in csp:
        problems.append("CSP too loose")
    page_nonces = set(re.findall(r'<script[^>]*nonce="([^"]+)"', response.content.decode(errors="replace")))
    if any(f"'nonce-{nonce}'" not in script_src for nonce in page_nonces):
        problems.append("CSP nonce does not match the page's scripts")
    return problems


def _gate_problem(route, response, role, world):
    """None when the role got what it may get on this route."""
    status, location = response.status_code, response.get("Location", "")
    sent_to_admin_login = status == 404 or (status == 302 and "/admin/login/" in location)
    # 405: a POST-only route answering a GET, with nothing in it.
    sent_to_login = status in (404, 405) or (status == 302 and "/accounts/login/" in location)
    if status >= 500:
        return "server error"
    if route.is_admin and role in ("visitor", "member", "other") and route.path not in ADMIN_DOOR:
        return None if sent_to_admin_login else f"admin page answered {status}"
    if role == "visitor" and MEMBER_ONLY.match(route.path) and not sent_to_login:
        return f"member page answered {status} {location} to a visitor"
    if role == "other" and OWN_POST_ACTION.match(route.path) and status == 200:
        return "another member opened the owner's edit/remove page"
    return None


def _leak(body, role, world):
    if role in ("member",):
        return []
    found = [w for w in PRIVATE_WORDS if w in body]
    if role in ("visitor", "other") and world.owner.email in body:
        found.append("owner's e-mail")
    return found


@pytest.mark.parametrize("role", ["visitor", "member", "other", "moderator", "editor"])
def test_walk_every_route(role, world, role_clients):
    """GET every route as `role`: gated as it should be, no leak, no change, headers present."""
    client = role_clients[role]
    routes = walk(world)
    assert len(routes) > 100  # the walk really reaches the whole site, admin included
    gates, leaks, changes, headers = [], [], [], []
    before = database_state()
    for route in routes:
        response = client.get(route.path)
        after = database_state()
        if changed_models(before, after):
            changes.append((route.path, changed_models(before, after)))
        before = after
        problem = _gate_problem(route, response, role, world)
        if problem:
            gates.append((route.path, problem))
        if leaked := _leak(_text(response), role, world):
            leaks.append((route.path, leaked))
        headers += _header_problems(route, response, role)
    assert gates == [], gates
    assert leaks == [], leaks
    assert changes == [], f"a GET changed data: {changes}"
    assert headers == [], headers


@pytest.mark.parametrize("role", ["moderator", "editor"])
def test_staff_roles_get_403_outside_their_work(role, world, role_clients):
    client = role_clients[role]
    for prefix in ADMIN_FORBIDDEN[role]:
        path = prefix.format(owner=world.owner.pk)
        assert client.get(path).status_code == 403, path
    assert client.get(ADMIN_ALLOWED[role]).status_code == 200


def test_other_member_cannot_change_the_owners_posts_by_post(world, role_clients):
    """POST (with a valid CSRF token, as the test client does) to every route as another member:
    the owner's posts, profile, notifications and settings stay exactly as they were."""
    from community.models import Answer, Comment, Notification, Profile, Question, User

    client = role_clients["other"]
    post_fields = ("body", "removed_at", "moderation_status", "is_anonymous")
    owned = [
        (Question, {"pk": world.question.pk}, ("title", "accepted_answer_id", *post_fields)),
        (Answer, {"pk": world.answer.pk}, post_fields),
        (Comment, {"pk": world.comment.pk}, post_fields),
        (Profile, {"user": world.owner}, ()),
        (User, {"pk": world.owner.pk}, ("email", "display_name", "password", "is_active")),
        (Notification, {"pk": world.notification.pk}, ("read_at",)),
    ]

    def snapshot():
        return [list(model.objects.filter(**flt).values(*fields)) for model, flt, fields in owned]

    form = {"body": "Taken over!", "title": "Taken over question", "display_name": "Hijacked", "confirm": "on"}
    before = snapshot()
    for route in walk(world):
        if route.is_admin or route.path.startswith("/accounts/"):
            continue
        response = client.post(route.path, form)
        assert response.status_code < 500, route.path
        assert snapshot() == before, f"{route.path} let another member change the owner's data"
