"""Structured logs for many nodes: one JSON object per line, each with a request id.

A load balancer's `X-Request-ID` is kept (when it looks like an id), otherwise
the web node makes one. The id travels with the work: into every log line of
the request, back to the client in the response header, and into background
tasks queued while handling it (kept in the shared cache under the task's id
and restored when a worker starts the task), so one id follows a comment from
the web node to the worker that e-mails about it.

Access lines name the route, never the path: paths can carry signed tokens
(unsubscribe links) that must not end up in log files."""

import contextvars
import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from django.core.cache import cache
from django.dispatch import receiver

request_id_var = contextvars.ContextVar("request_id", default="-")
access_logger = logging.getLogger("myeloma_forum.access")
_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
TASK_ID_SECONDS = 8 * 24 * 60 * 60  # longer than the longest deferral (a weekly digest)
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}


def current_request_id():
    return request_id_var.get()


def new_request_id():
    return uuid.uuid4().hex


class RequestIdFilter(logging.Filter):
    """Stamps every record with the current request (or task) id."""

    def filter(self, record):
        record.request_id = request_id_var.get()
        return True


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request_id, extras."""

    def format(self, record):
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class RequestIdMiddleware:
    """Gives each request an id, logs one access line per request, echoes the id."""

    header = "HTTP_X_REQUEST_ID"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get(self.header, "")
        request.request_id = incoming if _VALID_ID.match(incoming) else new_request_id()
        token = request_id_var.set(request.request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            self._log(request, response.status_code, started)
            return response
        finally:
            request_id_var.reset(token)

    def _log(self, request, status, started):
        match = getattr(request, "resolver_match", None)
        access_logger.info(
            "%s %s %s",
            request.method,
            match.view_name if match else "-",
            status,
            extra={"status": status, "ms": round((time.monotonic() - started) * 1000, 1)},
        )


# --- Carrying the id into background tasks ----------------------------------------


def _task_key(task_id):
    return f"task-request-id:{task_id}"


def remember_for_task(task_id):
    """Called when a task is queued: keep the request id for the worker that runs it."""
    request_id = request_id_var.get()
    if request_id != "-":
        cache.set(_task_key(task_id), request_id, TASK_ID_SECONDS)


def adopt_for_task(task_id):
    """Called when a worker starts a task: log under the id of the request that queued it."""
    return request_id_var.set(cache.get(_task_key(task_id)) or f"task-{task_id}")


def connect_task_signals():
    """Hooked up from CommunityConfig.ready(); only queued tasks need the hand-over
    (the immediate backend runs them inside the request, under its id already)."""
    from django_tasks.signals import task_enqueued, task_finished, task_started

    @receiver(task_enqueued, weak=False, dispatch_uid="myeloma_forum.logging.enqueued")
    def _enqueued(sender, task_result, **kwargs):
        if getattr(sender, "supports_defer", False):
            remember_for_task(task_result.id)

    @receiver(task_started, weak=False, dispatch_uid="myeloma_forum.logging.started")
    def _started(sender, task_result, **kwargs):
        if getattr(sender, "supports_defer", False):
            _adopted.set(adopt_for_task(task_result.id))

    @receiver(task_finished, weak=False, dispatch_uid="myeloma_forum.logging.finished")
    def _finished(sender, task_result, **kwargs):
        token = _adopted.get()
        if token is not None:
            _adopted.set(None)
            request_id_var.reset(token)


_adopted = contextvars.ContextVar("adopted_request_id", default=None)
