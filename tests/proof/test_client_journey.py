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

from apps.bookings.tests.conftest import with_emergency_contact
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
    from apps.users.models import EmergencyContact
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trek = TrekFactory(name="Kedarkantha", slug="kedarkantha", duration_days=4)
    batch = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=60), price=Decimal("10000.00"))
    booker = UserFactory(email="booker@example.com")
    # a booking is paid for (and so confirmed) only with an emergency contact on file
    EmergencyContact.objects.create(
        user=booker, name="Mohan Rawat", relationship="father", phone="+919810000009", is_primary=True
    )

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


def test_journey_changes(api: ModuleType, live_server: Any) -> None:
    """A group of two books and pays, moves to another trek's departure (quote first), then one of them drops out."""
    from apps.bookings.gateways import LocalGateway
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    first = BatchFactory(
        trek=TrekFactory(name="Kedarkantha", slug="kedarkantha-changes", duration_days=4),
        start_date=timezone.localdate() + timedelta(days=60),
        price=Decimal("10000.00"),
    )
    second = BatchFactory(
        trek=TrekFactory(name="Brahmatal", slug="brahmatal-changes", duration_days=5),
        start_date=timezone.localdate() + timedelta(days=75),
        price=Decimal("12000.00"),
    )
    with_emergency_contact(UserFactory(email="group@example.com"))  # payments need someone to call
    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    login = _op(api, "auth", "auth_login").sync(
        client=anonymous, body=_model(api, "LoginRequest")(email="group@example.com", password=DEFAULT_PASSWORD)
    )
    client = api.AuthenticatedClient(base_url=live_server.url, token=login.access, raise_on_unexpected_status=True)
    person = _model(api, "ParticipantInputRequest")
    request = _model(api, "BookingCreateRequest")(
        batch=first.pk, participants=[person(name="Asha Rawat", age=29), person(name="Dev Rawat", age=31)]
    )
    created = client.get_httpx_client().post("/api/v1/bookings/", json=request.to_dict())  # JSON: nested people
    assert created.status_code == 201, created.text
    booking_id = created.json()["id"]

    def pay() -> None:
        order = _op(api, "payments", "booking_payment_create").sync(booking_id, client=client)
        checkout = LocalGateway().simulate_payment(order_id=order.order_id)
        _op(api, "payments", "payment_verify").sync(client=client, body=_model(api, "PaymentVerifyRequest")(**checkout))

    pay()
    assert Decimal(_op(api, "bookings", "booking_get").sync(booking_id, client=client).amount_paid) == Decimal("21000")

    # transfer: 2 x 12 000 + 5 % GST + the 500.00 fee = 25 700.00, so 4 700.00 is owed, then paid
    quote = _op(api, "bookings", "booking_transfer_quote").sync(booking_id, client=client, batch=second.pk)
    assert (Decimal(quote.final_amount_after), Decimal(quote.fee)) == (Decimal("25700.00"), Decimal("500.00"))
    assert Decimal(quote.balance_due_after) == Decimal("4700.00")
    moved = _op(api, "bookings", "booking_transfer").sync(
        booking_id, client=client, body=_model(api, "TransferRequest")(batch=second.pk, reason="Exams moved")
    )
    assert str(moved.batch.id) == str(second.pk)
    assert Decimal(moved.balance_due) == Decimal("4700.00")
    assert str(moved.status) == "confirmed"
    pay()

    # one participant drops out 75 days before: 90 % of their paid share (12 600.00) comes back
    cancel_quote = _op(api, "bookings", "booking_participant_cancel_quote").sync(booking_id, 1, client=client)
    assert (cancel_quote.refund_percent, Decimal(cancel_quote.refund_amount)) == (90, Decimal("11340.00"))
    after = _op(api, "bookings", "booking_participant_cancel").sync(
        booking_id, 1, client=client, body=_model(api, "ChangeReasonRequest")(reason="Knee injury")
    )
    assert after.seats == 1
    assert [p.name for p in after.participants] == ["Asha Rawat"]
    assert Decimal(after.amount_paid) - Decimal(after.amount_refunded) == Decimal(after.pricing.final_amount)
    assert Decimal(after.amount_refunded) == Decimal("11340.00")
    assert Decimal(after.balance_due) == 0


