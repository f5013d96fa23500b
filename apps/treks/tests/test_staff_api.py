from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.common.models import AuditLog
from apps.treks.models import Batch, Guide, Trek, TrekItineraryDay
from apps.treks.tests.factories import BatchFactory, GuideFactory, RegionFactory, TrekFactory
from apps.users.roles import Capability, StaffRole, roles_with
from apps.users.services import user_anonymise

pytestmark = pytest.mark.django_db

ALL_ROLES = [role.value for role in StaffRole]
CATALOG_ROLES = set(roles_with(Capability.CATALOG_WRITE))
BATCH_ROLES = set(roles_with(Capability.BATCHES_MANAGE))


def trek_payload(**overrides):
    body = {
        "name": "Kedarkantha",
        "region": "uttarakhand",
        "description": "Winter summit above Sankri.",
        "max_altitude": 3810,
        "total_distance": "20.0",
        "duration_days": 3,
        "difficulty": "moderate",
        "max_group_size": 16,
        "themes": ["snow", "summit"],
        "best_months": [12, 1, 2, 12],
        "inclusions": ["Meals"],
        "exclusions": ["Travel"],
        "packing_list": ["Boots"],
        "fitness_prep": "Run 5 km.",
        "faqs": [{"question": "Is it cold?", "answer": "Yes."}],
        "status": "active",
    }
    body.update(overrides)
    return body


def itinerary(n: int = 3):
    return {
        "days": [
            {"title": f"Day {i}", "camp_name": f"Camp {i}", "altitude": 2000 + i * 300, "distance_km": "5.5"}
            for i in range(1, n + 1)
        ]
    }


def future(days: int = 30):
    return timezone.localdate() + timedelta(days=days)


# --- permission matrix ----------------------------------------------------------------------------


def test_anonymous_writes_are_401(api_client):
    trek = TrekFactory()
    batch = BatchFactory(trek=trek)
    for method, url in [
        ("post", "/api/v1/treks/"),
        ("patch", f"/api/v1/treks/{trek.slug}/"),
        ("post", f"/api/v1/treks/{trek.slug}/archive/"),
        ("put", f"/api/v1/treks/{trek.slug}/itinerary/"),
        ("post", f"/api/v1/treks/{trek.slug}/batches/"),
        ("patch", f"/api/v1/batches/{batch.id}/"),
        ("delete", f"/api/v1/batches/{batch.id}/"),
        ("post", f"/api/v1/batches/{batch.id}/cancel/"),
        ("post", "/api/v1/guides/"),
        ("post", "/api/v1/regions/"),
    ]:
        response = getattr(api_client, method)(url, {}, format="json")
        assert response.status_code == 401, (method, url)
        assert response.json()["error"]["code"] == "not_authenticated"


def test_trekker_writes_are_403(client_for, make_user):
    trek = TrekFactory()
    batch = BatchFactory(trek=trek)
    client = client_for(make_user())
    assert client.post("/api/v1/treks/", trek_payload(), format="json").status_code == 403
    assert client.patch(f"/api/v1/treks/{trek.slug}/", {"name": "x"}, format="json").status_code == 403
    assert client.post(f"/api/v1/treks/{trek.slug}/batches/", {}, format="json").status_code == 403
    assert client.delete(f"/api/v1/batches/{batch.id}/").status_code == 403
    assert client.post("/api/v1/guides/", {}, format="json").status_code == 403


@pytest.mark.parametrize("role", ALL_ROLES)
def test_trek_create_by_role(client_for, make_user, role):
    RegionFactory(slug="uttarakhand")
    response = client_for(make_user(staff_role=role)).post("/api/v1/treks/", trek_payload(), format="json")
    assert response.status_code == (201 if role in CATALOG_ROLES else 403)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_batch_create_by_role(client_for, make_user, role):
    trek = TrekFactory(duration_days=5)
    payload = {"start_date": str(future()), "total_seats": 12, "price": "14500.00"}
    response = client_for(make_user(staff_role=role)).post(
        f"/api/v1/treks/{trek.slug}/batches/", payload, format="json"
    )
    assert response.status_code == (201 if role in BATCH_ROLES else 403)


