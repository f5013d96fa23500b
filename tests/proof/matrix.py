"""The authorization matrix: one row per (route name, method), the expected status per actor.

``tests/proof/test_authz_matrix.py`` walks Django's resolver and fails for a route or method without a row,
builds the world (``actors.build_world``) and asserts every cell; ``python -m tests.proof.permissions_doc``
renders ``docs/permissions.md`` from this table.

Conventions: a write by an actor who may do it carries a valid body and expects its success status; the
cells of an actor who may not expect 401 (anonymous), 403 (signed in, lacking the capability) or 404
(someone else's object: its existence is not revealed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.users.models import User
from apps.users.roles import Capability, roles_with

from .actors import ACTORS, STAFF_ROLES, World, jpeg_upload

Body = Callable[[World, User | None], Any]


@dataclass(frozen=True)
class Row:
    route: str
    method: str
    expect: Mapping[str, int]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    body: Body | None = None
    format: str = "json"
    rule: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    http: tuple[tuple[str, str, Any], ...] = ()  # (method, url, JSON body) answered by a local mock

    @property
    def key(self) -> tuple[str, str]:
        return (self.route, self.method)


def _cells(default: int, **overrides: int) -> dict[str, int]:
    cells = dict.fromkeys(ACTORS, default)
    unknown = set(overrides) - set(ACTORS)
    if unknown:
        raise ValueError(f"unknown actors {unknown}")
    cells.update(overrides)
    return cells


def everyone(status: int, **overrides: int) -> dict[str, int]:
    return _cells(status, **overrides)


def signed_in(status: int, **overrides: int) -> dict[str, int]:
    return _cells(status, **{"anonymous": 401, **overrides})


def capability(cap: str, status: int, **overrides: int) -> dict[str, int]:
    """Anonymous 401; staff roles holding ``cap`` get ``status``; every other signed-in actor 403."""
    holders = set(roles_with(cap))
    cells = _cells(403, anonymous=401)
    for role in STAFF_ROLES:
        if role in holders:
            cells[role] = status
    cells.update(overrides)
    return cells


def owner_only(status: int, hidden: int = 404, **overrides: int) -> dict[str, int]:
    return _cells(hidden, **{"anonymous": 401, "owner": status, **overrides})


# --- path arguments and bodies -------------------------------------------------------------------


def trek_slug(w: World) -> dict[str, Any]:
    return {"slug": w.trek.slug}


def region_slug(w: World) -> dict[str, Any]:
    return {"slug": w.region.slug}


def batch_id(w: World) -> dict[str, Any]:
    return {"batch_id": w.batch.id}


def guide_id(w: World) -> dict[str, Any]:
    return {"guide_id": w.guide_profile.id}


def conversation_pk(w: World) -> dict[str, Any]:
    return {"pk": w.conversation.id}


def message_kwargs(w: World) -> dict[str, Any]:
    return {"conversation_pk": w.conversation.id, "pk": w.message.id}


def _credentials(w: World, user: User | None) -> dict[str, str]:
    from apps.users.tests.factories import DEFAULT_PASSWORD

    return {"email": w.users["owner"].email, "password": DEFAULT_PASSWORD}  # type: ignore[union-attr]


def _refresh(w: World, user: User | None) -> dict[str, str]:
    from apps.users.services import token_pair_for

    return {"refresh": token_pair_for(user or w.users["owner"])["refresh"]}  # type: ignore[arg-type]


def _register(w: World, user: User | None) -> dict[str, str]:
    return {"email": "newcomer@example.com", "password": "Fresh-Trail-2026!", "first_name": "New", "last_name": "Comer"}


def _phone(w: World, user: User | None, base: int) -> str:
    """A distinct mobile number per actor (OTP cooldowns are per number, in Redis)."""
    index = list(w.users.values()).index(user)
    return f"+9198123456{base + index:02d}"


def contact_pk(w: World) -> dict[str, Any]:
    return {"pk": w.contact.id}


def _credentials_of_actor(w: World, user: User | None) -> dict[str, str]:
    from apps.users.tests.factories import DEFAULT_PASSWORD

    return {"password": DEFAULT_PASSWORD}


def _email_change(w: World, user: User | None) -> dict[str, str]:
    from apps.users.tests.factories import DEFAULT_PASSWORD

    return {"email": "moved@example.com", "password": DEFAULT_PASSWORD}


def _password_change(w: World, user: User | None) -> dict[str, str]:
    from apps.users.tests.factories import DEFAULT_PASSWORD

    return {"current_password": DEFAULT_PASSWORD, "new_password": "Another-Trail-2026!"}


def _trek_body(w: World, user: User | None) -> dict[str, Any]:
    return {
        "name": "Matrix Pass",
        "region": w.region.slug,
        "description": "A pass.",
        "max_altitude": 4200,
        "total_distance": "30.0",
        "duration_days": 5,
        "difficulty": "moderate",
        "max_group_size": 12,
        "status": "active",
    }


def _batch_body(w: World, user: User | None) -> dict[str, Any]:
    start = timezone.localdate() + timedelta(days=60)
    return {"start_date": str(start), "total_seats": 8, "price": "14500.00"}


def _guide_body(w: World, user: User | None) -> dict[str, Any]:
    from apps.users.tests.factories import UserFactory

    new_guide = UserFactory(staff_role="guide")
    return {"user": str(new_guide.id), "bio": "New here.", "years_exp": 2, "satellite_phone": "+881631234568"}


def _gpx(w: World, user: User | None) -> dict[str, Any]:
    from apps.treks.tests.gpxgen import make_gpx

    return {"file": SimpleUploadedFile("route.gpx", make_gpx(50), content_type="application/gpx+xml")}


def _unsubscribe(w: World, user: User | None) -> dict[str, str]:
    from urllib.parse import parse_qs, urlparse

    from apps.notifications.domain import unsubscribe_url

    url = unsubscribe_url(user_id=str(w.users["owner"].pk), category="marketing")  # type: ignore[union-attr]
    return {"token": parse_qs(urlparse(url).query)["token"][0]}


def _conversation_body(w: World, user: User | None) -> dict[str, Any]:
    partner = w.users["other_trekker"] if user != w.users["other_trekker"] else w.users["owner"]
    return {"kind": "direct", "participants": [str(partner.pk)]}  # type: ignore[union-attr]


CATALOG = Capability.CATALOG_WRITE
BATCHES = Capability.BATCHES_MANAGE

ROWS: list[Row] = [
    # --- platform ------------------------------------------------------------------------------------
    Row("health", "GET", everyone(200), rule="public liveness"),
    Row("ready", "GET", everyone(200), rule="public readiness (database + Redis)"),
    Row("metrics", "GET", everyone(404), rule="Prometheus scrape: METRICS_TOKEN or METRICS_ALLOWED_NETWORKS only"),
    Row("schema", "GET", everyone(200), rule="public OpenAPI document"),
    Row("swagger-ui", "GET", everyone(200), rule="public, self-hosted assets"),
    Row("redoc", "GET", everyone(200), rule="public, self-hosted assets"),
    Row("api-index", "GET", everyone(200), rule="public index of the areas and the docs"),
    Row(
        "api-not-found",
        "GET",
        everyone(404),
        kwargs=lambda w: {"rest": "/v1/no-such-area/"},
        rule="any other address under /api/: the 404 envelope",
    ),
    # --- auth and me ---------------------------------------------------------------------------------
    Row("auth-register", "POST", everyone(201), body=_register, rule="anyone may create an account"),
    Row("auth-login", "POST", everyone(200), body=_credentials, rule="anyone with the credentials"),
    Row("auth-token-refresh", "POST", everyone(200), body=_refresh, rule="the refresh token is the credential"),
    Row("auth-logout", "POST", signed_in(204), body=_refresh, rule="own refresh token"),
    Row("users-me", "GET", signed_in(200), rule="self"),
    Row("users-me", "PATCH", signed_in(200), body=lambda w, u: {"first_name": "Renamed"}, rule="self"),
    Row("users-me", "DELETE", signed_in(204), body=_credentials_of_actor, rule="self, with the password"),
    Row("users-me-delete", "POST", signed_in(204), body=_credentials_of_actor, rule="self, with the password"),
    Row(
        "users-me-photo",
        "PUT",
        signed_in(200),
        body=lambda w, u: {"photo": jpeg_upload()},
        format="multipart",
        rule="self",
    ),
    Row("users-me-photo", "DELETE", signed_in(200), rule="self"),
    Row("users-me-email", "POST", signed_in(202), body=_email_change, rule="self"),
    Row("users-me-phone", "POST", signed_in(202), body=lambda w, u: {"phone": _phone(w, u, 10)}, rule="self"),
    Row(
        "users-me-phone-verify",
        "POST",
        signed_in(400),
        body=lambda w, u: {"phone": "+919812345679", "code": "000000"},
        rule="self (400: no pending change; the code is checked after authentication)",
    ),
    Row("users-me-points", "GET", signed_in(200), rule="own ledger"),
    Row("emergency-contact-list", "GET", signed_in(200), rule="own contacts"),
    Row(
        "emergency-contact-list",
        "POST",
        signed_in(201),
        body=lambda w, u: {"name": "Pa", "relationship": "father", "phone": "+919800000002"},
        rule="own contacts",
    ),
    Row("emergency-contact-detail", "GET", owner_only(200), kwargs=contact_pk, rule="own contact; others 404"),
    Row(
        "emergency-contact-detail",
        "PUT",
        owner_only(200),
        kwargs=contact_pk,
        body=lambda w, u: {"name": "Ma", "relationship": "mother", "phone": "+919800000009", "is_primary": True},
        rule="own contact; others 404",
    ),
    Row(
        "emergency-contact-detail",
        "PATCH",
        owner_only(200),
        kwargs=contact_pk,
        body=lambda w, u: {"name": "Amma"},
        rule="own contact; others 404",
    ),
    Row("emergency-contact-detail", "DELETE", owner_only(204), kwargs=contact_pk, rule="own contact; others 404"),
    Row("users-staff", "GET", capability(Capability.USERS_MANAGE, 200), rule=Capability.USERS_MANAGE),
    Row(
        "users-role",
        "PUT",
        capability(Capability.USERS_MANAGE, 200),
        kwargs=lambda w: {"user_id": w.users["other_trekker"].pk},  # type: ignore[union-attr]
        body=lambda w, u: {"role": "cs"},
        rule=Capability.USERS_MANAGE,
    ),
    Row(
        "auth-google",
        "POST",
        everyone(401),
        body=lambda w, u: {"id_token": "not-a-google-token"},
        settings={
            "GOOGLE_CLIENT_IDS": ["matrix-client.apps.googleusercontent.com"],
            "GOOGLE_CERTS_URL": "https://certs.example.invalid/oauth2/v1/certs",
        },
        rule="anyone; the Google ID token is the credential (401 when it does not verify)",
    ),
    Row(
        "auth-apple",
        "POST",
        everyone(401),
        body=lambda w, u: {"id_token": "not-an-apple-token", "nonce": "matrix-nonce"},
        settings={
            "APPLE_CLIENT_IDS": ["com.obsexperiences.matrix"],
            "APPLE_KEYS_URL": "https://keys.example.invalid/auth/keys",
        },
        rule="anyone; Apple's identity token is the credential (401 when it does not verify)",
    ),
    Row("auth-otp-send", "POST", everyone(202), body=lambda w, u: {"phone": _phone(w, u, 30)}, rule="anyone"),
    Row(
        "auth-otp-verify",
        "POST",
        everyone(400),
        body=lambda w, u: {"phone": "+919812345670", "code": "000000"},
        rule="anyone; the code is the credential (400 without a pending code)",
    ),
    Row(
        "auth-email-verify",
        "POST",
        everyone(400),
        body=lambda w, u: {"token": "forged"},
        rule="anyone; the signed token is the credential (400 when forged)",
    ),
    Row("auth-email-verify-resend", "POST", signed_in(202), rule="self"),
    Row(
        "auth-password-reset",
        "POST",
        everyone(202),
        body=lambda w, u: {"email": "owner@example.com"},
        rule="anyone (202 whether or not the address is known)",
    ),
    Row(
        "auth-password-reset-confirm",
        "POST",
        everyone(400),
        body=lambda w, u: {"uid": "forged", "token": "forged", "new_password": "Another-Trail-2026!"},
        rule="anyone; the emailed token is the credential (400 when forged)",
    ),
    Row("auth-password-change", "POST", signed_in(200), body=_password_change, rule="self, with the current password"),
    # --- notifications -------------------------------------------------------------------------------
    Row("notifications-list", "GET", signed_in(200), rule="own inbox"),
    Row("notifications-unread-count", "GET", signed_in(200), rule="own inbox"),
    Row("notifications-read-all", "POST", signed_in(200), rule="own inbox"),
    Row(
        "notifications-read",
        "POST",
        owner_only(200),
        kwargs=lambda w: {"pk": w.notification.id},
        rule="own notification; others' are 404",
    ),
    Row("notifications-preferences", "GET", signed_in(200), rule="own preferences"),
    Row(
        "notifications-preferences",
        "PATCH",
        signed_in(200),
        body=lambda w, u: {"preferences": [{"category": "marketing", "channel": "email", "enabled": False}]},
        rule="own preferences",
    ),
    Row("notifications-devices", "GET", signed_in(200), rule="own devices"),
    Row(
        "notifications-devices",
        "POST",
        signed_in(201),
        body=lambda w, u: {"token": "fcm-matrix-token-" + "y" * 40, "platform": "android"},
        rule="own devices",
    ),
    Row(
        "notifications-device-detail",
        "DELETE",
        owner_only(204),
        kwargs=lambda w: {"pk": w.device.id},
        rule="own device; others' are 404",
    ),
    Row(
        "notifications-unsubscribe", "POST", everyone(200), body=_unsubscribe, rule="the signed token is the credential"
    ),
    # --- catalog -------------------------------------------------------------------------------------
    Row("region-list", "GET", everyone(200), rule="public"),
    Row(
        "region-list",
        "POST",
        capability(CATALOG, 201),
        body=lambda w, u: {"name": "Matrix Range"},
        rule=CATALOG,
    ),
    Row("region-detail", "GET", everyone(200), kwargs=region_slug, rule="public"),
    Row(
        "region-detail",
        "PATCH",
        capability(CATALOG, 200),
        kwargs=region_slug,
        body=lambda w, u: {"description": "Edited."},
        rule=CATALOG,
    ),
    Row("trek-list", "GET", everyone(200), rule="public"),
    Row("trek-list", "POST", capability(CATALOG, 201), body=_trek_body, rule=CATALOG),
    Row("trek-detail", "GET", everyone(200), kwargs=trek_slug, rule="public (active treks)"),
    Row(
        "trek-detail",
        "PATCH",
        capability(CATALOG, 200),
        kwargs=trek_slug,
        body=lambda w, u: {"name": "Matrix Trek Renamed"},
        rule=CATALOG,
    ),
    Row("trek-archive", "POST", capability(CATALOG, 200), kwargs=trek_slug, rule=CATALOG),
    Row("trek-itinerary", "GET", everyone(200), kwargs=trek_slug, rule="public"),
    Row(
        "trek-itinerary",
        "PUT",
        capability(CATALOG, 200),
        kwargs=trek_slug,
        body=lambda w, u: {
            "days": [
                {"title": f"Day {i}", "camp_name": f"Camp {i}", "altitude": 2000 + 300 * i, "distance_km": "5.0"}
                for i in range(1, w.trek.duration_days + 1)
            ]
        },
        rule=CATALOG,
    ),
    Row("trek-gpx", "POST", capability(CATALOG, 200), kwargs=trek_slug, body=_gpx, format="multipart", rule=CATALOG),
    Row("trek-route", "GET", everyone(200), kwargs=trek_slug, rule="public"),
    Row(
        "trek-cover",
        "POST",
        capability(CATALOG, 200),
        kwargs=trek_slug,
        body=lambda w, u: {"file": jpeg_upload()},
        format="multipart",
        rule=CATALOG,
    ),
    Row(
        "trek-photos",
        "POST",
        capability(CATALOG, 201),
        kwargs=trek_slug,
        body=lambda w, u: {"file": jpeg_upload(), "caption": "Ridge"},
        format="multipart",
        rule=CATALOG,
    ),
    Row(
        "trek-photo-order",
        "PUT",
        capability(CATALOG, 200),
        kwargs=trek_slug,
        body=lambda w, u: {"order": [str(w.photo.id)]},
        rule=CATALOG,
    ),
    Row(
        "trek-photo-detail",
        "DELETE",
        capability(CATALOG, 204),
        kwargs=lambda w: {"slug": w.trek.slug, "photo_id": w.photo.id},
        rule=CATALOG,
    ),
    Row("trek-batches", "GET", everyone(200), kwargs=trek_slug, rule="public"),
    Row("trek-batches", "POST", capability(BATCHES, 201), kwargs=trek_slug, body=_batch_body, rule=BATCHES),
    Row("batch-detail", "GET", everyone(200), kwargs=batch_id, rule="public"),
    Row(
        "batch-detail",
        "PATCH",
        capability(BATCHES, 200),
        kwargs=batch_id,
        body=lambda w, u: {"total_seats": 9},
        rule=BATCHES,
    ),
    Row(
        "batch-detail",
        "DELETE",
        capability(BATCHES, 204),
        kwargs=lambda w: {"batch_id": w.empty_batch.id},
        rule=f"{BATCHES} (a batch without bookings)",
    ),
    Row("guide-list", "GET", everyone(200), rule="public"),
    Row("guide-list", "POST", capability(CATALOG, 201), body=_guide_body, rule=CATALOG),
    Row("guide-detail", "GET", everyone(200), kwargs=guide_id, rule="public"),
    Row(
        "guide-detail",
        "PATCH",
        capability(CATALOG, 200),
        kwargs=guide_id,
        body=lambda w, u: {"years_exp": 7},
        rule=CATALOG,
    ),
    Row(
        "guide-photo",
        "POST",
        capability(CATALOG, 200),
        kwargs=guide_id,
        body=lambda w, u: {"file": jpeg_upload()},
        format="multipart",
        rule=CATALOG,
    ),
    # --- messaging -----------------------------------------------------------------------------------
    Row("conversation-list", "GET", signed_in(200), rule="own conversations"),
    Row("conversation-list", "POST", signed_in(201), body=_conversation_body, rule="any signed-in user"),
    Row(
        "conversation-detail",
        "GET",
        owner_only(200, guide=200),
        kwargs=conversation_pk,
        rule="participants (a batch group: not its lapsed guides); others 404",
    ),
    Row(
        "conversation-read",
        "POST",
        owner_only(200, guide=200),
        kwargs=conversation_pk,
        rule="participants (a batch group: not its lapsed guides); others 404",
    ),
    Row(
        "conversation-message-list",
        "GET",
        owner_only(200, guide=200),
        kwargs=lambda w: {"conversation_pk": w.conversation.id},
        rule="participants (a batch group: not its lapsed guides); others 404",
    ),
    Row(
        "conversation-message-list",
        "POST",
        owner_only(201, guide=201),
        kwargs=lambda w: {"conversation_pk": w.conversation.id},
        body=lambda w, u: {"message_body": "On my way."},
        rule="participants (a batch group: not its lapsed guides); others 404",
    ),
    Row(
        "conversation-message-detail",
        "GET",
        owner_only(200, guide=200),
        kwargs=message_kwargs,
        rule="participants (a batch group: not its lapsed guides); others 404",
    ),
    Row(
        "conversation-message-detail",
        "PATCH",
        owner_only(200, guide=403),
        kwargs=message_kwargs,
        body=lambda w, u: {"message_body": "Edited."},
        rule="the sender, within the edit window; other participants 403; others 404",
    ),
    Row(
        "conversation-message-history",
        "GET",
        owner_only(200, guide=200),
        kwargs=message_kwargs,
        rule="participants, as the message; others 404",
    ),
    Row(
        "conversation-message-detail",
        "DELETE",
        owner_only(204, guide=403),
        kwargs=message_kwargs,
        rule="the sender; other participants 403; others 404",
    ),
]

from .matrix_more import BACKOFFICE_ROWS, BOOKINGS_ROWS, COMMUNITY_ROWS, EMERGENCY_ROWS  # noqa: E402  matrix_more imports Row and the helpers defined above

ROWS += BOOKINGS_ROWS + COMMUNITY_ROWS + EMERGENCY_ROWS + BACKOFFICE_ROWS

from .matrix_changes import CHANGES_ROWS  # noqa: E402  as above

ROWS += CHANGES_ROWS
from .matrix_addons import ADD_ON_ROWS  # noqa: E402  matrix_addons imports Row and the helpers defined above

ROWS += ADD_ON_ROWS

# Routes checked by their own tests rather than the actor matrix.
EXCLUDED_PREFIXES = ("admin/", "static/", "media/")


def rows_by_key() -> dict[tuple[str, str], Row]:
    table: dict[tuple[str, str], Row] = {}
    for row in ROWS:
        if row.key in table:
            raise ValueError(f"duplicate matrix row {row.key}")
        table[row.key] = row
    return table
