"""The admin's authorization matrix: every back-office page and action, the status per actor, and for a write
who it is done by (the others' requests change nothing).

``tests/proof/test_admin_matrix.py`` asserts every cell with a signed-in admin session (as a browser holds it);
``python -m tests.proof.permissions_doc`` renders it into ``docs/permissions.md`` after the API's table.

Statuses: 302 to the admin's login page for whoever may not enter the admin (anonymous, trekkers, guides: only
``ADMIN_ROLES`` are staff); 403 for staff whose role lacks the capability; 200 a page; 302 after a POST that ran
(the service's refusal, if any, is shown on the page it returns to, and the row's ``done`` check tells).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.users.roles import Capability, roles_with

from .actors import World

ADMIN_ACTORS: tuple[str, ...] = (
    "anonymous",
    "owner",
    "super_admin",
    "ops_manager",
    "cs",
    "finance",
    "content",
    "guide",
)
OUTSIDERS = ("anonymous", "owner", "guide")  # not staff: sent to the admin's login page
STAFF = tuple(a for a in ADMIN_ACTORS if a not in OUTSIDERS)


@dataclass(frozen=True)
class AdminRow:
    name: str
    method: str
    url: Callable[[World], str]
    expect: Mapping[str, int]
    rule: str
    data: Callable[[World], dict[str, Any]] = field(default=lambda w: {})
    prepare: Callable[[World], None] | None = None  # in each cell, before the request (rolled back after)
    done: Callable[[World], bool] | None = None  # for a POST: whether the write happened
    by: str = ""  # with ``done``: the capability whose holders' requests do it (everyone else's change nothing)


def allowed(capability: str, status: int) -> dict[str, int]:
    """Outsiders 302 (login), staff holding ``capability`` ``status``, other staff 403."""
    holders = set(roles_with(capability))
    return {a: 302 if a in OUTSIDERS else status if a in holders else 403 for a in ADMIN_ACTORS}


def any_of(*capabilities: str, status: int = 200) -> dict[str, int]:
    cells = allowed(capabilities[0], status)
    for capability in capabilities[1:]:
        cells |= {a: s for a, s in allowed(capability, status).items() if s == status}
    return cells


def changelist_action(capability: str) -> dict[str, int]:
    """A list page's action: staff who may see the list are sent back to it (302) whether or not the action was
    theirs to run (``done`` tells); staff who may not see the list get 403."""
    return {a: 302 if s in (200, 302) else s for a, s in allowed(capability, 200).items()}


def _admin(path: str) -> Callable[[World], str]:
    return lambda w: "/admin/" + path.format(w=w)


def _pending_held(w: World) -> None:
    from apps.bookings.models import Booking

    Booking.objects.filter(pk=w.booking.pk).update(
        status="pending", hold_expires_at=timezone.now() + timedelta(minutes=20), amount_paid=0
    )


def _coupon(w: World) -> None:
    from apps.bookings.tests.factories import CouponFactory

    w.objects["coupon"] = CouponFactory(code="ADMIN10")


def _status_of(model_name: str, attr: str) -> Callable[[World], str]:
    def read(w: World) -> str:
        obj = w.objects[attr]
        return type(obj).objects.values_list("status", flat=True).get(pk=obj.pk)  # type: ignore[no-any-return]

    read.__name__ = f"{model_name}_status"
    return read


_booking_status = _status_of("booking", "booking")
_incident_status = _status_of("incident", "incident")


def _audited(action: str) -> Callable[[World], bool]:
    def done(w: World) -> bool:
        from apps.common.models import AuditLog

        return AuditLog.objects.filter(action=action).exists()

    return done


def _coupon_body(w: World) -> dict[str, Any]:
    start = timezone.localtime() + timedelta(days=1)
    return {
        "code": "admin-new",
        "description": "",
        "kind": "fixed",
        "value": "500",
        "valid_from_0": start.date().isoformat(),
        "valid_from_1": "00:00:00",
        "valid_until_0": (start + timedelta(days=30)).date().isoformat(),
        "valid_until_1": "00:00:00",
        "per_user_limit": "1",
        "max_uses": "",
        "is_active": "on",
    }


def _handle(action: str, note: str = "") -> Callable[[World], dict[str, Any]]:
    return lambda w: {"action": action, "handling_note": note}


C = Capability
BOOKING = "bookings/booking/{w.booking.pk}/"
BATCH = "treks/batch/{w.batch.pk}/"
INCIDENT = "emergency/incident/{w.incident.pk}/"
EVERY_STAFF = {a: 302 if a in OUTSIDERS else 200 for a in ADMIN_ACTORS}

ADMIN_ROWS: list[AdminRow] = [
    AdminRow("dashboard", "GET", _admin(""), EVERY_STAFF, "staff (each part by its capability)"),
    # --- bookings ------------------------------------------------------------------------------------
    AdminRow("bookings", "GET", _admin("bookings/booking/"), allowed(C.BOOKINGS_VIEW, 200), C.BOOKINGS_VIEW),
    AdminRow("booking page", "GET", _admin(BOOKING + "change/"), allowed(C.BOOKINGS_VIEW, 200), C.BOOKINGS_VIEW),
    AdminRow(
        "booking cancel quote", "GET", _admin(BOOKING + "cancel/"), allowed(C.BOOKINGS_MANAGE, 200), C.BOOKINGS_MANAGE
    ),
    AdminRow(
        "booking cancel",
        "POST",
        _admin(BOOKING + "cancel/"),
        allowed(C.BOOKINGS_MANAGE, 302),
        C.BOOKINGS_MANAGE,
        data=lambda w: {"reason": "Asked by phone"},
        done=lambda w: _booking_status(w) == "cancelled",
        by=C.BOOKINGS_MANAGE,
    ),
    AdminRow(
        "booking payment reminder",
        "POST",
        _admin(BOOKING + "payment-link/"),
        allowed(C.BOOKINGS_MANAGE, 302),
        C.BOOKINGS_MANAGE,
        prepare=_pending_held,
        done=_audited("booking.payment_reminder_queued"),
        by=C.BOOKINGS_MANAGE,
    ),
    AdminRow(
        "booking document review",
        "POST",
        lambda w: f"/admin/bookings/booking/{w.booking.pk}/documents/{uuid.uuid4()}/review/",
        allowed(C.DOCUMENTS_REVIEW, 404),
        f"{C.DOCUMENTS_REVIEW} (404: no such document)",
        data=lambda w: {"decision": "approve"},
    ),
    AdminRow(
        "phone booking page",
        "GET",
        _admin("bookings/booking/phone-booking/"),
        allowed(C.BOOKINGS_MANAGE, 200),
        C.BOOKINGS_MANAGE,
    ),
    AdminRow(
        "offline payment page",
        "GET",
        _admin(BOOKING + "offline-payment/"),
        any_of(C.BOOKINGS_MANAGE, C.PAYMENTS_MANAGE),
        f"{C.BOOKINGS_MANAGE} or {C.PAYMENTS_MANAGE}",
        prepare=_pending_held,
    ),
    AdminRow("payments", "GET", _admin("bookings/payment/"), allowed(C.PAYMENTS_MANAGE, 200), C.PAYMENTS_MANAGE),
    AdminRow("refunds", "GET", _admin("bookings/refund/"), allowed(C.PAYMENTS_MANAGE, 200), C.PAYMENTS_MANAGE),
    AdminRow(
        "booking add (no form: the API's booking flow)",
        "GET",
        _admin("bookings/booking/add/"),
        {a: 302 if a in OUTSIDERS else 403 for a in ADMIN_ACTORS},
        "nobody",
    ),
    # --- departures ----------------------------------------------------------------------------------
    AdminRow(
        "departures",
        "GET",
        _admin("treks/batch/"),
        any_of(C.CATALOG_WRITE, C.BATCHES_MANAGE),
        "catalog.write or batches.manage",
    ),
    AdminRow(
        "departure page",
        "GET",
        _admin(BATCH + "change/"),
        any_of(C.CATALOG_WRITE, C.BATCHES_MANAGE),
        "catalog.write or batches.manage",
    ),
    AdminRow("manifest CSV", "GET", _admin(BATCH + "manifest.csv"), allowed(C.MANIFEST_VIEW, 200), C.MANIFEST_VIEW),
    AdminRow("manifest JSON", "GET", _admin(BATCH + "manifest.json"), allowed(C.MANIFEST_VIEW, 200), C.MANIFEST_VIEW),
    AdminRow("reschedule page", "GET", _admin(BATCH + "reschedule/"), allowed(C.BATCHES_MANAGE, 200), C.BATCHES_MANAGE),
    AdminRow("announcement page", "GET", _admin(BATCH + "announce/"), allowed(C.BATCHES_MANAGE, 200), C.BATCHES_MANAGE),
    AdminRow(
        "reschedule",
        "POST",
        _admin(BATCH + "reschedule/"),
        allowed(C.BATCHES_MANAGE, 302),
        C.BATCHES_MANAGE,
        data=lambda w: {"start_date": str(w.batch.start_date + timedelta(days=3))},
        done=_audited("batch.rescheduled"),
        by=C.BATCHES_MANAGE,
    ),
    AdminRow(
        "cancel departure (list action)",
        "POST",
        _admin("treks/batch/"),
        {**changelist_action(C.BOOKINGS_BULK_CANCEL), "content": 200},
        f"{C.BOOKINGS_BULK_CANCEL} (content managers: the list again, with no actions)",
        data=lambda w: {"action": "cancel_departure", "_selected_action": [str(w.batch.pk)]},
        done=_audited("batch.cancellation_queued"),
        by=C.BOOKINGS_BULK_CANCEL,
    ),
    # --- incidents -----------------------------------------------------------------------------------
    AdminRow("incidents", "GET", _admin("emergency/incident/"), allowed(C.INCIDENTS_MANAGE, 200), C.INCIDENTS_MANAGE),
    AdminRow(
        "incident page", "GET", _admin(INCIDENT + "change/"), allowed(C.INCIDENTS_MANAGE, 200), C.INCIDENTS_MANAGE
    ),
    *(
        AdminRow(
            f"incident {action.replace('_', ' ')}",
            "POST",
            _admin(INCIDENT + "handle/"),
            allowed(C.INCIDENTS_MANAGE, 302),
            C.INCIDENTS_MANAGE,
            data=_handle(action, note),
            done=done,
            by=C.INCIDENTS_MANAGE,
        )
        for action, note, done in (
            ("acknowledge", "", lambda w: _incident_status(w) == "acknowledged"),
            ("note", "Helicopter requested.", _audited("incident.note_added")),
            ("resolve", "Safe at base camp.", lambda w: _incident_status(w) == "resolved"),
            ("false_alarm", "Pressed by mistake.", lambda w: _incident_status(w) == "false_alarm"),
        )
    ),
    # --- coupons -------------------------------------------------------------------------------------
    AdminRow("coupons", "GET", _admin("bookings/coupon/"), allowed(C.COUPONS_MANAGE, 200), C.COUPONS_MANAGE),
    AdminRow(
        "coupon add",
        "POST",
        _admin("bookings/coupon/add/"),
        allowed(C.COUPONS_MANAGE, 302),
        C.COUPONS_MANAGE,
        data=_coupon_body,
        done=_audited("coupon.created"),
        by=C.COUPONS_MANAGE,
    ),
    AdminRow(
        "coupon deactivate (list action)",
        "POST",
        _admin("bookings/coupon/"),
        changelist_action(C.COUPONS_MANAGE),
        C.COUPONS_MANAGE,
        data=lambda w: {"action": "deactivate", "_selected_action": [str(w.coupon.pk)]},
        prepare=_coupon,
        done=_audited("coupon.deactivated"),
        by=C.COUPONS_MANAGE,
    ),
    # --- accounts and the trail ----------------------------------------------------------------------
    AdminRow("accounts", "GET", _admin("users/user/"), allowed(C.USERS_VIEW, 200), C.USERS_VIEW),
    AdminRow("audit log", "GET", _admin("common/auditlog/"), allowed(C.AUDIT_VIEW, 200), C.AUDIT_VIEW),
]
