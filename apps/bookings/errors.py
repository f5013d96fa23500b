"""Domain errors of bookings and payments (stable machine codes)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from apps.common.exceptions import ApplicationError, Conflict, ValidationFailed


class BatchFull(Conflict):
    code = "batch_full"
    message = gettext_noop("Not enough seats are left on this batch.")


class BatchNotBookable(Conflict):
    code = "batch_not_bookable"
    message = gettext_noop("This batch is not open for booking.")


class AlreadyBooked(Conflict):
    code = "already_booked"
    message = gettext_noop("You already have an active booking on this batch.")


class CouponInvalid(ValidationFailed):
    code = "coupon_invalid"
    message = gettext_noop("This coupon cannot be used.")


class CouponExhausted(Conflict):
    code = "coupon_exhausted"
    message = gettext_noop("This coupon has been used up.")


class CouponCodeTaken(Conflict):
    code = "coupon_code_taken"
    message = gettext_noop("Another coupon already has this code (codes are matched case-insensitively).")


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    message = gettext_noop("This booking has no balance to pay.")


class NotPayable(Conflict):
    code = "not_payable"
    message = gettext_noop("This booking cannot take payments.")


class SignatureInvalid(ValidationFailed):
    code = "signature_invalid"
    message = gettext_noop("The payment signature does not match.")


class WebhookPayloadInvalid(ValidationFailed):
    """A signed webhook whose body is not an event of the shape its type requires (see webhook_payloads)."""

    code = "webhook_payload_invalid"
    message = gettext_noop("The webhook body is not a gateway event of the expected shape.")

    def __init__(
        self,
        message: str | None = None,
        *,
        event_type: str = "",
        document: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.event_type = event_type
        self.document = document  # the parsed body, when it was JSON at all
        super().__init__(message, **kwargs)


class WaitlistClosed(Conflict):
    code = "waitlist_closed"
    message = gettext_noop("The waitlist of this batch is closed.")


class WaitlistNotNeeded(Conflict):
    code = "waitlist_not_needed"
    message = gettext_noop("This batch still has seats: book directly.")


class AlreadyWaitlisted(Conflict):
    code = "already_waitlisted"
    message = gettext_noop("You are already on the waitlist of this batch.")


class DocumentInvalid(ValidationFailed):
    code = "document_invalid"
    message = gettext_noop("The file is not an accepted document.")


class BookingClosed(Conflict):
    code = "booking_closed"
    message = gettext_noop("Documents are kept for pending and confirmed bookings only.")


class GatewayRejected(ApplicationError):
    status_code = 502
    code = "gateway_rejected"
    message = gettext_noop("The payment gateway refused the request.")


class BookingNotConfirmed(Conflict):
    code = "booking_not_confirmed"
    message = gettext_noop("A trip pack is made for a confirmed booking only.")


class DepartureNotActive(Conflict):
    code = "departure_not_active"
    message = gettext_noop("This departure is cancelled or completed: nobody is told anything more about it.")


class AmountExceedsBalance(Conflict):
    """An offline payment larger than what the booking still owes (``details.balance_due_paise``)."""

    code = "amount_exceeds_balance"
    message = gettext_noop("The amount is more than the booking's balance due.")


class RefundAtGateway(Conflict):
    """Marking paid by hand a refund the gateway is paying (it has the refund's id and has not said it failed)."""

    code = "refund_at_gateway"
    message = gettext_noop("The payment gateway is paying this refund back; it cannot be marked paid by hand.")


class GstinInvalid(ValidationFailed):
    """``details.problem``: ``format``, ``state_code``, ``checksum`` or ``state_mismatch`` (the billing state is
    not the GSTIN's)."""

    code = "gstin_invalid"
    message = gettext_noop("This GSTIN is not valid: check its 15 characters and the billing state.")
