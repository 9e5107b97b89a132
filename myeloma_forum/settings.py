"""Settings for Myeloma Forum.

Everything is read from the environment, with defaults that are safe for a
developer's laptop. Production differs only by environment variables; the
README lists them. With DEBUG off the site refuses to start without a real
SECRET_KEY and ALLOWED_HOSTS, so a forgotten variable fails loudly instead of
running with development secrets.
"""

from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from myeloma_forum import media_storage

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional; a missing file is fine

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-development-key-never-use-in-production"  # noqa: S105 (DEBUG only)
SECRET_KEY = env.str("SECRET_KEY", default=_DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute address used in e-mails and feeds, where there is no request to ask.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.socialaccount.providers.facebook",
    "allauth.socialaccount.providers.google",
    "taggit",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "community",
    "articles",
]

MIDDLEWARE = [
    # A request id on every log line and response (README "Running at scale").
    "myeloma_forum.logging.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # allauth's session tracking, but writing "last seen" at most every few minutes
    # (README "Performance"); allauth's own middleware writes on every page view.
    "community.activity.ThrottledUserSessionsMiddleware",
    # Admin: refuses logins after repeated failures; staff need two-factor first.
    "community.middleware.AdminProtectionMiddleware",
    # no-store on account/admin pages, private + noindex for signed-in members (issue 9).
    "community.privacy_headers.PrivacyHeadersMiddleware",
]

ROOT_URLCONF = "myeloma_forum.urls"
WSGI_APPLICATION = "myeloma_forum.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "myeloma_forum.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write
    # lock at BEGIN, so concurrent writers queue for up to `timeout` seconds
    # instead of failing half-way with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://myeloma-forum")}

# Sessions (README "Running at scale"): "db" (default) or "cache" (Redis, with
# CACHE_URL). Either way every web node sees every session; never signed cookies
# (a logout must end the session on the server) nor files on one node's disk.
_SESSION_ENGINES = {"db": "django.contrib.sessions.backends.db", "cache": "django.contrib.sessions.backends.cache"}
SESSION_BACKEND = env.str("SESSION_BACKEND", default="db")
if SESSION_BACKEND not in _SESSION_ENGINES:
    raise ImproperlyConfigured(f"SESSION_BACKEND must be one of {sorted(_SESSION_ENGINES)}, not {SESSION_BACKEND!r}.")
SESSION_ENGINE = _SESSION_ENGINES[SESSION_BACKEND]
# Scheduled jobs take a lock (community/locks.py); on SQLite it is a lease that a
# killed holder keeps at most this long. PostgreSQL frees it with the session.
FORUM_JOB_LOCK_LEASE_SECONDS = env.int("FORUM_JOB_LOCK_LEASE_SECONDS", default=6 * 60 * 60)

# Whole public pages for visitors (community/cache.py): the longest a cached page
# may live; writes outdate them at once anyway (README "Performance").
FORUM_VISITOR_PAGE_SECONDS = env.int("FORUM_VISITOR_PAGE_SECONDS", default=10 * 60)
# Rendered comments, shared by every member who reads them (community/cache.py).
FORUM_FRAGMENT_SECONDS = env.int("FORUM_FRAGMENT_SECONDS", default=24 * 60 * 60)

# --- Tasks ----------------------------------------------------------------
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = env.str("TASKS_BACKEND", default="immediate")
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be one of {sorted(_TASK_BACKENDS)}, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default", "email"]}}

# --- E-mail ---------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
# Django's SMTP backend waits forever by default; a hung server must not hang us.
EMAIL_TIMEOUT = min(env.int("EMAIL_TIMEOUT", default=10), 10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Myeloma Forum <hello@myelomaforum.example>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# Bulk mail must carry a postal address (CAN-SPAM); shown in every e-mail footer.
FORUM_POSTAL_ADDRESS = env.str("FORUM_POSTAL_ADDRESS", default="Myeloma Forum, 100 Example Street, Springfield, USA")
# Newsletter and digests (README "Newsletter and digests"). A mailbox for
# `mailto:` unsubscribes in List-Unsubscribe; empty means HTTPS link only.
FORUM_UNSUBSCRIBE_MAILTO = env.str("FORUM_UNSUBSCRIBE_MAILTO", default="")
# Bump when the consent sentence on the signup form changes; stored with each consent.
FORUM_CONSENT_TEXT_VERSION = env.str("FORUM_CONSENT_TEXT_VERSION", default="2026-11")
FORUM_DIGEST_BATCH_SIZE = env.int("FORUM_DIGEST_BATCH_SIZE", default=200)
# A temporary SMTP failure is retried this often, waiting backoff, 2x, 4x... seconds.
FORUM_DIGEST_RETRIES = env.int("FORUM_DIGEST_RETRIES", default=3)
FORUM_DIGEST_RETRY_BACKOFF = env.float("FORUM_DIGEST_RETRY_BACKOFF", default=2.0)

# --- Accounts -------------------------------------------------------------
AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# --- Members (allauth, MFA, social login, rate limits) ---------------------
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "community.adapters.SocialAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Myeloma Forum] "
# Links allauth builds without a request (e.g. from a task) take the scheme of SITE_URL.
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https://") else "http"
ACCOUNT_LOGIN_BY_CODE_ENABLED = True  # a code by e-mail instead of a password
ACCOUNT_PREVENT_ENUMERATION = True  # same answer whether an address is known or not
ACCOUNT_REAUTHENTICATION_REQUIRED = True  # password or e-mail change asks again
ACCOUNT_CHANGE_EMAIL = True  # one address per member; changing replaces it after confirmation
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell members when their password or address changes
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None  # the member chooses "keep me signed in"
# Counted in the default cache: Redis in production, so every worker shares them.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "request_login_code": "20/m/ip,3/m/key",
    "reauthenticate": "10/m/user",
}
# A social login never signs into an existing local account on the strength of
# a matching e-mail alone: the member signs in first and connects the provider.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_LOGIN_ON_GET = False  # a POST (with CSRF) starts a social login
SOCIALACCOUNT_STORE_TOKENS = False  # we only need who they are, not their tokens
SOCIALACCOUNT_QUERY_EMAIL = True


