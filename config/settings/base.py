"""Settings shared by every environment.

Everything configurable is read from the environment (see the table in README.md). With no
configuration at all the service runs on an embedded default: SQLite in ``var/``, a local-memory
cache, Celery tasks executed in-process and console e-mail/SMS.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from apps.common.logging import logging_config
from apps.common.observability import init_sentry
from config.settings.media import media_storages

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# Production reads the process environment only (compose's env_file, a systemd EnvironmentFile): a stray
# .env in the checkout must not configure it.
if os.environ.get("DJANGO_SETTINGS_MODULE") != "config.settings.prod":
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-0b5-experiences-change-me-in-production-please")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "apps.common.exceptions.csrf_failure"

INSTALLED_APPS = [
    "apps.users.admin_config.AdminConfig",  # Django's admin, signing in under the API's policy
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "apps.common.devserver",  # `make run`: runserver with a larger listen backlog (before WhiteNoise's)
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
    # project
    "apps.common",
    "apps.users",
    "apps.treks",
    "apps.notifications",
    "apps.messaging",
    "apps.emergency",
    "apps.bookings",
    "apps.community",
]

MIDDLEWARE = [
    "apps.common.middleware.RequestIDMiddleware",
    "apps.common.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
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

# --- auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
# The lockout backend comes first: a locked (address, IP) pair is refused before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "apps.users.backends.EmailBackend"]
# Sign-in lockout (django-axes), one policy for auth/login/ and /admin/login/ (see apps/users/lockout.py):
# LOGIN_FAILURE_LIMIT failed passwords for one address from one client IP lock that pair for
# LOGIN_LOCKOUT_MINUTES (each further try restarts the wait; a success clears the count). Attempts are rows in
# the database, so this works the same under `make run` (SQLite, no Redis), the tests and production.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_USERNAME_CALLABLE = "apps.users.lockout.attempted_address"
AXES_CLIENT_IP_CALLABLE = "apps.common.throttles.client_ip"
AXES_LOCKOUT_CALLABLE = "apps.users.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # no row per successful sign-in (the audit log and last_login say enough)
# Django's list, its default PBKDF2 hasher limited to one hash per CPU at a time (apps/users/passwords.py).
PASSWORD_HASHERS = ["apps.users.passwords.PBKDF2PasswordHasher", *global_settings.PASSWORD_HASHERS[1:]]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Access tokens carry a hash of the password: a password change or reset voids them at once.
    "CHECK_REVOKE_TOKEN": True,
}

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ("rest_framework_simplejwt.authentication.JWTAuthentication",),
    "DEFAULT_PERMISSION_CLASSES": ("rest_framework.permissions.IsAuthenticated",),
    "DEFAULT_RENDERER_CLASSES": ("rest_framework.renderers.JSONRenderer",),
    "DEFAULT_PARSER_CLASSES": (
        "apps.common.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ),
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ("django_filters.rest_framework.DjangoFilterBackend",),
    "DEFAULT_SCHEMA_CLASS": "apps.common.schema.AutoSchema",
    "EXCEPTION_HANDLER": "apps.common.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": (
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="300/min"),
        "user": env.str("THROTTLE_USER", default="600/min"),
        "login": env.str("THROTTLE_LOGIN", default="10/min"),
        "register": env.str("THROTTLE_REGISTER", default="5/min"),
        "token_refresh": env.str("THROTTLE_TOKEN_REFRESH", default="30/min"),
        "password_reset": env.str("THROTTLE_PASSWORD_RESET", default="5/hour"),
        "otp_send": env.str("THROTTLE_OTP_SEND", default="10/hour"),
        "otp_verify": env.str("THROTTLE_OTP_VERIFY", default="30/hour"),
        "google_login": env.str("THROTTLE_GOOGLE_LOGIN", default="20/min"),
        "email_verify": env.str("THROTTLE_EMAIL_VERIFY", default="20/hour"),
        "message_send": env.str("THROTTLE_MESSAGE_SEND", default="30/min"),
        "community_post": env.str("THROTTLE_COMMUNITY_POST", default="10/hour"),
        "community_comment": env.str("THROTTLE_COMMUNITY_COMMENT", default="60/hour"),
    },
    # Client IP for throttles and per-IP caps: X-Forwarded-For is trusted only for this many proxies in
    # front of the app (0: REMOTE_ADDR, so a client cannot pick its own address by sending the header).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# JSON request bodies may nest at most this many arrays/objects (deeper: 400 `json_too_deep`).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

SPECTACULAR_SETTINGS = {
    "TITLE": "OBS Experiences API",
    "DESCRIPTION": (
        "Trek catalog, accounts, bookings and payments, community, messaging, emergency and notifications "
        "for OBS Experiences, the Trekking Tribe. Every error uses one envelope: "
        '`{"error": {"status_code", "code", "message", "details", "request_id"}}`.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "StaffRoleEnum": "apps.users.roles.StaffRole",
        "TribeTierEnum": "apps.users.models.TribeTier",
        "TrekStatusEnum": "apps.treks.models.TrekStatus",
        "TrekDifficultyEnum": "apps.treks.models.TrekDifficulty",
        "BatchStatusEnum": "apps.treks.models.BatchStatus",
        "ConversationKindEnum": "apps.messaging.models.Conversation.Kind",
        "IncidentStatusEnum": "apps.emergency.models.IncidentStatus",
        "IncidentKindEnum": "apps.emergency.models.IncidentKind",
        "IncidentSeverityEnum": "apps.emergency.models.IncidentSeverity",
        "IncidentSourceEnum": "apps.emergency.models.IncidentSource",
        "IncidentUpdateKindEnum": "apps.emergency.models.IncidentUpdate.Kind",
        "NewConversationKindEnum": [("direct", "Direct"), ("group", "Group")],
        "BookingStatusEnum": "apps.bookings.models.BookingStatus",
        "PaymentStatusEnum": "apps.bookings.models.PaymentStatus",
        "RefundStatusEnum": "apps.bookings.models.Refund.Status",
        "BookingDocumentStatusEnum": "apps.bookings.models.BookingDocument.Status",
        "BookingDocumentKindEnum": "apps.bookings.models.BookingDocument.Kind",
        "ChecklistItemKindEnum": "apps.bookings.serializers.CHECKLIST_KINDS",
        "WaitlistStatusEnum": "apps.bookings.models.WaitlistEntry.Status",
        "PostVisibilityEnum": "apps.community.models.Visibility",
        "JournalPrivacyEnum": "apps.community.models.JournalPrivacy",
        "ChallengeKindEnum": "apps.community.models.ChallengeKind",
        "ReportReasonEnum": "apps.community.models.ReportReason",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.schema.postprocess_platform_errors",
    ],
}

CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None  # no broker configured: run tasks in-process
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=100)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # A task taken by a worker that dies is handed out again after this many seconds.
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=300),
    "socket_connect_timeout": 2,
    # A broker that accepts connections but does not answer (hung, failed over) must not hold a request or a
    # worker forever; above the worker's 1 s BRPOP wait.
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=5.0),
    # Publishing gives up at the first refused connection instead of retrying for seconds: tasks are sent
    # after commit from inside requests (an SOS among them), and the sweepers send whatever was not sent.
    "max_retries": env.int("CELERY_PUBLISH_CONNECT_RETRIES", default=0),
    # Workers look for tasks left unacknowledged by a lost worker this often (one small Redis read each time).
    "unacked_restore_interval": env.int("CELERY_LOST_TASK_SCAN_SECONDS", default=30),
    "unacked_restore_throttle": 1,
    # Prefix of every broker key (queues, unacknowledged index and its lock): lets two deployments share one
    # Redis database. Every process of one deployment must use the same value.
    "global_keyprefix": env.str("CELERY_BROKER_KEY_PREFIX", default=""),
}
# After a failed enqueue, skip enqueueing in this process for this long (the sweepers catch up).
CELERY_ENQUEUE_BACKOFF_SECONDS = env.float("CELERY_ENQUEUE_BACKOFF_SECONDS", default=5.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# beat writes its schedule file after every task it sends (the heartbeat: every minute), so the file's age
# tells a health check that beat is alive (deploy/healthcheck.py beat).
CELERY_BEAT_SYNC_EVERY = 1
CELERY_TIMEZONE = "Asia/Kolkata"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# The one schedule of periodic jobs (times are Asia/Kolkata). Each app's jobs are listed here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "worker-heartbeat": {"task": "common.heartbeat", "schedule": 60.0},
    "treks-sync-batch-statuses": {"task": "treks.sync_batch_statuses", "schedule": crontab(minute=5)},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "emergency-escalate": {"task": "emergency.escalate", "schedule": 60.0},
    "bookings-expire-holds": {"task": "bookings.expire_holds", "schedule": 60.0},
    "bookings-reconcile-payments": {"task": "bookings.reconcile_payments", "schedule": 300.0},
    "bookings-sweep-pending": {"task": "bookings.sweep_pending", "schedule": 300.0},
    "bookings-complete-finished": {"task": "bookings.complete_finished", "schedule": crontab(minute=20)},
    "bookings-pretrek-reminders": {"task": "bookings.pretrek_reminders", "schedule": crontab(hour=9, minute=0)},
    "bookings-hold-expiry-reminders": {"task": "bookings.hold_expiry_reminders", "schedule": 60.0},
}

# --- i18n, time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-in"
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

# --- logging and observability ------------------------------------------------------------------
# One logging configuration for every process (web, gunicorn, Celery worker and beat): a console handler
# with the request id and redaction (apps/common/logging.py). Workers and beat apply it too (config/celery.py).
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "text" or "json"
LOGGING: dict[str, Any] = logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
# SQL statements slower than this many milliseconds are logged with their route or task (0: off).
SLOW_QUERY_MS = env.float("SLOW_QUERY_MS", default=200.0)
MIDDLEWARE.insert(
    MIDDLEWARE.index("apps.common.middleware.RequestIDMiddleware") + 1, "apps.common.middleware.SlowQueryMiddleware"
)
# Prometheus: request latency by view and responses by status (django-prometheus) around the whole stack;
# /metrics answers only this bearer token or clients in these networks (CIDR list), everyone else 404.
MIDDLEWARE.insert(0, "django_prometheus.middleware.PrometheusBeforeMiddleware")
MIDDLEWARE.append("django_prometheus.middleware.PrometheusAfterMiddleware")
METRICS_TOKEN: str = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_NETWORKS: list[str] = env.list("METRICS_ALLOWED_NETWORKS", default=[])
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError as _exc:
        raise ImproperlyConfigured(f"METRICS_ALLOWED_NETWORKS: {_exc}") from _exc
# Sentry: on only when SENTRY_DSN is set; events are scrubbed of personal data before they leave.
SENTRY_DSN: str = env.str("SENTRY_DSN", default="")
SENTRY_ENVIRONMENT: str = env.str("SENTRY_ENVIRONMENT", default="production")
SENTRY_RELEASE: str = env.str("SENTRY_RELEASE", default="")
SENTRY_TRACES_SAMPLE_RATE: float = env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0)
if SENTRY_DSN:
    init_sentry(
        dsn=SENTRY_DSN,
        environment=SENTRY_ENVIRONMENT,
        release=SENTRY_RELEASE,
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
# Backups (manage.py backup / restore): where timestamped backup directories are written; where pg_dump and
# pg_restore of the server's major version are (else PATH, then /usr/lib/postgresql/*/bin).
BACKUP_DIR = env.path("BACKUP_DIR", default=str(VAR_DIR / "backups"))
PG_BIN_DIR: str = env.str("PG_BIN_DIR", default="")

# --- product settings ---------------------------------------------------------------------------
OBS_OPS_PHONE = env.str("OBS_OPS_PHONE", default="+911140000000")
OBS_OPS_EMAILS: list[str] = env.list("OBS_OPS_EMAILS", default=["ops@obsexperiences.in"])
OBS_SUPPORT_EMAIL = env.str("OBS_SUPPORT_EMAIL", default="support@obsexperiences.in")
OBS_FRONTEND_URL = env.str("OBS_FRONTEND_URL", default="http://localhost:3000")

# --- notifications ------------------------------------------------------------------------------
NOTIFICATIONS_SMS_BACKEND = env.str(
    "NOTIFICATIONS_SMS_BACKEND", default="apps.notifications.backends.sms.ConsoleSMSBackend"
)
NOTIFICATIONS_PUSH_BACKEND = env.str(
    "NOTIFICATIONS_PUSH_BACKEND", default="apps.notifications.backends.push.ConsolePushBackend"
)
# Emergencies: an open incident nobody has acknowledged re-alerts ops and super admins after
# EMERGENCY_ESCALATE_AFTER_SECONDS, then every EMERGENCY_ESCALATE_EVERY_SECONDS until acknowledged. An SOS whose
# device time is more than EMERGENCY_DELAYED_AFTER_SECONDS before it reached us is flagged as delayed.
EMERGENCY_ESCALATE_AFTER_SECONDS = env.int("EMERGENCY_ESCALATE_AFTER_SECONDS", default=300)
EMERGENCY_ESCALATE_EVERY_SECONDS = env.int("EMERGENCY_ESCALATE_EVERY_SECONDS", default=300)
EMERGENCY_DELAYED_AFTER_SECONDS = env.int("EMERGENCY_DELAYED_AFTER_SECONDS", default=300)
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=1800.0)
# A queued delivery this long past due is re-enqueued by the sweeper (its enqueue was lost).
NOTIFICATIONS_QUEUED_GRACE_SECONDS = env.int("NOTIFICATIONS_QUEUED_GRACE_SECONDS", default=120)
# A delivery claimed this long ago without an outcome is settled by the sweeper (its worker died).
NOTIFICATIONS_SENDING_TIMEOUT_SECONDS = env.int("NOTIFICATIONS_SENDING_TIMEOUT_SECONDS", default=600)
# Test mode (staging): every e-mail / SMS goes to this address / number instead of the real recipient.
NOTIFICATIONS_REDIRECT_EMAIL: str = env.str("NOTIFICATIONS_REDIRECT_EMAIL", default="")
NOTIFICATIONS_REDIRECT_PHONE: str = env.str("NOTIFICATIONS_REDIRECT_PHONE", default="")
MSG91_AUTH_KEY: str = env.str("MSG91_AUTH_KEY", default="")
MSG91_SENDER_ID: str = env.str("MSG91_SENDER_ID", default="")
MSG91_BASE_URL: str = env.str("MSG91_BASE_URL", default="https://control.msg91.com")
MSG91_DEFAULT_TEMPLATE_ID: str = env.str("MSG91_DEFAULT_TEMPLATE_ID", default="")
MSG91_TEMPLATE_IDS: dict[str, str] = env.json("MSG91_TEMPLATE_IDS", default={})
FCM_PROJECT_ID: str = env.str("FCM_PROJECT_ID", default="")
FCM_CREDENTIALS_FILE: str = env.str("FCM_CREDENTIALS_FILE", default="")
FCM_CREDENTIALS_JSON: str = env.str("FCM_CREDENTIALS_JSON", default="")
FCM_BASE_URL: str = env.str("FCM_BASE_URL", default="https://fcm.googleapis.com")

# --- accounts and identity ----------------------------------------------------------------------
# Google sign-in: ID tokens must be issued to one of these OAuth client ids (none configured: 503).
GOOGLE_CLIENT_IDS: list[str] = [
    client_id
    for client_id in (
        env.str("GOOGLE_CLIENT_ID_WEB", default=""),
        env.str("GOOGLE_CLIENT_ID_IOS", default=""),
        env.str("GOOGLE_CLIENT_ID_ANDROID", default=""),
    )
    if client_id.strip()
]
GOOGLE_ISSUERS: list[str] = ["accounts.google.com", "https://accounts.google.com"]
GOOGLE_CERTS_URL = env.str("GOOGLE_CERTS_URL", default="https://www.googleapis.com/oauth2/v1/certs")
GOOGLE_CLOCK_SKEW_SECONDS = 10
# Signed links sent by e-mail.
EMAIL_VERIFICATION_MAX_AGE = env.int("EMAIL_VERIFICATION_MAX_AGE", default=3 * 24 * 3600)
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3600)
# Phone OTP. Codes, counters and cooldowns live in Redis (OTP_REDIS_URL, default REDIS_URL); with no
# Redis at all (`make run` on a bare machine) an in-process store is used, single-process only.
OTP_REDIS_URL: str | None = env.str("OTP_REDIS_URL", default=None) or REDIS_URL
PHONE_DEFAULT_REGION = env.str("PHONE_DEFAULT_REGION", default="IN")
OTP_CODE_TTL_SECONDS = 300
OTP_MAX_ATTEMPTS = 5
OTP_RESEND_COOLDOWN_SECONDS = 30
OTP_SENDS_PER_NUMBER_PER_HOUR = 5
OTP_SENDS_PER_IP_PER_HOUR = env.int("OTP_SENDS_PER_IP_PER_HOUR", default=20)
# Profile photos.
PROFILE_PHOTO_MAX_BYTES = 5 * 1024 * 1024
PROFILE_PHOTO_MAX_DIMENSION = 1024
# Loyalty tiers (seed 000): reached at ``min_points``; ``discount_percent`` applies to trek prices.
LOYALTY_TIERS: list[dict[str, Any]] = [
    {
        "tier": "basecamp",
        "name": "Basecamp",
        "min_points": 0,
        "discount_percent": "0",
        "perks": "Tribe community access, trek journals and challenges.",
    },
    {
        "tier": "trail_blazer",
        "name": "Trail Blazer",
        "min_points": 1000,
        "discount_percent": "5",
        "perks": "Access to exclusive Tribe events, gear rental partner discounts.",
    },
    {
        "tier": "summit_seeker",
        "name": "Summit Seeker",
        "min_points": 3000,
        "discount_percent": "7",
        "perks": "Early access to new batches, free gear rental on one trek a year.",
    },
    {
        "tier": "peak_bagger",
        "name": "Peak Bagger",
        "min_points": 7000,
        "discount_percent": "10",
        "perks": "Priority seat holds, a free trek-prep consultation, Tribe merchandise.",
    },
    {
        "tier": "obs_legend",
        "name": "OBS Legend",
        "min_points": 15000,
        "discount_percent": "15",
        "perks": "A free weekend trek every year, guide meet-ups, first call on expeditions.",
    },
]
# --- messaging ----------------------------------------------------------------------------------
MESSAGING_EDIT_WINDOW_MINUTES = env.int("MESSAGING_EDIT_WINDOW_MINUTES", default=15)
MESSAGING_GROUP_MAX_PARTICIPANTS = env.int("MESSAGING_GROUP_MAX_PARTICIPANTS", default=50)
MESSAGING_RECENT_MESSAGES = env.int("MESSAGING_RECENT_MESSAGES", default=20)  # nested in conversations/{id}/

# --- catalog -----------------------------------------------------------------------------------
# Public catalog responses are cached under a catalog version that every catalog write bumps.
CATALOG_CACHE_ENABLED = env.bool("CATALOG_CACHE_ENABLED", default=True)
CATALOG_CACHE_SECONDS = env.int("CATALOG_CACHE_SECONDS", default=600)
# Each process re-reads the version (one primary-key query) when its copy is this old, so a change is
# served everywhere within this bound. More than 1 s is refused.
CATALOG_VERSION_RECHECK_SECONDS = env.float("CATALOG_VERSION_RECHECK_SECONDS", default=0.5)
if not 0 <= CATALOG_VERSION_RECHECK_SECONDS <= 1:
    raise ImproperlyConfigured("CATALOG_VERSION_RECHECK_SECONDS must be between 0 and 1.")

# --- bookings and payments ---------------------------------------------------------------------
BOOKINGS_HOLD_MINUTES = env.int("BOOKINGS_HOLD_MINUTES", default=30)
BOOKINGS_REFUND_RESEND_AFTER_MINUTES = env.int("BOOKINGS_REFUND_RESEND_AFTER_MINUTES", default=10)
BOOKINGS_MAX_PARTICIPANTS = 6
BOOKINGS_GST_RATE = Decimal(env.str("BOOKINGS_GST_RATE", default="0.05"))  # 5 % GST on tour-operator packages
BOOKINGS_POINTS_PER_TREK = env.int("BOOKINGS_POINTS_PER_TREK", default=100)
# Refund of the amount paid by whole days before the start (local dates); the first row whose
# ``min_days`` is reached applies, so keep them highest first.
BOOKINGS_CANCELLATION_POLICY: list[dict[str, int]] = [
    {"min_days": 30, "refund_percent": 90},
    {"min_days": 21, "refund_percent": 50},
    {"min_days": 0, "refund_percent": 0},
]
BOOKINGS_WAITLIST_OFFER_HOURS = env.int("BOOKINGS_WAITLIST_OFFER_HOURS", default=24)
BOOKINGS_WAITLIST_CLOSES_DAYS = env.int("BOOKINGS_WAITLIST_CLOSES_DAYS", default=7)
BOOKINGS_WAIVER_VERSION = env.str("BOOKINGS_WAIVER_VERSION", default="2026-01")
BOOKINGS_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
BOOKINGS_DOCUMENT_URL_SECONDS = env.int("BOOKINGS_DOCUMENT_URL_SECONDS", default=300)
BOOKINGS_REPORT_MAX_DAYS = 366
# Payment gateway: "local" signs with PAYMENTS_LOCAL_SECRET (development, tests); "razorpay" is live.
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="local")
PAYMENTS_CURRENCY = "INR"
PAYMENTS_LOCAL_SECRET = env.str("PAYMENTS_LOCAL_SECRET", default="local-payments-secret-change-me")
PAYMENTS_LOCAL_WEBHOOK_SECRET = env.str("PAYMENTS_LOCAL_WEBHOOK_SECRET", default="local-webhook-secret-change-me")
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", default="")

# --- community ----------------------------------------------------------------------------------
COMMUNITY_PHOTO_MAX_BYTES = env.int("COMMUNITY_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
COMMUNITY_PHOTO_MAX_EDGE = env.int("COMMUNITY_PHOTO_MAX_EDGE", default=2048)
COMMUNITY_LEADERBOARD_SIZE = env.int("COMMUNITY_LEADERBOARD_SIZE", default=50)
COMMUNITY_LEADERBOARD_CACHE_SECONDS = env.int("COMMUNITY_LEADERBOARD_CACHE_SECONDS", default=60)
