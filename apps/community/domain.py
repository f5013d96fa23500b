"""Names the community domain gives to things outside it: the key of the points a challenge awards."""

from __future__ import annotations

from typing import Any


def challenge_points_key(*, user_id: Any, challenge_id: Any) -> str:
    return f"challenge:{challenge_id}:user:{user_id}"