def test_role_table_is_as_specified():
    assert {StaffRole.SUPER_ADMIN, StaffRole.OPS_MANAGER, StaffRole.CONTENT} == CATALOG_ROLES
    assert {StaffRole.SUPER_ADMIN, StaffRole.OPS_MANAGER} == BATCH_ROLES


# --- treks ----------------------------------------------------------------------------------------


def test_create_trek_generates_unique_slugs_and_audits(client_for, make_user):
    RegionFactory(slug="uttarakhand")
    actor = make_user(staff_role="content")
    client = client_for(actor)
    first = client.post("/api/v1/treks/", trek_payload(), format="json")
    second = client.post("/api/v1/treks/", trek_payload(), format="json")
    third = client.post("/api/v1/treks/", trek_payload(name="Kedarkantha!!"), format="json")
    assert [r.json()["slug"] for r in (first, second, third)] == ["kedarkantha", "kedarkantha-2", "kedarkantha-3"]
    body = first.json()
    assert body["best_months"] == [1, 2, 12]
    assert body["region"]["slug"] == "uttarakhand"
    audit = AuditLog.objects.filter(action="trek.created")
    assert audit.count() == 3
    assert audit.first().actor == actor


def test_create_trek_validation(client_for, make_user):
    RegionFactory(slug="uttarakhand")
    client = client_for(make_user(staff_role="content"))
    for bad in [
        {"max_altitude": 9500},
        {"max_altitude": -1},
        {"region": "atlantis"},
        {"difficulty": "banana"},
        {"duration_days": 0},
        {"best_months": [13]},
        {"themes": ["not a slug"]},
        {"faqs": [{"question": "no answer"}]},
    ]:
        response = client.post("/api/v1/treks/", trek_payload(**bad), format="json")
        assert response.status_code == 400, bad
        assert next(iter(bad)) in response.json()["error"]["details"]
    assert not Trek.objects.exists()


def test_update_and_archive(client_for, make_user, api_client):
    trek = TrekFactory(slug="har-ki-dun", name="Har Ki Dun")
    actor = make_user(staff_role="ops_manager")
    client = client_for(actor)
    response = client.patch("/api/v1/treks/har-ki-dun/", {"name": "Har Ki Doon", "max_altitude": 3566}, format="json")
    assert response.status_code == 200
    assert response.json()["slug"] == "har-ki-dun"  # stable address
    trek.refresh_from_db()
    assert (trek.name, trek.max_altitude) == ("Har Ki Doon", 3566)
    log = AuditLog.objects.get(action="trek.updated")
    assert log.changes["name"] == ["Har Ki Dun", "Har Ki Doon"]

    assert client.patch("/api/v1/treks/har-ki-dun/", {"max_altitude": 9001}, format="json").status_code == 400

    response = client.post("/api/v1/treks/har-ki-dun/archive/")
    assert response.status_code == 200
    assert response.json()["status"] == "archived"
    assert api_client.get("/api/v1/treks/har-ki-dun/").status_code == 404
    assert client.get("/api/v1/treks/har-ki-dun/").status_code == 200


def test_itinerary_written_in_one_request(client_for, make_user, api_client):
    trek = TrekFactory(duration_days=3, slug="brahmatal")
    client = client_for(make_user(staff_role="content"))
    response = client.put("/api/v1/treks/brahmatal/itinerary/", itinerary(3), format="json")
    assert response.status_code == 200
    assert [d["day_number"] for d in response.json()] == [1, 2, 3]
    # replacing works and keeps day numbers unique
    response = client.put("/api/v1/treks/brahmatal/itinerary/", itinerary(3), format="json")
    assert response.status_code == 200
    assert TrekItineraryDay.objects.filter(trek=trek).count() == 3
    assert [d["title"] for d in api_client.get("/api/v1/treks/brahmatal/itinerary/").json()] == [
        "Day 1",
        "Day 2",
        "Day 3",
    ]
    assert AuditLog.objects.filter(action="trek.itinerary_set").count() == 2


