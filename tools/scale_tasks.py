"""A task for `make scale-test` only: it takes a few seconds, so the test can ask
a worker to stop (SIGTERM) while it runs and see it finish first."""

import time

from django_tasks import task


@task()
def scale_probe_task(seconds):
    time.sleep(min(float(seconds), 30))
    return f"slept {seconds}s"
