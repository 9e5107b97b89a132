"""Small builders for discussion tests: real services, no stubs."""

from community.services import discussion


def ask(author, title="Why was my dexamethasone stopped?", body="My doctor stopped it after a few months.", **kw):
    kw.setdefault("enforce_limits", False)
    return discussion.question_ask(author=author, title=title, body=body, **kw)


def answer(author, question, body="It happened to me too; ask about side effects.", **kw):
    kw.setdefault("enforce_limits", False)
    return discussion.answer_create(author=author, question=question, body=body, **kw)


def comment(author, thread, body="Thinking of you.", **kw):
    kw.setdefault("enforce_limits", False)
    return discussion.comment_create(author=author, thread=thread, body=body, **kw)
