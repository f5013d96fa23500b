"""What an attacker tries first: forged tokens, lying uploads, oversized bodies.

(`check --deploy --fail-level WARNING` on production settings is asserted by
apps/common/tests/test_production.py::test_production_starts_with_exactly_the_documented_variables.)
"""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta

import jwt
import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from apps.treks.models import Trek
from apps.treks.tests.factories import TrekFactory
from apps.treks.tests.gpxgen import make_gpx
from apps.users.services import token_pair_for

from .actors import jpeg_bytes

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me/"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _assert_401(response) -> None:
    assert response.status_code == 401, response.content
    error = response.json()["error"]
    assert error["status_code"] == 401
    assert error["code"] in {"token_not_valid", "authentication_failed", "not_authenticated", "user_inactive"}


# --- JWT edge cases ----------------------------------------------------------------------------------


def test_valid_access_token_is_accepted(user) -> None:
    assert _bearer(token_pair_for(user)["access"]).get(ME).status_code == 200


def test_expired_access_token_is_401(user) -> None:
    access = token_pair_for(user)["access"]
    with time_machine.travel(timezone.now() + settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] + timedelta(seconds=5)):
        _assert_401(_bearer(access).get(ME))


def test_tampered_signature_is_401(user) -> None:
    header, payload, signature = token_pair_for(user)["access"].split(".")
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    _assert_401(_bearer(f"{header}.{payload}.{flipped}").get(ME))


def test_payload_swapped_under_a_valid_signature_is_401(user, make_user) -> None:
    victim = make_user()
    header, payload, signature = token_pair_for(user)["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["user_id"] = str(victim.pk)
    _assert_401(_bearer(f"{header}.{_b64(json.dumps(claims).encode())}.{signature}").get(ME))


def test_alg_none_is_401(user) -> None:
    _, payload, _ = token_pair_for(user)["access"].split(".")
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    _assert_401(_bearer(f"{header}.{payload}.").get(ME))


def test_token_signed_with_another_key_is_401(user) -> None:
    _, payload, _ = token_pair_for(user)["access"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged = jwt.encode(claims, "not-our-signing-key-0123456789-0123456789", algorithm="HS256")
    _assert_401(_bearer(forged).get(ME))


def test_refresh_token_is_not_an_access_token(user) -> None:
    _assert_401(_bearer(token_pair_for(user)["refresh"]).get(ME))


def test_blacklisted_refresh_token_is_401(user) -> None:
    pair = token_pair_for(user)
    client = _bearer(pair["access"])
    assert client.post("/api/v1/auth/logout/", {"refresh": pair["refresh"]}, format="json").status_code == 204
    _assert_401(APIClient().post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}, format="json"))


def test_rotated_refresh_token_cannot_be_replayed(user) -> None:
    refresh = token_pair_for(user)["refresh"]
    first = APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json")
    assert first.status_code == 200
    _assert_401(APIClient().post("/api/v1/auth/token/refresh/", {"refresh": refresh}, format="json"))


def test_token_of_a_deactivated_user_is_401(user) -> None:
    access = token_pair_for(user)["access"]
    user.is_active = False
    user.save(update_fields=["is_active"])
    _assert_401(_bearer(access).get(ME))


def test_garbage_authorization_headers_are_401() -> None:
    for value in ("Bearer", "Bearer not.a.jwt", "Bearer " + "a" * 5000, "Bearer a.b.c.d"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=value)
        response = client.get(ME)
        assert response.status_code == 401, (value[:20], response.content)


# --- request bodies over the limit -------------------------------------------------------------------


