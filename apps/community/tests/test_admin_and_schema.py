"""Moderator admin (hide/unhide actions) and the API schema of the community app."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from apps.bookings.models import BookingStatus
from apps.common.models import AuditLog
from apps.community.models import Comment, Post, PostReport, UserBadge
from apps.community.tests.factories import ChallengeFactory, CommentFactory, PostFactory, make_booking
from apps.users.models import User
from apps.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("role", "allowed"), [("content", True), ("super_admin", True), ("finance", False)])
def test_admin_pages_are_for_moderators(staff_user: Callable[[str], User], role: str, allowed: bool) -> None:
    post = PostFactory()
    comment = CommentFactory(post=post)
    report = PostReport.objects.create(post=post, reporter=UserFactory(), reason="spam")
    challenge = ChallengeFactory()
    client = Client()
    client.force_login(staff_user(role))
    pages = [
        "/admin/community/post/",
        f"/admin/community/post/{post.pk}/change/",
        "/admin/community/comment/",
        f"/admin/community/comment/{comment.pk}/change/",
        "/admin/community/postreport/",
        f"/admin/community/postreport/{report.pk}/change/",
        "/admin/community/challenge/",
        f"/admin/community/challenge/{challenge.pk}/change/",
        "/admin/community/journalentry/",
        "/admin/community/userbadge/",
    ]
    for page in pages:
        assert client.get(page).status_code == (200 if allowed else 403), page


def test_admin_actions_hide_and_unhide(staff_user: Callable[[str], User]) -> None:
    moderator = staff_user("content")
    posts = PostFactory.create_batch(2)
    comment = CommentFactory()
    client = Client()
    client.force_login(moderator)
    ids = [str(p.pk) for p in posts]
    response = client.post("/admin/community/post/", {"action": "hide_posts", "_selected_action": ids})
    assert response.status_code == 302
    assert Post.objects.filter(hidden_at__isnull=False, hidden_by=moderator).count() == 2
    assert AuditLog.objects.filter(action="post.hidden", actor=moderator).count() == 2
    client.post("/admin/community/post/", {"action": "unhide_posts", "_selected_action": ids[:1]})
    assert Post.objects.filter(pk__in=ids, hidden_at__isnull=True).count() == 1
    client.post("/admin/community/comment/", {"action": "hide_comments", "_selected_action": [str(comment.pk)]})
    assert Comment.objects.get(pk=comment.pk).hidden_at is not None
    client.post("/admin/community/comment/", {"action": "unhide_comments", "_selected_action": [str(comment.pk)]})
    assert Comment.objects.get(pk=comment.pk).hidden_at is None
    report = PostReport.objects.create(post=PostFactory(), reporter=UserFactory(), reason="abuse")
    client.post("/admin/community/postreport/", {"action": "hide_reported_posts", "_selected_action": [str(report.pk)]})
    report.refresh_from_db()
    assert report.post.hidden_at is not None
    assert report.resolved_at is not None


def test_admin_action_awards_a_new_challenge_to_everyone_qualified(
    staff_user: Callable[[str], User], django_capture_on_commit_callbacks: Callable
) -> None:
    qualified = [UserFactory() for _ in range(2)]
    for member in qualified:
        make_booking(member, status=BookingStatus.COMPLETED)
    make_booking(UserFactory(), status=BookingStatus.CONFIRMED)
    challenge = ChallengeFactory(target=1)
    client = Client()
    client.force_login(staff_user("content"))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/community/challenge/", {"action": "award_everyone", "_selected_action": [str(challenge.pk)]}
        )
    assert set(UserBadge.objects.filter(challenge=challenge).values_list("user_id", flat=True)) == {
        m.pk for m in qualified
    }


ENDPOINTS = {
    "/api/v1/community/posts/": {"get": {400}, "post": {400, 401, 429}},
    "/api/v1/community/posts/{post_id}/": {"get": {404}, "delete": {401, 403, 404}},
    "/api/v1/community/posts/{post_id}/like/": {"post": {401, 404}, "delete": {401, 404}},
    "/api/v1/community/posts/{post_id}/comments/": {"get": {404}, "post": {400, 401, 404, 429}},
    "/api/v1/community/posts/{post_id}/report/": {"post": {400, 401, 404, 409}},
    "/api/v1/community/posts/{post_id}/hide/": {"post": {401, 403, 404}},
    "/api/v1/community/posts/{post_id}/unhide/": {"post": {401, 403, 404}},
    "/api/v1/community/comments/{comment_id}/": {"delete": {401, 403, 404}},
    "/api/v1/community/comments/{comment_id}/hide/": {"post": {401, 403, 404}},
    "/api/v1/community/comments/{comment_id}/unhide/": {"post": {401, 403, 404}},
    "/api/v1/community/reports/": {"get": {401, 403}},
    "/api/v1/community/journals/": {"get": {400}, "post": {400, 401, 403}},
    "/api/v1/community/journals/{entry_id}/": {"get": {404}, "patch": {400, 401, 403, 404}, "delete": {401, 403, 404}},
    "/api/v1/treks/{slug}/journals/": {"get": {404}},
    "/api/v1/community/challenges/": {"get": set()},
    "/api/v1/community/leaderboard/": {"get": {401}},
    "/api/v1/users/me/badges/": {"get": {401}},
}


def test_every_community_endpoint_documents_its_errors() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, methods in ENDPOINTS.items():
        assert path in schema["paths"], path
        for method, codes in methods.items():
            responses = schema["paths"][path][method]["responses"]
            assert codes <= {int(code) for code in responses if code.isdigit()}, (path, method)
