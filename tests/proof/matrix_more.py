"""Matrix rows for bookings/payments and community (kept apart from the core table for readability)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.utils import timezone

from apps.users.models import User
from apps.users.roles import Capability, roles_with

from .actors import World
from .matrix import Row, capability, everyone, owner_only, signed_in

EMPTY_400 = "400: empty body, so authorization passed and validation answered"


def booking_id(w: World) -> dict[str, Any]:
    return {"booking_id": w.booking.id}


def post_id(w: World) -> dict[str, Any]:
    return {"post_id": w.post.id}


def comment_id(w: World) -> dict[str, Any]:
    return {"comment_id": w.comment.id}


def entry_id(w: World) -> dict[str, Any]:
    return {"entry_id": w.journal.id}


def batch_id(w: World) -> dict[str, Any]:
    return {"batch_id": w.batch.id}


def holders(cap: str, status: int) -> dict[str, int]:
    return dict.fromkeys(roles_with(cap), status)


VIEWERS = holders(Capability.BOOKINGS_VIEW, 200)
MANAGERS = holders(Capability.BOOKINGS_MANAGE, 200)
REVIEWERS = holders(Capability.DOCUMENTS_REVIEW, 200)


def _empty(w: World, u: User | None) -> dict[str, Any]:
    return {}


COUPONS = Capability.COUPONS_MANAGE


def coupon_id(w: World) -> dict[str, Any]:
    """A coupon of the world's (made on first use, so the shared world stays as it is for other rows)."""
    from apps.bookings.tests.factories import CouponFactory

    if "coupon" not in w.objects:
        w.objects["coupon"] = CouponFactory(code="MATRIX10")
    return {"coupon_id": w.coupon.id}


def coupon_body(w: World, u: User | None) -> dict[str, Any]:
    now = timezone.now()
    return {
        "code": "matrix-new",
        "kind": "fixed",
        "value": "750.00",
        "valid_from": now.isoformat(),
        "valid_until": (now + timedelta(days=30)).isoformat(),
        "max_uses": 50,
        "per_user_limit": 1,
    }


INVOICE_READERS = holders(Capability.INVOICES_VIEW, 200)


def tax_document_id(w: World) -> dict[str, Any]:
    """A tax invoice of the world's booking: a captured payment recorded with it (made on first use)."""
    from django.db import transaction

    from apps.bookings.models import Payment
    from apps.bookings.services.tax_documents import invoice_for_payment

    if "tax_document" not in w.objects:
        payment = Payment.objects.create(
            booking=w.booking,
            gateway="local",
            gateway_order_id="order_matrix_invoice",
            gateway_payment_id="pay_matrix_invoice",
            amount_paise=1050000,
            status=Payment.Status.CAPTURED,
            captured_at=timezone.now(),
        )
        with transaction.atomic():
            w.objects["tax_document"] = invoice_for_payment(booking=w.booking, payment=payment)
    return {"document_id": w.objects["tax_document"].id}


