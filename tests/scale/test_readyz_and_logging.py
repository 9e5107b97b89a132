"""/readyz names the shared part that failed; logs are JSON lines carrying a request id into tasks."""

import json
import logging

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from myeloma_forum import health
from myeloma_forum.logging import JSONFormatter, RequestIdFilter, request_id_var
from myeloma_forum.media_storage import media_origin, media_storage


@pytest.mark.django_db
def test_readyz_ok_when_database_cache_and_storage_answer(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok", "storage": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["database", "cache", "storage"])
def test_readyz_503_names_the_part_that_failed(client, monkeypatch, part):
    def broken(*args, **kwargs):
        raise OSError("connection refused by 10.0.0.7 with password hunter2")

    targets = {
        "database": (connection, "cursor"),
        "cache": (health.caches["default"], "set"),
        "storage": (default_storage, "exists"),
    }
    monkeypatch.setattr(*targets[part], broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == [part] and body[part] == "unreachable"
    assert "hunter2" not in response.content.decode()  # details go to the log only


@pytest.mark.django_db
def test_request_id_is_echoed_and_kept_from_the_load_balancer(client):
    mine = client.get("/healthz")
    assert len(mine.headers["X-Request-ID"]) == 32
    given = client.get("/healthz", HTTP_X_REQUEST_ID="lb-abcdef123456")
    assert given.headers["X-Request-ID"] == "lb-abcdef123456"
    forged = client.get("/healthz", HTTP_X_REQUEST_ID="<script>\nInjected: yes")
    assert forged.headers["X-Request-ID"] != "<script>\nInjected: yes"


def test_json_formatter_writes_one_object_per_line_with_the_request_id():
    token = request_id_var.set("req-12345678")
    try:
        record = logging.makeLogRecord({"name": "community", "levelname": "INFO", "msg": "sent %s", "args": (3,)})
        record.status = 200
        RequestIdFilter().filter(record)
        line = JSONFormatter().format(record)
    finally:
        request_id_var.reset(token)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["message"] == "sent 3" and entry["request_id"] == "req-12345678" and entry["status"] == 200


@pytest.mark.django_db(transaction=True)
def test_request_id_follows_a_queued_task_to_the_worker(settings, caplog):
    """Queued under a request's id, the task logs under the same id in the worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "email"]}}
    from community.tasks_newsletter import send_digests_task

    token = request_id_var.set("req-from-the-web-node")
    try:
        result = send_digests_task.enqueue("weekly")
    finally:
        request_id_var.reset(token)
    assert request_id_var.get() == "-"

    worker = Worker(
        queue_names=["email"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test-worker",
        excluded_queue_names=[],
    )
    logging.getLogger("community.tasks_newsletter").addFilter(RequestIdFilter())
    with caplog.at_level(logging.INFO, logger="community.tasks_newsletter"):
        worker.run_task(DBTaskResult.objects.get(pk=result.id))
    lines = [r for r in caplog.records if r.name == "community.tasks_newsletter"]
    assert lines and all(r.request_id == "req-from-the-web-node" for r in lines)
    assert request_id_var.get() == "-"  # the next task starts clean


def test_media_storage_from_url():
    assert media_storage("")["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    s3 = media_storage("s3://pics/forum?endpoint_url=http://127.0.0.1:9000&querystring_auth=true&region_name=x")
    assert s3["BACKEND"] == "storages.backends.s3.S3Storage"
    assert s3["OPTIONS"]["bucket_name"] == "pics" and s3["OPTIONS"]["location"] == "forum"
    assert s3["OPTIONS"]["querystring_auth"] is True
    assert media_origin(s3) == "http://127.0.0.1:9000"
    with pytest.raises(ValueError, match="s3:// or file://"):
        media_storage("ftp://example")