def test_journey_add_on(api: ModuleType, live_server: Any) -> None:
    """Book with backpack offloading, pay, then add a rental jacket after confirmation and pay its balance."""
    from apps.bookings.gateways import LocalGateway
    from apps.bookings.models import AddOn
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trek = TrekFactory(name="Brahmatal", slug="brahmatal", duration_days=6)
    batch = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=45), price=Decimal("11000.00"))
    bag = AddOn.objects.create(
        trek=trek, kind="offloading", name="Backpack offloading", price=Decimal("1800.00"), gst_rate=Decimal("0.05")
    )
    AddOn.objects.create(
        trek=trek,
        kind="rental",
        name="Down jacket",
        price=Decimal("600.00"),
        gst_rate=Decimal("0.18"),
        sizes=["S", "M", "L"],
        stock_per_departure=4,
    )
    with_emergency_contact(UserFactory(email="addons@example.com"))  # payments need someone to call
    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    catalog = _op(api, "add_ons", "trek_add_ons_list").sync("brahmatal", client=anonymous, batch=batch.pk)
    by_name = {add_on.name: add_on for add_on in catalog}
    assert set(by_name) == {"Backpack offloading", "Down jacket"}
    assert [(row.size, row.left) for row in by_name["Down jacket"].availability] == [("S", 4), ("M", 4), ("L", 4)]

    login = _op(api, "auth", "auth_login").sync(
        client=anonymous, body=_model(api, "LoginRequest")(email="addons@example.com", password=DEFAULT_PASSWORD)
    )
    client = api.AuthenticatedClient(base_url=live_server.url, token=login.access, raise_on_unexpected_status=True)

    def pay(booking_id: Any) -> None:
        order = _op(api, "payments", "booking_payment_create").sync(booking_id, client=client)
        checkout = LocalGateway().simulate_payment(order_id=order.order_id)
        verified = _op(api, "payments", "payment_verify").sync_detailed(
            client=client, body=_model(api, "PaymentVerifyRequest")(**checkout)
        )
        assert verified.status_code == 200, verified.content

    request = _model(api, "BookingCreateRequest")(
        batch=batch.pk,
        participants=[_model(api, "ParticipantInputRequest")(name="Meera Negi", age=34)],
        add_ons=[_model(api, "AddOnChoiceRequest")(add_on=bag.pk, quantity=1)],
    )
    created = client.get_httpx_client().post("/api/v1/bookings/", json=request.to_dict())  # nested: sent as JSON
    assert created.status_code == 201, created.text
    booking = _model(api, "Booking").from_dict(created.json())
    assert Decimal(booking.pricing.add_ons_amount) == Decimal("1890.00")  # 1,800 + 5 % GST
    pay(booking.id)
    assert str(_op(api, "bookings", "booking_get").sync(booking.id, client=client).status) == "confirmed"

    jacket = by_name["Down jacket"]
    add = _model(api, "BookingAddOnsAddRequest")(
        add_ons=[_model(api, "AddOnChoiceRequest")(add_on=jacket.id, size="M", quantity=1)]
    )
    added = client.get_httpx_client().post(f"/api/v1/bookings/{booking.id}/add-ons/", json=add.to_dict())
    assert added.status_code == 201, added.text
    lines = _model(api, "BookingAddOns").from_dict(added.json())
    assert Decimal(lines.balance_due) == Decimal("708.00")  # 600 + 18 % GST, owed on the confirmed booking
    pay(booking.id)

    after = _op(api, "add_ons", "booking_add_ons_list").sync(booking.id, client=client)
    assert [(line.name, line.size) for line in after.lines] == [("Backpack offloading", ""), ("Down jacket", "M")]
    assert Decimal(after.balance_due) == 0
    final = _op(api, "bookings", "booking_get").sync(booking.id, client=client)
    assert (str(final.status), Decimal(final.amount_paid)) == ("confirmed", Decimal(final.pricing.final_amount))


