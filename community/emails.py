"""The one place that renders and sends every e-mail the site writes.

Each e-mail is three templates under ``templates/community/emails/``:

- ``<name>_subject.txt``: one line (newlines are folded away);
- ``<name>_message.txt``: the plain-text body;
- ``<name>_message.html``: an HTML *fragment* (tables and inline styles, because
  mail clients ignore stylesheets). It is placed inside the shared layout
  ``_layout.html``, so no template has to repeat the document shell.

The helper adds the footer (postal address, unsubscribe or preferences link)
to both bodies, so no e-mail can forget it, and for bulk mail the
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers of RFC 8058 that
Gmail and Yahoo require from bulk senders.

Use ``send_templated_email`` for one message. Batch senders call
``build_templated_email`` for each message and hand them to one open connection.
"""

from email.utils import parseaddr
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template

TEMPLATE_DIR = "community/emails"


def _template(name):
    # get_template caches compiled templates when the cached loader is on
    # (DEBUG off); batch sends render thousands of messages from the same three.
    return get_template(f"{TEMPLATE_DIR}/{name}")


def message_id_domain():
    """The domain used in our Message-IDs: the sender's, else the site's."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2]
    return domain or urlsplit(settings.SITE_URL).hostname or "localhost"


def stable_message_id(key):
    """A Message-ID that is the same every time for the same `key`, so a rare
    duplicate delivery is recognisable (and threads together) in mail clients."""
    key = str(key).strip("<>")
    if "@" not in key:
        key = f"{key}@{message_id_domain()}"
    return f"<{key}>"


def list_unsubscribe_headers(unsubscribe_url, *, one_click=True):
    """The RFC 2369 / RFC 8058 headers for `unsubscribe_url` (an absolute HTTPS link).

    A ``mailto:`` address is added when ``FORUM_UNSUBSCRIBE_MAILTO`` is set; the
    subject carries the link so whoever reads that mailbox can act on it."""
    targets = [f"<{unsubscribe_url}>"]
    mailto = getattr(settings, "FORUM_UNSUBSCRIBE_MAILTO", "")
    if mailto:
        targets.append(f"<mailto:{mailto}?subject={quote('unsubscribe ' + unsubscribe_url, safe='')}>")
    headers = {"List-Unsubscribe": ", ".join(targets)}
    if one_click:
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


def footer_context(context, unsubscribe_url=None):
    """`context` plus what the shared footer and layout show."""
    return {
        **context,
        "postal_address": settings.FORUM_POSTAL_ADDRESS,
        "site_url": settings.SITE_URL,
        "site_name": "Myeloma Forum",
        "unsubscribe_url": unsubscribe_url or context.get("unsubscribe_url"),
    }


def with_footer(text, context):
    """The text part with the shared footer (`context` from footer_context)."""
    return f"{text.strip()}\n\n-- \n{_template('_footer.txt').render(context).strip()}\n"


def in_layout(subject, fragment, context):
    """The HTML part: an already rendered (safe) fragment inside the shared layout."""
    return _template("_layout.html").render({**context, "subject": subject, "body": fragment})


def render_templated_email(template_name, context, *, unsubscribe_url=None):
    """(subject, text, html) for `template_name`, footer included."""
    context = footer_context(context, unsubscribe_url)
    subject = " ".join(_template(f"{template_name}_subject.txt").render(context).split())
    text = with_footer(_template(f"{template_name}_message.txt").render(context), context)
    fragment = _template(f"{template_name}_message.html").render(context)
    return subject, text, in_layout(subject, fragment, context)


def build_templated_email(
    template_name,
    to,
    context,
    *,
    bulk=False,
    unsubscribe_url=None,
    connection=None,
    headers=None,
    message_id=None,
    from_email=None,
):
    """An unsent EmailMultiAlternatives (text plus HTML) for one recipient list."""
    subject, text, html = render_templated_email(template_name, context, unsubscribe_url=unsubscribe_url)
    return build_email(
        subject,
        text,
        html,
        to,
        bulk=bulk,
        unsubscribe_url=unsubscribe_url,
        connection=connection,
        headers=headers,
        message_id=message_id,
        from_email=from_email,
    )


def build_email(
    subject,
    text,
    html,
    to,
    *,
    bulk=False,
    unsubscribe_url=None,
    connection=None,
    headers=None,
    message_id=None,
    from_email=None,
):
    """An unsent message from parts already rendered (digests reuse renders)."""
    all_headers = {}
    if unsubscribe_url:
        all_headers.update(list_unsubscribe_headers(unsubscribe_url, one_click=bulk))
    if bulk:
        # Tells autoresponders not to answer a newsletter (RFC 3834).
        all_headers["Auto-Submitted"] = "auto-generated"
    if message_id:
        all_headers["Message-ID"] = stable_message_id(message_id)
    all_headers.update(headers or {})
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=[to] if isinstance(to, str) else list(to),
        headers=all_headers,
        connection=connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def send_templated_email(
    template_name,
    to,
    context,
    *,
    bulk=False,
    unsubscribe_url=None,
    connection=None,
    headers=None,
    message_id=None,
    from_email=None,
):
    """Render `template_name` and send it to `to` (an address or a list). Returns
    the number of messages sent (1); SMTP errors propagate to the caller, who
    knows whether to retry.

    bulk: newsletters and digests. With `unsubscribe_url` it adds the one-click
    ``List-Unsubscribe-Post`` header; the link must answer a POST by
    unsubscribing without cookies or a CSRF token.
    message_id: a stable key (e.g. ``digest-2026-W48-17``) for a Message-ID that
    is the same on every attempt."""
    message = build_templated_email(
        template_name,
        to,
        context,
        bulk=bulk,
        unsubscribe_url=unsubscribe_url,
        connection=connection,
        headers=headers,
        message_id=message_id,
        from_email=from_email,
    )
    return message.send()
