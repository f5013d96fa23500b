"""Booking writes (see the modules for the rules each one enforces)."""

from apps.bookings.services.addons import (
    add_on_create,
    add_on_update,
    booking_add_ons_add,
)
from apps.bookings.services.announcements import departure_announce, may_announce
from apps.bookings.services.bookings import (
    booking_complete,
    booking_create,
    booking_expire,
    bookings_complete_finished,
    bookings_expire_holds,
)
from apps.bookings.services.cancellation import (
    batch_bulk_cancel_run,
    batch_bulk_cancel_start,
    batch_cancellations_resume,
    booking_cancel,
    cancellation_quote,
)
from apps.bookings.services.credit import (
    credit_balance,
    credit_expiry_reminders,
    credit_issue,
    credit_redeem,
    credits_expire,
)
from apps.bookings.services.credit_offers import credit_offer_choose, credit_offers_settle_due
from apps.bookings.services.deposits import (
    balance_reminders_send,
    balances_overdue_process,
    payment_link_by_token,
    payment_link_current,
    payment_link_local_pay,
    payment_link_send,
)
from apps.bookings.services.field import base_check_in_mark, camp_check_in_post
from apps.bookings.services.holds import coupon_redeem
from apps.bookings.services.invoices import booking_billing_update
from apps.bookings.services.offline import payment_record_offline, refund_pay_manually
from apps.bookings.services.payments import (
    payment_order_create,
    payment_succeeded,
    payment_verify,
    payments_reconcile,
)
from apps.bookings.services.refunds import refund_send, refund_settled, refunds_resend_pending
from apps.bookings.services.reminders import (
    booking_payment_link_send,
    send_hold_expiry_reminders,
    send_pretrek_reminders,
)
from apps.bookings.services.waitlist import waitlist_join, waitlist_leave, waitlist_offer_next
from apps.bookings.services.webhooks import webhook_receive

__all__ = [
    "add_on_create",
    "add_on_update",
    "balance_reminders_send",
    "balances_overdue_process",
    "base_check_in_mark",
    "batch_bulk_cancel_run",
    "batch_bulk_cancel_start",
    "batch_cancellations_resume",
    "booking_add_ons_add",
    "booking_billing_update",
    "booking_cancel",
    "booking_complete",
    "booking_create",
    "booking_expire",
    "booking_payment_link_send",
    "bookings_complete_finished",
    "bookings_expire_holds",
    "camp_check_in_post",
    "cancellation_quote",
    "coupon_redeem",
    "credit_balance",
    "credit_expiry_reminders",
    "credit_issue",
    "credit_offer_choose",
    "credit_offers_settle_due",
    "credit_redeem",
    "credits_expire",
    "departure_announce",
    "may_announce",
    "payment_link_by_token",
    "payment_link_current",
    "payment_link_local_pay",
    "payment_link_send",
    "payment_order_create",
    "payment_record_offline",
    "payment_succeeded",
    "payment_verify",
    "payments_reconcile",
    "refund_pay_manually",
    "refund_send",
    "refund_settled",
    "refunds_resend_pending",
    "send_hold_expiry_reminders",
    "send_pretrek_reminders",
    "waitlist_join",
    "waitlist_leave",
    "waitlist_offer_next",
    "webhook_receive",
]
