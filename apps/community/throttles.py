from __future__ import annotations

from rest_framework.throttling import UserRateThrottle


class PostCreateThrottle(UserRateThrottle):
    """Posts published per user (rate ``community_post`` in settings)."""

    scope = "community_post"


class CommentCreateThrottle(UserRateThrottle):
    """Comments written per user (rate ``community_comment`` in settings)."""

    scope = "community_comment"
