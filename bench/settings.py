"""Settings for `make bench` only: the real settings plus a bench-only URLconf.

The same-bytes bare view (bench/bare_view.py) is reachable only through
bench.urls, which nothing outside bench/ names; production never loads it."""

from myeloma_forum.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# collectstatic goes to the run's temporary folder, never the project's staticfiles/.
STATIC_ROOT = env.str("BENCH_STATIC_ROOT", default=str(STATIC_ROOT))  # noqa: F405