BOOKINGS_ROWS: list[Row] = [
    Row("booking-list", "GET", signed_in(200), rule="own bookings (staff with bookings.view: all)"),
    Row("booking-list", "POST", signed_in(400), body=_empty, rule=f"any signed-in user; {EMPTY_400}"),
    Row(
        "booking-detail",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        rule="owner or bookings.view; others 404",
    ),
    Row(
        "booking-cancel",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        rule="cancellation quote: owner or bookings.view",
    ),
    Row(
        "booking-cancel",
        "POST",
        owner_only(200, **MANAGERS),
        kwargs=booking_id,
        body=_empty,
        rule="owner or bookings.manage",
    ),
    Row("booking-payments", "GET", owner_only(200, **VIEWERS), kwargs=booking_id, rule="owner or bookings.view"),
    Row("credit-account", "GET", signed_in(200), rule="any signed-in person: their own trek credit"),
    Row(
        "booking-cancel-for-credit",
        "POST",
        owner_only(200, **MANAGERS),
        kwargs=booking_id,
        body=_empty,
        rule="owner or bookings.manage",
    ),
    Row(
        "booking-pay-with-credit",
        "POST",
        owner_only(400, **holders(Capability.BOOKINGS_MANAGE, 400)),
        kwargs=booking_id,
        body=_empty,
        rule=f"owner or bookings.manage; {EMPTY_400} (no Idempotency-Key)",
    ),
    Row(
        "booking-credit-offer",
        "GET",
        owner_only(404, **holders(Capability.BOOKINGS_VIEW, 404)),
        kwargs=booking_id,
        rule="owner or bookings.view; 404 here: the booking's departure was not cancelled, nothing to choose",
    ),
    Row(
        "booking-credit-offer",
        "POST",
        owner_only(400, **holders(Capability.BOOKINGS_MANAGE, 400)),
        kwargs=booking_id,
        body=_empty,
        rule=f"owner or bookings.manage; {EMPTY_400}",
    ),
    Row(
        "booking-trip-pack",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        rule="offline trip pack of a confirmed booking: owner or bookings.view; others 404",
    ),
    Row("trip-pass-key", "GET", everyone(200), rule="public: the key that verifies trip passes offline"),
    Row(
        "booking-payments",
        "POST",
        owner_only(409),
        kwargs=booking_id,
        body=_empty,
        rule="owner (409: the booking is already paid, so not payable)",
    ),
    Row(
        "booking-documents",
        "GET",
        owner_only(200, **REVIEWERS),
        kwargs=booking_id,
        rule="owner or documents.review",
    ),
    Row("booking-documents", "POST", owner_only(400), kwargs=booking_id, body=_empty, rule=f"owner; {EMPTY_400}"),
    Row(
        "booking-document-review",
        "POST",
        capability(Capability.DOCUMENTS_REVIEW, 404),
        kwargs=lambda w: {"booking_id": w.booking.id, "document_id": uuid.uuid4()},
        body=lambda w, u: {"status": "approved"},
        rule=f"{Capability.DOCUMENTS_REVIEW} (404: no such document)",
    ),
    Row(
        "booking-document-download",
        "GET",
        everyone(404),
        rule="the signed link is the credential (404 without a valid one)",
    ),
    Row("payment-verify", "POST", signed_in(400), body=_empty, rule=f"signed in; {EMPTY_400}"),
    Row(
        "booking-payment-links",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        rule="owner or bookings.view",
    ),
    Row(
        "booking-payment-link-send",
        "POST",
        capability(Capability.BOOKINGS_MANAGE, 409),
        kwargs=booking_id,
        body=_empty,
        rule=f"{Capability.BOOKINGS_MANAGE} (409: the booking is paid in full, no balance to send a link for)",
    ),
    Row(
        "payment-link-page",
        "GET",
        everyone(404),
        kwargs=lambda w: {"token": "not-a-signed-link"},
        rule="the signed link is the credential (404 without a valid one)",
    ),
    Row(
        "payment-link-pay",
        "POST",
        everyone(404),
        kwargs=lambda w: {"token": "not-a-signed-link"},
        body=_empty,
        rule="the signed link is the credential (404 without a valid one; local gateway only)",
    ),
    Row(
        "payment-webhook-razorpay",
        "POST",
        everyone(400),
        body=lambda w, u: {"event": "payment.captured"},
        rule="the gateway signature is the credential (refused without one)",
    ),
    Row(
        "batch-cancel",
        "GET",
        capability(Capability.BOOKINGS_BULK_CANCEL, 404),
        kwargs=batch_id,
        rule=f"{Capability.BOOKINGS_BULK_CANCEL}: progress of a bulk cancel (404 before one ran)",
    ),
    Row(
        "batch-cancel",
        "POST",
        capability(Capability.BOOKINGS_BULK_CANCEL, 202),
        kwargs=batch_id,
        body=lambda w, u: {"reason": "Snow"},
        rule=f"{Capability.BOOKINGS_BULK_CANCEL}: cancel the batch, then refund every booking",
    ),
    Row("batch-waitlist", "GET", signed_in(404), kwargs=batch_id, rule="own waitlist entry (404: not on it)"),
    Row("batch-waitlist", "POST", signed_in(400), kwargs=batch_id, body=_empty, rule=f"signed in; {EMPTY_400}"),
    Row("batch-waitlist", "DELETE", signed_in(404), kwargs=batch_id, rule="own waitlist entry (404: not on it)"),
    Row(
        "batch-manifest",
        "GET",
        capability(Capability.MANIFEST_VIEW, 200, guide=200),
        kwargs=batch_id,
        rule=f"{Capability.MANIFEST_VIEW}, or the batch's acting guide",
    ),
    Row("coupon-list", "GET", capability(COUPONS, 200), rule=COUPONS),
    Row("coupon-list", "POST", capability(COUPONS, 201), body=coupon_body, rule=COUPONS),
    Row("coupon-detail", "GET", capability(COUPONS, 200), kwargs=coupon_id, rule=COUPONS),
    Row(
        "coupon-detail",
        "PATCH",
        capability(COUPONS, 200),
        kwargs=coupon_id,
        body=lambda w, u: {"value": "15.00", "max_uses": 40, "per_user_limit": 2},
        rule=COUPONS,
    ),
    Row("coupon-deactivate", "POST", capability(COUPONS, 200), kwargs=coupon_id, rule=f"{COUPONS} (idempotent)"),
    Row(
        "batch-roster",
        "GET",
        capability(Capability.MANIFEST_VIEW, 200, guide=200),
        kwargs=batch_id,
        rule=f"{Capability.MANIFEST_VIEW}, or the batch's acting guide",
    ),
    Row(
        "batch-base-check-in",
        "POST",
        capability(Capability.BOOKINGS_MANAGE, 200, guide=200),
        kwargs=lambda w: {"batch_id": w.batch.id, "participant_id": w.participant.id},
        body=lambda w, u: {"status": "present"},
        rule=f"the batch's acting guide, or {Capability.BOOKINGS_MANAGE}",
    ),
    Row(
        "batch-camp-check-ins",
        "GET",
        capability(Capability.MANIFEST_VIEW, 200, guide=200),
        kwargs=batch_id,
        rule=f"{Capability.MANIFEST_VIEW}, or the batch's acting guide",
    ),
    Row(
        "batch-camp-check-ins",
        "POST",
        signed_in(403, guide=201),
        kwargs=batch_id,
        body=lambda w, u: {"camp": "Juda ka Talab"},
        rule="the batch's acting guide only",
    ),
    Row(
        "guide-my-departures",
        "GET",
        signed_in(403, guide=200, other_guide=200, other_batch_guide=200),
        rule="acting guides (guide role, active profile): the departures they lead now",
    ),
    Row(
        "batch-announcements",
        "POST",
        capability(Capability.BATCHES_MANAGE, 400, guide=400),
        kwargs=batch_id,
        body=_empty,
        rule=f"{Capability.BATCHES_MANAGE}, or the batch's acting guide; {EMPTY_400}",
    ),
    Row(
        "booking-billing",
        "GET",
        owner_only(200, **VIEWERS),
        kwargs=booking_id,
        rule="billing details: owner or bookings.view; others 404",
    ),
    Row(
        "booking-billing",
        "PUT",
        owner_only(200, **MANAGERS),
        kwargs=booking_id,
        body=_empty,
        rule="owner or bookings.manage (an empty body clears the billing details)",
    ),
    Row(
        "booking-invoices",
        "GET",
        owner_only(200, **INVOICE_READERS),
        kwargs=booking_id,
        rule=f"tax invoices and credit notes: owner or {Capability.INVOICES_VIEW}; others 404",
    ),
    Row(
        "tax-document",
        "GET",
        owner_only(200, **INVOICE_READERS),
        kwargs=tax_document_id,
        rule=f"the booking's owner or {Capability.INVOICES_VIEW}; others 404",
    ),
    Row(
        "tax-document-pdf",
        "GET",
        owner_only(200, **INVOICE_READERS),
        kwargs=tax_document_id,
        rule=f"the booking's owner or {Capability.INVOICES_VIEW}; others 404",
    ),
    Row(
        "revenue-report",
        "GET",
        capability(Capability.REPORTS_VIEW, 200),
        query={"date_from": "2026-01-01", "date_to": "2026-12-31"},
        rule=Capability.REPORTS_VIEW,
    ),
]

