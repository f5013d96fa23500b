"""A typed client generated from /api/schema/ (openapi-python-client, into a temp dir, during the run)
drives a trekker's journey against a live server on a loopback port (test settings, a committed database)."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.utils import timezone

from apps.treks.models import Trek
from apps.treks.tests.factories import BatchFactory, RegionFactory, TrekFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PACKAGE = "obs_generated_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def api(live_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """Generate the client package from the live server's schema and import it."""
    workdir = tmp_path_factory.mktemp("client")
    schema = workdir / "schema.json"
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json", timeout=30) as response:
        schema.write_bytes(response.read())
    config = workdir / "config.yml"
    config.write_text(f"post_hooks: []\nproject_name_override: {PACKAGE}\npackage_name_override: {PACKAGE}\n")
    out = workdir / PACKAGE
    command = [str(GENERATOR), "generate", "--path", str(schema), "--output-path", str(out), "--meta", "none"]
    result = subprocess.run(
        [*command, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _patch_generator_defect(out)
    sys.path.insert(0, str(workdir))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(workdir))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _patch_generator_defect(package: Path) -> None:
    """openapi-python-client 0.29 annotates an optional body offered in several media types with ``Unset``
    without importing it; add the import where the module uses the name."""
    for module in (package / "api").rglob("*.py"):
        text = module.read_text()
        if "| Unset" in text and "from ...types import Response, UNSET\n" in text:
            module.write_text(
                text.replace("from ...types import Response, UNSET\n", "from ...types import Response, UNSET, Unset\n")
            )


def _op(api: ModuleType, tag: str, name: str) -> ModuleType:
    return importlib.import_module(f"{api.__name__}.api.{tag}.{name}")


def _model(api: ModuleType, name: str) -> Any:
    return getattr(importlib.import_module(f"{api.__name__}.models"), name)


def test_register_login_browse_and_filter(api: ModuleType, live_server: Any) -> None:
    region = RegionFactory(name="Uttarakhand", slug="uttarakhand")
    easy = TrekFactory(name="Nag Tibba", slug="nag-tibba", region=region, difficulty=Trek.Difficulty.EASY)
    hard = TrekFactory(name="Rupin Pass", slug="rupin-pass", region=region, difficulty=Trek.Difficulty.DIFFICULT)
    BatchFactory(trek=easy)
    BatchFactory(trek=hard)

    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    registered = _op(api, "auth", "auth_register").sync_detailed(
        client=anonymous,
        body=_model(api, "RegisterRequest")(
            email="journey@example.com", password="Himalaya-Journey-2026!", first_name="Asha", last_name="Rawat"
        ),
    )
    assert registered.status_code == 201, registered.content
    assert registered.parsed.user.email == "journey@example.com"

    wrong = _op(api, "auth", "auth_login").sync_detailed(
        client=anonymous, body=_model(api, "LoginRequest")(email="journey@example.com", password="nope-nope-nope")
    )
    assert wrong.status_code == 401
    assert wrong.parsed.error.code  # the documented error envelope, parsed into its model
    login = _op(api, "auth", "auth_login").sync(
        client=anonymous,
        body=_model(api, "LoginRequest")(email="journey@example.com", password="Himalaya-Journey-2026!"),
    )
    client = api.AuthenticatedClient(base_url=live_server.url, token=login.access, raise_on_unexpected_status=True)
    me = _op(api, "me", "me_get").sync(client=client)
    assert (me.email, me.first_name) == ("journey@example.com", "Asha")

    treks = _op(api, "catalog", "trek_list").sync(client=client)
    assert {t.slug for t in treks.results} == {"nag-tibba", "rupin-pass"}
    assert treks.count == 2
    filtered = _op(api, "catalog", "trek_list").sync(client=client, difficulty="easy")
    assert [t.slug for t in filtered.results] == ["nag-tibba"]
    assert filtered.results[0].next_batch is not None
    detail = _op(api, "catalog", "trek_get").sync("rupin-pass", client=client)
    assert (detail.name, detail.region.slug) == ("Rupin Pass", "uttarakhand")
    batches = _op(api, "catalog", "trek_batch_list").sync("rupin-pass", client=client)
    assert batches.count == 1
    assert batches.results[0].seats_left == 10


def test_book_pay_confirm_cancel_refund(api: ModuleType, live_server: Any) -> None:
    import httpx

    from apps.bookings.gateways import LocalGateway, hmac_hex
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trek = TrekFactory(name="Kedarkantha", slug="kedarkantha", duration_days=4)
    batch = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=60), price=Decimal("10000.00"))
    UserFactory(email="booker@example.com")

    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    login = _op(api, "auth", "auth_login").sync(
        client=anonymous, body=_model(api, "LoginRequest")(email="booker@example.com", password=DEFAULT_PASSWORD)
    )
    client = api.AuthenticatedClient(base_url=live_server.url, token=login.access, raise_on_unexpected_status=True)

    request = _model(api, "BookingCreateRequest")(
        batch=batch.pk, participants=[_model(api, "ParticipantInputRequest")(name="Asha Rawat", age=29)]
    )
    # The operation accepts JSON, form and multipart bodies; the generated function picks a form encoding,
    # which cannot carry the nested participants, so this one call sends the typed model as JSON itself.
    created = client.get_httpx_client().post("/api/v1/bookings/", json=request.to_dict())
    assert created.status_code == 201, created.text
    booking = _model(api, "Booking").from_dict(created.json())
    assert str(booking.status) == "pending"

    order = _op(api, "payments", "booking_payment_create").sync(booking.id, client=client)
    assert order.amount_paise > 0
    checkout = LocalGateway().simulate_payment(order_id=order.order_id)  # what checkout hands the app, signed
    verified = _op(api, "payments", "payment_verify").sync_detailed(
        client=client, body=_model(api, "PaymentVerifyRequest")(**checkout)
    )
    assert verified.status_code == 200, verified.content

    # The gateway's webhook for the same capture (signed with the webhook secret) is accepted and idempotent.
    event = {
        "event": "payment.captured",
        "payload": {
            "payment": {
                "entity": {
                    "id": checkout["razorpay_payment_id"],
                    "order_id": order.order_id,
                    "amount": order.amount_paise,
                    "currency": "INR",
                    "status": "captured",
                    "method": "upi",
                }
            }
        },
    }
    raw = json.dumps(event).encode()
    webhook = httpx.post(
        f"{live_server.url}/api/v1/payments/webhooks/razorpay/",
        content=raw,
        headers={
            "Content-Type": "application/json",
            "X-Razorpay-Signature": hmac_hex(LocalGateway().webhook_secret, raw),
            "X-Razorpay-Event-Id": "evt_journey_1",
        },
        timeout=30,
    )
    assert webhook.status_code < 300, webhook.text

    confirmed = _op(api, "bookings", "booking_get").sync(booking.id, client=client)
    assert str(confirmed.status) == "confirmed"
    assert Decimal(confirmed.amount_paid) == Decimal(order.amount_paise) / 100

    quote = _op(api, "bookings", "booking_cancel_quote").sync(booking.id, client=client)
    assert quote.refund_percent > 0
    cancelled = _op(api, "bookings", "booking_cancel").sync(
        booking.id, client=client, body=_model(api, "CancelRequest")(reason="Knee injury")
    )
    assert str(cancelled.status) == "cancelled"
    assert cancelled.cancellation_refund_percent == quote.refund_percent
    after = _op(api, "bookings", "booking_get").sync(booking.id, client=client)
    assert Decimal(after.amount_refunded) == Decimal(quote.refund_amount)