def _social_provider(name, extra):
    """A provider is offered only when both its client id and secret are set."""
    client_id = env.str(f"{name.upper()}_CLIENT_ID", default="")
    secret = env.str(f"{name.upper()}_CLIENT_SECRET", default="")
    apps = [{"client_id": client_id, "secret": secret, "key": ""}] if client_id and secret else []
    return {**extra, "APPS": apps}


SOCIALACCOUNT_PROVIDERS = {
    "facebook": _social_provider(
        "facebook", {"METHOD": "oauth2", "SCOPE": ["email", "public_profile"], "VERIFIED_EMAIL": False}
    ),
    "google": _social_provider(
        "google", {"SCOPE": ["openid", "email", "profile"], "AUTH_PARAMS": {"prompt": "select_account"}}
    ),
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Myeloma Forum"
USERSESSIONS_TRACK_ACTIVITY = True
# Seconds between two "last seen" writes for one session (community/activity.py).
FORUM_LAST_SEEN_INTERVAL = env.int("FORUM_LAST_SEEN_INTERVAL", default=5 * 60)
# Brute-force protection for /admin/login/ (allauth's limits do not cover it).
FORUM_ADMIN_LOGIN_MAX_FAILURES = env.int("FORUM_ADMIN_LOGIN_MAX_FAILURES", default=5)
FORUM_ADMIN_LOGIN_LOCKOUT_SECONDS = env.int("FORUM_ADMIN_LOGIN_LOCKOUT_SECONDS", default=15 * 60)

# --- Moderation (README "Moderation") --------------------------------------
# A new member's first N posts wait for a moderator; 0 turns the hold off.
FORUM_NEW_MEMBER_HOLD_POSTS = env.int("FORUM_NEW_MEMBER_HOLD_POSTS", default=2)
# At most this many reports per member per window (seconds), counted in the shared cache.
FORUM_REPORT_RATE_LIMIT = (env.int("FORUM_REPORT_LIMIT", default=10), env.int("FORUM_REPORT_WINDOW", default=3600))
# Extra addresses for crisis alerts, besides the Moderators group (comma-separated).
FORUM_MODERATION_ALERT_EMAILS = env.list("FORUM_MODERATION_ALERT_EMAILS", default=[])
# Days a "delete as spam" suspends the author for; unset means permanently.
FORUM_SPAM_SUSPENSION_DAYS = env.int("FORUM_SPAM_SUSPENSION_DAYS", default=None)

# --- Write first, join after (README "Write first, join after") -------------
# Visitors' posts per window (posts, seconds) from one IP and for one address, in the shared cache.
FORUM_WRITE_FIRST_RATE_LIMITS = {
    "ip": [(env.int("FORUM_WRITE_FIRST_PER_IP_HOUR", default=5), 3600), (20, 86400)],
    "address": [(env.int("FORUM_WRITE_FIRST_PER_ADDRESS_HOUR", default=3), 3600), (5, 86400)],
}
# At most this many unconfirmed posts wait for one address.
FORUM_WRITE_FIRST_MAX_PENDING = env.int("FORUM_WRITE_FIRST_MAX_PENDING", default=3)

# --- Internationalisation -------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Uploaded pictures: local files by default, an S3-compatible bucket shared by
# every web node with MEDIA_STORAGE_URL=s3://bucket?endpoint_url=... (README
# "Running at scale"; myeloma_forum/media_storage.py).
MEDIA_STORAGE_URL = env.str("MEDIA_STORAGE_URL", default="")
MEDIA_ROOT = Path(media_storage.media_root(MEDIA_STORAGE_URL, MEDIA_ROOT))
STORAGES = {
    "default": media_storage.media_storage(MEDIA_STORAGE_URL),
    "staticfiles": {
        # Hashed names let browsers cache for a year; needs `collectstatic`,
        # so development (DEBUG) serves the plain files instead.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# --- Security headers -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("BEHIND_TLS_PROXY", default=False):
    # Only trust X-Forwarded-Proto when a proxy we run strips it from clients.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Scripts run only from our own files or with this response's nonce; nothing
# inline. Social login forms redirect to the providers, so form-action lists them.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, "https://www.facebook.com", "https://accounts.google.com"],
    },
}
# Pictures in a bucket are served from its own address, which the CSP must allow.
if _media_origin := media_storage.media_origin(STORAGES["default"]):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(_media_origin)

# --- Logging --------------------------------------------------------------
# LOG_FORMAT=json (default with DEBUG off): one JSON object per line with a
# request id that follows queued tasks to the worker (myeloma_forum/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "myeloma_forum.logging.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "myeloma_forum.logging.JSONFormatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
