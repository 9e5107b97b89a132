"""Test settings: the real settings with only what makes tests fast or isolated changed."""

from myeloma_forum.settings import *  # noqa: F403

# Argon2 is deliberately slow; tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# New-member holds are tested on their own (tests/community/test_holds.py sets 2);
# elsewhere fresh factory members post through the views and must be seen at once.
FORUM_NEW_MEMBER_HOLD_POSTS = 0
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Social login tests (tests/community/test_social_login.py) answer Facebook's and
# Google's token and profile endpoints from a real HTTP server on this loopback
# port. allauth reads these URLs once, at import, so they are set here.
from tests.smtp import free_port as _free_port  # noqa: E402

FAKE_PROVIDER_URL = f"http://127.0.0.1:{_free_port()}"
SOCIALACCOUNT_PROVIDERS = {
    **SOCIALACCOUNT_PROVIDERS,  # noqa: F405
    "facebook": {
        **SOCIALACCOUNT_PROVIDERS["facebook"],  # noqa: F405
        "GRAPH_API_URL": f"{FAKE_PROVIDER_URL}/facebook",
        "AUTHORIZE_URL": f"{FAKE_PROVIDER_URL}/facebook/dialog/oauth",
    },
    "google": {
        **SOCIALACCOUNT_PROVIDERS["google"],  # noqa: F405
        "ACCESS_TOKEN_URL": f"{FAKE_PROVIDER_URL}/google/token",
        "IDENTITY_URL": f"{FAKE_PROVIDER_URL}/google/userinfo",
        "AUTHORIZE_URL": f"{FAKE_PROVIDER_URL}/google/auth",
    },
}
