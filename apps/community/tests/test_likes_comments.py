"""Likes (idempotent, one per member, also under concurrency) and comments with one level of replies."""

from __future__ import annotations

from functools import partial

import pytest

from apps.common.tests.race import Race
from apps.community.models import Comment, PostLike
from apps.community.tests.conftest import Client
from apps.community.tests.factories import CommentFactory, PostFactory
from apps.community.throttles import CommentCreateThrottle
from apps.users.models import User
from apps.users.tests.factories import UserFactory

POSTS = "/api/v1/community/posts/"


@pytest.mark.django_db
def test_like_is_idempotent_and_unlike_too(client_for: Client, user: User) -> None:
    post = PostFactory()
    client = client_for(user)
    url = f"{POSTS}{post.pk}/like/"
    for _ in range(3):
        response = client.post(url)
        assert response.status_code == 200
        assert response.json() == {"liked": True, "likes_count": 1}
    client_for(UserFactory()).post(url)
    detail = client.get(f"{POSTS}{post.pk}/").json()
    assert (detail["likes_count"], detail["liked_by_me"]) == (2, True)
    for _ in range(2):
        response = client.delete(url)
        assert response.status_code == 200
        assert response.json() == {"liked": False, "likes_count": 1}
    assert client.get(f"{POSTS}{post.pk}/").json()["liked_by_me"] is False


@pytest.mark.django_db
def test_like_needs_sign_in_and_a_visible_post(client_for: Client, user: User) -> None:
    post = PostFactory()
    assert client_for(None).post(f"{POSTS}{post.pk}/like/").status_code == 401
    deleted = PostFactory(deleted_at=post.created_at)
    assert client_for(user).post(f"{POSTS}{deleted.pk}/like/").status_code == 404
    hidden = PostFactory(hidden_at=post.created_at)
    assert client_for(user).post(f"{POSTS}{hidden.pk}/like/").status_code == 404
    assert not PostLike.objects.exists()


@pytest.mark.django_db
def test_database_refuses_a_second_like() -> None:
    from django.db import IntegrityError, transaction

    like = PostLike.objects.create(post=PostFactory(), user=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        PostLike.objects.create(post=like.post, user=like.user)


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_end_as_one(client_for: Client, race: Race) -> None:
    post = PostFactory()
    user = UserFactory()
    clients = [client_for(user) for _ in range(6)]
    responses = race(*(partial(client.post, f"{POSTS}{post.pk}/like/") for client in clients))
    codes = [response.status_code for response in responses]
    assert codes == [200] * 6
    assert PostLike.objects.filter(post=post, user=user).count() == 1


@pytest.mark.django_db
def test_comments_and_replies(client_for: Client, user: User) -> None:
    post = PostFactory()
    client = client_for(user)
    url = f"{POSTS}{post.pk}/comments/"
    top = client.post(url, {"body": "Which month is best?"}, format="json")
    assert top.status_code == 201
    reply = client_for(post.author).post(url, {"body": "October.", "parent": top.json()["id"]}, format="json")
    assert reply.status_code == 201
    assert reply.json()["parent"] == top.json()["id"]

    deeper = client.post(url, {"body": "Thanks", "parent": reply.json()["id"]}, format="json")
    assert deeper.status_code == 400
    assert deeper.json()["error"]["code"] == "reply_depth_exceeded"

    elsewhere = CommentFactory()
    wrong = client.post(url, {"body": "x", "parent": str(elsewhere.pk)}, format="json")
    assert wrong.status_code == 400
    assert wrong.json()["error"]["code"] == "parent_not_on_post"
    assert client.post(url, {"body": ""}, format="json").status_code == 400
    assert client.post(url, {"body": "x" * 2001}, format="json").status_code == 400
    assert client_for(None).post(url, {"body": "hi"}, format="json").status_code == 401

    listed = client_for(None).get(url).json()["results"]
    assert [(c["body"], [r["body"] for r in c["replies"]]) for c in listed] == [("Which month is best?", ["October."])]
    assert client.get(f"{POSTS}{post.pk}/").json()["comments_count"] == 2


@pytest.mark.django_db
def test_comments_of_invisible_posts_are_404(client_for: Client, user: User) -> None:
    post = PostFactory(visibility="tribe")
    assert client_for(None).get(f"{POSTS}{post.pk}/comments/").status_code == 404
    assert client_for(user).get(f"{POSTS}{post.pk}/comments/").status_code == 200


@pytest.mark.django_db
def test_hidden_and_deleted_comments(client_for: Client, user: User, moderator: User) -> None:
    post = PostFactory()
    mine = CommentFactory(post=post, author=user, body="mine")
    theirs = CommentFactory(post=post, body="theirs")
    other = client_for(UserFactory())

    assert other.post(f"/api/v1/community/comments/{mine.pk}/hide/").status_code == 403
    assert client_for(moderator).post(f"/api/v1/community/comments/{mine.pk}/hide/").status_code == 200
    url = f"{POSTS}{post.pk}/comments/"
    assert [c["body"] for c in other.get(url).json()["results"]] == ["theirs"]
    assert [(c["body"], c["is_hidden"]) for c in client_for(user).get(url).json()["results"]] == [
        ("mine", True),
        ("theirs", False),
    ]
    assert other.get(f"{POSTS}{post.pk}/").json()["comments_count"] == 1
    assert client_for(moderator).post(f"/api/v1/community/comments/{mine.pk}/unhide/").status_code == 200
    assert other.get(f"{POSTS}{post.pk}/").json()["comments_count"] == 2

    assert client_for(user).delete(f"/api/v1/community/comments/{theirs.pk}/").status_code == 403
    assert client_for(None).delete(f"/api/v1/community/comments/{theirs.pk}/").status_code == 401
    assert client_for(user).delete(f"/api/v1/community/comments/{mine.pk}/").status_code == 204
    assert Comment.objects.get(pk=mine.pk).deleted_at is not None
    assert [c["body"] for c in client_for(user).get(url).json()["results"]] == ["theirs"]
    assert client_for(user).delete(f"/api/v1/community/comments/{mine.pk}/").status_code == 404


@pytest.mark.django_db
def test_commenting_is_rate_limited(client_for: Client, user: User, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(CommentCreateThrottle, "rate", "2/hour", raising=False)
    post = PostFactory()
    client = client_for(user)
    url = f"{POSTS}{post.pk}/comments/"
    codes = [client.post(url, {"body": f"c{i}"}, format="json").status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert client.get(url).status_code == 200
