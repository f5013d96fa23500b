"""The offline trip pack: who gets it, what it holds, its ETag, its signed pass and its size on the demo data."""

from __future__ import annotations

import gzip
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from apps.bookings.models import Booking
from apps.bookings.trip_pass import pass_verify
from apps.treks import services as catalog
from apps.treks.models import Trek
from apps.treks.tests.factories import BatchFactory, GuideFactory
from apps.users.models import EmergencyContact

pytestmark = pytest.mark.django_db

PACK_BUDGET_BYTES = 100 * 1024


def _url(booking: Booking) -> str:
    return f"/api/v1/bookings/{booking.pk}/trip-pack/"


def _gpx(points: int) -> bytes:
    rows = "".join(
        f'<trkpt lat="{31.0 + i * 0.0002:.6f}" lon="{78.0 + ((i % 40) - 20) * 0.00005 + i * 0.0001:.6f}">'
        f"<ele>{2000 + i * 0.3:.1f}</ele></trkpt>"
        for i in range(points)
    )
    return f'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg>{rows}</trkseg></trk></gpx>'.encode()


@pytest.fixture
def confirmed(make_user, book, pay) -> Booking:
    guide = GuideFactory(user__first_name="Pemba", user__last_name="Sherpa", user__phone="+919812300001")
    batch = BatchFactory(total_seats=10, guide=guide, satellite_phone="")
    trekker = make_user()
    EmergencyContact.objects.create(user=trekker, name="Asha", relationship="sister", phone="+919800000001")
    catalog.trek_set_itinerary(
        actor=None,
        trek=batch.trek,
        days=[
            {
                "title": f"Day {n}",
                "camp_name": f"Camp {n}",
                "altitude": 2000 + 100 * n,
                "evacuation_notes": "Down to the road head in 3 h." if n == 3 else "",
                "nearest_medical_point": "PHC Mori, 30 km" if n == 3 else "",
            }
            for n in range(1, batch.trek.duration_days + 1)
        ],
    )
    catalog.trek_attach_gpx(
        actor=None, trek=batch.trek, upload=SimpleUploadedFile("t.gpx", _gpx(3000), content_type="application/gpx")
    )
    return pay(book(trekker, batch, seats=2))


def test_owner_gets_everything_for_the_trail(client_for, confirmed, settings):
    response = client_for(confirmed.user).get(_url(confirmed))
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-cache"
    pack = response.json()
    assert pack["format"] == 1
    assert pack["booking"]["reference"] == confirmed.reference
    assert [p["is_lead"] for p in pack["booking"]["participants"]] == [True, False]
    days = pack["itinerary"]
    assert [d["day_number"] for d in days] == list(range(1, confirmed.batch.trek.duration_days + 1))
    assert days[0]["date"] == confirmed.batch.start_date.isoformat()
    assert days[2]["camp_name"] == "Camp 3"
    assert days[2]["altitude_m"] == 2300
    assert days[2]["evacuation_notes"] == "Down to the road head in 3 h."
    assert days[2]["nearest_medical_point"] == "PHC Mori, 30 km"
    assert days[0]["evacuation_notes"] == ""
    route = pack["route"]
    assert route["type"] == "Feature"
    assert route["geometry"]["type"] == "LineString"
    assert route["properties"]["source_points"] == 3000
    assert 2 <= route["properties"]["points"] <= settings.TRIP_PACK_ROUTE_POINTS
    assert route["geometry"]["coordinates"][0][:2] == [78.0 - 20 * 0.00005, 31.0]
    assert pack["guide"] == {"name": "Pemba Sherpa", "phone": "+919812300001", "satellite_phone": "+881631234567"}
    assert pack["satellite_phone"] == "+881631234567"  # the guide's, the departure having none
    phones = [c["phone"] for c in pack["emergency_contacts"]]
    assert phones[0] == "+919800000001"
    assert pack["operator"]["emergency_numbers"] == settings.OBS_EMERGENCY_NUMBERS


def test_departure_satellite_phone_comes_first(client_for, confirmed):
    type(confirmed.batch).objects.filter(pk=confirmed.batch_id).update(satellite_phone="+881699999999")
    assert client_for(confirmed.user).get(_url(confirmed)).json()["satellite_phone"] == "+881699999999"


