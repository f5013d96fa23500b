"""Payment gateways behind one small interface, chosen by ``settings.PAYMENTS_GATEWAY``.

- :class:`RazorpayGateway` talks to Razorpay through the official ``razorpay`` SDK.
- :class:`LocalGateway` (development, tests, the bench) keeps orders and payments in the cache and signs
  with ``PAYMENTS_LOCAL_SECRET``, exactly as Razorpay signs with the key secret, so the one verification
  path below (:func:`signature_matches`) runs everywhere.

Signatures: checkout returns ``HMAC-SHA256(key_secret, order_id + "|" + payment_id)`` (hex); webhooks carry
``HMAC-SHA256(webhook_secret, raw body)`` in ``X-Razorpay-Signature``. Both are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from typing import Any

import razorpay
from django.conf import settings
from django.core import signing
from django.core.cache import cache
from requests.exceptions import RequestException

from apps.bookings.errors import GatewayRejected
from apps.common.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class GatewayOrder:
    id: str
    amount_paise: int
    currency: str


@dataclass(frozen=True)
class GatewayPayment:
    id: str
    order_id: str
    amount_paise: int
    currency: str
    status: str  # created / authorized / captured / failed / refunded
    method: str = ""
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class GatewayPaymentLink:
    id: str
    url: str
    amount_paise: int
    currency: str


@dataclass(frozen=True)
class GatewayRefund:
    id: str
    status: str  # pending / processed / failed


def hmac_hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(*, secret: str, message: bytes, signature: str) -> bool:
    """Constant-time comparison of ``signature`` with HMAC-SHA256(secret, message)."""
    if not secret or not signature:
        return False
    return hmac.compare_digest(hmac_hex(secret, message).encode(), signature.strip().encode())


def payment_message(order_id: str, payment_id: str) -> bytes:
    return f"{order_id}|{payment_id}".encode()


class PaymentGateway:
    name = "base"

    @property
    def key_id(self) -> str:
        raise NotImplementedError

    @property
    def key_secret(self) -> str:
        raise NotImplementedError

    @property
    def webhook_secret(self) -> str:
        raise NotImplementedError

    def create_order(self, *, amount_paise: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder:
        raise NotImplementedError

    def order_payments(self, order_id: str) -> list[GatewayPayment]:
        raise NotImplementedError

    def refund(self, *, payment_id: str, amount_paise: int, notes: dict[str, str]) -> GatewayRefund:
        raise NotImplementedError

    def create_payment_link(
        self,
        *,
        amount_paise: int,
        currency: str,
        reference: str,
        description: str,
        customer: dict[str, str],
        notes: dict[str, str],
        expire_by: int,
    ) -> GatewayPaymentLink:
        """A hosted page that takes ``amount_paise`` once; ``order_payments(link.id)`` lists what paid it."""
        raise NotImplementedError

    def verify_payment(self, *, order_id: str, payment_id: str, signature: str) -> bool:
        return signature_matches(
            secret=self.key_secret, message=payment_message(order_id, payment_id), signature=signature
        )

    def verify_webhook(self, *, body: bytes, signature: str) -> bool:
        return signature_matches(secret=self.webhook_secret, message=body, signature=signature)


class RazorpayGateway(PaymentGateway):
    name = "razorpay"

    def __init__(self) -> None:
        self.client = razorpay.Client(auth=(settings.RAZORPAY_KEY_ID, settings.RAZORPAY_KEY_SECRET))

    @property
    def key_id(self) -> str:
        return str(settings.RAZORPAY_KEY_ID)

    @property
    def key_secret(self) -> str:
        return str(settings.RAZORPAY_KEY_SECRET)

    @property
    def webhook_secret(self) -> str:
        return str(settings.RAZORPAY_WEBHOOK_SECRET)

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args, timeout=10)
        except razorpay.errors.BadRequestError as exc:
            logger.error("razorpay %s refused: %s", what, exc)
            raise GatewayRejected(details={"gateway": str(exc)[:200]}) from exc
        except (RequestException, ValueError, razorpay.errors.ServerError, razorpay.errors.GatewayError) as exc:
            logger.warning("razorpay %s failed: %s", what, type(exc).__name__)
            raise ServiceUnavailable("The payment gateway is not answering. Try again shortly.") from exc

    def create_order(self, *, amount_paise: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder:
        data = {"amount": amount_paise, "currency": currency, "receipt": receipt, "notes": notes}
        order = self._call("order.create", self.client.order.create, data)
        return GatewayOrder(id=order["id"], amount_paise=int(order["amount"]), currency=order["currency"])

    def order_payments(self, order_id: str) -> list[GatewayPayment]:
        if order_id.startswith(PAYMENT_LINK_PREFIX):  # a payment link lists the payments made through it
            link = self._call("payment_link.fetch", self.client.payment_link.fetch, order_id)
            return [_razorpay_link_payment(order_id, link, item) for item in link.get("payments") or []]
        body = self._call("order.payments", self.client.order.payments, order_id)
        return [_razorpay_payment(item) for item in body.get("items", [])]

    def create_payment_link(
        self,
        *,
        amount_paise: int,
        currency: str,
        reference: str,
        description: str,
        customer: dict[str, str],
        notes: dict[str, str],
        expire_by: int,
    ) -> GatewayPaymentLink:
        data = {
            "amount": amount_paise,
            "currency": currency,
            "accept_partial": False,
            "reference_id": reference,
            "description": description,
            "customer": {key: value for key, value in customer.items() if value},
            "notify": {"sms": False, "email": False},  # the messages are ours (notify(), in the trekker's language)
            "reminder_enable": False,
            "notes": notes,
            "expire_by": expire_by,
        }
        link = self._call("payment_link.create", self.client.payment_link.create, data)
        return GatewayPaymentLink(
            id=link["id"], url=link["short_url"], amount_paise=int(link["amount"]), currency=link["currency"]
        )

    def refund(self, *, payment_id: str, amount_paise: int, notes: dict[str, str]) -> GatewayRefund:
        body = self._call(
            "payment.refund", self.client.payment.refund, payment_id, {"amount": amount_paise, "notes": notes}
        )
        return GatewayRefund(id=body["id"], status=body.get("status", "pending"))


def _razorpay_payment(item: dict[str, Any]) -> GatewayPayment:
    return GatewayPayment(
        id=item["id"],
        order_id=item.get("order_id") or "",
        amount_paise=int(item.get("amount", 0)),
        currency=item.get("currency", ""),
        status=item.get("status", ""),
        method=item.get("method") or "",
        raw=item,
    )


def _razorpay_link_payment(link_id: str, link: dict[str, Any], item: dict[str, Any]) -> GatewayPayment:
    """One entry of a payment link's ``payments`` (``payment_id``, ``amount``, ``status``, ``method``)."""
    return GatewayPayment(
        id=item["payment_id"],
        order_id=link_id,
        amount_paise=int(item.get("amount", 0)),
        currency=link.get("currency", ""),
        status=item.get("status", ""),
        method=item.get("method") or "",
        raw=item,
    )


