"""Production settings: everything secret or site-specific comes from the environment."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = False
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))  # noqa: F405
WHITENOISE_USE_FINDERS = False
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-"):
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of at least 50 characters.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SIGNING_REQUIRE_CONFIGURED_KEYS = True
# Staff accounts must sign in with a second factor (registry/two_factor.py).
OTP_REQUIRED_FOR_STAFF = True
# Deliveries to loopback, private or metadata addresses are for tests only (docs/webhooks.md): a
# partner on a private network is named by WEBHOOKS_ALLOWED_NETWORKS instead.
if WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:  # noqa: F405
    raise ImproperlyConfigured(
        "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES must be off in production; name a partner's private network "
        "in WEBHOOKS_ALLOWED_NETWORKS instead."
    )
