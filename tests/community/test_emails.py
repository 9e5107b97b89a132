"""The one e-mail helper: three templates, footer, unsubscribe headers, stable Message-ID."""

from django.core import mail

from community.emails import send_templated_email, stable_message_id

CONTEXT = {"name": "Ruth & Sam", "confirm_url": "https://forum.example/newsletter/confirm/abc/"}


def test_renders_subject_text_and_html_with_footer(settings):
    """Subject, text and HTML parts come from the three templates; both bodies carry the postal address."""
    settings.FORUM_POSTAL_ADDRESS = "Myeloma Forum, 1 Test Lane, Testtown"

    send_templated_email("newsletter_confirm", "reader@example.com", CONTEXT)

    [message] = mail.outbox
    assert message.subject == "Please confirm your Myeloma Forum newsletter"
    assert "Hello Ruth & Sam," in message.body  # plain text is not HTML-escaped
    assert CONTEXT["confirm_url"] in message.body
    assert message.body.rstrip().endswith("Myeloma Forum, 1 Test Lane, Testtown")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "Ruth &amp; Sam" in html
    assert "<table" in html and "Myeloma Forum, 1 Test Lane, Testtown" in html
    assert "List-Unsubscribe" not in message.extra_headers


def test_bulk_mail_gets_both_unsubscribe_headers_over_real_smtp(smtp_server, settings):
    """A bulk message arrives with List-Unsubscribe (HTTPS + mailto) and the RFC 8058 one-click header."""
    settings.FORUM_UNSUBSCRIBE_MAILTO = "unsubscribe@forum.example"
    url = "https://forum.example/newsletter/unsubscribe/token123/"

    send_templated_email(
        "newsletter_confirm", "reader@example.com", CONTEXT, bulk=True, unsubscribe_url=url, message_id="digest-x-1"
    )

    [received] = smtp_server.messages
    header = received["List-Unsubscribe"].strip()
    assert header.startswith(f"<{url}>")
    assert "<mailto:unsubscribe@forum.example?subject=" in header
    assert received["List-Unsubscribe-Post"].strip() == "List-Unsubscribe=One-Click"
    assert received["Message-ID"].strip() == "<digest-x-1@myelomaforum.example>"
    assert url in received.get_body(("plain",)).get_content()
    assert url in received.get_body(("html",)).get_content()


def test_unsubscribe_link_without_bulk_has_no_one_click_header():
    """A non-bulk e-mail may offer a link but does not promise RFC 8058 one-click."""
    send_templated_email("newsletter_confirm", "a@example.com", CONTEXT, unsubscribe_url="https://x.example/u/")

    headers = mail.outbox[0].extra_headers
    assert headers["List-Unsubscribe"] == "<https://x.example/u/>"
    assert "List-Unsubscribe-Post" not in headers


def test_stable_message_id_is_the_same_for_the_same_key():
    """The same key always gives the same Message-ID; different keys differ."""
    assert stable_message_id("digest-2026-W48-7") == stable_message_id("digest-2026-W48-7")
    assert stable_message_id("digest-2026-W48-7") != stable_message_id("digest-2026-W48-8")
    assert stable_message_id("<a@b.example>") == "<a@b.example>"
