from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.common.models import AuditLog
from apps.treks.gpx import parse_gpx
from apps.treks.models import Trek, TrekPhoto
from apps.treks.tests.factories import GuideFactory, TrekFactory
from apps.treks.tests.gpxgen import make_gpx

pytestmark = pytest.mark.django_db


@pytest.fixture
def content(client_for, make_user):
    return client_for(make_user(staff_role="content"))


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def jpeg_with_exif(size=(64, 48)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x013B] = "Photographer Name"  # Artist
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


# --- GPX ------------------------------------------------------------------------------------------


def test_parse_gpx_stats_and_profile():
    route = parse_gpx(make_gpx(1000, climb_m=1200))
    stats = route["stats"]
    assert stats["points"] == 1000
    assert 10.5 < stats["distance_km"] < 11.5  # 999 steps of ~11 m
    assert stats["min_altitude_m"] == 2000
    assert stats["max_altitude_m"] == 3200
    assert 1150 <= stats["elevation_gain_m"] <= 1200
    assert 550 <= stats["elevation_loss_m"] <= 600
    assert len(stats["profile"]) == 200
    assert stats["profile"][0]["distance_km"] == 0
    assert stats["profile"][-1]["distance_km"] == pytest.approx(stats["distance_km"], abs=0.01)
    assert stats["bounds"]["min_lat"] == 31.0
    assert route["geometry"]["type"] == "LineString"
    assert route["geometry"]["coordinates"][0] == [78.0, 31.0, 2000.0]


def test_short_gpx_profile_keeps_every_point():
    assert len(parse_gpx(make_gpx(50))["stats"]["profile"]) == 50


def test_gpx_upload_stores_route_and_serves_geojson(content, api_client):
    trek = TrekFactory(slug="hampta")
    response = content.post(
        "/api/v1/treks/hampta/gpx/", {"file": upload("route.gpx", make_gpx(400))}, format="multipart"
    )
    assert response.status_code == 200, response.content
    route = response.json()["route"]
    assert route["points"] == 400
    assert route["geojson_url"] == "/api/v1/treks/hampta/route.geojson"
    assert len(route["profile"]) == 200
    trek.refresh_from_db()
    assert default_storage.exists(trek.gpx_file.name)
    assert AuditLog.objects.filter(action="trek.gpx_attached").exists()

    geo = api_client.get("/api/v1/treks/hampta/route.geojson")
    assert geo.status_code == 200
    assert geo["Content-Type"] == "application/geo+json"
    body = geo.json()
    assert body["type"] == "Feature"
    assert body["geometry"]["type"] == "LineString"
    assert len(body["geometry"]["coordinates"]) == 400
    assert api_client.get("/api/v1/treks/hampta/").json()["route"]["distance_km"] == route["distance_km"]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("broken.gpx", b'<?xml version="1.0"?><gpx version="1.1"><trk><trkseg><trkpt lat="31" lon="78">'),
        ("empty.gpx", b'<?xml version="1.0"?><gpx version="1.1" creator="t"></gpx>'),
        ("notes.gpx", b"just some text, not xml at all"),
        ("photo.gpx", b"\x89PNG\r\n\x1a\n\x00\x00binary"),
        (
            "bomb.gpx",
            b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaa">]>'
            b'<gpx version="1.1"><trk><name>&a;</name></trk></gpx>',
        ),
        (
            "badcoords.gpx",
            b'<?xml version="1.0"?><gpx version="1.1" creator="t"><trk><trkseg>'
            b'<trkpt lat="95" lon="78"></trkpt><trkpt lat="31" lon="78"></trkpt></trkseg></trk></gpx>',
        ),
    ],
)
def test_bad_gpx_is_400_and_nothing_is_stored(content, name, data):
    trek = TrekFactory(slug="hampta")
    response = content.post("/api/v1/treks/hampta/gpx/", {"file": upload(name, data)}, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] in {"invalid_upload", "validation_error"}
    trek.refresh_from_db()
    assert not trek.gpx_file
    assert trek.route_stats is None
    assert not AuditLog.objects.filter(action="trek.gpx_attached").exists()


NON_FINITE_TEXTS = ["nan", "NaN", "inf", "-inf", "Infinity", "-Infinity", "1e999"]


def gpx_with(value: str, *, attribute: str, index: int, points: int = 500) -> bytes:
    """A generated track whose ``index``-th point has ``value`` as its elevation, latitude or longitude."""
    text = make_gpx(points).decode()
    pieces = text.split("<trkpt ")
    point = pieces[index + 1]
    if attribute == "ele":
        start = point.index("<ele>") + len("<ele>")
        point = point[:start] + value + point[point.index("</ele>") :]
    else:
        start = point.index(f'{attribute}="') + len(attribute) + 2
        point = point[:start] + value + point[point.index('"', start) :]
    pieces[index + 1] = point
    return "<trkpt ".join(pieces).encode()


@pytest.mark.parametrize("value", NON_FINITE_TEXTS)
@pytest.mark.parametrize(("attribute", "index"), [("ele", 0), ("ele", 321), ("lat", 7), ("lon", 499)])
def test_gpx_with_a_non_finite_number_is_400_and_nothing_is_stored(content, value, attribute, index):
    """Every numeric attribute the parser reads, at the first point and deep in a downsampled track."""
    trek = TrekFactory(slug="hampta")
    data = gpx_with(value, attribute=attribute, index=index)
    response = content.post("/api/v1/treks/hampta/gpx/", {"file": upload("route.gpx", data)}, format="multipart")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "invalid_upload"
    trek.refresh_from_db()
    assert (bool(trek.gpx_file), trek.route_stats, trek.route_geojson) == (False, None, None)
    assert not AuditLog.objects.filter(action="trek.gpx_attached").exists()


