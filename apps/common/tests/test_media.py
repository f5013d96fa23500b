"""Uploaded media: absolute URLs in every API response, S3 in production (public media plain, documents
private and signed), local disk served by `make run`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from moto import mock_aws
from PIL import Image
from rest_framework.test import APIClient

from apps.bookings.models import BookingDocument, BookingParticipant, private_storage
from apps.common.storage import LocalMediaStorage
from apps.community.models import JournalPhoto, PostPhoto
from apps.community.tests.factories import PostFactory, make_booking, make_journal
from apps.treks.models import TrekPhoto
from apps.treks.tests.factories import BatchFactory, GuideFactory, TrekFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory
from config.settings.media import PRIVATE_LOCATION, PUBLIC_LOCATION, media_storages

ROOT = Path(__file__).resolve().parents[3]

Client = Callable[[User | None], APIClient]


def jpeg(size: tuple[int, int] = (32, 24)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 90, 160)).save(out, format="JPEG")
    return out.getvalue()


def strings_in(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings_in(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings_in(value)


# --- every public media field, in every response that carries it, is an absolute URL ---------------------


def public_media_fields() -> set[str]:
    """Every file field of the project outside the private (documents) storage."""
    return {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("apps.")
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField) and getattr(field, "_storage_callable", None) is not private_storage
    }


def _save(field_file: Any, name: str, data: bytes) -> str:
    field_file.save(name, ContentFile(data), save=True)
    return str(field_file.name)


def _photo_row(model: type[TrekPhoto | PostPhoto | JournalPhoto], name: str, **fields: Any) -> str:
    """A gallery / post / journal photo row with its image stored; answers the image's name."""
    return _save(model(position=0, **fields).image, name, jpeg())