MODERATE = Capability.COMMUNITY_MODERATE

COMMUNITY_ROWS: list[Row] = [
    Row("community-posts", "GET", everyone(200), rule="public feed"),
    Row("community-posts", "POST", signed_in(201), body=lambda w, u: {"body": "Summit!"}, rule="signed in"),
    Row("community-post", "GET", everyone(200), kwargs=post_id, rule="public"),
    Row("community-post", "DELETE", owner_only(204, hidden=403), kwargs=post_id, rule="the author"),
    Row("community-post-like", "POST", signed_in(200), kwargs=post_id, rule="signed in (idempotent)"),
    Row("community-post-like", "DELETE", signed_in(200), kwargs=post_id, rule="own like (idempotent)"),
    Row("community-comments", "GET", everyone(200), kwargs=post_id, rule="public"),
    Row(
        "community-comments",
        "POST",
        signed_in(201),
        kwargs=post_id,
        body=lambda w, u: {"body": "Nice"},
        rule="signed in",
    ),
    Row(
        "community-post-report",
        "POST",
        signed_in(201, owner=400),
        kwargs=post_id,
        body=lambda w, u: {"reason": "spam"},
        rule="signed in; not one's own post (400)",
    ),
    Row("community-post-hide", "POST", capability(MODERATE, 200), kwargs=post_id, body=_empty, rule=MODERATE),
    Row("community-post-unhide", "POST", capability(MODERATE, 200), kwargs=post_id, rule=MODERATE),
    Row("community-comment", "DELETE", owner_only(204, hidden=403), kwargs=comment_id, rule="the author"),
    Row("community-comment-hide", "POST", capability(MODERATE, 200), kwargs=comment_id, body=_empty, rule=MODERATE),
    Row("community-comment-unhide", "POST", capability(MODERATE, 200), kwargs=comment_id, rule=MODERATE),
    Row("community-reports", "GET", capability(MODERATE, 200), rule=MODERATE),
    Row("community-journals", "GET", everyone(200), rule="public entries"),
    Row("community-journals", "POST", signed_in(400), body=_empty, rule=f"signed in; {EMPTY_400}"),
    Row("community-journal", "GET", everyone(200), kwargs=entry_id, rule="public entry"),
    Row(
        "community-journal",
        "PATCH",
        owner_only(200, hidden=403),
        kwargs=entry_id,
        body=lambda w, u: {"title": "Day two"},
        rule="the author",
    ),
    Row("community-journal", "DELETE", owner_only(204, hidden=403), kwargs=entry_id, rule="the author"),
    Row("community-challenges", "GET", everyone(200), rule="public"),
    Row("community-leaderboard", "GET", signed_in(200), rule="signed in"),
    Row("trek-journals", "GET", everyone(200), kwargs=lambda w: {"slug": w.trek.slug}, rule="public entries"),
    Row("users-me-badges", "GET", signed_in(200), rule="self"),
]


