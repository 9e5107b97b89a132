"""A minimal, fast SMTP sink for benchmarks: accepts every message, keeps none.

aiosmtpd parses and stores each message in Python, which would make the sink
(not the sender) the bottleneck. This one speaks just enough SMTP for
smtplib and counts messages; `XCOUNT` answers the count so far.

Run: python bench/smtp_sink.py PORT"""

import asyncio
import sys

END_OF_DATA = b"\r\n.\r\n"


class Sink:
    def __init__(self):
        self.count = 0

    async def handle(self, reader, writer):
        writer.write(b"220 bench-sink ESMTP\r\n")
        while line := await reader.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                writer.write(b"250-bench-sink\r\n250-8BITMIME\r\n250 SIZE 52428800\r\n")
            elif verb == b"DATA":
                writer.write(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                await writer.drain()
                await reader.readuntil(END_OF_DATA)
                self.count += 1
                writer.write(b"250 OK\r\n")
            elif verb == b"QUIT":
                writer.write(b"221 Bye\r\n")
                break
            elif verb == b"XCOU":
                writer.write(f"250 {self.count}\r\n".encode())
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                writer.write(b"250 OK\r\n")
            await writer.drain()
        await writer.drain()
        writer.close()


async def serve(port):
    sink = Sink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", port, limit=64 * 1024 * 1024)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


def count_received(port):
    """Ask a running sink how many messages it has accepted."""
    import smtplib

    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        code, reply = client.docmd("XCOUNT")
    return int(reply.decode())


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