def test_gpx_with_finite_numbers_where_the_poison_goes_is_accepted(content):
    """The counterpart of the test above: the same edit with a finite number is a valid upload."""
    TrekFactory(slug="hampta")
    data = gpx_with("2500.5", attribute="ele", index=321)
    response = content.post("/api/v1/treks/hampta/gpx/", {"file": upload("route.gpx", data)}, format="multipart")
    assert response.status_code == 200, response.content


def test_gpx_too_large_is_413(content):
    TrekFactory(slug="hampta")
    big = make_gpx(10) + b" " * (5 * 1024 * 1024)
    response = content.post("/api/v1/treks/hampta/gpx/", {"file": upload("big.gpx", big)}, format="multipart")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"


def test_route_geojson_404_without_route(api_client):
    TrekFactory(slug="hampta")
    assert api_client.get("/api/v1/treks/hampta/route.geojson").status_code == 404
    assert api_client.get("/api/v1/treks/nowhere/route.geojson").status_code == 404


def test_gpx_upload_needs_catalog_capability(client_for, make_user):
    TrekFactory(slug="hampta")
    response = client_for(make_user(staff_role="cs")).post(
        "/api/v1/treks/hampta/gpx/", {"file": upload("r.gpx", make_gpx(10))}, format="multipart"
    )
    assert response.status_code == 403


# --- images ---------------------------------------------------------------------------------------


def test_cover_upload_is_reencoded_without_exif(content, api_client):
    trek = TrekFactory(slug="goechala")
    original = jpeg_with_exif()
    assert Image.open(io.BytesIO(original)).getexif()  # the fixture really has EXIF
    response = content.post(
        "/api/v1/treks/goechala/cover/", {"file": upload("c.jpg", original, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 200, response.content
    trek.refresh_from_db()
    stored = default_storage.open(trek.cover_image.name).read()
    assert stored != original
    image = Image.open(io.BytesIO(stored))
    assert image.format == "JPEG"
    assert not image.getexif()
    assert b"SecretCam" not in stored
    assert response.json()["cover_image"].endswith(".jpg")
    listed = api_client.get("/api/v1/treks/").json()["results"][0]
    assert listed["cover_image"] == response.json()["cover_image"]


def test_png_with_alpha_becomes_jpeg(content):
    trek = TrekFactory(slug="goechala")
    out = io.BytesIO()
    Image.new("RGBA", (4000, 3000), (0, 0, 255, 128)).save(out, format="PNG")
    response = content.post(
        "/api/v1/treks/goechala/cover/", {"file": upload("c.png", out.getvalue(), "image/png")}, format="multipart"
    )
    assert response.status_code == 200
    trek.refresh_from_db()
    image = Image.open(default_storage.open(trek.cover_image.name))
    assert image.format == "JPEG"
    assert max(image.size) == 2560


@pytest.mark.parametrize(
    "data",
    [b"not an image at all", b"\xff\xd8\xff\xe0 truncated jpeg", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"],
)
def test_non_images_are_400(content, data):
    trek = TrekFactory(slug="goechala")
    response = content.post(
        "/api/v1/treks/goechala/cover/", {"file": upload("x.jpg", data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 400
    trek.refresh_from_db()
    assert not trek.cover_image


def test_image_over_8mb_is_413(content):
    TrekFactory(slug="goechala")
    data = jpeg_with_exif() + b"\0" * (8 * 1024 * 1024)
    response = content.post(
        "/api/v1/treks/goechala/cover/", {"file": upload("x.jpg", data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 413


def test_gallery_add_reorder_remove(content, api_client):
    trek = TrekFactory(slug="goechala")
    ids = []
    for caption in ("Dzongri", "Samiti", "Goechala"):
        response = content.post(
            "/api/v1/treks/goechala/photos/",
            {"file": upload("p.jpg", jpeg_with_exif(), "image/jpeg"), "caption": caption},
            format="multipart",
        )
        assert response.status_code == 201
        ids.append(response.json()["id"])
    assert [p["caption"] for p in api_client.get("/api/v1/treks/goechala/").json()["gallery"]] == [
        "Dzongri",
        "Samiti",
        "Goechala",
    ]
    response = content.put("/api/v1/treks/goechala/photos/order/", {"order": ids[::-1]}, format="json")
    assert response.status_code == 200
    assert [p["caption"] for p in response.json()] == ["Goechala", "Samiti", "Dzongri"]
    assert content.put("/api/v1/treks/goechala/photos/order/", {"order": ids[:2]}, format="json").status_code == 400
    assert content.delete(f"/api/v1/treks/goechala/photos/{ids[1]}/").status_code == 204
    assert list(TrekPhoto.objects.filter(trek=trek).order_by("position").values_list("position", "caption")) == [
        (0, "Goechala"),
        (1, "Dzongri"),
    ]
    assert content.delete(f"/api/v1/treks/goechala/photos/{ids[1]}/").status_code == 404


def test_guide_photo(content):
    guide = GuideFactory()
    response = content.post(
        f"/api/v1/guides/{guide.id}/photo/",
        {"file": upload("g.jpg", jpeg_with_exif(), "image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 200
    guide.refresh_from_db()
    assert not Image.open(default_storage.open(guide.photo.name)).getexif()
    assert Trek.objects.count() == 0
