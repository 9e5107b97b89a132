#!/usr/bin/env bash
# Django's deployment checklist with production variables (DEBUG off, real
# secret, HTTPS origins). Any warning fails: `--fail-level WARNING`.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${BIN:-.venv/bin}"
env -u DATABASE_URL -u CACHE_URL -u EMAIL_URL -u TASKS_BACKEND \
    DJANGO_SETTINGS_MODULE=myeloma_forum.settings \
    DEBUG=false \
    SECRET_KEY="ci-deploy-check-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
    ALLOWED_HOSTS=myelomaforum.example \
    SITE_URL=https://myelomaforum.example \
    CSRF_TRUSTED_ORIGINS=https://myelomaforum.example \
    "$BIN/python" manage.py check --deploy --fail-level WARNING