def test_json_body_over_the_limit_is_413_envelope() -> None:
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = APIClient().post("/api/v1/auth/login/", {"email": "a@example.com", "password": padding}, format="json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    assert response.json()["error"]["request_id"]


def test_multipart_body_over_the_upload_limit_is_413_envelope(client_for, staff_user) -> None:
    trek = TrekFactory()
    big = SimpleUploadedFile("big.jpg", b"\xff" * (settings.MAX_UPLOAD_REQUEST_SIZE + 1), content_type="image/jpeg")
    response = client_for(staff_user("content")).post(
        f"/api/v1/treks/{trek.slug}/cover/", {"file": big}, format="multipart"
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    trek.refresh_from_db()
    assert not trek.cover_image


def test_multipart_form_fields_over_the_memory_limit_are_413_envelope(client_for, staff_user) -> None:
    trek = TrekFactory()
    response = client_for(staff_user("content")).post(
        f"/api/v1/treks/{trek.slug}/photos/",
        {"file": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg"), "caption": "c" * (3 * 1024 * 1024)},
        format="multipart",
    )
    assert response.status_code in (400, 413), response.content
    assert "error" in response.json()
    assert not trek.photos.exists()


# --- uploads that lie --------------------------------------------------------------------------------


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.php", "<?php system($_GET['c']); ?>")
    return out.getvalue()


LYING_IMAGES = {
    "html-named-jpg": b"<html><script>alert(1)</script></html>",
    "php-named-jpg": b"<?php echo 'owned'; ?>",
    "svg-with-script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "pdf-named-jpg": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
    "truncated-jpeg": jpeg_bytes()[:200],
    "jpeg-plus-zip-polyglot": jpeg_bytes() + _zip_bytes(),
    "jpeg-plus-html-polyglot": jpeg_bytes() + b"<html><script>alert(document.cookie)</script></html>",
    "jpeg-with-script-in-comment": jpeg_bytes()[:2]
    + b"\xff\xfe\x00\x22<script>alert(1)</script>padding!!"
    + jpeg_bytes()[2:],
}


@pytest.mark.parametrize("name", sorted(LYING_IMAGES))
def test_catalog_image_uploads_that_lie_are_400(client_for, staff_user, name) -> None:
    trek = TrekFactory()
    upload = SimpleUploadedFile("cover.jpg", LYING_IMAGES[name], content_type="image/jpeg")
    response = client_for(staff_user("content")).post(
        f"/api/v1/treks/{trek.slug}/cover/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"]
    assert not Trek.objects.get(pk=trek.pk).cover_image


@pytest.mark.parametrize("name", sorted(LYING_IMAGES))
def test_profile_photo_uploads_that_lie_are_400(auth_client, user, name) -> None:
    upload = SimpleUploadedFile("me.jpg", LYING_IMAGES[name], content_type="image/jpeg")
    response = auth_client.put("/api/v1/users/me/photo/", {"photo": upload}, format="multipart")
    assert response.status_code == 400, response.content
    user.refresh_from_db()
    assert not user.profile_photo


def test_an_honest_photo_is_still_accepted(auth_client) -> None:
    upload = SimpleUploadedFile("me.jpg", jpeg_bytes(), content_type="image/jpeg")
    assert auth_client.put("/api/v1/users/me/photo/", {"photo": upload}, format="multipart").status_code == 200


LYING_GPX = {
    "jpeg-named-gpx": jpeg_bytes(),
    "xxe": b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY x SYSTEM "file:///etc/passwd">]><gpx>&x;</gpx>',
    "billion-laughs": b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><gpx>&b;</gpx>',
    "html-named-gpx": b"<html><body><script>alert(1)</script></body></html>",
    "zip-named-gpx": _zip_bytes(),
    "gpx-then-zip": make_gpx(20) + _zip_bytes(),
}


@pytest.mark.parametrize("name", sorted(LYING_GPX))
def test_gpx_uploads_that_lie_are_400(client_for, staff_user, name) -> None:
    trek = TrekFactory()
    upload = SimpleUploadedFile("route.gpx", LYING_GPX[name], content_type="application/gpx+xml")
    response = client_for(staff_user("content")).post(
        f"/api/v1/treks/{trek.slug}/gpx/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 400, response.content
    fresh = Trek.objects.get(pk=trek.pk)
    assert fresh.route_geojson is None
    assert not fresh.gpx_file
