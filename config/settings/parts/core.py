"""The Django core: apps, middleware, templates, database, cache, time, files, e-mail, security defaults."""

from __future__ import annotations

from typing import Any

from config.settings.media import media_storages
from config.settings.parts.environment import BASE_DIR, VAR_DIR, env

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-0b5-experiences-change-me-in-production-please")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "apps.common.exceptions.csrf_failure"

INSTALLED_APPS = [
    "unfold.apps.BasicAppConfig",  # the admin theme (before the admin: its templates win), our site kept
    "apps.users.admin_config.AdminConfig",  # Django's admin, signing in under the API's policy
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.common.devserver",  # `make run`: daphne's runserver (HTTP + WebSocket), before WhiteNoise's
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    # third party
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "corsheaders",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "channels",
    # project
    "apps.common",
    "apps.users",
    "apps.treks",
    "apps.notifications",
    "apps.messaging",
    "apps.emergency",
    "apps.bookings",
    "apps.community",
    "apps.backoffice",  # the admin dashboard: reads bookings, emergency and notifications, so it sits on top
    "apps.realtime",  # WebSocket consumers: read messaging and emergency, so they sit on top too
]

MIDDLEWARE = [
    "apps.common.middleware.RequestIDMiddleware",
    "apps.common.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # Accept-Language (en, hi) -> the language of error messages
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: answers a locked-out admin sign-in
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES: dict[str, dict[str, Any]] = {"default": env.db_url_config(DATABASE_URL)}
DB_PREPARED_STATEMENTS = False  # PostgreSQL only, below
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one write lock for the whole database. IMMEDIATE takes it at BEGIN, so a writer queues for it
    # (up to `timeout` seconds) instead of failing when it upgrades a read lock mid-transaction; WAL lets reads
    # go on while a write is under way (synchronous=NORMAL is WAL's usual pairing: one fsync per checkpoint).
    # Writers hold the lock only briefly because nothing slow runs inside a transaction (apps/users/passwords.py).
    _sqlite_options = DATABASES["default"].setdefault("OPTIONS", {})
    _sqlite_options["transaction_mode"] = "IMMEDIATE"
    _sqlite_options.setdefault("timeout", 20)
    _sqlite_options.setdefault("init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL")
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The hottest statements are prepared once per connection and run with generic plans (apps/common/prepared.py);
    # behind a pooler in transaction mode, set DB_PREPARED_STATEMENTS=false.
    DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    if DB_PREPARED_STATEMENTS and "plan_cache_mode" not in (_pg_options.get("options") or ""):
        _generic_plans = "-c plan_cache_mode=force_generic_plan"
        _pg_options["options"] = " ".join(filter(None, [_pg_options.get("options"), _generic_plans]))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, broker ------------------------------------------------------------------------------
REDIS_URL: str | None = env.str("REDIS_URL", default=None) or None
# A Redis that does not answer fails fast and is then left alone for REDIS_RETRY_SECONDS: the cache answers
# from process memory meanwhile (apps.common.cache), the OTP store answers 503.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=0.5)
REDIS_RETRY_SECONDS = env.float("REDIS_RETRY_SECONDS", default=5.0)
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "apps.common.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="obs"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": 1,
                "RETRY_SECONDS": REDIS_RETRY_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "obs"}}

# --- i18n, time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-in"
# The languages people are written to in and API error messages are answered in (docs/i18n.md). A request's
# language comes from its Accept-Language header (LocaleMiddleware); a message's from its recipient.
LANGUAGES = [("en", "English"), ("hi", "हिन्दी")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Kolkata"
USE_I18N = True
USE_TZ = True

# --- files --------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(VAR_DIR / "media"))
# Uploaded files: local disk without a bucket, S3-compatible storage with one (see config/settings/media.py).
AWS_STORAGE_BUCKET_NAME: str | None = env.str("AWS_STORAGE_BUCKET_NAME", default=None) or None
AWS_PRIVATE_STORAGE_BUCKET_NAME: str | None = env.str("AWS_PRIVATE_STORAGE_BUCKET_NAME", default=None) or None
AWS_S3_CUSTOM_DOMAIN: str | None = env.str("AWS_S3_CUSTOM_DOMAIN", default=None) or None
AWS_S3_ENDPOINT_URL: str | None = env.str("AWS_S3_ENDPOINT_URL", default=None) or None
AWS_S3_REGION_NAME: str | None = env.str("AWS_S3_REGION_NAME", default=None) or None
STORAGES = {
    **media_storages(
        bucket=AWS_STORAGE_BUCKET_NAME,
        private_bucket=AWS_PRIVATE_STORAGE_BUCKET_NAME,
        custom_domain=AWS_S3_CUSTOM_DOMAIN,
        private_root=VAR_DIR / "private",
    ),
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# A multipart request may carry the largest accepted upload (8 MB image) plus form overhead; any other
# body is held to DATA_UPLOAD_MAX_MEMORY_SIZE (apps.common.middleware.RequestSizeLimitMiddleware: 413).
MAX_UPLOAD_REQUEST_SIZE = env.int("MAX_UPLOAD_REQUEST_SIZE", default=10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 1000

# --- e-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="OBS Experiences <no-reply@obsexperiences.in>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- security defaults (tightened in prod.py) ---------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
