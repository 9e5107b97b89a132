"""Handing digests to the mail server so that a killed worker neither loses nor
doubles one.

A message is delivered the moment the server reads the final "." of its DATA.
So the SMTP path sends everything except that last line, lets the caller commit
its sent-log row, and only then sends the "." (`release`). A worker killed
before the commit leaves no row and an unfinished DATA, which the server throws
away when the connection drops; the next run sends that message. A worker
killed after the "." left the process leaves a committed row and a message the
server still receives (the kernel flushes a dead process's socket). Only the
few microseconds between our commit returning and the "." being written remain
uncovered, instead of the whole round trip from the server's "250" to our
commit.

Other e-mail backends (console, memory, file) send in `prepare` and release
nothing: they have no point of no return to split."""

import contextlib
import re
import smtplib
import socket
import time

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address

PERMANENT_SMTP_CODES = range(500, 600)
FINAL_DOT = b".\r\n"


class DeliveryStopped(Exception):
    """The mail server kept refusing; the run stopped cleanly."""


def _dot_stuffed(raw):
    """The DATA body as RFC 5321 wants it, ending in CRLF, without the final dot."""
    body = re.sub(rb"(?m)^\.", b"..", raw)
    return body if body.endswith(b"\r\n") else body + b"\r\n"


class Deliverer:
    """Sends over one connection, retrying temporary failures with growing waits."""

    def __init__(self, connection, retries, backoff):
        self.connection = connection
        self.from_address = sanitize_address(settings.DEFAULT_FROM_EMAIL, settings.DEFAULT_CHARSET)
        self.retries = retries
        self.backoff = backoff
        self._awaiting_final_dot = False
        self._tuned_socket = None
        self.is_smtp = isinstance(connection, SMTPBackend)

    def _smtp(self):
        """The smtplib connection Django's SMTP backend opened (host, TLS and login
        from settings), reopened if a failure closed it; None for other backends."""
        if not self.is_smtp:
            return None
        if self.connection.connection is None:
            self.connection.open()
        smtp = self.connection.connection
        if smtp.sock is not None and smtp.sock is not self._tuned_socket:
            # The final dot is a tiny write right after the body. With Nagle's
            # algorithm it would wait for the server's delayed ACK (~40 ms a message).
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._tuned_socket = smtp.sock
        return smtp

    def prepare(self, outgoing):
        """Everything but the point of no return. True when ready (non-SMTP backends:
        already sent), False when the server refused the address for good; raises
        DeliveryStopped when the server keeps failing."""
        return self._with_retries(lambda: self._prepare_once(outgoing))

    def release(self):
        """Send the final dot. "accepted", "refused" (a permanent answer) or "failed"
        (temporary answer or broken connection: the message may be sent again)."""
        if not self._awaiting_final_dot:
            return "accepted"
        smtp = self._smtp()
        try:
            smtp.send(FINAL_DOT)
            self._awaiting_final_dot = False
            code, _reply = smtp.getreply()
        except (smtplib.SMTPException, OSError):
            self._awaiting_final_dot = False
            with contextlib.suppress(Exception):  # the retry reopens it if this fails
                self._reconnect()
            return "failed"
        if code == 250:
            return "accepted"
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.rset()
        return "refused" if code in PERMANENT_SMTP_CODES else "failed"

    def send(self, outgoing):
        """The whole message in one go (used to retry after a failed release)."""
        return self._with_retries(lambda: self._send_once(outgoing))

    def close(self):
        """Close the connection. In the middle of a message, drop the socket without
        QUIT: the server must see an unfinished DATA and discard it."""
        with contextlib.suppress(Exception):  # closing a broken connection is best effort
            if self._awaiting_final_dot:
                self.connection.connection.close()
                self.connection.connection = None
            else:
                self.connection.close()

    def _with_retries(self, attempt_once):
        for attempt in range(self.retries + 1):
            try:
                attempt_once()
                return True
            except smtplib.SMTPRecipientsRefused as exc:
                codes = [code for code, _msg in exc.recipients.values()]
                if all(code in PERMANENT_SMTP_CODES for code in codes):
                    return False
                error = exc
            except smtplib.SMTPDataError as exc:  # one recipient per message: a 5xx refuses it
                if exc.smtp_code in PERMANENT_SMTP_CODES:
                    return False
                error = exc
            except (smtplib.SMTPException, OSError) as exc:
                error = exc
            if attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
                self._reconnect()
        raise DeliveryStopped(str(error)) from error

    def _envelope(self, outgoing):
        if outgoing.raw:
            return outgoing.raw, outgoing.to
        message = outgoing.message
        encoding = message.encoding or settings.DEFAULT_CHARSET
        return message.message().as_bytes(linesep="\r\n"), sanitize_address(outgoing.to, encoding)

    def _prepare_once(self, outgoing):
        smtp = self._smtp()
        if smtp is None:
            self.connection.send_messages([outgoing.message])
            return
        raw, recipient = self._envelope(outgoing)
        smtp.ehlo_or_helo_if_needed()
        options = [f"size={len(raw)}"] if smtp.does_esmtp and smtp.has_extn("size") else []
        code, reply = smtp.mail(self.from_address, options)
        if code != 250:
            self._abandon(smtp, code)
            raise smtplib.SMTPSenderRefused(code, reply, self.from_address)
        code, reply = smtp.rcpt(recipient)
        if code not in (250, 251):
            self._abandon(smtp, code)
            raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
        smtp.putcmd("data")
        code, reply = smtp.getreply()
        if code != 354:
            self._abandon(smtp, code)
            raise smtplib.SMTPDataError(code, reply)
        self._awaiting_final_dot = True
        smtp.send(_dot_stuffed(raw))

    def _send_once(self, outgoing):
        smtp = self._smtp()
        if smtp is None:
            self.connection.send_messages([outgoing.message])
            return
        raw, recipient = self._envelope(outgoing)
        smtp.sendmail(self.from_address, [recipient], raw)

    @staticmethod
    def _abandon(smtp, code):
        # As smtplib does: 421 means the server is closing; otherwise reset the transaction.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.close() if code == 421 else smtp.rset()

    def _reconnect(self):
        # A dead connection may fail to close (QUIT unanswered): drop the socket and open anew.
        self._awaiting_final_dot = False
        with contextlib.suppress(Exception):
            if self.is_smtp and self.connection.connection is not None:
                self.connection.connection.close()
                self.connection.connection = None
            else:
                self.connection.close()
        self.connection.open()