def test_sos_acknowledged_by_ops(api: ModuleType, live_server: Any) -> None:
    import uuid

    from apps.users.models import EmergencyContact
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trekker = UserFactory(email="sos@example.com", first_name="Kavya")
    EmergencyContact.objects.create(
        user=trekker, name="Ravi", relationship="brother", phone="+919810000042", is_primary=True
    )
    UserFactory(email="ops-journey@example.com", staff_role="ops_manager")
    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def sign_in(email: str) -> Any:
        pair = _op(api, "auth", "auth_login").sync(
            client=anonymous, body=_model(api, "LoginRequest")(email=email, password=DEFAULT_PASSWORD)
        )
        return api.AuthenticatedClient(base_url=live_server.url, token=pair.access, raise_on_unexpected_status=True)

    client = sign_in("sos@example.com")
    sos = _op(api, "emergency", "sos_raise")
    key = str(uuid.uuid4())
    body = _model(api, "SOSRequest")(latitude=30.7, longitude=78.5, message="Twisted ankle below the pass")
    first = sos.sync_detailed(client=client, idempotency_key=key, body=body)
    assert first.status_code == 201, first.content
    incident = json.loads(first.content)
    assert incident["status"] == "open"
    replay = sos.sync_detailed(client=client, idempotency_key=key, body=body)
    assert replay.status_code == 200
    assert json.loads(replay.content)["id"] == incident["id"]

    ops = sign_in("ops-journey@example.com")
    acknowledged = _op(api, "emergency", "incident_acknowledge").sync_detailed(incident["id"], client=ops)
    assert acknowledged.status_code == 200, acknowledged.content
    seen = _op(api, "emergency", "incident_get").sync_detailed(incident["id"], client=client)
    assert seen.status_code == 200
    assert json.loads(seen.content)["status"] == "acknowledged"


