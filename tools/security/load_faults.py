"""Load with faults: 20 members post comments, react and vote at once against gunicorn, while
workers are killed, clients hang up early and failed posts are sent again. Then the database
is checked: every acknowledged write is there exactly once, counters equal the rows they
count, and no response was a server error.

    .venv/bin/python tools/security/load_faults.py --database sqlite [--seconds 30]
    .venv/bin/python tools/security/load_faults.py --database postgresql

Faults injected while the members work:

- every few seconds one gunicorn worker is killed with SIGKILL mid-request (the master
  starts a new one): a half-done request must leave nothing half-written;
- one request in ten is sent by an impatient client that hangs up after 50 ms: the
  write may or may not happen, but never twice;
- a comment whose answer never came back is sent again, as a member pressing "Post"
  twice would: the duplicate guard must keep it to one.

A write counts as acknowledged when the site answered with its success redirect: a
comment's redirect names its `#comment-<id>`, a reaction's or vote's redirect comes
back without an error message in the session. Exit status 1 on any problem.
"""

import argparse
import http.client
import os
import random
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tools.security.serve import ROOT, gunicorn, site_env, throwaway_database  # noqa: E402

MEMBERS = 20
CSRF = "loadtest" + "x" * 24  # a 32-character CSRF secret, sent as cookie and form field alike


class Member:
    def __init__(self, email, pk, session_key):
        self.email, self.pk, self.session_key = email, pk, session_key

    @property
    def cookie(self):
        return f"sessionid={self.session_key}; csrftoken={CSRF}"


class Ledger:
    """What the members were told, kept per kind of write."""

    def __init__(self):
        self.lock = threading.Lock()
        self.comments_acked = set()  # tokens
        self.comments_unsure = set()
        self.reaction_state = {}  # (member, target, pk, kind) -> True/False/None (None: unsure)
        self.votes_acked = set()
        self.reactions_acked = 0
        self.statuses = Counter()
        self.server_errors = []
        self.requests = 0


def post(base, path, member, data, *, timeout=20.0):
    """(status, location) or (None, None) when the answer never came."""
    host, port = urllib.parse.urlsplit(base).netloc.split(":")
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": CSRF}, doseq=True)
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request(
            "POST",
            path,
            body,
            {"Cookie": member.cookie, "Content-Type": "application/x-www-form-urlencoded", "Referer": base + "/"},
        )
        response = conn.getresponse()
        response.read()
        return response.status, response.getheader("Location") or ""
    except (OSError, http.client.HTTPException):
        return None, None
    finally:
        conn.close()


def member_loop(base, member, world, ledger, stop_at, rng):
    voted = False
    while time.monotonic() < stop_at:
        action = rng.choices(["comment", "react", "vote"], weights=[4, 5, 1])[0]
        impatient = rng.random() < 0.1
        timeout = 0.05 if impatient else 20.0
        if action == "comment":
            do_comment(base, member, world, ledger, rng, timeout)
        elif action == "react":
            do_react(base, member, world, ledger, rng, timeout)
        elif not voted:
            voted = do_vote(base, member, world, ledger, rng, timeout)


def record(ledger, status, path):
    with ledger.lock:
        ledger.requests += 1
        ledger.statuses[status or "no answer"] += 1
        if status and status >= 500:
            ledger.server_errors.append((status, path))


def do_comment(base, member, world, ledger, rng, timeout):
    thread = rng.choice(world["threads"])
    token = f"load-{secrets.token_hex(8)}"
    data = {"body": f"Sharing how my week went, note {token}."}
    path = f"/threads/{thread}/comment/"
    unanswered = False
    for attempt in range(2):  # a post whose answer never came is sent once more
        status, location = post(base, path, member, data, timeout=timeout if attempt == 0 else 20.0)
        record(ledger, status, path)
        if status == 302 and "#comment-" in location:
            with ledger.lock:
                ledger.comments_acked.add(token)
            return
        if status is not None:
            break  # refused with a message (rate limit, or "you posted this a moment ago")
        unanswered = True
    if unanswered:  # the first try may have been saved: at most once, checked below
        with ledger.lock:
            ledger.comments_unsure.add(token)


