"""Settings for the wapiti control scan only (tools/security/wapiti_scan.py).

The real settings plus one URLconf that adds a deliberately broken page, so the
scan can prove it catches reflected XSS. Production never loads this module;
the real scan runs with myeloma_forum.settings and cannot reach the page."""

from myeloma_forum.settings import *  # noqa: F403

ROOT_URLCONF = "tools.security.scan_urls"
