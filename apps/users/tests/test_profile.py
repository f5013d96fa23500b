"""users/me/: profile read and update, photo upload, phone change, anonymisation."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from apps.common.models import AuditLog
from apps.users.models import EmergencyContact, SocialAccount, User
from apps.users.roles import StaffRole
from apps.users.services import token_pair_for
from apps.users.tests.conftest import Outbox
from apps.users.tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

ME = "/api/v1/users/me/"
PHOTO = "/api/v1/users/me/photo/"


def test_me_requires_authentication(api_client: Any) -> None:
    for method in ("get", "patch", "delete"):
        response = getattr(api_client, method)(ME)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"


def test_read_my_profile(auth_client: Any, user: User) -> None:
    body = auth_client.get(ME).json()
    assert body["id"] == str(user.pk)
    assert body["email"] == user.email
    assert body["tribe_tier"] == "basecamp"
    assert body["obs_points"] == 0


def test_update_profile(auth_client: Any, user: User) -> None:
    response = auth_client.patch(
        ME,
        {
            "first_name": "Tashi",
            "bio": "Ridge walker",
            "tribe_handle": "Ridge_Walker_7",
            "date_of_birth": "1994-05-17",
            "experience_level": "intermediate",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.first_name == "Tashi"
    assert user.bio == "Ridge walker"
    assert user.tribe_handle == "ridge_walker_7"
    assert str(user.date_of_birth) == "1994-05-17"
    assert user.experience_level == "intermediate"


def test_read_only_fields_are_ignored(auth_client: Any, user: User) -> None:
    response = auth_client.patch(
        ME,
        {
            "obs_points": 99999,
            "tribe_tier": "obs_legend",
            "staff_role": "super_admin",
            "is_staff": True,
            "is_superuser": True,
            "email": "hijack@example.com",
            "email_verified": False,
            "phone": "+919812345678",
            "phone_verified": True,
            "id": "00000000-0000-0000-0000-000000000000",
        },
        format="json",
    )
    assert response.status_code == 200
    before = user.email
    user.refresh_from_db()
    assert (user.obs_points, user.tribe_tier, user.staff_role) == (0, "basecamp", None)
    assert not user.is_staff
    assert not user.is_superuser
    assert user.email == before
    assert user.email_verified
    assert user.phone is None
    assert not user.phone_verified


@pytest.mark.parametrize("handle", ["ab", "a" * 31, "has space", "dash-ed", "émile", "dot.ted"])
def test_tribe_handle_rules(auth_client: Any, handle: str) -> None:
    response = auth_client.patch(ME, {"tribe_handle": handle}, format="json")
    assert response.status_code == 400
    assert "tribe_handle" in response.json()["error"]["details"]


def test_tribe_handle_is_unique(auth_client: Any, make_user: Any) -> None:
    make_user(tribe_handle="summit_sid")
    response = auth_client.patch(ME, {"tribe_handle": "Summit_Sid"}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "tribe_handle_taken"


def test_tribe_handle_can_be_cleared(auth_client: Any, user: User) -> None:
    auth_client.patch(ME, {"tribe_handle": "basecamp_bee"}, format="json")
    assert auth_client.patch(ME, {"tribe_handle": ""}, format="json").status_code == 200
    user.refresh_from_db()
    assert user.tribe_handle is None


@pytest.mark.parametrize("dob", ["2999-01-01", "1850-01-01", "not-a-date"])
def test_date_of_birth_must_be_real(auth_client: Any, dob: str) -> None:
    assert auth_client.patch(ME, {"date_of_birth": dob}, format="json").status_code == 400


# --- photo -------------------------------------------------------------------------------------------


def _image(fmt: str = "JPEG", size: tuple[int, int] = (2400, 1600), exif_gps: bool = False) -> bytes:
    image = Image.new("RGB", size, (40, 120, 200))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        gps = {1: "N", 2: (30.0, 44.0, 12.0), 3: "E", 4: (79.0, 4.0, 33.0)}
        exif[0x8825] = gps  # GPSInfo
        kwargs["exif"] = exif
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def _upload(client: Any, data: bytes, name: str = "me.jpg", content_type: str = "image/jpeg") -> Any:
    return client.put(PHOTO, {"photo": SimpleUploadedFile(name, data, content_type=content_type)}, format="multipart")


def _stored(user: User) -> Image.Image:
    user.refresh_from_db()
    with default_storage.open(user.profile_photo.name) as handle:
        return Image.open(io.BytesIO(handle.read()))


def test_photo_with_gps_exif_is_stripped_and_resized(auth_client: Any, user: User) -> None:
    raw = _image(exif_gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(0x8825), "the fixture really carries GPS data"

    response = _upload(auth_client, raw)

    assert response.status_code == 200, response.json()
    stored = _stored(user)
    assert stored.format == "JPEG"
    assert max(stored.size) == 1024
    assert stored.size == (1024, 683)
    assert not stored.getexif()
    assert "exif" not in stored.info


@pytest.mark.parametrize(("fmt", "ext"), [("PNG", "png"), ("WEBP", "webp")])
def test_png_and_webp_are_accepted(auth_client: Any, user: User, fmt: str, ext: str) -> None:
    response = _upload(auth_client, _image(fmt, (300, 200)), name=f"me.{ext}", content_type=f"image/{ext}")
    assert response.status_code == 200
    stored = _stored(user)
    assert stored.format == fmt
    assert stored.size == (300, 200)
    assert user.profile_photo.name.endswith(f".{ext}")


def test_not_an_image_is_refused_whatever_its_name(auth_client: Any, user: User) -> None:
    response = _upload(auth_client, b"<?php echo 'hi'; ?>" * 100, name="cute.jpg")
    assert response.status_code == 400
    assert "photo" in response.json()["error"]["details"]
    user.refresh_from_db()
    assert not user.profile_photo


def test_other_image_formats_are_refused(auth_client: Any) -> None:
    response = _upload(auth_client, _image("GIF", (50, 50)), name="me.gif", content_type="image/gif")
    assert response.status_code == 400


def test_truncated_image_is_refused(auth_client: Any) -> None:
    assert _upload(auth_client, _image()[:400]).status_code == 400


def test_photo_over_5_mb_is_refused(auth_client: Any, user: User) -> None:
    big = _image("PNG", (64, 64)) + b"\0" * (5 * 1024 * 1024)
    response = _upload(auth_client, big, name="big.png", content_type="image/png")
    assert response.status_code == 400
    assert "5 MB" in response.json()["error"]["details"]["photo"][0]


def test_replacing_and_removing_the_photo_deletes_old_files(
    auth_client: Any, user: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _upload(auth_client, _image(size=(100, 100)))
    user.refresh_from_db()
    first = user.profile_photo.name
    with django_capture_on_commit_callbacks(execute=True):
        _upload(auth_client, _image(size=(120, 100)))
    assert not default_storage.exists(first)
    user.refresh_from_db()
    second = user.profile_photo.name
    with django_capture_on_commit_callbacks(execute=True):
        response = auth_client.delete(PHOTO)
    assert response.status_code == 200
    assert response.json()["profile_photo"] is None
    assert not default_storage.exists(second)


def test_photo_upload_requires_a_file(auth_client: Any) -> None:
    assert auth_client.put(PHOTO, {}, format="multipart").status_code == 400


# --- phone change ------------------------------------------------------------------------------------


def test_phone_change_requires_the_new_number_to_be_verified(auth_client: Any, user: User, sent: Outbox) -> None:
    assert auth_client.post("/api/v1/users/me/phone/", {"phone": "9812345678"}).status_code == 202
    user.refresh_from_db()
    assert user.phone is None
    wrong = auth_client.post("/api/v1/users/me/phone/verify/", {"phone": "+919812345678", "code": "000000"})
    if sent.last_code() != "000000":
        assert wrong.status_code == 400
    response = auth_client.post("/api/v1/users/me/phone/verify/", {"phone": "+919812345678", "code": sent.last_code()})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.phone == "+919812345678"
    assert user.phone_verified


def test_sign_in_code_cannot_change_a_phone(auth_client: Any, api_client: Any, sent: Outbox) -> None:
    api_client.post("/api/v1/auth/otp/send/", {"phone": "+919812345678"})
    response = auth_client.post("/api/v1/users/me/phone/verify/", {"phone": "+919812345678", "code": sent.last_code()})
    assert response.status_code == 400


def test_phone_of_another_account_conflicts(auth_client: Any, make_user: Any, sent: Outbox) -> None:
    make_user(phone="+919812345678", phone_verified=True)
    auth_client.post("/api/v1/users/me/phone/", {"phone": "+919812345678"})
    response = auth_client.post("/api/v1/users/me/phone/verify/", {"phone": "+919812345678", "code": sent.last_code()})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "phone_taken"


# --- anonymisation -----------------------------------------------------------------------------------


def test_delete_me_anonymises_the_account(
    client_for: Any, make_user: Any, api_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    user = make_user(
        phone="+919812345678",
        phone_verified=True,
        tribe_handle="gone_girl",
        bio="About me",
        date_of_birth="1990-01-01",
        staff_role=StaffRole.GUIDE,
    )
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, _image(size=(64, 64)))
    user.refresh_from_db()
    photo = user.profile_photo.name
    EmergencyContact.objects.create(user=user, name="Ma", relationship="mother", phone="+919800000001", is_primary=True)
    SocialAccount.objects.create(user=user, provider="google", uid="sub-1")
    pair = token_pair_for(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete(ME, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204
    user.refresh_from_db()
    assert user.email is None
    assert user.phone is None
    assert user.tribe_handle is None
    assert (user.first_name, user.last_name, user.bio) == ("", "", "")
    assert user.date_of_birth is None
    assert not user.profile_photo
    assert user.staff_role is None
    assert not user.is_active
    assert user.deleted_at is not None
    assert not user.has_usable_password()
    assert not default_storage.exists(photo)
    assert not EmergencyContact.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True).exists()
    assert api_client.post("/api/v1/auth/token/refresh/", {"refresh": pair["refresh"]}).status_code == 401
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {pair['access']}")
    assert api_client.get(ME).status_code == 401
    assert AuditLog.objects.filter(action="user.anonymised", target_id=str(user.pk)).exists()
    # the address and the number are free again
    assert User.objects.filter(pk=user.pk).exists()
