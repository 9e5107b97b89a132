"""A real SMTP server on a loopback port whose behaviour can be switched while it runs:

- "ok":      speaks SMTP and keeps every message it accepts;
- "hang":    accepts the TCP connection and never says a word (not even the greeting);
- "refuse":  answers the greeting with 421 "service not available" and hangs up;
- "midway":  takes MAIL, RCPT and half of DATA, then drops the connection before the
             end of the message (so nothing was accepted, and the client cannot know
             more than "it broke").

Hand-written on sockets because aiosmtpd always answers; this one must misbehave."""

import email
import email.policy
import socket
import socketserver
import threading

from tests.smtp import free_port


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server = self.server.owner
        mode = server.mode
        server.connections += 1
        if mode == "hang":
            server.hung.wait(60)  # until the test ends; the client must give up first
            return
        if mode == "refuse":
            self.send("421 127.0.0.1 Service not available, closing channel")
            return
        self.send("220 127.0.0.1 faulty test SMTP")
        self._session(server, mode)

    def _session(self, server, mode):
        while line := self.rfile.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.send("250-127.0.0.1\r\n250 8BITMIME" if verb == "EHLO" else "250 127.0.0.1")
            elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                self.send("250 OK")
            elif verb == "DATA":
                self.send("354 End data with <CR><LF>.<CR><LF>")
                if mode == "midway":
                    self.rfile.readline()  # read a little of the message, then vanish
                    return
                self._receive(server)
            elif verb == "QUIT":
                self.send("221 Bye")
                return
            else:
                self.send("502 Command not implemented")

    def _receive(self, server):
        lines = []
        while (line := self.rfile.readline()) not in (b".\r\n", b""):
            lines.append(line[1:] if line.startswith(b"..") else line)
        with server.lock:
            server.received.append(b"".join(lines))
        self.send("250 OK: queued")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultySMTP:
    def __init__(self, mode="ok"):
        self.host, self.port = "127.0.0.1", free_port()
        self.mode = mode
        self.connections = 0
        self.received = []
        self.lock = threading.Lock()
        self.hung = threading.Event()
        self._server = _Server((self.host, self.port), _Handler)
        self._server.owner = self

    @property
    def messages(self):
        with self.lock:
            return [email.message_from_bytes(raw, policy=email.policy.default) for raw in self.received]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.hung.set()
        self._server.shutdown()
        self._server.server_close()


def refused_port():
    """A port where nothing listens: the connection itself is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