def test_staff_who_see_bookings_get_it_others_do_not(client_for, confirmed, make_user, staff_user):
    assert client_for(staff_user("cs")).get(_url(confirmed)).status_code == 200
    for outsider in (make_user(), staff_user("content"), staff_user("guide")):
        response = client_for(outsider).get(_url(confirmed))
        assert response.status_code == 404, outsider.staff_role
        assert response.json()["error"]["code"] == "not_found"
    assert client_for(None).get(_url(confirmed)).status_code == 401


def test_only_a_confirmed_booking_has_a_pack(client_for, make_user, book, batch):
    pending = book(make_user(), batch)
    response = client_for(pending.user).get(_url(pending))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "booking_not_confirmed"
    assert response.json()["error"]["details"] == {"status": "pending"}


def test_conditional_get_answers_304_until_something_changes(client_for, confirmed):
    client = client_for(confirmed.user)
    first = client.get(_url(confirmed))
    etag = first["ETag"]
    assert etag.startswith('"tp1-')
    again = client.get(_url(confirmed), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(_url(confirmed), HTTP_IF_NONE_MATCH='"other", ' + etag).status_code == 304
    assert client.get(_url(confirmed), HTTP_IF_NONE_MATCH='"stale"').status_code == 200
    # a content editor adds a note to a camp: the pack is new
    day = confirmed.batch.trek.itinerary.get(day_number=1)
    day.evacuation_notes = "Jeep road from the camp."
    day.save()
    changed = client.get(_url(confirmed), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert changed.json()["itinerary"][0]["evacuation_notes"] == "Jeep road from the camp."
    # the trekker's contacts are part of it too
    EmergencyContact.objects.filter(user=confirmed.user).update(phone="+919800000002")
    assert client.get(_url(confirmed), HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 200


def test_the_pass_verifies_offline_with_the_published_key(client_for, confirmed, api_client, settings):
    pack = client_for(confirmed.user).get(_url(confirmed)).json()
    key = api_client.get("/api/v1/bookings/trip-pass-key/").json()
    assert key["algorithm"] == "Ed25519"
    assert key["public_key"] == pack["booking"]["pass"]["verification_key"]
    payload = pack["booking"]["pass"]["payload"]
    assert payload.startswith(f"OBS1.{confirmed.reference}.{confirmed.batch_id.hex}.2.")
    assert pass_verify(payload, public_key=key["public_key"]) == {
        "reference": confirmed.reference,
        "batch_id": confirmed.batch_id,
        "seats": 2,
    }
    forged = payload.replace(".2.", ".6.", 1)
    assert pass_verify(forged, public_key=key["public_key"]) is None
    settings.TRIP_PASS_SIGNING_KEY = "A" * 43  # another key: the old public key no longer verifies new passes
    other = client_for(confirmed.user).get(_url(confirmed)).json()["booking"]["pass"]
    assert pass_verify(other["payload"], public_key=key["public_key"]) is None
    assert pass_verify(other["payload"], public_key=other["verification_key"]) is not None


def test_longest_demo_trek_pack_fits_in_100_kb_gzipped(client_for, make_user, book, pay, capsys):
    call_command("seed_demo", stdout=io.StringIO())
    longest = Trek.objects.filter(status=Trek.Status.ACTIVE).order_by("-duration_days", "-total_distance").first()
    assert longest is not None
    assert longest.route_geojson is not None
    batch = longest.batches.filter(status="open").order_by("start_date").first()
    trekker = make_user()
    for n in range(5):
        EmergencyContact.objects.create(
            user=trekker, name=f"Contact {n}", relationship="friend", phone=f"+91980000001{n}", is_primary=n == 0
        )
    booking = pay(book(trekker, batch, seats=6))
    response = client_for(trekker).get(_url(booking))
    assert response.status_code == 200
    pack: dict[str, Any] = response.json()
    assert any(day["evacuation_notes"] for day in pack["itinerary"])
    raw = len(response.content)
    packed = len(gzip.compress(response.content, compresslevel=6))
    with capsys.disabled():
        print(  # noqa: T201  the measured size is the figure this test reports
            f"\n  trip pack of {longest.name} ({longest.duration_days} days, route "
            f"{pack['route']['properties']['source_points']} -> {pack['route']['properties']['points']} points, "
            f"tolerance {pack['route']['properties']['tolerance_m']} m): {raw} bytes, {packed} bytes gzipped"
        )
    assert packed <= PACK_BUDGET_BYTES
