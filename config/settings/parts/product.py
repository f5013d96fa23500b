"""Product settings: contacts, notifications, accounts and identity, messaging, catalog, bookings, community."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from config.settings.parts.core import REDIS_URL
from config.settings.parts.environment import env

# --- product settings ---------------------------------------------------------------------------
OBS_OPS_PHONE = env.str("OBS_OPS_PHONE", default="+911140000000")
OBS_OPS_EMAILS: list[str] = env.list("OBS_OPS_EMAILS", default=["ops@obsexperiences.in"])
OBS_SUPPORT_EMAIL = env.str("OBS_SUPPORT_EMAIL", default="support@obsexperiences.in")
OBS_FRONTEND_URL = env.str("OBS_FRONTEND_URL", default="http://localhost:3000")
# The numbers a trekker's trip pack lists for an emergency with no signal for the app: [{"label", "phone"}].
OBS_EMERGENCY_NUMBERS: list[dict[str, str]] = env.json(
    "OBS_EMERGENCY_NUMBERS",
    default=[
        {"label": "OBS operations, 24 hours", "phone": OBS_OPS_PHONE},
        {"label": "India emergency (police, fire, ambulance)", "phone": "112"},
        {"label": "Ambulance", "phone": "108"},
    ],
)

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
# Overdue check-ins: an armed check-in not checked in by its time plus EMERGENCY_CHECKIN_GRACE_SECONDS opens an
# `overdue` incident; its time may be at most EMERGENCY_CHECKIN_MAX_AHEAD_HOURS ahead. A departure on the mountain
# with no camp check-in for the day by EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR (local time) alerts ops.
EMERGENCY_CHECKIN_GRACE_SECONDS = env.int("EMERGENCY_CHECKIN_GRACE_SECONDS", default=1800)
EMERGENCY_CHECKIN_MAX_AHEAD_HOURS = env.int("EMERGENCY_CHECKIN_MAX_AHEAD_HOURS", default=36)
EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR = env.int("EMERGENCY_CAMP_CHECK_IN_LATEST_HOUR", default=19)
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
# Google's signing keys as a JSON Web Key Set (the `jwks_uri` of its OpenID configuration).
GOOGLE_CERTS_URL = env.str("GOOGLE_CERTS_URL", default="https://www.googleapis.com/oauth2/v3/certs")
GOOGLE_CLOCK_SKEW_SECONDS = 10
# Sign in with Apple: identity tokens must be issued to one of these (the iOS bundle id, the web services id;
# none configured: 503). Apple's keys are a JSON Web Key Set.
APPLE_CLIENT_IDS: list[str] = [
    client_id.strip() for client_id in env.list("APPLE_CLIENT_IDS", default=[]) if client_id.strip()
]
APPLE_ISSUERS: list[str] = ["https://appleid.apple.com"]
APPLE_KEYS_URL = env.str("APPLE_KEYS_URL", default="https://appleid.apple.com/auth/keys")
APPLE_CLOCK_SKEW_SECONDS = 10
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
# Charged (INR, GST included) on every move of a booking to another departure.
BOOKINGS_TRANSFER_FEE = Decimal(env.str("BOOKINGS_TRANSFER_FEE", default="500.00"))
# Trek credit (apps/bookings/services/credit.py). A trekker cancelling may take credit instead of the refund at
# the policy's percentage plus TREK_CREDIT_CANCELLATION_EXTRA_PERCENT (at most TREK_CREDIT_CANCELLATION_MAX_PERCENT)
# of what they paid; a cancelled departure offers TREK_CREDIT_BATCH_CANCEL_PERCENT as credit or a full refund, the
# trekker's choice within TREK_CREDIT_OFFER_DAYS (then TREK_CREDIT_OFFER_DEFAULT applies: "refund" or "credit").
# Credit expires TREK_CREDIT_VALID_DAYS after it is issued, with a reminder TREK_CREDIT_REMINDER_DAYS before.
TREK_CREDIT_CANCELLATION_EXTRA_PERCENT = env.int("TREK_CREDIT_CANCELLATION_EXTRA_PERCENT", default=20)
TREK_CREDIT_CANCELLATION_MAX_PERCENT = env.int("TREK_CREDIT_CANCELLATION_MAX_PERCENT", default=100)
TREK_CREDIT_BATCH_CANCEL_PERCENT = env.int("TREK_CREDIT_BATCH_CANCEL_PERCENT", default=110)
TREK_CREDIT_OFFER_DAYS = env.int("TREK_CREDIT_OFFER_DAYS", default=14)
TREK_CREDIT_OFFER_DEFAULT = env.str("TREK_CREDIT_OFFER_DEFAULT", default="refund")
if TREK_CREDIT_OFFER_DEFAULT not in ("refund", "credit"):
    raise ImproperlyConfigured("TREK_CREDIT_OFFER_DEFAULT must be refund or credit.")
TREK_CREDIT_VALID_DAYS = env.int("TREK_CREDIT_VALID_DAYS", default=365)
TREK_CREDIT_REMINDER_DAYS = env.int("TREK_CREDIT_REMINDER_DAYS", default=30)
# Deposits: a booking confirmed on its deposit is reminded of its balance these many days before the due date;
# unpaid after the due date it is flagged overdue, and after this many more days its seats are released.
BOOKINGS_BALANCE_REMINDER_DAYS: tuple[int, ...] = (7, 2)
BOOKINGS_BALANCE_GRACE_DAYS = env.int("BOOKINGS_BALANCE_GRACE_DAYS", default=3)
# A payment link for a balance stays payable this long (Razorpay needs at least 15 minutes).
BOOKINGS_PAYMENT_LINK_DAYS = env.int("BOOKINGS_PAYMENT_LINK_DAYS", default=7)
BOOKINGS_WAITLIST_OFFER_HOURS = env.int("BOOKINGS_WAITLIST_OFFER_HOURS", default=24)
BOOKINGS_WAITLIST_CLOSES_DAYS = env.int("BOOKINGS_WAITLIST_CLOSES_DAYS", default=7)
BOOKINGS_WAIVER_VERSION = env.str("BOOKINGS_WAIVER_VERSION", default="2026-01")
BOOKINGS_DOCUMENT_MAX_BYTES = 10 * 1024 * 1024
BOOKINGS_DOCUMENT_URL_SECONDS = env.int("BOOKINGS_DOCUMENT_URL_SECONDS", default=300)
BOOKINGS_REPORT_MAX_DAYS = 366
# Offline trip pack: the route is simplified to at most this many points. The pass in its QR code is signed with
# Ed25519: TRIP_PASS_SIGNING_KEY is the 32-byte private seed, base64url; empty derives it from SECRET_KEY.
TRIP_PACK_ROUTE_POINTS = env.int("TRIP_PACK_ROUTE_POINTS", default=400)
TRIP_PASS_SIGNING_KEY: str = env.str("TRIP_PASS_SIGNING_KEY", default="")
# Payment gateway: "local" signs with PAYMENTS_LOCAL_SECRET (development, tests); "razorpay" is live.
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="local")
PAYMENTS_CURRENCY = "INR"
PAYMENTS_LOCAL_SECRET = env.str("PAYMENTS_LOCAL_SECRET", default="local-payments-secret-change-me")
PAYMENTS_LOCAL_WEBHOOK_SECRET = env.str("PAYMENTS_LOCAL_WEBHOOK_SECRET", default="local-webhook-secret-change-me")
# The local gateway's payment links point at this API's own payment page (development only).
PAYMENTS_LOCAL_LINK_BASE_URL = env.str("PAYMENTS_LOCAL_LINK_BASE_URL", default="http://localhost:8000")
RAZORPAY_KEY_ID = env.str("RAZORPAY_KEY_ID", default="")
RAZORPAY_KEY_SECRET = env.str("RAZORPAY_KEY_SECRET", default="")
RAZORPAY_WEBHOOK_SECRET = env.str("RAZORPAY_WEBHOOK_SECRET", default="")

# --- community ----------------------------------------------------------------------------------
COMMUNITY_PHOTO_MAX_BYTES = env.int("COMMUNITY_PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
COMMUNITY_PHOTO_MAX_EDGE = env.int("COMMUNITY_PHOTO_MAX_EDGE", default=2048)
COMMUNITY_LEADERBOARD_SIZE = env.int("COMMUNITY_LEADERBOARD_SIZE", default=50)
COMMUNITY_LEADERBOARD_CACHE_SECONDS = env.int("COMMUNITY_LEADERBOARD_CACHE_SECONDS", default=60)

# --- GST tax invoices ---------------------------------------------------------------------------
# The seller on every tax invoice and credit note. OBS_COMPANY_STATE (a GST state code) decides the tax split:
# a place of supply in the same state is CGST + SGST, any other IGST. Numbers run per series and financial year
# (April-March): OBS/2026-27/000123 for invoices, OBS-CN/2026-27/000007 for credit notes.
OBS_COMPANY_LEGAL_NAME = env.str("OBS_COMPANY_LEGAL_NAME", default="OBS Experiences Private Limited")
OBS_COMPANY_GSTIN = env.str("OBS_COMPANY_GSTIN", default="05AAACO4321K1ZP")
OBS_COMPANY_STATE = env.str("OBS_COMPANY_STATE", default="05")
OBS_COMPANY_ADDRESS = env.str("OBS_COMPANY_ADDRESS", default="12 Rajpur Road, Dehradun, Uttarakhand 248001")
INVOICE_SERIES = env.str("INVOICE_SERIES", default="OBS")
CREDIT_NOTE_SERIES = env.str("CREDIT_NOTE_SERIES", default="OBS-CN")
INVOICE_SAC = "998555"  # tour operator services
INVOICE_SAC_DESCRIPTION = "Tour operator services"