def test_itinerary_validation(client_for, make_user):
    TrekFactory(duration_days=3, slug="brahmatal")
    client = client_for(make_user(staff_role="content"))
    assert client.put("/api/v1/treks/brahmatal/itinerary/", itinerary(2), format="json").status_code == 400
    bad_order = itinerary(3)
    bad_order["days"][0]["day_number"] = 2
    assert client.put("/api/v1/treks/brahmatal/itinerary/", bad_order, format="json").status_code == 400
    too_high = itinerary(3)
    too_high["days"][1]["altitude"] = 9100
    assert client.put("/api/v1/treks/brahmatal/itinerary/", too_high, format="json").status_code == 400
    assert client.put("/api/v1/treks/brahmatal/itinerary/", {"days": []}, format="json").status_code == 400
    assert not TrekItineraryDay.objects.exists()


def test_regions_write(client_for, make_user):
    client = client_for(make_user(staff_role="content"))
    response = client.post("/api/v1/regions/", {"name": "Himachal Pradesh"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "himachal-pradesh"
    assert client.post("/api/v1/regions/", {"name": "Himachal Pradesh"}, format="json").status_code == 409
    response = client.patch("/api/v1/regions/himachal-pradesh/", {"description": "Kullu."}, format="json")
    assert response.json()["description"] == "Kullu."
    assert AuditLog.objects.filter(action__startswith="region.").count() == 2


# --- batches --------------------------------------------------------------------------------------


def test_batch_create_validation(client_for, make_user):
    trek = TrekFactory(duration_days=5, max_group_size=15, slug="hampta")
    ops = client_for(make_user(staff_role="ops_manager"))
    url = "/api/v1/treks/hampta/batches/"

    def post(**kw):
        body = {"start_date": str(future()), "total_seats": 12, "price": "14500.00", **kw}
        return ops.post(url, body, format="json")

    ok = post()
    assert ok.status_code == 201, ok.content
    assert ok.json()["end_date"] == str(future() + timedelta(days=4))
    assert ok.json()["seats_taken"] == 0
    assert post(start_date=str(timezone.localdate())).status_code == 400
    assert post(start_date=str(timezone.localdate() - timedelta(days=3))).status_code == 400
    assert post(end_date=str(future() + timedelta(days=9))).status_code == 400
    assert post(total_seats=16).status_code == 400
    assert post(total_seats=0).status_code == 400
    assert post(price="0").status_code == 400
    assert post(price="100.555").status_code == 400
    assert post(price="abc").status_code == 400
    assert post(guide="00000000-0000-0000-0000-000000000000").status_code == 400
    inactive = GuideFactory(is_active=False)
    assert post(guide=str(inactive.id)).status_code == 400
    assert Batch.objects.filter(trek=trek).count() == 1
    assert AuditLog.objects.filter(action="batch.created").count() == 1


def test_batch_update_rules(client_for, make_user):
    batch = BatchFactory(total_seats=10, seats_taken=6, trek__max_group_size=20)
    ops = client_for(make_user(staff_role="ops_manager"))
    url = f"/api/v1/batches/{batch.id}/"
    response = ops.patch(url, {"total_seats": 5}, format="json")
    assert response.status_code == 400
    assert "total_seats" in response.json()["error"]["details"]
    response = ops.patch(url, {"total_seats": 6}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "full"
    response = ops.patch(url, {"total_seats": 8, "price": "13000.50"}, format="json")
    assert response.json()["status"] == "open"
    assert response.json()["price"] == "13000.50"
    new_start = future(60)
    response = ops.patch(url, {"start_date": str(new_start)}, format="json")
    assert response.json()["end_date"] == str(new_start + timedelta(days=batch.trek.duration_days - 1))
    assert ops.patch(url, {"start_date": str(timezone.localdate())}, format="json").status_code == 400
    assert AuditLog.objects.filter(action="batch.updated").count() == 3


def test_batch_with_bookings_cannot_be_deleted(client_for, make_user):
    ops = client_for(make_user(staff_role="ops_manager"))
    booked = BatchFactory(seats_taken=2)
    response = ops.delete(f"/api/v1/batches/{booked.id}/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "batch_has_bookings"
    assert Batch.objects.filter(pk=booked.pk).exists()

    empty = BatchFactory()
    assert ops.delete(f"/api/v1/batches/{empty.id}/").status_code == 204
    assert not Batch.objects.filter(pk=empty.pk).exists()
    assert AuditLog.objects.filter(action="batch.deleted", target_id=str(empty.pk)).exists()


def test_batch_cancel_and_invalid_transition(client_for, make_user):
    ops = client_for(make_user(staff_role="ops_manager"))
    batch = BatchFactory()
    response = ops.post(f"/api/v1/batches/{batch.id}/cancel/", {"reason": "Heavy snow"}, format="json")
    assert response.status_code == 202  # the batch's bookings are cancelled by a task (apps.bookings)
    assert response.json()["batch_status"] == "cancelled"
    again = ops.post(f"/api/v1/batches/{batch.id}/cancel/", {}, format="json")
    assert again.status_code == 202  # already cancelled: the same job again
    assert again.json()["id"] == response.json()["id"]
    assert ops.patch(f"/api/v1/batches/{batch.id}/", {"price": "1.00"}, format="json").status_code == 409
    completed = BatchFactory(status=Batch.Status.COMPLETED)
    response = ops.post(f"/api/v1/batches/{completed.id}/cancel/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    log = AuditLog.objects.get(action="batch.cancelled")
    assert log.changes == {"status": ["open", "cancelled"], "reason": "Heavy snow"}


# --- guides ---------------------------------------------------------------------------------------


def test_guide_role_gives_a_guide_profile(client_for, staff_user, make_user):
    """The catalog keeps a guide profile in step with the guide role set by staff (``staff_role_changed``)."""
    target = make_user()
    client = client_for(staff_user("super_admin"))
    role_url = f"/api/v1/users/{target.pk}/role/"
    client.put(role_url, {"role": "guide"}, format="json")
    profile = Guide.objects.get(user=target)
    assert profile.is_active
    client.put(role_url, {"role": "cs"}, format="json")
    profile.refresh_from_db()
    assert not profile.is_active
    client.put(role_url, {"role": "guide"}, format="json")
    profile.refresh_from_db()
    assert profile.is_active
    assert Guide.objects.filter(user=target).count() == 1


def test_an_anonymised_guide_no_longer_appears_as_one():
    guide = GuideFactory()
    user_anonymise(user=guide.user)
    guide.refresh_from_db()
    assert not guide.is_active


def test_guide_profiles(client_for, make_user):
    region = RegionFactory(slug="sikkim")
    content = client_for(make_user(staff_role="content"))
    guide_user = make_user(staff_role="guide", first_name="Pemba", last_name="Sherpa")
    trekker = make_user()
    body = {
        "user": str(guide_user.id),
        "bio": "Yuksom born.",
        "years_exp": 11,
        "regions": ["sikkim"],
        "certifications": ["BMC, HMI"],
        "satellite_phone": "+881631234567",
    }
    response = content.post("/api/v1/guides/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Pemba Sherpa"
    assert response.json()["regions"] == [{"slug": "sikkim", "name": region.name}]
    assert content.post("/api/v1/guides/", body, format="json").status_code == 409
    assert content.post("/api/v1/guides/", {**body, "user": str(trekker.id)}, format="json").status_code == 400
    assert content.post("/api/v1/guides/", {**body, "satellite_phone": "12345"}, format="json").status_code == 400
    guide = Guide.objects.get()
    response = content.patch(f"/api/v1/guides/{guide.id}/", {"years_exp": 12, "regions": []}, format="json")
    assert response.status_code == 200
    assert response.json()["regions"] == []
    log = AuditLog.objects.get(action="guide.updated")
    assert log.changes["years_exp"] == [11, 12]
    assert content.patch(f"/api/v1/guides/{guide.id}/", {"user": str(trekker.id)}, format="json").status_code == 400


def test_batch_price_is_decimal(client_for, make_user):
    TrekFactory(slug="roopkund", duration_days=8)
    ops = client_for(make_user(staff_role="super_admin"))
    response = ops.post(
        "/api/v1/treks/roopkund/batches/",
        {"start_date": str(future()), "total_seats": 10, "price": "19500.5"},
        format="json",
    )
    assert response.status_code == 201
    assert Batch.objects.get().price == Decimal("19500.50")
