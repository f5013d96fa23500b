"""OpenAPI examples of booking, paying and cancelling (``extend_schema(examples=...)``): what an app sends and gets.

A booking's amounts are rupees as decimal strings (``"26034.75"``); a payment's are integer paise
(``amount_paise``: 2603475 is ₹26,034.75). The booking below: two seats of ₹14,500, a Trail Blazer's 5 %, coupon
WINTER10 (10 %), 5 % GST.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

BOOKING_ID = "7e1a9c3b-5d2f-4a8e-b6c4-0d9f2e7a1b35"
BATCH_ID = "b4d6f8a0-2c3e-4f5a-9b7c-1d3e5f7a9c0e"
ORDER_ID = "order_PqR8sT2uV4wX6y"
PAYMENT_ID = "pay_PqS1tU3vW5xY7z"

EVERYTHING = ["health_declaration", "waiver", "id_document", "fitness_proof"]

ANANYA = {
    "position": 0,
    "is_lead": True,
    "name": "Ananya Sharma",
    "age": 29,
    "phone": "",
    "email": "",
    "experience_level": "beginner",
    "missing_documents": EVERYTHING,
    "fitness_status": "missing",
}
VIKRAM = {
    "position": 1,
    "is_lead": False,
    "name": "Vikram Sharma",
    "age": 31,
    "phone": "+919876543210",
    "email": "",
    "experience_level": "intermediate",
    "missing_documents": EVERYTHING,
    "fitness_status": "missing",
}

PENDING = {
    "id": BOOKING_ID,
    "reference": "OBS-K7M2XQ9P",
    "status": "pending",
    "source": "app",
    "batch": {
        "id": BATCH_ID,
        "start_date": "2026-12-26",
        "end_date": "2026-12-31",
        "status": "open",
        "trek_slug": "kedarkantha",
        "trek_name": "Kedarkantha",
    },
    "seats": 2,
    "participants": [ANANYA, VIKRAM],
    "pricing": {
        "unit_price": "14500.00",
        "seats": 2,
        "base_amount": "29000.00",
        "tier_discount_percent": "5.00",
        "tier_discount": "1450.00",
        "coupon_code": "WINTER10",
        "coupon_discount": "2755.00",
        "tax_rate": "0.0500",
        "tax_amount": "1239.75",
        "change_fees": "0.00",
        "add_ons_amount": "0.00",
        "final_amount": "26034.75",
    },
    "amount_paid": "0.00",
    "amount_refunded": "0.00",
    "amount_credited": "0.00",
    "balance_due": "26034.75",
    "payment_terms": {
        "deposit_amount": "5206.95",
        "balance_due_date": None,
        "balance_overdue": False,
        "balance_overdue_at": None,
    },
    "hold_expires_at": "2026-11-30T10:32:11+05:30",
    "confirmed_at": None,
    "completed_at": None,
    "expired_at": None,
    "cancelled_at": None,
    "cancellation_reason": "",
    "cancellation_refund_percent": None,
    "user_email": "ananya.sharma@example.in",
    "trekker_name": "Ananya Sharma",
    "trekker_age": 29,
    "trekker_phone": "+919812345678",
    "trekker_email": "ananya.sharma@example.in",
    "emergency_contact_name": "Rajesh Sharma",
    "emergency_contact_phone": "+919837012345",
    "emergency_contact_relation": "Father",
    "health_declared_at": None,
    "waiver_version": "",
    "waiver_accepted_at": None,
    "documents": [],
    "missing_documents": EVERYTHING,
    "created_at": "2026-11-30T10:02:11+05:30",
}
CONFIRMED = {
    **PENDING,
    "status": "confirmed",
    "amount_paid": "26034.75",
    "balance_due": "0.00",
    "payment_terms": {
        "deposit_amount": None,
        "balance_due_date": None,
        "balance_overdue": False,
        "balance_overdue_at": None,
    },
    "hold_expires_at": None,
    "confirmed_at": "2026-11-30T10:09:48+05:30",
    "health_declared_at": "2026-12-01T21:14:05+05:30",
    "waiver_version": "2026-01",
    "waiver_accepted_at": "2026-12-01T21:15:30+05:30",
    "participants": [
        {**ANANYA, "missing_documents": ["fitness_proof"]},
        VIKRAM,
    ],
    "documents": [
        {
            "id": "2f4b6d8e-0a1c-4e3f-8b5d-7c9e1a3b5d7f",
            "kind": "id_document",
            "participant": 0,
            "content_type": "image/jpeg",
            "size": 482113,
            "status": "approved",
            "reviewed_at": "2026-12-02T11:03:44+05:30",
            "review_note": "",
            "created_at": "2026-12-01T21:17:02+05:30",
        }
    ],
    "missing_documents": EVERYTHING,  # Vikram has sent nothing yet
}
CANCELLED = {
    **CONFIRMED,
    "status": "cancelled",
    "amount_refunded": "13017.38",
    "amount_credited": "0.00",
    "cancelled_at": "2026-11-30T18:40:26+05:30",
    "cancellation_reason": "Exams moved to the same week.",
    "cancellation_refund_percent": 50,
}


def _response(name: str, value: dict[str, object], status: int = 200) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True, status_codes=[str(status)])


def _request(name: str, value: dict[str, object]) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


BOOKING_CREATE = [
    _request(
        "Two seats with a coupon",
        {
            "batch": BATCH_ID,
            "participants": [
                {"name": "Ananya Sharma", "age": 29},
                {"name": "Vikram Sharma", "age": 31, "phone": "+919876543210", "experience_level": "intermediate"},
            ],
            "coupon_code": "WINTER10",
        },
    ),
    _response("Held for 30 minutes, to pay", PENDING, 201),
]
BOOKING_GET = [_response("Paid with documents on the way", CONFIRMED)]
CANCEL_QUOTE = [
    _response(
        "26 days before the start and 50 % back",
        {
            "days_before_start": 26,
            "refund_percent": 50,
            "amount_paid": "26034.75",
            "refund_amount": "13017.38",
            "credit_percent": 70,
            "credit_amount": "18224.33",
        },
    )
]
CANCEL = [
    _request("With a reason", {"reason": "Exams moved to the same week."}),
    _response("Cancelled with half refunded", CANCELLED),
]
PAYMENT_ORDER = [
    _response(
        "Order for the balance (paise)",
        {
            "id": "9a1c3e5f-7b9d-4f1a-8c3e-5a7c9e1b3d5f",
            "gateway": "razorpay",
            "order_id": ORDER_ID,
            "key_id": "rzp_live_Hk3M9pQx2LzW7e",
            "amount_paise": 2603475,
            "currency": "INR",
            "receipt": "OBS-K7M2XQ9P",
            "status": "created",
        },
        201,
    )
]
PAYMENT_VERIFY = [
    _request(
        "What Razorpay Checkout answered",
        {
            "razorpay_order_id": ORDER_ID,
            "razorpay_payment_id": PAYMENT_ID,
            "razorpay_signature": "5f2c8e1a9b7d3f6e0c4a8b2d6f1e9c3a7b5d0f8e2c6a4b9d1f3e7c5a0b8d2f6e",
        },
    ),
    _response(
        "Captured and the booking confirmed",
        {
            "id": "9a1c3e5f-7b9d-4f1a-8c3e-5a7c9e1b3d5f",
            "order_id": ORDER_ID,
            "payment_id": PAYMENT_ID,
            "amount_paise": 2603475,
            "currency": "INR",
            "status": "captured",
            "method": "upi",
            "booking_status": "confirmed",
        },
    ),
]
