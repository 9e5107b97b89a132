"""A real SMTP server for tests, built on aiosmtpd.

aiosmtpd's Controller cannot pick a free port itself (port=0 fails), so we
bind a socket to port 0, read the port the kernel chose and close it first."""

import email
import email.policy
import socket
import threading
import time

from aiosmtpd.controller import Controller


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


class _CollectingHandler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        return self.sink.accept(envelope)


class SMTPSink:
    """Collects every message it receives. `fail_after=N` answers 451 from the
    (N+1)th message on, until `recover()` is called, to test failures mid-run.
    `reject=("a@example.org", ...)` answers 554 to messages for those addresses
    once their data is in (as a server's content filter does)."""

    def __init__(self, host="127.0.0.1", fail_after=None, reject=()):
        self.host = host
        self.port = free_port(host)
        self.fail_after = fail_after
        self.reject = {address.lower() for address in reject}
        self.envelopes = []
        self._lock = threading.Lock()
        self._controller = Controller(_CollectingHandler(self), hostname=host, port=self.port)

    def accept(self, envelope):
        if any(rcpt.lower() in self.reject for rcpt in envelope.rcpt_tos):
            return "554 Message rejected"
        with self._lock:
            if self.fail_after is not None and len(self.envelopes) >= self.fail_after:
                return "451 Temporary failure, try again later"
            self.envelopes.append(envelope)
        return "250 Message accepted"

    def recover(self):
        self.fail_after = None

    @property
    def messages(self):
        """Received messages parsed with the modern e-mail API."""
        with self._lock:
            raw = [env.original_content for env in self.envelopes]
        return [email.message_from_bytes(data, policy=email.policy.default) for data in raw]

    def wait_for(self, count, timeout=10):
        """Block until `count` messages arrived (browser tests send from another thread)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.envelopes) >= count:
                return self.messages
            time.sleep(0.05)
        raise AssertionError(f"expected {count} e-mail(s), received {len(self.envelopes)}")

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()