def test_journey_deposit(api: ModuleType, live_server: Any) -> None:
    """Book a trek that takes a deposit, pay only the deposit (confirmed), then the balance by the payment link
    ops send: every amount to the paisa."""
    import httpx

    from apps.bookings.gateways import LocalGateway
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trek = TrekFactory(
        name="Har Ki Dun",
        slug="har-ki-dun",
        deposit_kind=Trek.DepositKind.PERCENT,
        deposit_value=Decimal("20"),
        balance_due_days=30,
    )
    batch = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=75), price=Decimal("13949.00"))
    UserFactory(email="deposit@example.com")
    UserFactory(email="ops-deposit@example.com", staff_role="ops_manager")
    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    def sign_in(email: str) -> Any:
        pair = _op(api, "auth", "auth_login").sync(
            client=anonymous, body=_model(api, "LoginRequest")(email=email, password=DEFAULT_PASSWORD)
        )
        return api.AuthenticatedClient(base_url=live_server.url, token=pair.access, raise_on_unexpected_status=True)

    client = sign_in("deposit@example.com")
    request = _model(api, "BookingCreateRequest")(
        batch=batch.pk,
        participants=[
            _model(api, "ParticipantInputRequest")(name="Meera Joshi", age=31),
            _model(api, "ParticipantInputRequest")(name="Kabir Joshi", age=33),
        ],
    )
    created = client.get_httpx_client().post("/api/v1/bookings/", json=request.to_dict())  # JSON: see above
    assert created.status_code == 201, created.text
    booking = _model(api, "Booking").from_dict(created.json())
    # 2 x 13,949.00 = 27,898.00 + 5 % GST 1,394.90 = 29,292.90; a 20 % deposit: 5,858.58
    assert Decimal(booking.pricing.final_amount) == Decimal("29292.90")
    assert Decimal(booking.payment_terms.deposit_amount) == Decimal("5858.58")

    pay = _model(api, "BookingPaymentCreatePay")
    order = _op(api, "payments", "booking_payment_create").sync(booking.id, client=client, pay=pay("deposit"))
    assert order.amount_paise == 585858
    checkout = LocalGateway().simulate_payment(order_id=order.order_id)
    verified = _op(api, "payments", "payment_verify").sync_detailed(
        client=client, body=_model(api, "PaymentVerifyRequest")(**checkout)
    )
    assert verified.status_code == 200, verified.content
    confirmed = _op(api, "bookings", "booking_get").sync(booking.id, client=client)
    assert str(confirmed.status) == "confirmed"
    assert Decimal(confirmed.balance_due) == Decimal("23434.32")
    assert confirmed.payment_terms.balance_due_date == batch.start_date - timedelta(days=30)

    ops = sign_in("ops-deposit@example.com")
    link = _op(api, "payments", "booking_payment_link_send").sync(booking.id, client=ops)
    assert (link.amount_paise, Decimal(link.amount), link.times_sent) == (2343432, Decimal("23434.32"), 1)
    links = _op(api, "payments", "booking_payment_links").sync(booking.id, client=client)
    assert [item.url for item in links] == [link.url]

    # The trekker opens the link (the local gateway's page on this API) and pays it.
    token = link.url.rstrip("/").rsplit("/", 1)[1]
    page = _op(api, "payments", "payment_link_get").sync(token, client=anonymous)
    assert page.amount_text == "₹23,434.32"
    paid = httpx.post(f"{live_server.url}/api/v1/payments/links/{token}/pay/", timeout=30)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "captured"

    settled = _op(api, "bookings", "booking_get").sync(booking.id, client=client)
    assert (Decimal(settled.amount_paid), Decimal(settled.balance_due)) == (Decimal("29292.90"), Decimal("0.00"))
    payments = _op(api, "payments", "booking_payment_list").sync(booking.id, client=client)
    captured = sorted(item.amount_paise for item in payments if str(item.status) == "captured")
    assert captured == [585858, 2343432]