def incident_pk(w: World) -> dict[str, Any]:
    return {"pk": w.incident.id}


RESPONDERS = holders(Capability.INCIDENTS_MANAGE, 200)
_PING = {"latitude": "32.318300", "longitude": "77.187500"}


def _check_in(w: World, u: User | None) -> dict[str, Any]:
    return {"place": "Juda ka Talab", "expected_at": (timezone.now() + timedelta(hours=3)).isoformat()}


EMERGENCY_ROWS: list[Row] = [
    Row("check-in-list", "GET", signed_in(200), rule="own check-ins; guides their departures'; incidents.manage all"),
    Row(
        "check-in-list",
        "POST",
        signed_in(409),
        body=_check_in,
        rule="409 not_on_trek: only on a departure under way (its trekkers and acting guide)",
    ),
    Row("check-in-complete", "POST", signed_in(409), body=_empty, rule="own armed check-in (409: none armed)"),
    Row("emergency-sos", "POST", signed_in(400), body=_empty, rule=f"signed in; {EMPTY_400}"),
    Row("incident-list", "GET", signed_in(200), rule="own incidents; responders and guides see theirs"),
    Row(
        "incident-list",
        "POST",
        signed_in(403, guide=400, other_guide=400, other_batch_guide=400),
        body=_empty,
        rule=f"acting guides open incidents for trekkers; {EMPTY_400}",
    ),
    Row("incident-active-geojson", "GET", capability(Capability.INCIDENTS_MANAGE, 200), rule="incidents.manage"),
    Row(
        "incident-detail",
        "GET",
        owner_only(200, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        rule="the trekker, the batch's guide, incidents.manage",
    ),
    Row(
        "incident-updates",
        "GET",
        owner_only(200, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        rule="the trekker, the batch's guide, incidents.manage",
    ),
    Row(
        "incident-updates",
        "POST",
        owner_only(403, guide=201, **holders(Capability.INCIDENTS_MANAGE, 201)),
        kwargs=incident_pk,
        body=lambda w, u: {"note": "Descending to base camp."},
        rule="the batch's guide, incidents.manage (the trekker 403)",
    ),
    Row(
        "incident-locations",
        "GET",
        owner_only(200, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        rule="the trekker, the batch's guide, incidents.manage",
    ),
    Row(
        "incident-locations",
        "POST",
        owner_only(200, guide=200, **holders(Capability.INCIDENTS_MANAGE, 403)),
        kwargs=incident_pk,
        body=lambda w, u: {"pings": [{**_PING, "recorded_at": timezone.now().isoformat()}]},
        rule="the trekker and the batch's guide (responders 403)",
    ),
    Row(
        "incident-acknowledge",
        "POST",
        owner_only(403, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        body=_empty,
        rule="the batch's guide or incidents.manage",
    ),
    Row(
        "incident-resolve",
        "POST",
        owner_only(403, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        body=lambda w, u: {"resolution_notes": "Safe at base camp."},
        rule="the batch's guide or incidents.manage",
    ),
    Row(
        "incident-false-alarm",
        "POST",
        owner_only(200, guide=200, **RESPONDERS),
        kwargs=incident_pk,
        body=_empty,
        rule="the trekker, the batch's guide or incidents.manage",
    ),
]


def customer_id(w: World) -> dict[str, Any]:
    return {"customer_id": w.users["owner"].pk}  # type: ignore[union-attr]


def _customer_body(w: World, u: User | None) -> dict[str, Any]:
    return {"first_name": "Meera", "phone": "+919876543210"}


def _phone_booking_body(w: World, u: User | None) -> dict[str, Any]:
    return {"batch": str(w.empty_batch.id), "participants": [{"name": "Owner", "age": 30}], "source": "phone"}


MONEY_TAKERS = Capability.BOOKINGS_MANAGE, Capability.PAYMENTS_MANAGE

BACKOFFICE_ROWS: list[Row] = [
    Row("customer-list", "GET", capability(Capability.USERS_VIEW, 200), rule=Capability.USERS_VIEW),
    Row(
        "customer-list",
        "POST",
        capability(Capability.BOOKINGS_MANAGE, 201),
        body=_customer_body,
        rule=f"{Capability.BOOKINGS_MANAGE}: open an account for a customer",
    ),
    Row(
        "customer-detail",
        "GET",
        capability(Capability.USERS_VIEW, 200),
        kwargs=customer_id,
        rule=f"{Capability.USERS_VIEW} (contacts in full with bookings.manage, incidents with incidents.manage)",
    ),
    Row(
        "customer-bookings",
        "POST",
        capability(Capability.BOOKINGS_MANAGE, 201),
        kwargs=customer_id,
        body=_phone_booking_body,
        rule=f"{Capability.BOOKINGS_MANAGE}: a phone, walk-in or agent booking on the customer's account",
    ),
    Row(
        "booking-offline-payments",
        "POST",
        capability(Capability.BOOKINGS_MANAGE, 400, **holders(Capability.PAYMENTS_MANAGE, 400)),
        kwargs=booking_id,
        body=_empty,
        rule=f"{' or '.join(MONEY_TAKERS)}; {EMPTY_400} (no Idempotency-Key)",
    ),
    Row(
        "refund-manual",
        "POST",
        capability(Capability.PAYMENTS_MANAGE, 400),
        kwargs=lambda w: {"refund_id": uuid.uuid4()},
        body=_empty,
        rule=f"{Capability.PAYMENTS_MANAGE}; {EMPTY_400}",
    ),
]