def do_react(base, member, world, ledger, rng, timeout):
    target, pk = rng.choice(world["posts"])
    kind = rng.choice(["hug", "helpful"])
    key = (member.pk, target, pk, kind)
    path = f"/reactions/{target}/{pk}/{kind}/"
    status, location = post(base, path, member, {}, timeout=timeout)
    record(ledger, status, path)
    with ledger.lock:
        current = ledger.reaction_state.get(key, False)
        if status == 302:
            ledger.reactions_acked += 1
        if status == 302 and current is not None:
            ledger.reaction_state[key] = not current
        elif status is None:
            ledger.reaction_state[key] = None  # unknown from here on


def do_vote(base, member, world, ledger, rng, timeout):
    path = f"/articles/{world['poll_slug']}/poll/"
    status, _location = post(base, path, member, {"choices": [rng.choice(world["choices"])]}, timeout=timeout)
    record(ledger, status, path)
    if status == 302:
        with ledger.lock:
            ledger.votes_acked.add(member.pk)
        return True
    return False


def kill_workers(master_pid, stop_at, killed):
    """SIGKILL one worker now and then; gunicorn's master starts a new one."""
    time.sleep(2)
    while time.monotonic() < stop_at - 2:
        out = subprocess.run(["pgrep", "-P", str(master_pid)], capture_output=True, text=True).stdout.split()  # noqa: S603,S607
        if out:
            os.kill(int(random.choice(out)), signal.SIGKILL)  # noqa: S311
            killed.append(time.monotonic())
        time.sleep(4)


# --- setup and checks, in this process through the ORM ---------------------------------------


def setup_world():
    from datetime import timedelta

    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from articles.models import Poll
    from community.models import Answer, Comment, Question
    from community.services.accounts import ensure_profile
    from tools.security.serve import SESSION_SCRIPT

    User = get_user_model()  # noqa: N806
    emails = [f"load{n:02d}@example.com" for n in range(MEMBERS)]
    for email in emails:
        user = User.objects.create_user(email=email, password=secrets.token_hex(16), display_name=email[:6])
        User.objects.filter(pk=user.pk).update(date_joined=timezone.now() - timedelta(days=60))
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=True)
        ensure_profile(user)
    namespace = {}
    import io

    stdin, sys.stdin = sys.stdin, io.StringIO("\n".join(emails))
    out = io.StringIO()
    stdout, sys.stdout = sys.stdout, out
    try:
        exec(SESSION_SCRIPT, namespace)  # noqa: S102 (our own fixed script)
    finally:
        sys.stdin, sys.stdout = stdin, stdout
    members = [Member(*line.split()) for line in out.getvalue().splitlines()]
    for m in members:
        m.pk = int(m.pk)
    questions = list(Question.objects.order_by("pk")[:4])
    posts = [("question", q.pk) for q in questions]
    posts += [("answer", a.pk) for a in Answer.objects.order_by("pk")[:4]]
    posts += [("comment", c.pk) for c in Comment.objects.order_by("pk")[:4]]
    poll = Poll.objects.select_related("article").first()
    world = {
        "threads": [q.thread_id for q in questions],
        "posts": posts,
        "poll_slug": poll.article.slug,
        "choices": list(poll.choices.values_list("pk", flat=True)),
        "poll_id": poll.pk,
    }
    return members, world


def check(ledger, world):
    """Problems found in the database, as plain sentences."""
    from articles.models import Ballot
    from community.models import Answer, Comment, Question, Reaction, Thread

    problems = []
    bodies = Counter()
    for body in Comment.objects.filter(body__contains="note load-").values_list("body", flat=True):
        bodies[body.rsplit("note ", 1)[1].rstrip(".")] += 1
    lost = [t for t in ledger.comments_acked if bodies[t] == 0]
    doubled = [t for t, n in bodies.items() if n > 1]
    unknown = [t for t in bodies if t not in ledger.comments_acked and t not in ledger.comments_unsure]
    if lost:
        problems.append(f"{len(lost)} acknowledged comments are missing")
    if doubled:
        problems.append(f"{len(doubled)} comments were saved more than once")
    if unknown:
        problems.append(f"{len(unknown)} comments were saved although the member was told they were refused")

    reactions = {
        (r["member_id"], t, r[f"{t}_id"], r["kind"])
        for r in Reaction.objects.values("member_id", "kind", "comment_id", "question_id", "answer_id")
        for t in ("comment", "question", "answer")
        if r[f"{t}_id"]
    }
    wrong_reactions = [k for k, on in ledger.reaction_state.items() if on is not None and (k in reactions) != on]
    if wrong_reactions:
        problems.append(f"{len(wrong_reactions)} reactions differ from what their member was last told")

    ballots = Counter(Ballot.objects.filter(poll_id=world["poll_id"]).values_list("voter_id", flat=True))
    missing_votes = [pk for pk in ledger.votes_acked if ballots[pk] != 1]
    if missing_votes or any(n > 1 for n in ballots.values()):
        problems.append(
            f"votes: {len(missing_votes)} acknowledged missing, {sum(n > 1 for n in ballots.values())} doubled"
        )

    problems += counter_problems(Thread, Comment, Question, Answer, Reaction)
    return problems, {"comments": len(ledger.comments_acked), "ballots": len(ledger.votes_acked)}


