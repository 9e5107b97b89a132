"""The machine's own limit: a Django view that returns pre-built bytes.

It runs through the same middleware as every page, so a page's ratio to it
shows what the page itself costs, not what Django, gunicorn or the network
cost. The body is built once per size and kept for the life of the worker."""

from functools import lru_cache

from django.http import HttpResponse

MAX_SIZE = 4 * 1024 * 1024


@lru_cache(maxsize=64)
def _body(size):
    line = b"<p>" + b"myeloma forum bench " * 3 + b"</p>\n"
    return (line * (size // len(line) + 1))[:size]


def bare_bytes(request, size):
    return HttpResponse(_body(min(size, MAX_SIZE)), content_type="text/html; charset=utf-8")