# Each builds the object with its file and answers the file's name and the GETs that show it.
def _trek_cover(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    trek = TrekFactory()
    BatchFactory(trek=trek)
    anonymous = client_for(None)
    return _save(trek.cover_image, "cover.jpg", jpeg()), [
        (anonymous, "/api/v1/treks/"),
        (anonymous, f"/api/v1/treks/{trek.slug}/"),
    ]


def _trek_gpx(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    trek = TrekFactory(route_stats={"points": 2, "distance_km": 1.0})
    return _save(trek.gpx_file, "route.gpx", b"<gpx/>"), [(client_for(None), f"/api/v1/treks/{trek.slug}/")]


def _trek_photo(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    trek = TrekFactory()
    return _photo_row(TrekPhoto, "gallery.jpg", trek=trek), [(client_for(None), f"/api/v1/treks/{trek.slug}/")]


def _guide_photo(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    guide = GuideFactory()
    batch = BatchFactory(guide=guide)
    anonymous = client_for(None)
    return _save(guide.photo, "guide.jpg", jpeg()), [
        (anonymous, "/api/v1/guides/"),
        (anonymous, f"/api/v1/guides/{guide.pk}/"),
        (anonymous, f"/api/v1/treks/{batch.trek.slug}/"),
        (anonymous, f"/api/v1/treks/{batch.trek.slug}/batches/"),
        (anonymous, f"/api/v1/batches/{batch.pk}/"),
    ]


def _profile_photo(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    user = UserFactory()
    return _save(user.profile_photo, "me.jpg", jpeg()), [(client_for(user), "/api/v1/users/me/")]


def _post_photo(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    post = PostFactory()
    reader = client_for(post.author)
    return _photo_row(PostPhoto, "post.jpg", post=post), [
        (reader, "/api/v1/community/posts/"),
        (reader, f"/api/v1/community/posts/{post.pk}/"),
    ]


def _journal_photo(client_for: Client) -> tuple[str, list[tuple[APIClient, str]]]:
    entry = make_journal(UserFactory())
    reader = client_for(entry.author)
    return _photo_row(JournalPhoto, "journal.jpg", entry=entry), [
        (reader, "/api/v1/community/journals/"),
        (reader, f"/api/v1/community/journals/{entry.pk}/"),
        (reader, f"/api/v1/treks/{entry.trek.slug}/journals/"),
    ]


SHOWN_BY: dict[str, Callable[[Client], tuple[str, list[tuple[APIClient, str]]]]] = {
    "treks.Trek.cover_image": _trek_cover,
    "treks.Trek.gpx_file": _trek_gpx,
    "treks.TrekPhoto.image": _trek_photo,
    "treks.Guide.photo": _guide_photo,
    "users.User.profile_photo": _profile_photo,
    "community.PostPhoto.image": _post_photo,
    "community.JournalPhoto.image": _journal_photo,
}


@pytest.fixture
def local_media(settings: Any, tmp_path: Path) -> Path:
    """The storages of `make run`: local disk (no bucket)."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, **media_storages(bucket=None, private_root=tmp_path / "private")}
    return tmp_path / "media"


def test_every_public_media_field_has_its_responses_checked() -> None:
    assert public_media_fields() == set(SHOWN_BY)


@pytest.mark.django_db
@pytest.mark.parametrize("field", sorted(SHOWN_BY))
def test_media_urls_in_responses_are_absolute(field: str, local_media: Path, client_for: Client) -> None:
    name, reads = SHOWN_BY[field](client_for)
    assert (local_media / name).exists()
    for client, path in reads:
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        urls = [value for value in strings_in(response.json()) if name in value]
        assert urls, f"{path} does not show {field}"
        assert set(urls) == {f"http://testserver/media/{name}"}, path


def test_local_media_urls_outside_a_request_stay_paths(local_media: Path) -> None:
    assert isinstance(storages["default"], LocalMediaStorage)
    assert default_storage.url("treks/covers/a.jpg") == "/media/treks/covers/a.jpg"


# --- S3 (production): public media under media/ with plain absolute URLs, documents private and signed ----

BUCKET = "obs-media-test"


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The production storages (config/settings/media.py) against an in-process S3 (moto, no network)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        settings.AWS_S3_REGION_NAME = "us-east-1"
        settings.STORAGES = {**settings.STORAGES, **media_storages(bucket=BUCKET, private_root=Path("/nonexistent"))}
        # The documents field took its storage when models loaded (the test settings have no "private"
        # storage); give it the production one.
        monkeypatch.setattr(BookingDocument._meta.get_field("file"), "storage", storages["private"])
        yield client


@pytest.mark.django_db
def test_s3_cover_upload_answers_an_absolute_unsigned_url_under_media(
    s3: Any, client_for: Client, make_user: Any
) -> None:
    trek = TrekFactory()
    editor = client_for(make_user(staff_role="content"))
    response = editor.post(
        f"/api/v1/treks/{trek.slug}/cover/",
        {"file": SimpleUploadedFile("cover.jpg", jpeg(), content_type="image/jpeg")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    url = response.json()["cover_image"]
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.query) == ("https", f"{BUCKET}.s3.amazonaws.com", "")
    key = parts.path.lstrip("/")
    assert key.startswith(f"{PUBLIC_LOCATION}/treks/covers/")
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()[:2] == b"\xff\xd8"
    listed = client_for(None).get("/api/v1/treks/").json()["results"]
    assert [card["cover_image"] for card in listed] == [url]


@pytest.mark.django_db
def test_s3_documents_are_private_signed_and_served_through_the_api(s3: Any, client_for: Client, user: User) -> None:
    booking = make_booking(user)
    BookingParticipant.objects.create(
        booking=booking, position=0, is_lead=True, name="Trekker", age=30
    )  # uploads are a person's
    client = client_for(user)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    response = client.post(
        f"/api/v1/bookings/{booking.pk}/documents/",
        {"kind": "id_document", "file": SimpleUploadedFile("id.pdf", pdf, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    document = BookingDocument.objects.get(booking=booking, kind="id_document")
    key = f"{PRIVATE_LOCATION}/{document.file.name}"
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == pdf
    grants = s3.get_object_acl(Bucket=BUCKET, Key=key)["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]
    assert all("URI" not in grant["Grantee"] for grant in grants), "no AllUsers / AuthenticatedUsers grant"
    # The storage's own URL is pre-signed and short-lived, the public media's is plain.
    signed = urlsplit(storages["private"].url(document.file.name))
    assert "X-Amz-Signature=" in signed.query
    assert "X-Amz-Expires=300" in signed.query
    assert urlsplit(default_storage.url("treks/covers/a.jpg")).query == ""
    # The API hands out its own signed link, which streams the object.
    checklist = client.get(f"/api/v1/bookings/{booking.pk}/documents/").json()
    link = next(doc["download_url"] for doc in checklist["documents"] if doc["kind"] == "id_document")
    download = APIClient().get(link)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf


def test_the_documented_bucket_policy_opens_public_media_only() -> None:
    policy = json.loads((ROOT / "deploy" / "s3-public-media-policy.json").read_text())
    public = [s for s in policy["Statement"] if s["Effect"] == "Allow" and s["Principal"] in ("*", {"AWS": "*"})]
    assert public
    for statement in public:
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        assert all(r.endswith(f":::obs-media/{PUBLIC_LOCATION}/*") for r in resources), resources
        assert statement["Action"] in ("s3:GetObject", ["s3:GetObject"])


def test_production_storages_are_s3_with_private_documents() -> None:
    storages_ = media_storages(bucket="b", private_bucket="d", custom_domain="cdn.example.in", private_root=Path("/x"))
    public, private = storages_["default"]["OPTIONS"], storages_["private"]["OPTIONS"]
    assert storages_["default"]["BACKEND"] == storages_["private"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert (public["bucket_name"], public["location"], public["querystring_auth"]) == ("b", "media", False)
    assert public["custom_domain"] == "cdn.example.in"
    assert (private["bucket_name"], private["location"], private["default_acl"]) == ("d", "private", "private")
    assert private["querystring_auth"] is True
    assert private["custom_domain"] is None
    assert media_storages(bucket="b", private_root=Path("/x"))["private"]["OPTIONS"]["bucket_name"] == "b"


# --- `make run`: local disk, served by the development server ----------------------------------------------

DEV_UPLOAD = """
import io, json, sys
from urllib.parse import urlsplit
import django
django.setup()
from django.test import Client
from PIL import Image
from apps.users.models import User
from apps.users.tests.factories import UserFactory
from apps.users.services import token_pair_for

email, slug = sys.argv[1:3]
token = token_pair_for(User.objects.get(email=email))["access"]
image = io.BytesIO()
Image.new("RGB", (32, 24), "red").save(image, format="JPEG")
image.seek(0)
image.name = "cover.jpg"
client = Client(HTTP_HOST="127.0.0.1:8000")
upload = client.post(f"/api/v1/treks/{slug}/cover/", {"file": image}, HTTP_AUTHORIZATION=f"Bearer {token}")
url = upload.json()["cover_image"]
media = client.get(urlsplit(url).path)
body = b"".join(media.streaming_content) if media.streaming else media.content
outcome = {"upload": upload.status_code, "url": url, "media": media.status_code, "jpeg": body[:2] == b"\\xff\\xd8"}
print(json.dumps(outcome))
"""


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_make_run_serves_uploaded_covers_at_absolute_urls(tmp_path: Path, make_user: Any) -> None:
    editor = make_user(staff_role="content")
    trek = TrekFactory()
    db = connection.settings_dict
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    result = subprocess.run(
        [sys.executable, "-c", DEV_UPLOAD, editor.email, trek.slug],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["upload"] == 200
    assert outcome["url"].startswith("http://127.0.0.1:8000/media/treks/covers/")
    assert (outcome["media"], outcome["jpeg"]) == (200, True)
    assert (tmp_path / "media" / urlsplit(outcome["url"]).path.removeprefix("/media/")).exists()
