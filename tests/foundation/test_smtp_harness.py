"""The SMTP test server really receives what Django sends over TCP."""

from django.core.mail import send_mail


def test_mail_goes_through_a_real_smtp_server(smtp_server):
    send_mail("Hello", "Plain body", "forum@example.com", ["member@example.com"])

    [message] = smtp_server.messages
    assert message["Subject"] == "Hello"
    assert message["To"] == "member@example.com"
    assert message.get_content().strip() == "Plain body"