def counter_problems(Thread, Comment, Question, Answer, Reaction):  # noqa: N803 (model classes)
    from django.db.models import Count, F, Q

    problems = []
    live = Q(comments__removed_at__isnull=True)
    bad = Thread.objects.annotate(n=Count("comments", filter=live)).exclude(comment_count=F("n"))
    if bad.exists():
        problems.append(f"{bad.count()} threads' comment counts differ from their comments")
    bad = Comment.objects.annotate(n=Count("replies")).exclude(reply_count=F("n"))
    if bad.exists():
        problems.append(f"{bad.count()} comments' reply counts differ from their replies")
    for model in (Comment, Question, Answer):
        for kind in ("hug", "helpful"):
            counted = model.objects.annotate(n=Count("reactions", filter=Q(reactions__kind=kind)))
            bad = counted.exclude(**{f"{kind}_count": F("n")})
            if bad.exists():
                problems.append(f"{bad.count()} {model.__name__.lower()}s' {kind} counts differ from the reactions")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=30, help="how long the members keep going")
    args = parser.parse_args()

    with throwaway_database(args.database) as (database_url, workdir):
        env = site_env(database_url, workdir, FORUM_NEW_MEMBER_HOLD_POSTS=0)
        if args.database == "postgresql":
            env["CACHE_URL"] = os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/14")
        os.environ.update(env)
        import django

        django.setup()
        from django.core.cache import caches
        from django.core.management import call_command
        from django.db import connections

        caches["default"].clear()  # rate-limit counters from an earlier run would refuse everything
        call_command("migrate", verbosity=0)
        call_command("load_demo_content", verbosity=0)
        members, world = setup_world()
        connections.close_all()

        ledger, killed = Ledger(), []
        log = Path(workdir) / "gunicorn.log"
        with gunicorn(env, workers=3, threads=4, log_path=log) as (base, master):
            stop_at = time.monotonic() + args.seconds
            threads = [
                threading.Thread(target=member_loop, args=(base, m, world, ledger, stop_at, random.Random(i)))  # noqa: S311
                for i, m in enumerate(members)
            ]
            threads.append(threading.Thread(target=kill_workers, args=(master.pid, stop_at, killed)))
            started = time.monotonic()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
            time.sleep(1)  # let a write from a request whose client hung up finish
        problems, writes = check(ledger, world)
        server_log = log.read_text(errors="replace")

    reactions_known = sum(1 for v in ledger.reaction_state.values() if v is not None)
    print(f"load with faults on {args.database}: {MEMBERS} members for {elapsed:.0f}s, {ledger.requests} requests")
    print(f"  answers: {dict(sorted(ledger.statuses.items(), key=str))}")
    print(f"  workers killed: {len(killed)}; comments posted and acknowledged: {writes['comments']}")
    print(f"  comments unsure (client gave up): {len(ledger.comments_unsure)}; poll votes: {writes['ballots']}")
    print(f"  reaction keys checked: {reactions_known}; reaction toggles acknowledged: {ledger.reactions_acked}")
    print(f"  server errors (5xx): {len(ledger.server_errors)}")
    if "Traceback" in server_log:
        problems.append("the server logged a traceback:\n" + server_log[server_log.index("Traceback") :][:3000])
    if ledger.server_errors:
        problems.append(f"{len(ledger.server_errors)} server errors: {ledger.server_errors[:5]}")
    if not killed:
        problems.append("no worker was killed: the fault was not injected")
    if writes["comments"] < 20:
        problems.append("too few acknowledged comments for the check to mean anything")
    for problem in problems:
        print(f"FAILED: {problem}")
    print("lost writes: 0, duplicated writes: 0, counters exact, server errors: 0" if not problems else "")
    raise SystemExit(1 if problems else 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
