"""community/posts/: publishing, photos, visibility, filters, deletion, hiding, reports and the rate limit."""

from __future__ import annotations

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.common.models import AuditLog
from apps.community.models import Post, PostReport
from apps.community.tests.conftest import Client
from apps.community.tests.factories import PostFactory, jpeg_with_exif
from apps.community.throttles import PostCreateThrottle
from apps.treks.tests.factories import BatchFactory, TrekFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POSTS = "/api/v1/community/posts/"


def ids(response: object) -> list[str]:
    return [row["id"] for row in response.json()["results"]]  # type: ignore[attr-defined]


def test_member_publishes_a_post_with_tags(client_for: Client, user: User) -> None:
    batch = BatchFactory()
    response = client_for(user).post(
        POSTS, {"body": "  Snow at the pass!  ", "trek": batch.trek.slug, "batch": str(batch.pk)}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["body"] == "Snow at the pass!"
    assert body["trek"]["slug"] == batch.trek.slug
    assert body["batch"]["id"] == str(batch.pk)
    assert body["author"]["id"] == str(user.pk)
    assert (body["likes_count"], body["comments_count"], body["liked_by_me"], body["is_hidden"]) == (0, 0, False, False)
    assert body["visibility"] == "public"


def test_batch_tag_alone_tags_its_trek(client_for: Client, user: User) -> None:
    batch = BatchFactory()
    response = client_for(user).post(POSTS, {"body": "Hi", "batch": str(batch.pk)}, format="json")
    assert response.status_code == 201
    assert response.json()["trek"]["slug"] == batch.trek.slug


def test_photos_are_reencoded_without_exif(client_for: Client, user: User) -> None:
    response = client_for(user).post(
        POSTS, {"body": "Sunrise", "photos": [jpeg_with_exif("a.jpg"), jpeg_with_exif("b.jpg")]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    photos = Post.objects.get(pk=response.json()["id"]).photos.order_by("position")
    assert [p.position for p in photos] == [0, 1]
    for photo in photos:
        with default_storage.open(photo.image.name) as handle:
            image = Image.open(io.BytesIO(handle.read()))
            assert image.format == "JPEG"
            assert not image.getexif()
    assert len(response.json()["photos"]) == 2


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"body": "x" * 5001}, "validation_error"),
        ({"body": "   "}, "post_empty"),
        ({"body": "Hi", "visibility": "friends"}, "validation_error"),
        ({"body": "Hi", "trek": "no-such-trek"}, "validation_error"),
        ({"body": "Hi", "batch": "7b0e4a43-2f5e-4b43-9d1e-2d6c1f2b9a10"}, "validation_error"),
    ],
)
def test_invalid_posts_are_400(client_for: Client, user: User, payload: dict[str, str], code: str) -> None:
    response = client_for(user).post(POSTS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert not Post.objects.exists()


def test_batch_of_another_trek_is_400(client_for: Client, user: User) -> None:
    response = client_for(user).post(
        POSTS, {"body": "Hi", "trek": TrekFactory().slug, "batch": str(BatchFactory().pk)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "batch_not_of_trek"


def test_fake_and_too_many_photos_are_400(client_for: Client, user: User) -> None:
    client = client_for(user)
    fake = SimpleUploadedFile("evil.jpg", b"\xff\xd8\xff<?php echo 1; ?>", content_type="image/jpeg")
    response = client.post(POSTS, {"body": "x", "photos": [jpeg_with_exif(), fake]}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_photo"
    assert "Photo 2" in response.json()["error"]["details"]["photos"][0]
    response = client.post(POSTS, {"body": "x", "photos": [jpeg_with_exif() for _ in range(11)]}, format="multipart")
    assert response.status_code == 400
    assert not Post.objects.exists()


def test_anonymous_cannot_post_but_reads_public_posts(client_for: Client) -> None:
    public = PostFactory()
    PostFactory(visibility=Post.Visibility.TRIBE)
    anonymous = client_for(None)
    assert anonymous.post(POSTS, {"body": "hi"}, format="json").status_code == 401
    response = anonymous.get(POSTS)
    assert response.status_code == 200
    assert ids(response) == [str(public.pk)]


def test_members_see_tribe_posts_newest_first_with_cursor(client_for: Client, user: User) -> None:
    posts = [PostFactory(visibility=Post.Visibility.TRIBE if i % 2 else Post.Visibility.PUBLIC) for i in range(5)]
    client = client_for(user)
    first = client.get(POSTS, {"page_size": 3})
    assert ids(first) == [str(p.pk) for p in reversed(posts)][:3]
    second = client.get(first.json()["next"])
    assert ids(second) == [str(p.pk) for p in reversed(posts)][3:]
    assert second.json()["next"] is None


def test_filters_by_trek_and_author(client_for: Client, user: User) -> None:
    trek = TrekFactory()
    author = UserFactory()
    tagged = PostFactory(trek=trek)
    mine = PostFactory(author=author)
    PostFactory()
    client = client_for(user)
    assert ids(client.get(POSTS, {"trek": trek.slug})) == [str(tagged.pk)]
    assert ids(client.get(POSTS, {"author": str(author.pk)})) == [str(mine.pk)]
    assert client.get(POSTS, {"author": "not-a-uuid"}).status_code == 400


def test_author_deletes_softly_and_post_vanishes(client_for: Client, user: User) -> None:
    post = PostFactory(author=user)
    other = client_for(UserFactory())
    assert other.delete(f"{POSTS}{post.pk}/").status_code == 403
    assert client_for(None).delete(f"{POSTS}{post.pk}/").status_code == 401
    assert client_for(user).delete(f"{POSTS}{post.pk}/").status_code == 204
    post.refresh_from_db()
    assert post.deleted_at is not None
    for client in (client_for(user), other, client_for(None)):
        assert client.get(f"{POSTS}{post.pk}/").status_code == 404
        assert ids(client.get(POSTS)) == []
    assert client_for(user).delete(f"{POSTS}{post.pk}/").status_code == 404


def test_hidden_post_shows_only_to_author_and_moderators(client_for: Client, user: User, moderator: User) -> None:
    post = PostFactory(author=user)
    other = client_for(UserFactory())
    assert other.post(f"{POSTS}{post.pk}/hide/", {}, format="json").status_code == 403
    assert client_for(None).post(f"{POSTS}{post.pk}/hide/", {}, format="json").status_code == 401
    response = client_for(moderator).post(f"{POSTS}{post.pk}/hide/", {"reason": "spam"}, format="json")
    assert response.status_code == 200
    assert response.json()["is_hidden"] is True
    assert AuditLog.objects.filter(action="post.hidden", target_id=str(post.pk)).exists()

    assert other.get(f"{POSTS}{post.pk}/").status_code == 404
    assert ids(other.get(POSTS)) == []
    assert ids(client_for(None).get(POSTS)) == []
    mine = client_for(user).get(POSTS).json()["results"]
    assert [(row["id"], row["is_hidden"]) for row in mine] == [(str(post.pk), True)]
    assert ids(client_for(moderator).get(POSTS)) == [str(post.pk)]

    assert client_for(moderator).post(f"{POSTS}{post.pk}/unhide/").status_code == 200
    assert ids(other.get(POSTS)) == [str(post.pk)]
    assert AuditLog.objects.filter(action="post.unhidden", target_id=str(post.pk)).exists()


def test_hide_unknown_post_is_404(client_for: Client, moderator: User) -> None:
    response = client_for(moderator).post(f"{POSTS}7b0e4a43-2f5e-4b43-9d1e-2d6c1f2b9a10/hide/", {}, format="json")
    assert response.status_code == 404


def test_report_once_and_staff_see_reports(client_for: Client, user: User, moderator: User) -> None:
    post = PostFactory()
    client = client_for(user)
    url = f"{POSTS}{post.pk}/report/"
    assert client.post(url, {"reason": "spam", "details": "ads"}, format="json").status_code == 201
    again = client.post(url, {"reason": "abuse"}, format="json")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_reported"
    assert client.post(url, {"reason": "because"}, format="json").status_code == 400
    assert client_for(post.author).post(url, {"reason": "spam"}, format="json").status_code == 400
    assert client_for(None).post(url, {"reason": "spam"}, format="json").status_code == 401
    assert PostReport.objects.count() == 1

    assert client.get("/api/v1/community/reports/").status_code == 403
    reports = client_for(moderator).get("/api/v1/community/reports/", {"open": "true"})
    assert reports.status_code == 200
    assert [(r["post"], r["reason"]) for r in reports.json()["results"]] == [(str(post.pk), "spam")]

    client_for(moderator).post(f"{POSTS}{post.pk}/hide/", {}, format="json")
    assert client_for(moderator).get("/api/v1/community/reports/", {"open": "true"}).json()["results"] == []
    assert client_for(moderator).get("/api/v1/community/reports/").json()["results"][0]["post_is_hidden"] is True


def test_posting_is_rate_limited(client_for: Client, user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(PostCreateThrottle, "rate", "2/hour", raising=False)
    client = client_for(user)
    codes = [client.post(POSTS, {"body": f"post {i}"}, format="json").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert Post.objects.count() == 2
    assert client.get(POSTS).status_code == 200  # reading is not limited


def test_post_rate_is_configured_in_settings() -> None:
    from django.conf import settings

    assert "community_post" in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