def test_journey_credit(api: ModuleType, live_server: Any) -> None:
    """Cancel a paid booking for trek credit (a better rate than the refund), then pay a new booking with it."""
    import uuid

    from apps.bookings.gateways import LocalGateway
    from apps.users.tests.factories import DEFAULT_PASSWORD, UserFactory

    trek = TrekFactory(name="Har Ki Dun", slug="har-ki-dun", duration_days=6)
    first = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=25), price=Decimal("10000.00"))
    second = BatchFactory(trek=trek, start_date=timezone.localdate() + timedelta(days=90), price=Decimal("8000.00"))
    with_emergency_contact(UserFactory(email="credit@example.com"))  # payments need someone to call
    anonymous = api.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    login = _op(api, "auth", "auth_login").sync(
        client=anonymous, body=_model(api, "LoginRequest")(email="credit@example.com", password=DEFAULT_PASSWORD)
    )
    client = api.AuthenticatedClient(base_url=live_server.url, token=login.access, raise_on_unexpected_status=True)

    def book(batch: Any) -> Any:
        request = _model(api, "BookingCreateRequest")(
            batch=batch.pk, participants=[_model(api, "ParticipantInputRequest")(name="Meera Negi", age=34)]
        )
        created = client.get_httpx_client().post("/api/v1/bookings/", json=request.to_dict())
        assert created.status_code == 201, created.text
        return _model(api, "Booking").from_dict(created.json())

    booking = book(first)
    order = _op(api, "payments", "booking_payment_create").sync(booking.id, client=client)
    checkout = LocalGateway().simulate_payment(order_id=order.order_id)
    _op(api, "payments", "payment_verify").sync(client=client, body=_model(api, "PaymentVerifyRequest")(**checkout))

    quote = _op(api, "bookings", "booking_cancel_quote").sync(booking.id, client=client)
    assert (quote.refund_percent, Decimal(quote.refund_amount)) == (50, Decimal("5250.00"))  # 25 days out
    assert (quote.credit_percent, Decimal(quote.credit_amount)) == (70, Decimal("7350.00"))  # better as credit
    cancelled = _op(api, "credit", "booking_cancel_for_credit").sync(
        booking.id, client=client, body=_model(api, "CancelRequest")(reason="Moved to a later date")
    )
    assert str(cancelled.status) == "cancelled"
    assert (Decimal(cancelled.amount_refunded), Decimal(cancelled.amount_credited)) == (0, Decimal("7350.00"))
    account = _op(api, "credit", "credit_account_get").sync(client=client)
    assert Decimal(account.balance) == Decimal("7350.00")

    later = book(second)  # 8,400.00: the credit pays 7,350.00, the gateway the rest
    paid = _op(api, "credit", "booking_pay_with_credit").sync_detailed(
        later.id, client=client, idempotency_key=str(uuid.uuid4()), body=_model(api, "CreditPayRequest")()
    )
    assert paid.status_code == 201, paid.content
    assert (paid.parsed.amount_paise, Decimal(paid.parsed.balance_due)) == (735000, Decimal("1050.00"))
    assert Decimal(paid.parsed.credit_balance) == 0
    order = _op(api, "payments", "booking_payment_create").sync(later.id, client=client)
    assert order.amount_paise == 105000
    checkout = LocalGateway().simulate_payment(order_id=order.order_id)
    _op(api, "payments", "payment_verify").sync(client=client, body=_model(api, "PaymentVerifyRequest")(**checkout))
    confirmed = _op(api, "bookings", "booking_get").sync(later.id, client=client)
    assert (str(confirmed.status), Decimal(confirmed.amount_paid)) == ("confirmed", Decimal("8400.00"))


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
    with_emergency_contact(UserFactory(email="deposit@example.com"))  # payments need someone to call
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
