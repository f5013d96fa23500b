"""Domain errors of bookings and payments (stable machine codes)."""

from __future__ import annotations

from typing import Any

from apps.common.exceptions import ApplicationError, Conflict, ValidationFailed


class BatchFull(Conflict):
    code = "batch_full"
    message = "Not enough seats are left on this batch."


class BatchNotBookable(Conflict):
    code = "batch_not_bookable"
    message = "This batch is not open for booking."


class AlreadyBooked(Conflict):
    code = "already_booked"
    message = "You already have an active booking on this batch."


class CouponInvalid(ValidationFailed):
    code = "coupon_invalid"
    message = "This coupon cannot be used."


class CouponExhausted(Conflict):
    code = "coupon_exhausted"
    message = "This coupon has been used up."


class NothingToPay(Conflict):
    code = "nothing_to_pay"
    message = "This booking has no balance to pay."


class NotPayable(Conflict):
    code = "not_payable"
    message = "This booking cannot take payments."


class SignatureInvalid(ValidationFailed):
    code = "signature_invalid"
    message = "The payment signature does not match."


class WebhookPayloadInvalid(ValidationFailed):
    """A signed webhook whose body is not an event of the shape its type requires (see webhook_payloads)."""

    code = "webhook_payload_invalid"
    message = "The webhook body is not a gateway event of the expected shape."

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
    message = "The waitlist of this batch is closed."


class WaitlistNotNeeded(Conflict):
    code = "waitlist_not_needed"
    message = "This batch still has seats: book directly."


class AlreadyWaitlisted(Conflict):
    code = "already_waitlisted"
    message = "You are already on the waitlist of this batch."


class DocumentInvalid(ValidationFailed):
    code = "document_invalid"
    message = "The file is not an accepted document."


class BookingClosed(Conflict):
    code = "booking_closed"
    message = "Documents are kept for pending and confirmed bookings only."


class GatewayRejected(ApplicationError):
    status_code = 502
    code = "gateway_rejected"
    message = "The payment gateway refused the request."


class AmountExceedsBalance(Conflict):
    """An offline payment larger than what the booking still owes (``details.balance_due_paise``)."""

    code = "amount_exceeds_balance"
    message = "The amount is more than the booking's balance due."


class RefundAtGateway(Conflict):
    """Marking paid by hand a refund the gateway is paying (it has the refund's id and has not said it failed)."""

    code = "refund_at_gateway"
    message = "The payment gateway is paying this refund back; it cannot be marked paid by hand."
