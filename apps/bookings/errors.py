"""Domain errors of bookings and payments (stable machine codes)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop

from apps.common.exceptions import ApplicationError, Conflict, NotFound, ValidationFailed


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


class NoDeposit(Conflict):
    code = "no_deposit"
    message = gettext_noop("This booking takes no deposit: pay the balance due.")


class PaymentLinkNotFound(NotFound):
    code = "payment_link_not_found"
    message = gettext_noop("No such payment link.")


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


class BookingNotChangeable(Conflict):
    """A change (participants, transfer) to a booking that is not pending or confirmed, or whose departure has
    started."""

    code = "booking_not_changeable"
    message = gettext_noop("Only a pending or confirmed booking can be changed, before its departure starts.")


class LeadNotCancellable(Conflict):
    code = "lead_not_cancellable"
    message = gettext_noop("The lead trekker cannot be cancelled alone: cancel the whole booking instead.")


class AddOnUnavailable(ValidationFailed):
    code = "add_on_unavailable"
    message = gettext_noop("This add-on cannot be chosen for this booking.")


class AddOnSoldOut(Conflict):
    code = "add_on_sold_out"
    message = gettext_noop("Not enough of this add-on is left for this departure.")


class AddOnClosed(Conflict):
    code = "add_on_closed"
    message = gettext_noop("Add-ons can no longer be added to this booking.")


class CreditInsufficient(Conflict):
    """Paying with more trek credit than the user has (``details.credit_balance``, rupees)."""

    code = "credit_insufficient"
    message = gettext_noop("You do not have that much trek credit.")


class CreditOfferDecided(Conflict):
    """The choice between credit and a refund for a cancelled departure was made already."""

    code = "credit_offer_decided"
    message = gettext_noop("The choice between trek credit and a refund has already been made.")


class NotEligible(ValidationFailed):
    """A participant is outside the trek's age range or below its experience level (details name the rule)."""

    code = "not_eligible"
    message = gettext_noop("A participant does not meet this trek's age or experience requirements.")


class EmergencyContactRequired(Conflict):
    code = "emergency_contact_required"
    message = gettext_noop("Add an emergency contact to your profile before paying for this booking.")


class GstinInvalid(ValidationFailed):
    """``details.problem``: ``format``, ``state_code``, ``checksum`` or ``state_mismatch`` (the billing state is
    not the GSTIN's)."""

    code = "gstin_invalid"
    message = gettext_noop("This GSTIN is not valid: check its 15 characters and the billing state.")
