from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.users.models import User

Client = Callable[[User | None], APIClient]


@pytest.fixture
def moderator(staff_user: Callable[[str], User]) -> User:
    return staff_user("content")