PAYMENT_LINK_PREFIX = "plink_"
LOCAL_LINK_SALT = "obs.payments.local-link"


def local_link_token(link_id: str) -> str:
    """The signed part of a local payment link's address (development: the link is a page of this API)."""
    return signing.dumps(link_id, key=str(settings.PAYMENTS_LOCAL_SECRET), salt=LOCAL_LINK_SALT)


def local_link_id(token: str) -> str | None:
    """The link id a local link token was signed for, or None for a forged or malformed token."""
    try:
        value = signing.loads(token, key=str(settings.PAYMENTS_LOCAL_SECRET), salt=LOCAL_LINK_SALT)
    except signing.BadSignature:
        return None
    return value if isinstance(value, str) and value.startswith(PAYMENT_LINK_PREFIX) else None


class LocalGateway(PaymentGateway):
    """A gateway without a network: orders and simulated payments live in the cache for a day."""

    name = "local"
    TTL = 24 * 3600

    @property
    def key_id(self) -> str:
        return "local"

    @property
    def key_secret(self) -> str:
        return str(settings.PAYMENTS_LOCAL_SECRET)

    @property
    def webhook_secret(self) -> str:
        return str(settings.PAYMENTS_LOCAL_WEBHOOK_SECRET)

    def create_order(self, *, amount_paise: int, currency: str, receipt: str, notes: dict[str, str]) -> GatewayOrder:
        order = GatewayOrder(id=f"order_local{secrets.token_hex(8)}", amount_paise=amount_paise, currency=currency)
        cache.set(f"payments:local:order:{order.id}", {"amount": amount_paise, "currency": currency}, self.TTL)
        return order

    def simulate_payment(self, *, order_id: str, status: str = "captured", method: str = "upi") -> dict[str, str]:
        """What checkout would hand the client: a payment of the whole order and its signature."""
        order = cache.get(f"payments:local:order:{order_id}")
        if order is None:
            raise ValueError("unknown local order")
        payment_id = f"pay_local{secrets.token_hex(8)}"
        payments = cache.get(f"payments:local:payments:{order_id}") or []
        payments.append({"id": payment_id, "order_id": order_id, "status": status, "method": method, **order})
        cache.set(f"payments:local:payments:{order_id}", payments, self.TTL)
        return {
            "razorpay_order_id": order_id,
            "razorpay_payment_id": payment_id,
            "razorpay_signature": hmac_hex(self.key_secret, payment_message(order_id, payment_id)),
        }

    def order_payments(self, order_id: str) -> list[GatewayPayment]:
        return [_razorpay_payment(item) for item in cache.get(f"payments:local:payments:{order_id}") or []]

    def refund(self, *, payment_id: str, amount_paise: int, notes: dict[str, str]) -> GatewayRefund:
        return GatewayRefund(id=f"rfnd_local{secrets.token_hex(8)}", status="processed")

    def create_payment_link(
        self,
        *,
        amount_paise: int,
        currency: str,
        reference: str,
        description: str,
        customer: dict[str, str],
        notes: dict[str, str],
        expire_by: int,
    ) -> GatewayPaymentLink:
        """A link to this API's local payment page, signed with ``PAYMENTS_LOCAL_SECRET``; paid like an order."""
        link_id = f"{PAYMENT_LINK_PREFIX}local{secrets.token_hex(8)}"
        cache.set(f"payments:local:order:{link_id}", {"amount": amount_paise, "currency": currency}, self.TTL)
        base = str(settings.PAYMENTS_LOCAL_LINK_BASE_URL).rstrip("/")
        url = f"{base}/api/v1/payments/links/{local_link_token(link_id)}/"
        return GatewayPaymentLink(id=link_id, url=url, amount_paise=amount_paise, currency=currency)


GATEWAYS: dict[str, type[PaymentGateway]] = {"razorpay": RazorpayGateway, "local": LocalGateway}


def get_gateway(name: str | None = None) -> PaymentGateway:
    key = name or settings.PAYMENTS_GATEWAY
    try:
        return GATEWAYS[key]()
    except KeyError as exc:
        raise RuntimeError(f"unknown payment gateway {key!r}") from exc
