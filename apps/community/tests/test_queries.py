"""The feed, comments and journal lists run a constant number of queries whatever the page size."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.community.models import Comment, PostLike, PostPhoto
from apps.community.tests.conftest import Client
from apps.community.tests.factories import CommentFactory, PostFactory, make_booking, make_journal
from apps.treks.tests.factories import BatchFactory
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _count(client: object, url: str, params: dict[str, object]) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)  # type: ignore[attr-defined]
    assert response.status_code == 200
    return len(queries), len(response.json()["results"])


@pytest.fixture
def busy_feed(user: User) -> None:
    """100 posts with trek and batch tags, photos, likes, comments and replies."""
    people = UserFactory.create_batch(4)
    batch = BatchFactory()
    for i in range(100):
        post = PostFactory(
            author=people[i % 4], trek=batch.trek, batch=batch, visibility="tribe" if i % 3 else "public"
        )
        PostPhoto.objects.create(post=post, image=f"community/posts/p{i}.jpg", position=0)
        PostLike.objects.create(post=post, user=people[(i + 1) % 4])
        if i % 2:
            PostLike.objects.create(post=post, user=user)
        top = CommentFactory(post=post, author=people[(i + 2) % 4])
        Comment.objects.create(post=post, author=user, parent=top, body="reply")


@pytest.mark.usefixtures("busy_feed")
@pytest.mark.parametrize("anonymous", [False, True])
def test_feed_queries_do_not_grow_with_page_size(client_for: Client, user: User, anonymous: bool) -> None:
    client = client_for(None if anonymous else user)
    counts = {size: _count(client, "/api/v1/community/posts/", {"page_size": size}) for size in (1, 20, 100)}
    visible = 34 if anonymous else 100  # public posts: every third
    assert [shown for _, shown in counts.values()] == [1, 20, min(100, visible)]
    assert len({queries for queries, _ in counts.values()}) == 1, counts
    assert counts[100][0] <= (2 if anonymous else 3)  # (user), posts with counts, photos


@pytest.mark.usefixtures("busy_feed")
def test_comment_list_queries_are_constant(client_for: Client, user: User) -> None:
    post = PostFactory()
    for i in range(30):
        top = CommentFactory(post=post)
        CommentFactory(post=post, parent=top, body=f"reply {i}")
    client = client_for(user)
    url = f"/api/v1/community/posts/{post.pk}/comments/"
    counts = {size: _count(client, url, {"page_size": size}) for size in (1, 20, 100)}
    assert [shown for _, shown in counts.values()] == [1, 20, 30]
    assert len({queries for queries, _ in counts.values()}) == 1, counts


def test_journal_lists_queries_are_constant(client_for: Client, user: User) -> None:
    authors = UserFactory.create_batch(3)
    booking = make_booking(authors[0])
    trek = booking.batch.trek
    for i in range(100):
        entry = make_journal(authors[0], booking=booking, privacy="public" if i % 2 else "tribe", day_number=1 + i % 6)
        entry.photos.create(image=f"community/journals/j{i}.jpg", position=0)
    client = client_for(user)
    for url in ("/api/v1/community/journals/", f"/api/v1/treks/{trek.slug}/journals/"):
        counts = {size: _count(client, url, {"page_size": size}) for size in (1, 20, 100)}
        assert len({queries for queries, _ in counts.values()}) == 1, (url, counts)
        assert counts[100][0] <= 5, counts  # user, count, entries, photos (+ the trek)
