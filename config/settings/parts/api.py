"""The API: authentication and sign-in lockout, tokens, the REST framework, the schema, CORS."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import global_settings

from config.settings.parts.core import SECRET_KEY
from config.settings.parts.environment import BASE_DIR, env

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
    "DEFAULT_AUTHENTICATION_CLASSES": ("apps.users.authentication.JWTAuthentication",),  # simplejwt's, leaner read
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
        "apple_login": env.str("THROTTLE_APPLE_LOGIN", default="20/min"),
        "email_verify": env.str("THROTTLE_EMAIL_VERIFY", default="20/hour"),
        "message_send": env.str("THROTTLE_MESSAGE_SEND", default="30/min"),
        "check_in_arm": env.str("THROTTLE_CHECK_IN_ARM", default="20/hour"),
        "community_post": env.str("THROTTLE_COMMUNITY_POST", default="10/hour"),
        "community_comment": env.str("THROTTLE_COMMUNITY_COMMENT", default="60/hour"),
        # departure announcements: per sender, and per departure whoever sends
        "announce_sender": env.str("THROTTLE_ANNOUNCE_SENDER", default="10/hour"),
        "announce_departure": env.str("THROTTLE_ANNOUNCE_DEPARTURE", default="6/hour"),
    },
    # Client IP for throttles and per-IP caps: X-Forwarded-For is trusted only for this many proxies in
    # front of the app (0: REMOTE_ADDR, so a client cannot pick its own address by sending the header).
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# JSON request bodies may nest at most this many arrays/objects (deeper: 400 `json_too_deep`).
JSON_MAX_DEPTH = env.int("JSON_MAX_DEPTH", default=32)

_SYSTEM_FONTS = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif'
_MONOSPACE_FONTS = 'ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace'

# docs/getting-started.md, for app developers, is part of the document's description (its first line, the
# page title, left out: the description has the API's title above it).
_GETTING_STARTED = (
    (BASE_DIR / "docs" / "getting-started.md").read_text(encoding="utf-8").split("\n", 1)[1].replace("\n## ", "\n# ")
)

SPECTACULAR_SETTINGS = {
    "TITLE": "OBS Experiences API",
    "DESCRIPTION": (
        "Trek catalog, accounts, bookings and payments, community, messaging, emergency and notifications "
        "for OBS Experiences, the Trekking Tribe. Every error uses one envelope: "
        '`{"error": {"status_code", "code", "message", "details", "request_id"}}`.\n\n'
        "New here? The getting-started page for app developers (`docs/getting-started.md` in the backend "
        "repository) follows: signing in, lists, errors, idempotency keys, ETags, rate limits and webhooks.\n\n"
    )
    + _GETTING_STARTED,
    "VERSION": "1.0.0",
    "OAS_VERSION": "3.1.0",
    "CONTACT": {"name": "OBS Experiences", "email": env.str("OBS_SUPPORT_EMAIL", default="support@obsexperiences.in")},
    "LICENSE": {"name": "Proprietary: for the apps and partners of OBS Experiences", "identifier": "LicenseRef-OBS"},
    # Relative to where the document is served, so the same document is right on every deployment; a public
    # address, when set, is listed first for generated clients.
    "SERVERS": [
        *([{"url": url, "description": "Production"}] if (url := env.str("API_PUBLIC_URL", default="")) else []),
        {"url": "/", "description": "The server this document is served from"},
    ],
    "TAGS": [
        {"name": "auth", "description": "Sign-up and sign-in (password, Google, phone code), tokens, password reset."},
        {
            "name": "me",
            "description": "The signed-in person: profile, e-mail and phone changes, emergency contacts, "
            "points and badges, account deletion.",
        },
        {
            "name": "catalog",
            "description": "Regions, treks, itineraries, photos, routes, departures (batches) and "
            "guides. Reading is public; writing needs a catalog role.",
        },
        {
            "name": "bookings",
            "description": "Booking a departure: seats, participants, cancellation quotes and "
            "cancellations, documents, the waitlist.",
        },
        {
            "name": "add-ons",
            "description": "A trek's add-ons (offloading, rental gear, transport, insurance) and a booking's add-ons.",
        },
        {"name": "payments", "description": "Razorpay orders, payment verification and the gateway's webhook."},
        {
            "name": "invoices",
            "description": "GST tax invoices (one per payment) and credit notes (one per refund) as JSON and PDF, "
            "and the billing details of a booking.",
        },
        {"name": "operations", "description": "Staff tools for a departure: manifests and revenue."},
        {"name": "staff", "description": "Staff accounts and their roles."},
        {"name": "community", "description": "Posts, comments, likes and reports."},
        {"name": "community moderation", "description": "Hiding and restoring posts and comments, the report queue."},
        {"name": "journals", "description": "Trek journals, private or shared."},
        {"name": "challenges", "description": "Challenges, badges and the leaderboard."},
        {"name": "messaging", "description": "Direct and group conversations, batch chats, messages and read markers."},
        {"name": "notifications", "description": "The inbox, devices for push, per-category channel preferences."},
        {"name": "emergency", "description": "SOS, incidents, location pings and the ops map feed."},
        {"name": "guides", "description": "The guide's day: my departures, the roster, base and camp check-ins."},
        {
            "name": "customers",
            "description": "Staff looking a customer up, opening an account, booking for them (phone, walk-in, agent).",
        },
        {"name": "coupons", "description": "Discount coupons: validity, limits and usage (coupons.manage)."},
        {
            "name": "credit",
            "description": "Trek credit: taken instead of a refund, spent on bookings, expiring; the credit-or-refund "
            "choice of a cancelled departure.",
        },
        {"name": "health", "description": "Liveness and readiness for load balancers and monitors."},
        {
            "name": "index",
            "description": "The areas of the API with links to their main endpoint and the documentation.",
        },
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # The documentation pages load nothing from another origin: the bundles come from the sidecar package,
    # ReDoc's page drops its Google Fonts links (templates/docs/redoc.html) for the system fonts below, and
    # Swagger UI has no online validator badge.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "REDOC_DIST": "SIDECAR",
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": _SYSTEM_FONTS,
                "headings": {"fontFamily": _SYSTEM_FONTS},
                "code": {"fontFamily": _MONOSPACE_FONTS},
            }
        }
    },
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
        "ReportedIncidentKindEnum": "apps.emergency.serializers.REPORTED_KINDS",
        "IncidentSeverityEnum": "apps.emergency.models.IncidentSeverity",
        "IncidentSourceEnum": "apps.emergency.models.IncidentSource",
        "IncidentUpdateKindEnum": "apps.emergency.models.IncidentUpdate.Kind",
        "BookingStatusEnum": "apps.bookings.models.BookingStatus",
        "PaymentStatusEnum": "apps.bookings.models.PaymentStatus",
        "RefundStatusEnum": "apps.bookings.models.Refund.Status",
        "BookingDocumentStatusEnum": "apps.bookings.models.BookingDocument.Status",
        "BookingDocumentKindEnum": "apps.bookings.models.BookingDocument.Kind",
        "ChecklistItemKindEnum": "apps.bookings.serializers.paperwork.CHECKLIST_KINDS",
        "WaitlistStatusEnum": "apps.bookings.models.WaitlistEntry.Status",
        "CouponKindEnum": "apps.bookings.models.Coupon.Kind",
        "AddOnKindEnum": "apps.bookings.models.AddOnKind",
        "TaxDocumentKindEnum": "apps.bookings.models.TaxDocumentKind",
        "PostVisibilityEnum": "apps.community.models.Visibility",
        "JournalPrivacyEnum": "apps.community.models.JournalPrivacy",
        "ChallengeKindEnum": "apps.community.models.ChallengeKind",
        "ReportReasonEnum": "apps.community.models.ReportReason",
        "BookingSourceEnum": "apps.bookings.models.BookingSource",
        "StaffBookingSourceEnum": "apps.bookings.models.bookings.STAFF_SOURCE_CHOICES",
        "OfflineMethodEnum": "apps.bookings.models.OfflineMethod",
        "RefundReasonEnum": "apps.bookings.models.Refund.Reason",
        "PointsReasonEnum": "apps.users.models.PointsTransaction.Reason",
        "BatchCancellationStateEnum": "apps.bookings.models.BatchCancellation.State",
        "DocumentReviewDecisionEnum": ["approve", "reject"],
        "NotificationCategoryEnum": "apps.notifications.models.Category",
        "NotificationChannelEnum": "apps.notifications.models.Channel",
        "PreferenceChannelEnum": "apps.notifications.serializers.PREFERENCE_CHANNELS",
        "DevicePlatformEnum": "apps.notifications.models.Device.Platform",
        "ExperienceLevelEnum": "apps.users.models.User.ExperienceLevel",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.common.schema.postprocess_platform_errors",
        "apps.common.schema_errors.postprocess_error_codes",
        "apps.common.schema.postprocess_response_fields_required",
        "apps.common.schema.postprocess_inline_null_enum",
    ],
}

CORS_ALLOWED_ORIGINS: list[str] = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
