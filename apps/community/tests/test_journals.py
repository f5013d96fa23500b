"""community/journals/: entries only for the author's own confirmed or completed bookings, privacy, and the
public entries listed on the trek (treks/{slug}/journals/)."""

from __future__ import annotations

import pytest

from apps.bookings.models import BookingStatus
from apps.community.models import JournalEntry
from apps.community.tests.conftest import Client
from apps.community.tests.factories import jpeg_with_exif, make_booking, make_journal
from apps.treks.models import Trek
from apps.treks.tests.factories import TrekFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

JOURNALS = "/api/v1/community/journals/"


def entry_payload(trek: Trek, **extra: object) -> dict[str, object]:
    return {"trek": trek.slug, "day_number": 2, "title": "Above the clouds", "body": "Clear skies.", **extra}


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.COMPLETED])
def test_entry_for_my_booked_trek(client_for: Client, user: User, status: str) -> None:
    booking = make_booking(user, status=status)
    trek = booking.batch.trek
    response = client_for(user).post(
        JOURNALS,
        entry_payload(trek, privacy="tribe", location_name="Camp 2", latitude="32.2432", longitude="77.1892"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["trek"]["slug"], body["day_number"], body["privacy"], body["location_name"]) == (
        trek.slug,
        2,
        "tribe",
        "Camp 2",
    )
    assert JournalEntry.objects.get(pk=body["id"]).booking_id == booking.pk


def test_entry_with_photos(client_for: Client, user: User) -> None:
    trek = make_booking(user).batch.trek
    response = client_for(user).post(
        JOURNALS, {**entry_payload(trek), "photos": [jpeg_with_exif()]}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert len(response.json()["photos"]) == 1


@pytest.mark.parametrize("status", [BookingStatus.PENDING, BookingStatus.CANCELLED, BookingStatus.EXPIRED])
def test_no_entry_without_a_confirmed_or_completed_booking(client_for: Client, user: User, status: str) -> None:
    trek = make_booking(user, status=status).batch.trek
    response = client_for(user).post(JOURNALS, entry_payload(trek), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "trek_not_booked"
    assert not JournalEntry.objects.exists()


def test_no_entry_for_someone_elses_booking_or_unbooked_trek(client_for: Client, user: User) -> None:
    theirs = make_booking(UserFactory()).batch.trek
    for trek in (theirs, TrekFactory()):
        response = client_for(user).post(JOURNALS, entry_payload(trek), format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "trek_not_booked"
    assert not JournalEntry.objects.exists()


def test_invalid_entries_are_400(client_for: Client, user: User) -> None:
    trek = make_booking(user).batch.trek  # 6 days
    client = client_for(user)
    response = client.post(JOURNALS, entry_payload(trek, day_number=7), format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "day_out_of_range"
    for payload in (
        entry_payload(trek, day_number=0),
        entry_payload(trek, title=""),
        entry_payload(trek, privacy="friends"),
        entry_payload(trek, latitude="32.1"),
        entry_payload(trek, latitude="91", longitude="10"),
        {**entry_payload(trek), "trek": "no-such-trek"},
    ):
        assert client.post(JOURNALS, payload, format="json").status_code == 400, payload
    assert client_for(None).post(JOURNALS, entry_payload(trek), format="json").status_code == 401
    assert not JournalEntry.objects.exists()


def test_privacy(client_for: Client, user: User) -> None:
    author = UserFactory()
    private = make_journal(author, privacy="private", title="private")
    tribe = make_journal(author, privacy="tribe", title="tribe")
    public = make_journal(author, privacy="public", title="public")

    def titles(client: object) -> set[str]:
        return {row["title"] for row in client.get(JOURNALS).json()["results"]}  # type: ignore[attr-defined]

    assert titles(client_for(None)) == {"public"}
    assert titles(client_for(user)) == {"public", "tribe"}
    assert titles(client_for(author)) == {"public", "tribe", "private"}
    assert client_for(user).get(f"{JOURNALS}{private.pk}/").status_code == 404
    assert client_for(None).get(f"{JOURNALS}{tribe.pk}/").status_code == 404
    assert client_for(None).get(f"{JOURNALS}{public.pk}/").status_code == 200
    assert client_for(author).get(f"{JOURNALS}{private.pk}/").status_code == 200
    assert client_for(user).patch(f"{JOURNALS}{private.pk}/", {"title": "x"}, format="json").status_code == 404
    assert client_for(user).delete(f"{JOURNALS}{private.pk}/").status_code == 404


def test_author_edits_and_deletes(client_for: Client, user: User) -> None:
    entry = make_journal(user, privacy="public")
    client = client_for(user)
    url = f"{JOURNALS}{entry.pk}/"
    response = client.patch(url, {"title": "Renamed", "privacy": "private"}, format="json")
    assert response.status_code == 200
    assert (response.json()["title"], response.json()["privacy"]) == ("Renamed", "private")
    assert client.patch(url, {"day_number": 99}, format="json").json()["error"]["code"] == "day_out_of_range"
    client.patch(url, {"privacy": "tribe"}, format="json")
    other = client_for(UserFactory())
    assert other.patch(url, {"title": "mine now"}, format="json").status_code == 403
    assert other.delete(url).status_code == 403
    assert client_for(None).delete(url).status_code == 401
    assert client.delete(url).status_code == 204
    assert not JournalEntry.objects.exists()


def test_public_entries_are_listed_on_the_trek(client_for: Client, user: User) -> None:
    author = UserFactory()
    booking = make_booking(author)
    trek = booking.batch.trek
    public = make_journal(author, booking=booking, privacy="public")
    make_journal(author, booking=booking, privacy="tribe")
    make_journal(author, booking=booking, privacy="private")
    make_journal(UserFactory(), privacy="public")  # another trek
    for client in (client_for(None), client_for(user), client_for(author)):
        response = client.get(f"/api/v1/treks/{trek.slug}/journals/")
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [str(public.pk)]
    assert client_for(None).get("/api/v1/treks/no-such-trek/journals/").status_code == 404
    filtered = client_for(user).get(JOURNALS, {"trek": trek.slug}).json()["results"]
    assert {row["privacy"] for row in filtered} == {"public", "tribe"}


def test_deleting_an_entry_removes_its_photos(
    client_for: Client, user: User, django_capture_on_commit_callbacks: object
) -> None:
    from django.core.files.storage import default_storage

    trek = make_booking(user).batch.trek
    created = client_for(user).post(JOURNALS, {**entry_payload(trek), "photos": [jpeg_with_exif()]}, format="multipart")
    name = JournalEntry.objects.get(pk=created.json()["id"]).photos.get().image.name
    assert default_storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        assert client_for(user).delete(f"{JOURNALS}{created.json()['id']}/").status_code == 204
    assert not default_storage.exists(name)


def test_oversized_photo_is_400(client_for: Client, user: User, settings: object) -> None:
    settings.COMMUNITY_PHOTO_MAX_BYTES = 200  # type: ignore[attr-defined]
    trek = make_booking(user).batch.trek
    response = client_for(user).post(
        JOURNALS, {**entry_payload(trek), "photos": [jpeg_with_exif()]}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_photo"
