"""Settings shared by every environment.

Everything configurable is read from the environment (see the table in README.md). With no
configuration at all the service runs on an embedded default: SQLite in ``var/``, a local-memory
cache, Celery tasks executed in-process and console e-mail/SMS.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from django.conf import global_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="dev-insecure-0b5-experiences-change-me-in-production-please")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
CSRF_FAILURE_VIEW = "apps.common.exceptions.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
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
if REDIS_URL:
    CACHES: dict[str, dict[str, Any]] = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="obs"),
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "obs"}}

# --- auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["apps.users.backends.EmailBackend"]
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
        "rest_framework.parsers.JSONParser",
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
    # Publishing gives up at the first refused connection instead of retrying for seconds: tasks are sent
    # after commit from inside requests (an SOS among them), and the sweepers send whatever was not sent.
    "max_retries": env.int("CELERY_PUBLISH_CONNECT_RETRIES", default=0),
}
# After a failed enqueue, skip enqueueing in this process for this long (the sweepers catch up).
CELERY_ENQUEUE_BACKOFF_SECONDS = env.float("CELERY_ENQUEUE_BACKOFF_SECONDS", default=5.0)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "Asia/Kolkata"
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="celery")
# The one schedule of periodic jobs (times are Asia/Kolkata). Each app's jobs are listed here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "worker-heartbeat": {"task": "common.heartbeat", "schedule": 60.0},
    "treks-sync-batch-statuses": {"task": "treks.sync_batch_statuses", "schedule": crontab(minute=5)},
    "notifications-sweep": {"task": "notifications.sweep", "schedule": 60.0},
    "notifications-pretrek-reminders": {
        "task": "notifications.pretrek_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    "notifications-hold-expiry-reminders": {"task": "notifications.hold_expiry_reminders", "schedule": 60.0},
    "emergency-escalate": {"task": "emergency.escalate", "schedule": 60.0},
    "bookings-expire-holds": {"task": "bookings.expire_holds", "schedule": 60.0},
    "bookings-reconcile-payments": {"task": "bookings.reconcile_payments", "schedule": 300.0},
    "bookings-sweep-pending": {"task": "bookings.sweep_pending", "schedule": 300.0},
    "bookings-complete-finished": {"task": "bookings.complete_finished", "schedule": crontab(minute=20)},
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
AWS_STORAGE_BUCKET_NAME: str | None = env.str("AWS_STORAGE_BUCKET_NAME", default=None) or None
if AWS_STORAGE_BUCKET_NAME:
    AWS_S3_ENDPOINT_URL = env.str("AWS_S3_ENDPOINT_URL", default=None)
    AWS_S3_REGION_NAME = env.str("AWS_S3_REGION_NAME", default=None)
    AWS_QUERYSTRING_AUTH = True
    AWS_DEFAULT_ACL = None
    _default_storage: dict[str, Any] = {"BACKEND": "storages.backends.s3.S3Storage"}
else:
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
STORAGES = {
    "default": _default_storage,
    # Trekker documents (ID, fitness proofs): never under MEDIA_URL; read through signed, short-lived links.
    "private": (
        {**_default_storage, "OPTIONS": {"default_acl": "private", "location": "private"}}
        if AWS_STORAGE_BUCKET_NAME
        else {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(VAR_DIR / "private")},
        }
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

# --- logging ------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="text")  # "text" or "json"
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "apps.common.logging.RequestIDFilter"},
        "redact": {"()": "apps.common.logging.RedactingFilter"},
    },
    "formatters": {
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"level": "ERROR"},
    },
}

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
# Each web process learns version bumps by Redis pub/sub instead of reading the version per request.
CATALOG_VERSION_PUSH = env.bool("CATALOG_VERSION_PUSH", default=REDIS_URL is not None)

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
